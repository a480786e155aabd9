"""What the study page shows, gathered from the stored rows and the cached analysis."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, get_args, get_origin

from sqlalchemy import select
from sqlalchemy.orm import Session

from edxkit.model import Findings
from edxkit.report.labels import capital, muscle_label, words
from edxkit.report.model import NerveSection, Table
from edxkit.store.models import ReportRow, StudyRow, WaveformRow
from edxkit.web.analysis import Analysed


def _literal_values(annotation: Any) -> tuple[str, ...]:
    """The string values a finding's type allows (``Literal`` inside ``Annotated``, ``| None``, ``list``)."""
    if get_origin(annotation) is Literal:
        return tuple(str(a) for a in get_args(annotation))
    return tuple(v for arg in get_args(annotation) for v in _literal_values(arg))


# Choices offered for each needle finding in the EMG table, from the study model's types ("" clears an
# entered value: automatic again). A multi-valued finding takes any subset of its choices.
FINDING_CHOICES: dict[str, tuple[str, ...]] = {
    name: _literal_values(info.annotation) for name, info in Findings.model_fields.items()
}
MULTI_FINDINGS = frozenset(
    name for name, info in Findings.model_fields.items() if get_origin(info.annotation) is list
)
SITE_FIELDS = (
    "onset_latency_ms",
    "peak_latency_ms",
    "amplitude_mv",
    "amplitude_uv",
    "duration_ms",
    "area_mv_ms",
)


@dataclass(frozen=True, slots=True)
class NerveView:
    """A motor or sensory nerve study: its index in the study's ``ncs`` list and its report section."""

    index: int
    section: NerveSection
    has_waveforms: bool


@dataclass(frozen=True, slots=True)
class NeedleView:
    """A needle recording the viewer can open."""

    waveform_id: int
    label: str
    duration_s: float


@dataclass(slots=True)
class MuscleView:
    index: int
    label: str
    recordings: list[NeedleView] = field(default_factory=list)


def nerve_views(analysed: Analysed) -> list[NerveView]:
    """Motor and sensory sections in study order, each with its index in ``study.ncs``."""
    sections = {s.key: s for s in (*analysed.report.motor, *analysed.report.sensory)}
    out = []
    for i, nerve in enumerate(analysed.study.ncs):
        key = f"{nerve.side}-{nerve.nerve}-{nerve.kind}-{nerve.record or ''}"
        if nerve.kind in ("motor", "sensory") and key in sections:
            has = any(site.waveform is not None for site in nerve.sites)
            out.append(NerveView(i, sections[key], has))
    return out


def special_tables(analysed: Analysed) -> list[tuple[str, Table]]:
    report = analysed.report
    pairs = (
        ("F waves", report.f_waves),
        ("H reflex", report.h_reflex),
        ("Repetitive stimulation", report.rns),
    )
    return [(title, table) for title, table in pairs if table is not None]


def muscle_views(session: Session, row: StudyRow, analysed: Analysed) -> list[MuscleView]:
    """Muscles in study order with their stored needle recordings (waveform ids for the viewer)."""
    waves = session.scalars(
        select(WaveformRow)
        .where(WaveformRow.study_id == row.id, WaveformRow.role == "needle")
        .order_by(WaveformRow.ref)
    ).all()
    by_ref = {w.ref: w for w in waves}
    out = []
    for i, exam in enumerate(analysed.study.emg):
        view = MuscleView(i, f"{capital(exam.side)} {muscle_label(exam.muscle)}")
        for j, rec in enumerate(exam.recordings):
            w = by_ref.get(f"emg[{i}].recordings[{j}]")
            if w is not None:
                view.recordings.append(
                    NeedleView(w.id, f"{capital(words(rec.condition))} ({j + 1})", w.n_samples / w.fs_hz)
                )
        out.append(view)
    return out


def report_row(session: Session, study_pk: int) -> ReportRow | None:
    return session.scalar(select(ReportRow).where(ReportRow.study_id == study_pk))


def report_state(row: ReportRow | None) -> str:
    """``draft`` (or none yet), ``signed``, or ``amended`` (signed with addenda)."""
    if row is None or row.signed_at is None:
        return "draft"
    return "amended" if row.addenda else "signed"


def study_header(row: StudyRow, analysed: Analysed) -> dict[str, Any]:
    study = analysed.study
    p = study.patient
    temps = study.temperature_c
    return {
        "study_id": study.id,
        "patient_id": p.id,
        "patient_name": p.name or "",
        "age": f"{p.age:g}",
        "sex": p.sex,
        "height_cm": f"{p.height_cm:g}" if p.height_cm else "",
        "performed": study.performed.isoformat(),
        "indication": study.indication,
        "temperatures": ", ".join(
            f"{limb} {value:.1f} °C"
            for limb, value in (("upper", temps.upper), ("lower", temps.lower))
            if value
        ),
        "warnings": list(analysed.result.warnings),
        "source_name": row.source_name,
    }
