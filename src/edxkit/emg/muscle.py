"""One muscle of a study: its needle recordings analysed and pooled into the muscle's findings.

Rest recordings give the spontaneous-activity grades (the highest grade over the recordings of a muscle);
minimal and moderate recordings give the motor units, pooled over recordings into one MUAP summary (as
multi-MUP analysis pools 20 MUAPs from several needle positions) and the recruitment of the recording with the
most units; moderate and maximal recordings give the interference pattern. The muscle is then classified
once, from the pooled figures, and its automatic findings (study vocabulary) sit under the examiner's entered
ones in the interpretation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from edxkit.emg.analysis import EmgSettings, analyze_needle_file
from edxkit.emg.classify import Classification, classify_muscle
from edxkit.emg.result import NeedleResult, dataclass_dict
from edxkit.emg.summary import MuapSummary, summarize
from edxkit.errors import EdxInputError
from edxkit.model import Findings, MuscleExam, Study

GRADE_ORDER = ("0", "1+", "2+", "3+", "4+")
GRADE_KEYS = {
    "fibrillation": "fibrillations",
    "positive_sharp_wave": "positive_sharp_waves",
    "fasciculation": "fasciculations",
}
OTHER_TYPES = ("myotonic", "complex_repetitive", "myokymic")
MIN_REST_S = (
    2.0  # a 1+ grade needs a train persisting > 2–3 s (clinical.md §3.1): less rest cannot say "none"
)


@dataclass(slots=True)
class MuscleResult:
    """The automatic needle findings of one muscle on one side (``result.emg[i]``)."""

    muscle: str
    side: str
    recordings: list[NeedleResult] = field(default_factory=list)
    grades: dict[str, str] = field(default_factory=dict)
    other_discharges: list[str] = field(default_factory=list)
    summary: MuapSummary | None = None
    classification: Classification | None = None
    findings: Findings | None = None
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        cls = self.classification
        best = _best_recruitment(self.recordings)
        return {
            "muscle": self.muscle,
            "side": self.side,
            "spontaneous": dict(self.grades),
            "other_discharges": list(self.other_discharges),
            "muap": dataclass_dict(self.summary) if self.summary is not None else {"count": 0},
            "recruitment": dataclass_dict(best.recruitment) if best and best.recruitment else None,
            "classification": cls.label if cls is not None else None,
            "reasons": [dataclass_dict(r) for r in cls.reasons] if cls is not None else [],
            "findings": self.findings.model_dump(exclude_none=True, exclude_defaults=True)
            if self.findings is not None
            else {},
            "recordings": [r.to_dict(templates=False) for r in self.recordings],
            "errors": list(self.errors),
            "notes": list(self.notes),
        }


def _best_recruitment(recordings: list[NeedleResult]) -> NeedleResult | None:
    voluntary = [r for r in recordings if r.recruitment is not None]
    return max(voluntary, key=lambda r: len(r.accepted_units)) if voluntary else None


def _max_grade(grades: list[str]) -> str:
    return max(grades, key=GRADE_ORDER.index) if grades else "0"


def analyze_muscle(
    study: Study, exam: MuscleExam, settings: EmgSettings | None = None
) -> MuscleResult | None:
    """Analyse every recording of ``exam``; None when the exam has no recordings (entered findings only)."""
    if not exam.recordings:
        return None
    out = MuscleResult(exam.muscle, exam.side)
    for ref in exam.recordings:
        try:
            out.recordings.append(
                analyze_needle_file(
                    study.resolve(ref.file),
                    ref.channel,
                    muscle=exam.muscle,
                    age_years=study.patient.age,
                    condition=ref.condition,
                    settings=settings,
                )
            )
        except EdxInputError as exc:
            out.errors.append(str(exc))
    rest = [r for r in out.recordings if r.spontaneous is not None]
    rest_s = sum(r.analysed_s for r in rest)
    for kind, key in GRADE_KEYS.items():
        if rest:
            grade = _max_grade([r.spontaneous.grades.get(kind, "0") for r in rest if r.spontaneous])
            if grade != "0" or rest_s >= MIN_REST_S:
                out.grades[key] = grade
    if rest and rest_s < MIN_REST_S:
        out.notes.append(
            f"only {rest_s:.1f} s at rest: absent spontaneous activity needs {MIN_REST_S:g} s to be graded 0"
        )
    out.other_discharges = sorted(
        {t for r in rest if r.spontaneous for t in r.spontaneous.other_discharges if t in OTHER_TYPES}
    )
    units = [u for r in out.recordings for u in r.accepted_units]
    if units:
        out.summary = summarize([u.measures for u in units], [u.stability for u in units])
    best = _best_recruitment(out.recordings)
    ip = [r.interference for r in out.recordings if r.interference is not None and r.condition == "maximal"]
    out.classification = classify_muscle(
        out.summary,
        muscle=exam.muscle,
        age_years=study.patient.age,
        spontaneous_grades={k: out.grades[v] for k, v in GRADE_KEYS.items() if v in out.grades} or None,
        recruitment=best.recruitment if best else None,
        interference=max(ip, key=lambda i: i.envelope_uv) if ip else None,
        norms=settings.norms if settings else None,
    )
    out.findings = _findings(out)
    return out


def _findings(result: MuscleResult) -> Findings:
    """Automatic findings in the study vocabulary (only what was assessed)."""
    values: dict[str, Any] = dict(result.grades)
    if result.other_discharges:
        values["other_discharges"] = list(result.other_discharges)
    cls = result.classification
    if cls is not None:
        for key in ("muap_amplitude", "muap_duration", "polyphasia", "recruitment", "interference"):
            value = cls.findings.get(key)
            if value is not None and _allowed(key, value):
                values[key] = value
    return Findings.model_validate(values)


def _allowed(key: str, value: Any) -> bool:
    """Whether ``value`` is in the study vocabulary for ``key`` (e.g. ``undetermined`` is not a finding)."""
    try:
        Findings.model_validate({key: value})
    except ValueError:
        return False
    return True


def analyze_needle_exams(study: Study, settings: EmgSettings | None = None) -> list[MuscleResult]:
    """Every muscle of the study that has recordings."""
    out = []
    for exam in study.emg:
        result = analyze_muscle(study, exam, settings)
        if result is not None:
            out.append(result)
    return out
