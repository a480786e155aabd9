"""CPT code derivation from what an encounter performed (clinical.md §6; rules in versioned data files).

``derive_billing(study)`` returns the billed lines (NCS 95907–95913, needle EMG, 95937) and warnings,
including the AANEM maximum-studies check. Rules: ``cpt_rules.yaml``, ``aanem_max_studies.csv`` and
``appendix_j.csv`` in this package.
"""

from edxkit.coding.billing import Billing, BillingLine, derive_billing
from edxkit.coding.rules import CptRules, default_rules, load_rules

__all__ = ["Billing", "BillingLine", "CptRules", "default_rules", "derive_billing", "load_rules"]
