"""Derive the CPT lines of an encounter from what was performed (clinical.md §6).

NCS: one line, 95907–95913 by the number of studies. Needle EMG with NCS the same day: add-on
95886 (complete) or 95885 (limited) per extremity with RT/LT, 95887 per non-extremity site; without
NCS: 95860/95861/95863/95864 by the number of complete extremities, 95870 per limited extremity or
axial region, 95869 thoracic paraspinals, 95867/95868 cranial-nerve muscles, 95866 hemidiaphragm.
RNS: 95937 per nerve. The AANEM maximum-studies table is checked and any excess is a warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from edxkit.coding.aanem import check_max_studies, guess_indication
from edxkit.coding.ncs_count import NcsCount, count_ncs
from edxkit.coding.needle import NeedleSites, group_needle
from edxkit.coding.rules import CptRules, default_rules
from edxkit.model import Study

__all__ = ["Billing", "BillingLine", "derive_billing"]


@dataclass(frozen=True, slots=True)
class BillingLine:
    """One billed code: ``units`` of ``code`` with ``modifiers`` (``RT``/``LT``)."""

    code: str
    units: int = 1
    modifiers: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "units": self.units, "modifiers": list(self.modifiers)}


@dataclass(slots=True)
class Billing:
    """The codes of an encounter, the warnings, and the counts behind them.

    Parameters
    ----------
    lines : list of BillingLine
    warnings : list of str
        AANEM maximum exceeded, unit limits, incomplete documentation.
    rules_version : str
        Version of the rules table used.
    details : dict
        Study counts and per-extremity muscle / nerve / level counts (what an auditor checks).
    """

    lines: list[BillingLine] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rules_version: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "lines": [line.to_dict() for line in self.lines],
            "warnings": list(self.warnings),
            "rules_version": self.rules_version,
            "details": self.details,
        }


def _add(lines: list[BillingLine], code: str, modifiers: tuple[str, ...] = (), units: int = 1) -> None:
    """Add units to an existing line with the same code and modifiers, or a new line."""
    for i, line in enumerate(lines):
        if line.code == code and line.modifiers == modifiers:
            lines[i] = BillingLine(code, line.units + units, modifiers)
            return
    lines.append(BillingLine(code, units, modifiers))


def _ncs_lines(count: NcsCount, rules: CptRules, billing: Billing) -> None:
    if count.total == 0:
        return
    code = next(c for c in rules.ncs_codes if c.covers(count.total))
    _add(billing.lines, code.code)


def _needle_with_ncs(sites: NeedleSites, rules: CptRules, billing: Billing) -> None:
    needle = rules.needle
    codes = needle["with_ncs"]
    for ext in sites.extremities.values():
        code = codes["complete_extremity"] if ext.complete(needle) else codes["limited_extremity"]
        _add(billing.lines, code, (ext.modifier,) if codes["laterality_modifiers"] else ())
    units = len(sites.extremities)
    if units > codes["max_extremity_units"]:
        billing.warnings.append(
            f"{units} extremity needle units exceed the {codes['max_extremity_units']} allowed per day"
        )
    n_sites = (
        len(sites.axial)  # cervical / lumbar paraspinal region, either or both sides
        + bool(sites.thoracic)
        + len(sites.cranial)
        + len(sites.diaphragm)
        + bool(sites.other_axial)
    )
    if n_sites:
        _add(billing.lines, codes["non_extremity_per_site"], units=n_sites)


def _needle_without_ncs(sites: NeedleSites, rules: CptRules, billing: Billing) -> None:
    needle = rules.needle
    codes = needle["without_ncs"]
    complete = [e for e in sites.extremities.values() if e.complete(needle)]
    limited = [e for e in sites.extremities.values() if not e.complete(needle)]
    if complete:
        by_count = {int(k): v for k, v in codes["complete_by_extremities"].items()}
        _add(billing.lines, by_count[min(len(complete), max(by_count))])
    for ext in limited:
        mods = (ext.modifier,) if codes["laterality_modifiers_on_limited"] else ()
        _add(billing.lines, codes["limited_extremity"], mods)
    axial_units = len(sites.axial) + bool(sites.other_axial)
    if axial_units:
        _add(billing.lines, codes["axial_region"], units=axial_units)
    if sites.thoracic:
        _add(billing.lines, codes["thoracic_paraspinals"])
    if sites.cranial:
        _add(billing.lines, codes["cranial_bilateral" if len(sites.cranial) > 1 else "cranial_unilateral"])
    for _side in sorted(sites.diaphragm):
        _add(billing.lines, codes["hemidiaphragm"])


def _rns_lines(count: NcsCount, rules: CptRules, billing: Billing) -> None:
    if not count.rns:
        return
    _add(billing.lines, rules.rns_code, units=len(count.rns))
    if len(count.rns) > rules.rns_max_units:
        billing.warnings.append(f"{len(count.rns)} RNS nerves exceed the {rules.rns_max_units} units allowed")


def _details(count: NcsCount, sites: NeedleSites, rules: CptRules) -> dict[str, Any]:
    needle = rules.needle
    return {
        "ncs_studies": count.total,
        "motor": [f"{side} {nerve}" for nerve, side in count.motor],
        "sensory": [f"{side} {nerve}" for nerve, side in count.sensory],
        "h_reflex": [f"{side} {nerve}" for nerve, side in count.h_reflex],
        "rns": [f"{side} {nerve}" for nerve, side in count.rns],
        "extremities": [
            {
                "limb": e.limb,
                "side": e.side,
                "muscles": len(e.counted(needle)),
                "nerves": len(e.nerves(needle)),
                "levels": len(e.levels(needle)),
                "complete": e.complete(needle),
                "paraspinals_included": list(e.paraspinals),
            }
            for e in sites.extremities.values()
        ],
    }


def derive_billing(study: Study, *, indication: str | None = None, rules: CptRules | None = None) -> Billing:
    """The CPT lines for what ``study`` performed, with warnings.

    Parameters
    ----------
    study : Study
    indication : str, optional
        Row of the AANEM maximum-studies table (``radiculopathy``, ``carpal_tunnel_bilateral`` ...);
        guessed from ``study.indication`` and the sides studied when not given.
    rules : CptRules, optional
        Rules table; the packaged one by default.

    Returns
    -------
    Billing
        Lines in the order NCS, needle, RNS.
    """
    rules = rules or default_rules()
    billing = Billing(rules_version=rules.version)
    count, sites = count_ncs(study), group_needle(study)
    _ncs_lines(count, rules, billing)
    if count.total:
        _needle_with_ncs(sites, rules, billing)
    else:
        _needle_without_ncs(sites, rules, billing)
    _rns_lines(count, rules, billing)
    billing.details = _details(count, sites, rules)
    row = indication or guess_indication(study, rules)
    billing.details["indication"] = row
    billing.warnings += check_max_studies(study, count, sites, rules, indication=row)
    return billing
