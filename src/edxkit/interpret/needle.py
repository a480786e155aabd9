"""What the entered needle findings of a muscle mean (clinical.md §3.1–3.3).

* active denervation: fibrillations or positive sharp waves ≥1+;
* chronic neurogenic change (reinnervation): MUAP amplitude or duration increased;
* neurogenic recruitment: reduced or discrete (few units firing fast);
* myopathic: MUAP amplitude or duration decreased, or early recruitment;
* a key left out is not assessed, not normal; a muscle with no key is not assessed at all.

A muscle with denervation potentials but no MUAP abnormality is classified neurogenic (acute) here;
the myopathy rule claims such muscles first when the study shows a myopathic pattern.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from edxkit.anatomy.innervation import muscle_supply
from edxkit.anatomy.localize import limb_of_muscle
from edxkit.anatomy.names import muscles
from edxkit.model import MuscleExam

__all__ = ["MuscleFacts", "muscle_facts"]

Region = Literal["bulbar", "cervical", "thoracic", "lumbosacral"]
Classification = Literal["normal", "neurogenic", "myopathic", "mixed", "other", "not_assessed"]
_GRADE_RANK = {"0": 0, "1+": 1, "2+": 2, "3+": 3, "4+": 4}


@dataclass(frozen=True, slots=True)
class MuscleFacts:
    """One examined muscle and what its findings mean.

    Parameters
    ----------
    exam : MuscleExam
    limb : {"upper", "lower"} or None
    region : {"bulbar", "cervical", "thoracic", "lumbosacral"} or None
        El Escorial / Gold Coast body region.
    """

    exam: MuscleExam
    limb: str | None
    region: Region | None

    @property
    def muscle(self) -> str:
        return self.exam.muscle

    @property
    def side(self) -> str:
        return self.exam.side

    @property
    def key(self) -> tuple[str, str, str]:
        return ("emg", self.exam.muscle, self.exam.side)

    def grade(self, name: str) -> int:
        """Rank 0–4 of a spontaneous-activity grade (0 when not assessed)."""
        value = getattr(self.exam.findings, name)
        return _GRADE_RANK.get(value, 0) if value is not None else 0

    @property
    def denervation_grade(self) -> int:
        return max(self.grade("fibrillations"), self.grade("positive_sharp_waves"))

    @property
    def active(self) -> bool:
        """Fibrillations or positive sharp waves ≥1+."""
        return self.denervation_grade >= 1

    @property
    def fasciculations(self) -> bool:
        return self.grade("fasciculations") >= 1

    @property
    def chronic(self) -> bool:
        """Large and/or long-duration MUAPs (reinnervation)."""
        f = self.exam.findings
        return f.muap_amplitude == "increased" or f.muap_duration == "increased"

    @property
    def reduced_recruitment(self) -> bool:
        return self.exam.findings.recruitment in ("reduced", "discrete")

    @property
    def myopathic_muaps(self) -> bool:
        f = self.exam.findings
        return f.muap_amplitude == "decreased" or f.muap_duration == "decreased" or f.recruitment == "early"

    @property
    def neurogenic_muaps(self) -> bool:
        return self.chronic or self.reduced_recruitment

    @property
    def assessed(self) -> bool:
        f = self.exam.findings
        return any(
            getattr(f, name) is not None for name in type(f).model_fields if name != "other_discharges"
        ) or (bool(f.other_discharges))

    @property
    def classification(self) -> Classification:
        """normal | neurogenic | myopathic | mixed | other (discharges/insertional only) | not_assessed."""
        if not self.assessed:
            return "not_assessed"
        neuro, myo = self.neurogenic_muaps, self.myopathic_muaps
        if neuro and myo:
            return "mixed"
        if myo:
            return "myopathic"
        if neuro or self.active:
            return "neurogenic"
        if self.exam.findings.other_discharges or self.exam.findings.insertional in (
            "increased",
            "decreased",
        ):
            return "other"
        if self.fasciculations:
            return "other"
        return "normal"

    @property
    def abnormal(self) -> bool:
        return self.classification not in ("normal", "not_assessed")

    @property
    def chronicity(self) -> str | None:
        """acute (denervation, no reinnervation yet) | chronic | chronic_active, or None."""
        if self.active and self.chronic:
            return "chronic_active"
        if self.active:
            return "acute"
        if self.chronic:
            return "chronic"
        return None

    def abnormal_fields(self) -> list[str]:
        """Names of the findings that are abnormal (for evidence rows)."""
        f = self.exam.findings
        out = [n for n in ("fibrillations", "positive_sharp_waves", "fasciculations") if self.grade(n) >= 1]
        if f.insertional in ("increased", "decreased"):
            out.append("insertional")
        out += [n for n in ("muap_amplitude", "muap_duration") if getattr(f, n) in ("increased", "decreased")]
        if f.polyphasia == "increased":
            out.append("polyphasia")
        if f.recruitment not in (None, "normal"):
            out.append("recruitment")
        if f.interference not in (None, "full"):
            out.append("interference")
        if f.other_discharges:
            out.append("other_discharges")
        return out


def _region(muscle: str) -> Region | None:
    supply = muscle_supply(muscle)
    if muscle == "trapezius":
        return "cervical"  # spinal accessory nucleus lies in the upper cervical cord (TB)
    if supply.cranial or muscles()[muscle].region in ("face", "head"):
        return "bulbar"
    if muscle in ("thoracic_paraspinals", "rectus_abdominis"):
        return "thoracic"
    if muscle == "diaphragm":
        return "cervical"
    limb = limb_of_muscle(muscle)
    return {"upper": "cervical", "lower": "lumbosacral"}.get(limb or "")  # type: ignore[return-value]


def muscle_facts(exam: MuscleExam) -> MuscleFacts:
    """Facts of one examined muscle."""
    return MuscleFacts(exam=exam, limb=limb_of_muscle(exam.muscle), region=_region(exam.muscle))
