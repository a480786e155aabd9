"""Criteria tables of the interpretation rules (``interpret/data/*.csv``, versioned, with provenance).

* ``demyelinating_criteria.csv``: motor demyelination criteria sets (EFNS/PNS 2010 default, EAN/PNS 2021);
* ``cts_comparisons.csv``: median internal comparison tests for carpal tunnel syndrome.
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from importlib.resources import files

__all__ = [
    "DEFAULT_DEMYELINATING",
    "ComparisonTest",
    "DemyelinatingCriteria",
    "comparison_tests",
    "demyelinating_criteria",
]

DEFAULT_DEMYELINATING = "efns_pns_2010"


def _rows(name: str) -> list[dict[str, str]]:
    text = files("edxkit.interpret").joinpath("data", name).read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(io.StringIO(body))]


def _opt(text: str) -> float | None:
    return float(text) if text else None


@dataclass(frozen=True, slots=True)
class DemyelinatingCriteria:
    """One criteria set; see the header of ``demyelinating_criteria.csv`` for each field."""

    name: str
    dml_uln_factor: float
    cv_lln_factor: float
    f_uln_factor: float
    f_uln_factor_low_cmap: float
    low_cmap_lln_factor: float
    f_absent_min_cmap_lln_factor: float
    cb_drop_pct: float
    cb_min_distal_lln_factor: float
    cb_exclude_tibial: bool
    td_increase_pct: float
    td_increase_pct_tibial: float
    distal_duration_ms: dict[str, float]
    nerves_required: int
    status: str
    source: str


@functools.cache
def demyelinating_criteria() -> dict[str, DemyelinatingCriteria]:
    """Every criteria set by name."""
    out = {}
    for r in _rows("demyelinating_criteria.csv"):
        durations = {n: _opt(r[f"dur_{n}_ms"]) for n in ("median", "ulnar", "peroneal", "tibial")}
        out[r["name"]] = DemyelinatingCriteria(
            name=r["name"],
            dml_uln_factor=float(r["dml_uln_factor"]),
            cv_lln_factor=float(r["cv_lln_factor"]),
            f_uln_factor=float(r["f_uln_factor"]),
            f_uln_factor_low_cmap=float(r["f_uln_factor_low_cmap"]),
            low_cmap_lln_factor=float(r["low_cmap_lln_factor"]),
            f_absent_min_cmap_lln_factor=float(r["f_absent_min_cmap_lln_factor"]),
            cb_drop_pct=float(r["cb_drop_pct"]),
            cb_min_distal_lln_factor=float(r["cb_min_distal_lln_factor"]),
            cb_exclude_tibial=r["cb_exclude_tibial"] == "1",
            td_increase_pct=float(r["td_increase_pct"]),
            td_increase_pct_tibial=float(r["td_increase_pct_tibial"]),
            distal_duration_ms={k: v for k, v in durations.items() if v is not None},
            nerves_required=int(r["nerves_required"]),
            status=r["status"],
            source=r["source"],
        )
    return out


@dataclass(frozen=True, slots=True)
class ComparisonTest:
    """One CTS comparison test; ``kind`` is difference, single or csi."""

    name: str
    kind: str
    label: str
    nerve_a: str
    kind_a: str
    records_a: tuple[str, ...]
    site_a: str
    nerve_b: str
    kind_b: str
    records_b: tuple[str, ...]
    site_b: str
    measure: str
    abnormal_above_ms: float
    distance_mm: float | None
    parts: tuple[str, ...]
    source: str


@functools.cache
def comparison_tests() -> tuple[ComparisonTest, ...]:
    """The CTS comparison tests in table order."""
    return tuple(
        ComparisonTest(
            name=r["name"],
            kind=r["kind"],
            label=r["label"],
            nerve_a=r["nerve_a"],
            kind_a=r["kind_a"],
            records_a=tuple(x for x in r["record_a"].split("|") if x),
            site_a=r["site_a"],
            nerve_b=r["nerve_b"],
            kind_b=r["kind_b"],
            records_b=tuple(x for x in r["record_b"].split("|") if x),
            site_b=r["site_b"],
            measure=r["measure"],
            abnormal_above_ms=float(r["abnormal_above_ms"]),
            distance_mm=_opt(r["distance_mm"]),
            parts=tuple(r["parts"].split()),
            source=r["source"],
        )
        for r in _rows("cts_comparisons.csv")
    )
