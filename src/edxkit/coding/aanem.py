"""Check an encounter against the AANEM maximum-number-of-studies table (clinical.md §6.3).

The table gives, per indication, the needle limbs, motor NCS (with or without F), sensory NCS and
H-reflex/NMJ studies sufficient in most patients; more is allowed but should be justified in the
record, so an excess is a warning, never an error.
"""

from __future__ import annotations

import re

from edxkit.anatomy.names import nerves
from edxkit.coding.ncs_count import NcsCount
from edxkit.coding.needle import NeedleSites
from edxkit.coding.rules import CptRules, MaxStudies, max_studies
from edxkit.model import Study

__all__ = ["check_max_studies", "guess_indication"]

_SIDED = {"carpal_tunnel", "tarsal_tunnel", "pain_numbness_tingling"}
_SYMPTOMS = ("pain_numbness_tingling", "weakness_fatigue_cramps_twitching")


def _sides(study: Study) -> set[str]:
    return {n.side for n in study.ncs} | {m.side for m in study.emg}


def _limbs(study: Study) -> set[tuple[str, str]]:
    out = {(nerves()[n.nerve].limb, n.side) for n in study.ncs}
    return out | {("muscle", m.side) for m in study.emg}


def guess_indication(study: Study, rules: CptRules) -> str | None:
    """The AANEM table row for the study's indication text, or None when nothing matches.

    Parameters
    ----------
    study : Study
    rules : CptRules
        Supplies ``indication_patterns`` (regular expressions anchored at a word start).

    Returns
    -------
    str or None
        E.g. ``"radiculopathy"``, ``"carpal_tunnel_bilateral"``.

    Notes
    -----
    The families are tried in the order of ``indication_patterns``, most specific first (a suspected
    diagnosis, then the symptoms). A text that names only symptoms — pain, numbness or tingling, and
    weakness, cramps or twitching — gets the most permissive of their rows: a study of "weakness of arms
    and legs and numbness" must cover both complaints, and the warning should not hold it to the
    one-limb numbness row.
    """
    text = study.indication.lower()
    matched = [
        f
        for f, patterns in rules.indication_patterns.items()
        if any(re.search(r"\b" + p, text) for p in patterns)
    ]
    specific = [f for f in matched if f not in _SYMPTOMS]
    if specific:
        return _row_id(specific[0], study)
    rows = [_row_id(f, study) for f in matched]
    if not rows:
        return None
    table = max_studies()
    return max(rows, key=lambda r: _allowance(table[r]) if r in table else -1)


def _row_id(family: str, study: Study) -> str:
    if family in _SIDED:
        return f"{family}_{'bilateral' if len(_sides(study)) > 1 else 'unilateral'}"
    if family == "weakness_fatigue_cramps_twitching":
        return f"{family}_{'general' if len(_limbs(study)) > 2 else 'focal'}"
    return family


def _allowance(row: MaxStudies) -> int:
    return row.needle_emg_limbs + row.motor_ncs + row.sensory_ncs + row.other_h_or_nmj


def check_max_studies(
    study: Study, count: NcsCount, sites: NeedleSites, rules: CptRules, *, indication: str | None = None
) -> list[str]:
    """Warnings for every count above the AANEM maximum for the indication.

    Parameters
    ----------
    study : Study
    count : NcsCount
    sites : NeedleSites
    rules : CptRules
    indication : str, optional
        Table row; guessed with :func:`guess_indication` when None.

    Returns
    -------
    list of str
        One warning per exceeded maximum (empty when within limits or no row applies).
    """
    row_id = indication or guess_indication(study, rules)
    if row_id is None:
        return ["AANEM maximum-studies check skipped: indication not recognised"]
    row = max_studies().get(row_id)
    if row is None:
        return [f"AANEM maximum-studies check skipped: unknown indication {row_id!r}"]
    performed = {
        "needle EMG limbs": (len(sites.extremities), row.needle_emg_limbs),
        "motor NCS (with or without F)": (len(count.motor), row.motor_ncs),
        "sensory NCS": (len(count.sensory), row.sensory_ncs),
        "H-reflex / NMJ studies": (len(count.h_reflex) + len(count.rns), row.other_h_or_nmj),
    }
    out = []
    for what, (done, maximum) in performed.items():
        if maximum == 0 and done:
            out.append(f"AANEM table ({row_id}): {what} not listed for this indication ({done} done)")
        elif maximum and done > maximum:
            out.append(
                f"AANEM table ({row_id}): {done} {what} exceed the usual maximum of {maximum}; "
                "document why in the report"
            )
    return out
