"""Analyze a whole study: every nerve study and every needle recording, then interpretation and billing.

The result is ``edxkit.result/1`` (DESIGN.md): per nerve its sites, segments and late-response or
repetitive-stimulation measures with abnormal flags and the limits used, plus study-level warnings
such as a limb below the temperature floor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from edxkit.coding import Billing, derive_billing
from edxkit.emg.analysis import EmgSettings
from edxkit.emg.muscle import MuscleResult, analyze_needle_exams
from edxkit.interpret import Interpretation, interpret
from edxkit.model import Study
from edxkit.ncs.nerve import NcsSettings, analyze_conduction
from edxkit.ncs.order import unordered_warnings
from edxkit.ncs.results import NerveResult
from edxkit.ncs.sides import SideComparison, side_comparisons
from edxkit.ncs.special import analyze_special
from edxkit.temperature import temperature_problems

RESULT_SCHEMA = "edxkit.result/1"


@dataclass(slots=True)
class StudyResult:
    """Everything measured in a study, ready for interpretation and the report."""

    study_id: str
    age_years: float
    ncs: list[NerveResult] = field(default_factory=list)
    emg: list[MuscleResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    comparisons: list[SideComparison] = field(default_factory=list)  # right vs left (edxkit.ncs.sides)
    norms: dict[str, str] = field(default_factory=dict)
    interpretation: Interpretation | None = None
    billing: Billing | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "schema": RESULT_SCHEMA,
            "study": self.study_id,
            "norms": self.norms,
            "warnings": list(self.warnings),
            "ncs": [n.to_dict() for n in self.ncs],
            "comparisons": [c.to_dict() for c in self.comparisons],
            "emg": [m.to_dict() for m in self.emg],
        }
        if self.interpretation is not None:
            interp = self.interpretation.to_dict()
            out["impressions"] = interp["impressions"]
            out["limitations"] = interp.get("limitations", [])
            out["statement"] = interp.get("statement")
        if self.billing is not None:
            bill = self.billing.to_dict()
            out["billing"] = bill["lines"]
            out["billing_warnings"] = bill.get("warnings", [])
            out["billing_rules_version"] = bill.get("rules_version")
        return out


def analyze_study(
    study: Study, settings: NcsSettings | None = None, emg_settings: EmgSettings | None = None
) -> StudyResult:
    """Measure every nerve study and needle recording of ``study``; judge them against the normal limits."""
    settings = settings or NcsSettings()
    result = StudyResult(study.id, study.patient.age)
    result.norms = {
        "table": settings.norms.name,
        "version": settings.norms.version,
        "criteria": settings.criteria,
    }
    for nerve in study.ncs:
        if nerve.kind in ("motor", "sensory"):
            result.ncs.append(analyze_conduction(study, nerve, settings))
        else:
            result.ncs.append(analyze_special(study, nerve, settings))
    result.comparisons = side_comparisons(result.ncs, study.patient.age)
    result.emg = analyze_needle_exams(study, emg_settings)
    for muscle in result.emg:
        result.warnings.extend(f"{muscle.muscle} ({muscle.side}): {e}" for e in muscle.errors)
    result.warnings.extend(t.describe() for t in temperature_problems(study))
    result.warnings.extend(unordered_warnings(result.ncs))
    result.interpretation = interpret(study, result)
    result.billing = derive_billing(study)
    return result
