"""Load a table of normal limits (CSV with provenance) and find the limits that apply to a study.

A lab can supply its own table in the same format (``load_table(path)``); the packaged one holds the
textbook and verified values of clinical.md with their status. Limits are matched on nerve, kind of
study and recording site, the patient's age band, for sensory studies on the recording direction (an
optional ``direction`` column: the packaged sensory limits are antidromic, so an orthodromic study, whose
SNAP is smaller, is not judged by them), and for segment measures on the segment; latency limits
collected at a fixed distance apply only to studies at that distance (±10 mm).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from edxkit.errors import EdxInputError
from edxkit.norms.csv_table import CsvTable, lab_table, optional_number, packaged_table

Bound = Literal["min", "max"]
DISTANCE_TOLERANCE_MM = 10.0
DIRECTIONS = ("antidromic", "orthodromic")
_COLUMNS = (
    "study",
    "nerve",
    "kind",
    "record",
    "measure",
    "bound",
    "value",
    "distance_mm",
    "segment",
    "age_min",
    "age_max",
    "temperature_floor_c",
    "status",
    "source",
)


@dataclass(frozen=True, slots=True)
class Limit:
    """One normal limit with where it comes from.

    ``bound`` is ``min`` for a lower limit of normal (amplitude, CV) and ``max`` for an upper limit
    (latency, drop). ``distance_mm`` is the fixed distance a latency limit was collected at;
    ``direction`` the recording direction of a sensory limit ("" for any).
    """

    study: str
    nerve: str
    kind: str
    record: str
    measure: str
    bound: Bound
    value: float
    distance_mm: float | None
    segment: str
    age_min: float | None
    age_max: float | None
    temperature_floor_c: float | None
    status: str
    source: str
    direction: str = ""

    def abnormal(self, value: float) -> bool:
        """True when ``value`` lies outside this limit (equal to the limit is normal)."""
        return value < self.value if self.bound == "min" else value > self.value

    def applies_to_age(self, age_years: float | None) -> bool:
        if age_years is None:
            return self.age_min is None and self.age_max is None
        low_ok = self.age_min is None or age_years >= self.age_min
        return low_ok and (self.age_max is None or age_years < self.age_max)

    def describe(self) -> str:
        sign = "≥" if self.bound == "min" else "≤"
        return f"{self.measure} {sign} {self.value:g} ({self.status}; {self.source})"


@dataclass(frozen=True, slots=True)
class NormTable:
    """A versioned set of limits."""

    name: str
    version: str
    limits: tuple[Limit, ...]

    def find(
        self,
        *,
        nerve: str,
        kind: str,
        record: str | None,
        measure: str,
        age_years: float | None = None,
        segment: str | None = None,
        direction: str | None = None,
    ) -> Limit | None:
        """The limit for one measure, or None when the table has none for this study.

        ``segment`` is ``"<from>-<to>"`` for segment measures; a row for that very segment wins over
        a row for ``any`` segment. A row without a record applies to any recording site, one without
        a direction to either direction; ``direction`` None is antidromic (the usual sensory study).
        """
        wanted = direction or "antidromic"
        rows = [
            row
            for row in self.limits
            if row.measure == measure
            and row.kind == kind
            and row.nerve in (nerve, "")
            and (not row.record or row.record == record)
            and (not row.direction or row.direction == wanted)
            and row.applies_to_age(age_years)
            and (segment is None) == (row.segment == "")
        ]
        if segment is not None:
            exact = [row for row in rows if row.segment == segment]
            rows = exact or [row for row in rows if row.segment == "any"]
        rows.sort(key=lambda row: (row.nerve == "", not row.record))  # most specific first
        return rows[0] if rows else None


def load_table(path: str | Path) -> NormTable:
    """Load a lab's limits table (same columns as the packaged one); errors name the line and field."""
    return _table(lab_table(path, _COLUMNS))


@cache
def default_table() -> NormTable:
    """The packaged table (clinical.md values with their status)."""
    return _table(packaged_table("ncs_limits.csv", _COLUMNS))


def _table(table: CsvTable) -> NormTable:
    limits = tuple(_row(table.name, line, row) for line, row in table.rows)
    return NormTable(name=table.name, version=table.version, limits=limits)


def _row(where: str, line: int, row: dict[str, str]) -> Limit:
    def number(key: str) -> float | None:
        return optional_number(where, line, row, key)

    bound = row["bound"].strip()
    if bound not in ("min", "max"):
        raise EdxInputError(where, f"line {line}: bound", f"{bound!r} must be min or max")
    value = number("value")
    if value is None:
        raise EdxInputError(where, f"line {line}: value", "missing")
    direction = (row.get("direction") or "").strip()  # optional column: older lab tables lack it
    if direction not in ("", *DIRECTIONS):
        reason = f"{direction!r} must be antidromic, orthodromic or empty"
        raise EdxInputError(where, f"line {line}: direction", reason)
    return Limit(
        study=row["study"].strip(),
        nerve=row["nerve"].strip(),
        kind=row["kind"].strip(),
        record=row["record"].strip(),
        measure=row["measure"].strip(),
        bound=bound,  # type: ignore[arg-type]  # checked above
        value=value,
        distance_mm=number("distance_mm"),
        segment=row["segment"].strip(),
        age_min=number("age_min"),
        age_max=number("age_max"),
        temperature_floor_c=number("temperature_floor_c"),
        status=row["status"].strip(),
        source=row["source"].strip(),
        direction=direction,
    )
