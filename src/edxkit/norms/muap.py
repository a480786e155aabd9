"""Reference values for quantitative MUAP analysis (CSV with provenance), looked up by muscle, parameter, age.

The packaged table (``muap_norms.csv``) holds the values of muap-norms.md with their status and source id;
a lab supplies its own in the same columns with :func:`load_muap_table`. Each row gives, for one muscle and
one parameter, limits for the muscle *mean* (``mean_lower``/``mean_upper``, the mean rule C08) and/or for
*individual* MUAPs (``outlier_lower``/``outlier_upper``, the outlier rule C06/C07). Rows without any limit
(status NF) are kept, so a lookup can say why a muscle has no reference.

Lookup (:meth:`MuapNormTable.find`): rows of that muscle and parameter whose age band contains the
patient's age (a row without a band applies at any age; a row with a band does not apply when the age is
unknown); among them the best status wins (V, then V2, then TB). Only when the muscle has no such row does
a generic row (muscle ``*``) apply, and the row says so. Another muscle's values are never used.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from edxkit.errors import EdxInputError
from edxkit.norms.csv_table import CsvTable, lab_table, optional_number, packaged_table

GENERIC = "*"
PARAMETERS = ("amplitude_uv", "duration_ms", "area_uv_ms", "phases", "turns", "polyphasic_pct")
STATUS_RANK = {"V": 0, "V*": 1, "V2": 2, "TB": 3}
_COLUMNS = (
    "muscle",
    "parameter",
    "method",
    "age_min",
    "age_max",
    "mean",
    "sd",
    "mean_lower",
    "mean_upper",
    "outlier_lower",
    "outlier_upper",
    "unit",
    "status",
    "source_id",
    "provenance",
    "note",
)
_NUMBERS = ("age_min", "age_max", "mean", "sd", "mean_lower", "mean_upper", "outlier_lower", "outlier_upper")


@dataclass(frozen=True, slots=True)
class MuapNorm:
    """One reference row (units as in ``parameter``: µV, ms, µV·ms, count or %)."""

    muscle: str
    parameter: str
    method: str
    age_min: float | None
    age_max: float | None
    mean: float | None
    sd: float | None
    mean_lower: float | None
    mean_upper: float | None
    outlier_lower: float | None
    outlier_upper: float | None
    unit: str
    status: str
    source_id: str
    provenance: str
    note: str

    @property
    def has_limits(self) -> bool:
        """True when the row holds at least one limit (NF rows do not)."""
        limits = (self.mean_lower, self.mean_upper, self.outlier_lower, self.outlier_upper)
        return any(v is not None for v in limits)

    @property
    def generic(self) -> bool:
        return self.muscle == GENERIC

    def applies_to_age(self, age_years: float | None) -> bool:
        """Inclusive-exclusive age band; a banded row does not apply to an unknown age."""
        if self.age_min is None and self.age_max is None:
            return True
        if age_years is None:
            return False
        return (self.age_min is None or age_years >= self.age_min) and (
            self.age_max is None or age_years < self.age_max
        )

    def describe(self) -> str:
        """Short citation of the row, e.g. ``biceps_brachii duration_ms (multi-MUP (Keypoint); V; S1)``."""
        band = ""
        if self.age_min is not None or self.age_max is not None:
            low = "" if self.age_min is None else f"{self.age_min:g}"
            high = "" if self.age_max is None else f"{self.age_max:g}"
            band = f", age {low}-{high} y"
        who = "generic limit" if self.generic else self.muscle
        return f"{who} {self.parameter} ({self.method}{band}; {self.status}; {self.source_id})"


@dataclass(frozen=True, slots=True)
class MuapNormTable:
    """A versioned set of MUAP reference rows."""

    name: str
    version: str
    rows: tuple[MuapNorm, ...]

    def muscles(self) -> frozenset[str]:
        """Muscles with at least one row holding limits."""
        return frozenset(r.muscle for r in self.rows if r.has_limits and not r.generic)

    def find(self, muscle: str, parameter: str, age_years: float | None = None) -> MuapNorm | None:
        """The row that applies (module docstring: rule), or None."""
        own = [r for r in self.rows if r.muscle == muscle and r.parameter == parameter and r.has_limits]
        fitting = [r for r in own if r.applies_to_age(age_years)]
        if not fitting:
            fitting = [
                r
                for r in self.rows
                if r.generic and r.parameter == parameter and r.has_limits and r.applies_to_age(age_years)
            ]
        fitting.sort(key=lambda r: STATUS_RANK.get(r.status, 9))
        return fitting[0] if fitting else None

    def why_missing(self, muscle: str, parameter: str, age_years: float | None = None) -> str:
        """Plain reason why :meth:`find` returns None for this muscle/parameter."""
        rows = [r for r in self.rows if r.muscle == muscle and r.parameter == parameter]
        if not rows:
            return f"no reference for {muscle} {parameter}"
        if not any(r.has_limits for r in rows):
            row = rows[0]
            return f"no reference for {muscle} {parameter}: values not found ({row.status}, {row.provenance})"
        bands = ", ".join(r.describe() for r in rows if r.has_limits)
        age = "unknown age" if age_years is None else f"age {age_years:g} y"
        return f"no reference for {muscle} {parameter} at {age} (available: {bands})"


def load_muap_table(path: str | Path) -> MuapNormTable:
    """Load a lab's MUAP reference table (same columns as the packaged one); errors name line and field."""
    return _table(lab_table(path, _COLUMNS, "table version"))


@cache
def default_muap_table() -> MuapNormTable:
    """The packaged table (muap-norms.md values with their status and source)."""
    return _table(packaged_table("muap_norms.csv", _COLUMNS, "table version"))


def _table(table: CsvTable) -> MuapNormTable:
    rows = tuple(_row(table.name, line, row) for line, row in table.rows)
    return MuapNormTable(name=table.name, version=table.version, rows=rows)


def _row(where: str, line: int, row: dict[str, str]) -> MuapNorm:
    values = {key: optional_number(where, line, row, key) for key in _NUMBERS}
    parameter = (row.get("parameter") or "").strip()
    if parameter not in PARAMETERS:
        raise EdxInputError(
            where, f"line {line}: parameter", f"{parameter!r} is not one of {', '.join(PARAMETERS)}"
        )
    muscle = (row.get("muscle") or "").strip()
    if not muscle:
        raise EdxInputError(where, f"line {line}: muscle", "missing")
    for low, high in (("mean_lower", "mean_upper"), ("outlier_lower", "outlier_upper")):
        lo, hi = values[low], values[high]
        if lo is not None and hi is not None and lo > hi:
            raise EdxInputError(where, f"line {line}: {low}", f"{lo:g} is above {high} {hi:g}")
    return MuapNorm(
        muscle=muscle,
        parameter=parameter,
        method=(row.get("method") or "").strip(),
        unit=(row.get("unit") or "").strip(),
        status=(row.get("status") or "").strip(),
        source_id=(row.get("source_id") or "").strip(),
        provenance=(row.get("provenance") or "").strip(),
        note=(row.get("note") or "").strip(),
        **values,
    )
