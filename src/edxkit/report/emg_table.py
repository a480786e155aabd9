"""The needle EMG table: one row per muscle, entered findings over automatic ones, quantitative MUAP means.

A finding typed in by the examiner (study file ``findings``) is shown as ``entered`` and wins over the
automatic value; a finding the analysis produced is ``auto``; a finding nobody assessed stays blank
(not assessed is not normal, DESIGN.md).
"""

from __future__ import annotations

from typing import Any

from edxkit.emg.muscle import MuscleResult
from edxkit.emg.result import dataclass_dict
from edxkit.model import Findings, MuscleExam
from edxkit.report.labels import capital, field_label, format_number, muscle_label, words
from edxkit.report.model import Cell, Column, Limit, MuscleSection, Row, Source, Table

FINDINGS = tuple(Findings.model_fields)  # the muscle findings of the study file, in its order
# (muap summary key, reason measure, unit, decimals, scale to the displayed unit)
QUANTITATIVE = (
    ("count", None, None, 0, 1.0),
    ("mean_duration_ms", "mean duration_ms", "ms", 1, 1.0),
    ("mean_amplitude_uv", "mean amplitude_uv", "µV", 0, 1.0),
    ("polyphasic_fraction", "mean polyphasic_pct", "%", 0, 100.0),
)
_QUANT_LABELS = {
    "count": "MUAPs",
    "mean_duration_ms": "Mean duration",
    "mean_amplitude_uv": "Mean amplitude",
    "polyphasic_fraction": "Polyphasic",
}
_NORMAL = {
    "insertional": {"normal"},
    "fibrillations": {"0"},
    "positive_sharp_waves": {"0"},
    "fasciculations": {"0"},
    "muap_amplitude": {"normal"},
    "muap_duration": {"normal"},
    "polyphasia": {"normal"},
    "recruitment": {"normal"},
    "interference": {"full"},
}


def emg_columns() -> list[Column]:
    cols = [Column(key="label", label="Muscle"), Column(key="side", label="Side")]
    cols += [Column(key=f, label=field_label(f)) for f in FINDINGS]
    cols += [Column(key=k, label=_QUANT_LABELS[k], unit=u) for k, _, u, _, _ in QUANTITATIVE]
    cols.append(Column(key="classification", label="Quantitative class"))
    return cols


def finding_cell(field: str, value: Any, source: Source | None) -> Cell:
    """A finding as the table shows it; abnormal when it differs from the normal finding."""
    if isinstance(value, list):
        text = ", ".join(words(v) for v in value) if value else "none"
        return Cell(field=field, value=text, text=text, abnormal=bool(value), source=source)
    if value is None:
        return Cell(field=field, text="")
    text = words(str(value))
    return Cell(
        field=field, value=str(value), text=text, abnormal=str(value) not in _NORMAL[field], source=source
    )


def _merged_findings(exam: MuscleExam, result: MuscleResult | None) -> dict[str, tuple[Any, Source]]:
    """Each assessed finding with its source; entered findings win (``exclude_defaults``: not assessed)."""
    auto = result.findings if result is not None else None
    automatic = auto.model_dump(exclude_none=True, exclude_defaults=True) if auto else {}
    entered = exam.findings.model_dump(exclude_none=True, exclude_defaults=True)
    merged: dict[str, tuple[Any, Source]] = {k: (v, "auto") for k, v in automatic.items()}
    merged.update({k: (v, "entered") for k, v in entered.items()})
    return merged


def _reason_limit(reason: dict[str, Any]) -> Limit | None:
    """The bound a quantitative reason compared against (``>`` a maximum, ``<`` a minimum)."""
    comparison, limit = reason.get("comparison"), reason.get("limit")
    if comparison not in (">", "<") or limit is None:
        return None
    if isinstance(limit, str):
        parts = [p for p in limit.replace("≤", "").replace("≥", "").split("–") if p.strip()]
        try:
            numbers = [float(p) for p in parts]
        except ValueError:
            return None
        limit = numbers[-1] if comparison == ">" else numbers[0]
    return Limit(
        bound="max" if comparison == ">" else "min", value=float(limit), source=reason.get("text", "")
    )


def _quantitative_cells(result: MuscleResult | None) -> list[Cell]:
    # The summary and reasons as the result JSON gives them (same rounding), without building the rest of it.
    summary = result.summary if result is not None else None
    cls = result.classification if result is not None else None
    muap = dataclass_dict(summary) if summary is not None else {}
    reasons = {r["measure"]: r for r in map(dataclass_dict, cls.reasons)} if cls is not None else {}
    cells = []
    for key, measure, unit, decimals, scale in QUANTITATIVE:
        raw = muap.get(key) if muap.get("count") else None
        value = None if raw is None else float(raw) * scale
        reason = reasons.get(measure or "", {})
        limit = _reason_limit(reason) if reason else None
        cells.append(
            Cell(
                field=key,
                value=value,
                text=format_number(value, decimals) if value is not None else "",
                unit=unit,
                abnormal=limit is not None,
                limit=limit,
                source="auto" if value is not None else None,
            )
        )
    label = cls.label if cls is not None else None
    cells.append(
        Cell(
            field="classification",
            value=label,
            text=label or "",
            abnormal=label in ("neurogenic", "myopathic"),
            source="auto" if label else None,
        )
    )
    return cells


def emg_row(exam: MuscleExam, result: MuscleResult | None) -> Row:
    merged = _merged_findings(exam, result)
    cells = [Cell(field="side", value=exam.side, text=capital(exam.side))]
    cells += [finding_cell(f, *merged[f]) if f in merged else Cell(field=f, text="") for f in FINDINGS]
    cells += _quantitative_cells(result)
    return Row(label=muscle_label(exam.muscle), cells=cells)


def emg_table(
    exams: list[MuscleExam], results: list[MuscleResult]
) -> tuple[Table | None, list[MuscleSection]]:
    """The EMG table and a section per muscle (classification reasons; figures are added by the builder)."""
    if not exams:
        return None, []
    by_key = {(r.muscle, r.side): r for r in results}
    rows, sections = [], []
    for exam in exams:
        result = by_key.get((exam.muscle, exam.side))
        row = emg_row(exam, result)
        rows.append(row)
        cls = result.classification if result is not None else None
        sections.append(
            MuscleSection(
                key=f"{exam.side}-{exam.muscle}",
                muscle=exam.muscle,
                side=exam.side,
                label=f"{capital(exam.side)} {muscle_label(exam.muscle, capitalized=False)}",
                classification=cls.label if cls is not None else None,
                reasons=[r.text for r in cls.reasons] if cls is not None else [],
                abnormal=any(c.abnormal for c in row.cells),
            )
        )
    notes = [f"{capital(r.side)} {words(r.muscle)}: {e}" for r in results for e in r.errors]
    notes.append(
        "Findings typed in by the examiner are marked entered and take precedence over automatic ones."
    )
    return Table(columns=emg_columns(), rows=rows, notes=notes), sections
