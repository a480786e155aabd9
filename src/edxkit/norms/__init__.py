"""Normative limits: versioned data tables with provenance, looked up by nerve, study, age and segment."""

from edxkit.norms.limits import Limit, NormTable, default_table, load_table

__all__ = ["Limit", "NormTable", "default_table", "load_table"]
