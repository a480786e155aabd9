"""Group needle-examined muscles by extremity and site, and judge complete vs limited (clinical.md §6.2).

Extremities are (limb, side). Related paraspinals (cervical with an arm, lumbosacral with a leg) are
part of the extremity study; they count toward the 5 muscles only if the rules say so. Thoracic
paraspinals, cranial-nerve muscles (trapezius included), the diaphragm and other axial muscles are
non-extremity sites.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from edxkit.anatomy.innervation import muscle_supply
from edxkit.anatomy.localize import limb_of_muscle
from edxkit.anatomy.names import muscles
from edxkit.anatomy.segments import peripheral_nerve_of
from edxkit.model import Study

__all__ = ["Extremity", "NeedleSites", "group_needle"]

PARASPINALS = {"cervical_paraspinals": "upper", "lumbosacral_paraspinals": "lower"}


@dataclass(slots=True)
class Extremity:
    """Muscles of one limb on one side, with the counts behind the 5-muscle / 3-nerve / 4-level rule."""

    limb: str
    side: str
    muscles: list[str] = field(default_factory=list)
    paraspinals: list[str] = field(default_factory=list)

    def counted(self, rules: dict[str, Any]) -> list[str]:
        """Muscles counted toward the complete-study minimum."""
        return self.muscles + (self.paraspinals if rules["paraspinals_count_toward_complete"] else [])

    def nerves(self, rules: dict[str, Any]) -> set[str]:
        return {peripheral_nerve_of(m) or m for m in self.counted(rules)}

    def levels(self, rules: dict[str, Any]) -> set[str]:
        return {r for m in self.counted(rules) for r in muscle_supply(m).main_roots}

    def complete(self, rules: dict[str, Any]) -> bool:
        """True when ≥5 counted muscles come from ≥3 nerves or ≥4 spinal levels."""
        enough = len(self.counted(rules)) >= rules["complete_min_muscles"]
        spread = (
            len(self.nerves(rules)) >= rules["complete_min_nerves"]
            or len(self.levels(rules)) >= rules["complete_min_levels"]
        )
        return enough and spread

    @property
    def modifier(self) -> str:
        return "RT" if self.side == "right" else "LT"


@dataclass(slots=True)
class NeedleSites:
    """Needle-examined sites of a study: extremities and non-extremity sites (name → sides)."""

    extremities: dict[tuple[str, str], Extremity] = field(default_factory=dict)
    axial: dict[str, set[str]] = field(default_factory=dict)  # cervical/lumbar paraspinals without a limb
    thoracic: set[str] = field(default_factory=set)
    cranial: set[str] = field(default_factory=set)  # sides with cranial-nerve muscles
    diaphragm: set[str] = field(default_factory=set)
    other_axial: set[str] = field(default_factory=set)


def _site_kind(muscle: str) -> str:
    region = muscles()[muscle].region
    if muscle in PARASPINALS:
        return "paraspinal"
    if muscle == "thoracic_paraspinals":
        return "thoracic"
    if muscle == "diaphragm":
        return "diaphragm"
    if muscle_supply(muscle).cranial or region in ("face", "head", "neck"):
        return "cranial"
    return "limb" if limb_of_muscle(muscle) is not None and region != "axial" else "other_axial"


def group_needle(study: Study) -> NeedleSites:
    """Muscles of the needle examination by extremity and non-extremity site."""
    sites = NeedleSites()
    paraspinals: list[tuple[str, str]] = []  # (muscle, side)
    for exam in study.emg:
        kind = _site_kind(exam.muscle)
        if kind == "limb":
            limb: str = limb_of_muscle(exam.muscle) or "upper"
            ext = sites.extremities.setdefault((limb, exam.side), Extremity(limb, exam.side))
            if exam.muscle not in ext.muscles:
                ext.muscles.append(exam.muscle)
        elif kind == "paraspinal":
            paraspinals.append((exam.muscle, exam.side))
        else:
            target = {"thoracic": sites.thoracic, "cranial": sites.cranial, "diaphragm": sites.diaphragm}
            target.get(kind, sites.other_axial).add(exam.side)
    for muscle, side in paraspinals:
        region = PARASPINALS[muscle]
        related = sites.extremities.get((region, side)) or next(
            (e for (lb, _), e in sites.extremities.items() if lb == region), None
        )
        if related is not None:
            related.paraspinals.append(muscle)
        else:
            sites.axial.setdefault(muscle, set()).add(side)
    return sites
