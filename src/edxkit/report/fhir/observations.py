"""The Observations of the FHIR output: one per measured value and per needle finding of a report table.

Which cells are results (:func:`is_observation_cell`), where each was measured (:func:`observation_cells`:
kind of study, side, nerve or muscle, stimulation site or segment, recording site) and the Observation
built from a cell (:func:`observation`): value[x] or dataAbsentReason, UCUM quantity, reference range,
v3-ObservationInterpretation, body site and context components.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypedDict

from edxkit.report.fhir.codes import (
    ABSENT_TEXT,
    BOOLEAN_FINDINGS,
    CATEGORY_CODES,
    CODED_FINDINGS,
    CONTEXT_FIELDS,
    COUNT_FIELDS,
    DATA_ABSENT,
    EDX_ANATOMY,
    EDX_CONTEXT,
    EDX_FINDING,
    EDX_MEASURE,
    EDX_STUDY,
    EXT_VALUE_SOURCE,
    INTERPRETATION,
    INTERPRETATION_CODES,
    OBSERVATION_CATEGORY,
    RATIO_UNIT,
    SPECIAL_TABLES,
    STUDY_KINDS,
    UCUM,
    UCUM_CODES,
)
from edxkit.report.fhir.common import coding, json_number, resource_uuid
from edxkit.report.labels import capital, words
from edxkit.report.model import Cell, Report, Table

_SIDES = frozenset({"right", "left", "bilateral"})


@dataclass(frozen=True)
class _Context:
    """Where a table's values were measured: kind of study, side, nerve or muscle, recording site."""

    kind: str
    row_role: str  # "stimulation-site", "segment", "nerve" or "muscle": what a row label names
    side: str | None = None
    nerve: str | None = None
    record: str | None = None
    muscle: str | None = None


def observation_cells(report: Report) -> Iterator[tuple[str, Table, int, _Context, Cell]]:
    """Every cell that becomes an Observation, with its table title, row index and context."""
    for title, table, context in _tables(report):
        for index, row in enumerate(table.rows):
            row_context = context
            if context.kind == "needle_emg":
                row_context = _muscle_context(report, row.cells, index)
            elif context.row_role == "nerve":
                keys = row.context
                first = row.label.split(" ", 1)[0].lower()
                side = keys.get("side") or (first if first in _SIDES else None)
                row_context = _Context(
                    context.kind, "nerve", side=side, nerve=keys.get("nerve"), record=keys.get("record")
                )
            for cell in row.cells:
                if is_observation_cell(cell):
                    yield title, table, index, row_context, cell


def is_observation_cell(cell: Cell) -> bool:
    """A measured value or finding (numbers, words, absent responses); not labels, blanks or context."""
    if not cell.field or cell.field in CONTEXT_FIELDS:
        return False
    if cell.value is None:
        return cell.text == ABSENT_TEXT
    return not (isinstance(cell.value, str) and not cell.value.strip())


def _tables(report: Report) -> Iterator[tuple[str, Table, _Context]]:
    """The report's tables in :meth:`Report.tables` order, with what each row measures."""
    for section in (*report.motor, *report.sensory):
        kind, side, nerve, record = section.kind, section.side, section.nerve, section.record
        yield section.title, section.sites, _Context(kind, "stimulation-site", side, nerve, record)
        if section.segments is not None:
            segments = _Context(kind, "segment", side, nerve, record)
            yield f"{section.title}: segments", section.segments, segments
    for title, kind in SPECIAL_TABLES.items():
        table = {"f_wave": report.f_waves, "h_reflex": report.h_reflex, "rns": report.rns}[kind]
        if table is not None:
            yield title, table, _Context(kind=kind, row_role="nerve")
    if report.emg is not None:
        yield "Needle EMG", report.emg, _Context(kind="needle_emg", row_role="muscle")


def _muscle_context(report: Report, cells: list[Cell], index: int) -> _Context:
    """The needle EMG row's muscle and side (the side column, else the report's muscle list)."""
    side = next((str(c.value) for c in cells if c.field == "side" and c.value), None)
    muscle = None
    if report.emg is not None and len(report.muscles) == len(report.emg.rows):
        muscle = report.muscles[index].muscle
        side = side or report.muscles[index].side
    return _Context("needle_emg", "muscle", side=side, muscle=muscle)


def _ucum_for(cell: Cell) -> str:
    """The UCUM code of the cell's display unit (``ValueError`` for a unit with none)."""
    if cell.unit not in UCUM_CODES:
        raise ValueError(f"no UCUM code for unit {cell.unit!r} of {cell.field}")
    return UCUM_CODES[cell.unit]


def _quantity(value: float, cell: Cell) -> dict[str, Any]:
    """A UCUM ``Quantity`` of ``value`` in the cell's unit."""
    code = _ucum_for(cell)
    unit = cell.unit or RATIO_UNIT
    return {"value": json_number(value), "unit": unit, "system": UCUM, "code": code}


def _interpretation(cell: Cell) -> list[dict[str, Any]]:
    """H/L when abnormal beyond a max/min, A when abnormal without a direction, N when normal with a limit."""
    if cell.abnormal:
        code = {"max": "H", "min": "L"}.get(cell.limit.bound) if cell.limit is not None else None
        code = code or "A"
    elif cell.value is None:
        return []  # an absent response that is not flagged (a latency): nothing to say
    elif cell.limit is not None or isinstance(cell.value, str):
        code = "N"  # within the limit, or the normal finding (findings are flagged against it)
    else:
        return []
    return [{"coding": [coding(INTERPRETATION, code, INTERPRETATION_CODES[code])]}]


def _reference_range(cell: Cell) -> list[dict[str, Any]]:
    """The normal limit as ``low`` (a minimum) or ``high`` (a maximum), with its text and source."""
    limit = cell.limit
    if limit is None or isinstance(cell.value, str) or cell.field in COUNT_FIELDS:
        return []
    bound = "low" if limit.bound == "min" else "high"
    text = f"{limit.text} {cell.unit or ''}".strip() + (f" ({limit.source})" if limit.source else "")
    return [{bound: _quantity(limit.value, cell), "text": text}]


def _value(cell: Cell) -> dict[str, Any]:
    """The value[x] (or dataAbsentReason) of an observation cell."""
    value = cell.value
    if value is None:
        return {
            "dataAbsentReason": {
                "coding": [coding(DATA_ABSENT, "not-applicable", "Not Applicable")],
                "text": "No response (NR)",
            }
        }
    if isinstance(value, str):
        word = value.strip()
        if cell.field in BOOLEAN_FINDINGS and word in ("yes", "no"):
            return {"valueBoolean": word == "yes"}
        if cell.field in CODED_FINDINGS:
            display = cell.text or words(word)
            return {"valueCodeableConcept": {"coding": [coding(EDX_FINDING, word, display)], "text": display}}
        return {"valueString": cell.text or word}
    if cell.field in COUNT_FIELDS and float(value).is_integer():
        return {"valueInteger": int(value)}
    if not math.isfinite(value):
        return {"dataAbsentReason": {"coding": [coding(DATA_ABSENT, "not-a-number", "Not a Number (NaN)")]}}
    return {"valueQuantity": _quantity(value, cell)}


def _components(context: _Context, row_label: str) -> list[dict[str, Any]]:
    """Side, nerve or muscle, stimulation site or segment, and recording site as ``edx-context`` parts."""
    parts: list[tuple[str, str, str]] = []
    if context.side:
        parts.append(("side", "Side", context.side))
    if context.nerve:
        parts.append(("nerve", "Nerve", words(context.nerve)))
    if context.muscle:
        parts.append(("muscle", "Muscle", words(context.muscle)))
    if context.row_role in ("stimulation-site", "segment"):
        label = "Stimulation site" if context.row_role == "stimulation-site" else "Segment"
        parts.append((context.row_role, label, row_label))
    if context.record:
        parts.append(("recording-site", "Recording site", words(context.record)))
    return [
        {"code": {"coding": [coding(EDX_CONTEXT, c, d)], "text": d}, "valueString": v} for c, d, v in parts
    ]


def _body_site(context: _Context, row_label: str) -> dict[str, Any]:
    """The nerve or muscle (``edx-anatomy``) with its side; the row label when neither is known."""
    side = f"{capital(context.side)} " if context.side else ""
    if context.nerve:
        name = f"{words(context.nerve)} nerve"
        return {"coding": [coding(EDX_ANATOMY, context.nerve, name)], "text": f"{side}{name}"}
    if context.muscle:
        name = words(context.muscle)
        return {"coding": [coding(EDX_ANATOMY, context.muscle, name)], "text": f"{side}{name}"}
    return {"text": row_label}


class ObservationCommon(TypedDict):
    """What every Observation of a report shares: status, subject, effective and issued times, performer."""

    status: str
    subject: dict[str, str]
    effective: str
    issued: str
    performer: list[dict[str, str]]


def build_observations(report: Report, common: ObservationCommon) -> list[tuple[str, dict[str, Any]]]:
    """One Observation per cell of :func:`observation_cells`, in report order, with its id."""
    return [
        observation(report, title, table, index, context, cell, common)
        for title, table, index, context, cell in observation_cells(report)
    ]


def observation(
    report: Report,
    title: str,
    table: Table,
    index: int,
    context: _Context,
    cell: Cell,
    common: ObservationCommon,
) -> tuple[str, dict[str, Any]]:
    """The Observation of one result cell.

    Parameters
    ----------
    report : Report
        The report (scopes the resource id).
    title, table, index, context, cell
        One item of :func:`observation_cells`: table title, table, row index, where the row was measured,
        and the cell.
    common : ObservationCommon
        Status, subject, times and performer shared by the report's Observations.

    Returns
    -------
    tuple of (str, dict)
        The resource id (UUID-5 of the table, row and field) and the Observation.
    """
    field = cell.field or ""
    row = table.rows[index]
    uid = resource_uuid(report, "observation", title, index, row.label, field)
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": uid,
        "status": common["status"],
        "category": [{"coding": [coding(OBSERVATION_CATEGORY, "procedure", CATEGORY_CODES["procedure"])]}],
        "code": _code(title, table, row.label, context, field),
        "subject": common["subject"],
        "effectiveDateTime": common["effective"],
        "issued": common["issued"],
    }
    if common.get("performer"):
        resource["performer"] = common["performer"]
    resource |= _value(cell)
    if interpretation := _interpretation(cell):
        resource["interpretation"] = interpretation
    resource["bodySite"] = _body_site(context, row.label)
    resource["method"] = {
        "coding": [coding(EDX_STUDY, context.kind, STUDY_KINDS[context.kind])],
        "text": STUDY_KINDS[context.kind],
    }
    if ranges := _reference_range(cell):
        resource["referenceRange"] = ranges
    if components := _components(context, row.label):
        resource["component"] = components
    if cell.source:
        resource["extension"] = [{"url": EXT_VALUE_SOURCE, "valueCode": cell.source}]
    return uid, resource


def _code(title: str, table: Table, row_label: str, context: _Context, field: str) -> dict[str, Any]:
    """The result field as an ``edx-measure`` code, its text saying where it was measured."""
    label = next((c.label for c in table.columns if c.key == field), capital(words(field)))
    where = f"{title}, {row_label}" if context.row_role in ("stimulation-site", "segment") else row_label
    if context.kind == "needle_emg" and context.side:
        where = f"{capital(context.side)} {row_label[:1].lower()}{row_label[1:]}"
    return {"coding": [coding(EDX_MEASURE, field, label)], "text": f"{where}: {label}"}
