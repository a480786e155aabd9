"""Side-to-side comparisons: the same study on the right and the left, against ``norms/side_limits.csv``.

Where both sides of a nerve were studied the other side is the patient's own control, and an asymmetry can be
abnormal while both values lie inside the population limits (clinical.md 1.2–1.4: e.g. an H-reflex latency
1.5 ms longer on one side points to S1 radiculopathy; an H amplitude ratio below 0.4). Motor and sensory
studies compare their distal site (onset latency, amplitude); F-waves the minimal latency; H-reflexes the
latency and the maximal H amplitude. A comparison is made only where the table has a limit for the nerve,
study, recording muscle and measure (and the patient's age); the worse side is the one with the longer
latency or the smaller response.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from edxkit.ncs.results import NerveResult
from edxkit.norms.csv_table import optional_number, packaged_table

__all__ = ["SideComparison", "SideLimit", "side_comparisons", "side_limits"]

_COLUMNS = (
    "nerve",
    "kind",
    "record",
    "measure",
    "comparison",
    "limit",
    "unit",
    "age_min",
    "age_max",
    "status",
    "source",
)
_LATENCIES = frozenset({"onset_latency_ms", "f_min_latency_ms", "h_latency_ms"})


@dataclass(frozen=True, slots=True)
class SideLimit:
    """One row of the side-to-side table (see its header)."""

    nerve: str
    kind: str
    record: str
    measure: str
    comparison: str
    limit: float
    unit: str
    age_min: float | None
    age_max: float | None
    status: str
    source: str

    def applies(self, nerve: NerveResult, measure: str, age: float | None) -> bool:
        if (self.nerve, self.kind, self.measure) != (nerve.nerve, nerve.kind, measure):
            return False
        if self.record not in ("*", nerve.record):
            return False
        if age is None:
            return self.age_min is None and self.age_max is None
        return (self.age_min is None or age >= self.age_min) and (self.age_max is None or age < self.age_max)


@dataclass(frozen=True, slots=True)
class SideComparison:
    """The right and left values of one measure, the comparison value and whether it is outside the limit."""

    nerve: str
    kind: str
    record: str | None
    measure: str
    right: float
    left: float
    value: float
    limit: SideLimit
    abnormal: bool
    worse_side: str

    @property
    def field(self) -> str:
        """Evidence field name with its unit: ``h_latency_side_difference_ms``, ``amplitude_side_drop_pct``,
        ``h_max_side_ratio``."""
        name = self.measure.removesuffix("_ms")
        if self.limit.comparison == "difference":
            return f"{name}_side_difference_{self.limit.unit.lower()}"
        return f"{name}_side_drop_pct" if self.limit.comparison == "drop_pct" else f"{name}_side_ratio"

    def evidence_row(self) -> dict[str, Any]:
        """The row the interpretation cites: the worse side's study, the comparison value and its limit."""
        return {
            "table": "ncs",
            "nerve": self.nerve,
            "kind": self.kind,
            "side": self.worse_side,
            "record": self.record,
            "field": self.field,
            "value": round(self.value, 3),
            "limit": self.limit.limit,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "nerve": self.nerve,
            "kind": self.kind,
            "record": self.record,
            "measure": self.measure,
            "right": round(self.right, 3),
            "left": round(self.left, 3),
            "comparison": self.limit.comparison,
            "value": round(self.value, 3),
            "limit": {
                "bound": _bound(self.limit),
                "value": self.limit.limit,
                "unit": self.limit.unit,
                "status": self.limit.status,
                "source": self.limit.source,
            },
            "abnormal": self.abnormal,
            "worse_side": self.worse_side,
        }


@cache
def side_limits() -> tuple[SideLimit, ...]:
    """The packaged table's rows."""
    table = packaged_table("side_limits.csv", _COLUMNS)
    out = []
    for line, row in table.rows:
        limit = optional_number(table.name, line, row, "limit")
        if limit is None:
            continue
        out.append(
            SideLimit(
                row["nerve"],
                row["kind"],
                row["record"],
                row["measure"],
                row["comparison"],
                limit,
                row["unit"],
                optional_number(table.name, line, row, "age_min"),
                optional_number(table.name, line, row, "age_max"),
                row["status"],
                row["source"],
            )
        )
    return tuple(out)


def side_comparisons(results: list[NerveResult], age: float | None) -> list[SideComparison]:
    """Every comparison the table allows between right and left studies of ``results``."""
    out = []
    for right in results:
        if right.side != "right":
            continue
        left = next(
            (
                r
                for r in results
                if r.side == "left" and (r.nerve, r.kind, r.record) == (right.nerve, right.kind, right.record)
            ),
            None,
        )
        if left is None:
            continue
        for measure in _MEASURES.get(right.kind, ()):
            a, b = _value(right, measure), _value(left, measure)
            limit = next((lim for lim in side_limits() if lim.applies(right, measure, age)), None)
            if a is None or b is None or limit is None:
                continue
            out.append(_compare(right, measure, a, b, limit))
    return out


_MEASURES = {
    "motor": ("onset_latency_ms", "amplitude"),
    "sensory": ("onset_latency_ms", "amplitude"),
    "f_wave": ("f_min_latency_ms",),
    "h_reflex": ("h_latency_ms", "h_max"),
}


def _value(nerve: NerveResult, measure: str) -> float | None:
    if nerve.kind in ("motor", "sensory"):
        site = nerve.sites[0] if nerve.sites else None
        if site is None or site.response != "present":
            return None
        value = getattr(site, measure, None)
    else:
        value = nerve.summary.get(measure)
    return float(value) if isinstance(value, (int, float)) else None


def _compare(nerve: NerveResult, measure: str, right: float, left: float, limit: SideLimit) -> SideComparison:
    latency = measure in _LATENCIES
    worse = ("right" if right > left else "left") if latency else ("right" if right < left else "left")
    small, large = min(right, left), max(right, left)
    if limit.comparison == "difference":
        value = abs(right - left)
        abnormal = value > limit.limit
    elif limit.comparison == "drop_pct":
        value = (large - small) / large * 100.0 if large > 0 else 0.0
        abnormal = value > limit.limit
    else:  # ratio
        value = small / large if large > 0 else 1.0
        abnormal = value < limit.limit
    return SideComparison(
        nerve.nerve, nerve.kind, nerve.record, measure, right, left, value, limit, abnormal, worse
    )


def _bound(limit: SideLimit) -> str:
    return "min" if limit.comparison == "ratio" else "max"
