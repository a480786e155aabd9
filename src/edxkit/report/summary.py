"""Summary of findings and evidence in plain words, built from the report's own tables.

The summary names every abnormal value with its limit and lists the pertinent normal studies, so the
impression never says more than the tables show (clinical.md §7 quality rules).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from edxkit.ncs.sides import SideComparison
from edxkit.report.labels import (
    capital,
    field_label,
    in_sentence,
    lower_first,
    muscle_label,
    nerve_title,
    words,
)
from edxkit.report.model import Cell, MuscleSection, NerveSection, Row, Table

_UNIT_SUFFIXES = (("_m_s", "m/s"), ("_ms", "ms"), ("_mv", "mV"), ("_uv", "µV"), ("_pct", "%"), ("_hz", "Hz"))


def unit_of(field: str) -> str:
    """Unit implied by a result field's suffix (``onset_latency_ms`` → ``ms``)."""
    return next((unit for suffix, unit in _UNIT_SUFFIXES if field.endswith(suffix)), "")


def describe_cell(cell: Cell) -> str:
    """``onset latency 4.84 ms (normal ≤ 4.4)``; ``fibrillations 2+``; ``no response``."""
    name = in_sentence(field_label(cell.field or ""))
    if cell.text == "NR":
        return f"{name}: no response"
    unit = f" {cell.unit}" if cell.unit and cell.unit != "%" else (cell.unit or "")
    limit = f" (normal {cell.limit.text})" if cell.limit is not None and cell.unit not in (None,) else ""
    if cell.field in ("conduction_block", "temporal_dispersion"):
        return name
    return f"{name} {cell.text}{unit}{limit}"


def _abnormal_cells(row: Row) -> list[Cell]:
    return [c for c in row.cells if c.abnormal]


def nerve_sentences(sections: list[NerveSection]) -> list[str]:
    """One sentence per abnormal nerve naming each abnormal value at its site or segment."""
    out = []
    for section in sections:
        parts = []
        for table in (section.sites, section.segments):
            if table is None:
                continue
            for row in table.rows:
                cells = _abnormal_cells(row)
                if cells:
                    parts.append(f"{row.label.lower()}: " + ", ".join(describe_cell(c) for c in cells))
        if parts:
            out.append(f"{section.title}: " + "; ".join(parts) + ".")
    return out


def table_sentences(table: Table | None) -> list[str]:
    """One sentence per abnormal row of an F-wave, H-reflex or RNS table."""
    if table is None:
        return []
    return [
        f"{row.label}: " + ", ".join(describe_cell(c) for c in _abnormal_cells(row)) + "."
        for row in table.rows
        if _abnormal_cells(row)
    ]


def side_sentences(comparisons: Sequence[SideComparison]) -> list[str]:
    """One sentence per abnormal right–left comparison (:mod:`edxkit.ncs.sides`)."""
    out = []
    for c in comparisons:
        if not c.abnormal:
            continue
        study = nerve_title(c.nerve, c.kind, "right", c.record).removeprefix("Right ")
        what = _SIDE_WORDS.get(c.measure, c.measure.replace("_", " "))
        unit = c.limit.unit
        if c.limit.comparison == "ratio":
            text = f"{what} ratio smaller/larger {c.value:.2f} (normal ≥ {c.limit.limit:g})"
        elif c.limit.comparison == "drop_pct":
            text = f"{what} {c.value:.0f} % smaller on the {c.worse_side} (normal ≤ {c.limit.limit:g} %)"
        else:
            longer = "longer" if c.measure.endswith("latency_ms") else "smaller"
            text = f"{what} {c.value:.2f} {unit} {longer} on the {c.worse_side} "
            text += f"(normal difference ≤ {c.limit.limit:g} {unit})"
        out.append(f"Right vs left {study}: {text}.")
    return out


_SIDE_WORDS = {
    "onset_latency_ms": "onset latency",
    "amplitude": "amplitude",
    "f_min_latency_ms": "minimal F latency",
    "h_latency_ms": "H latency",
    "h_max": "maximal H amplitude",
}


def muscle_sentences(table: Table | None, sections: list[MuscleSection]) -> list[str]:
    """One sentence per abnormal muscle: its abnormal findings (needle table) and quantitative class."""
    if table is None:
        return []
    out = []
    for row, section in zip(table.rows, sections, strict=True):
        cells = [c for c in _abnormal_cells(row) if c.field != "side"]
        if cells:
            out.append(f"{section.label}: " + ", ".join(describe_cell(c) for c in cells) + ".")
    return out


def _judged(section: NerveSection) -> bool:
    """Some value of the nerve study was compared with a normal limit (or nothing was measured)."""
    cells = [
        c for row in section.sites.rows for c in row.cells if c.field not in ("distance_mm", "segment_mm")
    ]
    measured = [c for c in cells if c.value is not None]
    return not measured or any(c.limit is not None for c in cells)


def pertinent_normals(nerves: list[NerveSection], muscles: list[MuscleSection], rows: list[Row]) -> list[str]:
    """The studies that were normal, in one sentence each for nerves, special studies and muscles."""
    out = []
    normal_nerves = [s.title for s in nerves if not s.abnormal and not s.unordered and _judged(s)]
    if normal_nerves:
        out.append("Normal nerve conduction: " + ", ".join(map(lower_first, normal_nerves)) + ".")
    unordered = [s.title for s in nerves if not s.abnormal and s.unordered]
    if unordered:
        out.append(
            "Onset latencies out of order, velocities not given (see the limitations): "
            + ", ".join(map(lower_first, unordered))
            + "."
        )
    unjudged = [s.title for s in nerves if not s.abnormal and not s.unordered and not _judged(s)]
    if unjudged:
        out.append(
            "Not compared with normal limits (none in the table): "
            + ", ".join(map(lower_first, unjudged))
            + "."
        )
    normal_special = [r.label for r in rows if not _abnormal_cells(r)]
    if normal_special:
        out.append("Normal: " + ", ".join(map(lower_first, normal_special)) + ".")
    normal_muscles = [m.label for m in muscles if not m.abnormal]
    if normal_muscles:
        out.append("Normal needle examination: " + ", ".join(map(lower_first, normal_muscles)) + ".")
    return out


def evidence_text(row: dict[str, Any]) -> str:
    """An interpretation evidence row in words: ``Right median sensory (digit 2), wrist: peak latency 4.4 ms
    (limit 3.5)``."""
    field = str(row.get("field", ""))
    value = row.get("value")
    if row.get("table") == "emg":
        muscle = muscle_label(str(row.get("muscle", "")), capitalized=False)
        where = f"{capital(str(row.get('side', '')))} {muscle}"
        return f"{where}: {in_sentence(field_label(field))} {words(str(value))}".strip()
    if row.get("comparison"):
        field = str(row["comparison"])
        where = f"{capital(str(row.get('side', '')))} comparison study"
        return _value_text(where, field, row.get("value"), row.get("limit"))
    where = nerve_title(
        str(row.get("nerve", "")), str(row.get("kind", "")), str(row.get("side", "")), row.get("record")
    )
    if row.get("site"):
        where += f", {words(str(row['site']))}"
    if row.get("segment"):
        where += f", {words(str(row['segment']))}"
    return _value_text(where, field, value, row.get("limit"))


def _value_text(where: str, field: str, value: Any, limit: Any) -> str:
    unit = unit_of(field)
    shown = f"{value:g}" if isinstance(value, float) else str(value)
    limit_text = f" (limit {limit:g} {unit})".replace(" )", ")") if isinstance(limit, int | float) else ""
    return f"{where}: {in_sentence(field_label(field))} {shown} {unit}".rstrip() + limit_text
