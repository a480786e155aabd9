"""Conduction between sites: velocities, amplitude/area drops, conduction block and temporal dispersion.

Motor CV = segment length / (proximal − distal onset latency); sensory CV at the distal site =
distance / onset latency (clinical.md §2.4). Conduction block and temporal dispersion follow a named
criteria set from ``norms/block_criteria.csv`` (clinical.md §2.5); the set used is recorded with
every segment.
"""

from __future__ import annotations

import csv
import io
import itertools
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from edxkit.ncs.results import SegmentResult, SiteResult

DEFAULT_CRITERIA = "ean_pns_2021"


@dataclass(frozen=True, slots=True)
class BlockCriteria:
    """A conduction block / temporal dispersion criteria set (percentages)."""

    name: str
    cb_measure: str  # amplitude | area
    cb_drop_pct: float
    cb_max_duration_increase_pct: float | None
    td_duration_increase_pct: float
    min_distal_fraction_lln: float | None
    exclude_tibial: bool
    status: str
    source: str


@cache
def block_criteria() -> dict[str, BlockCriteria]:
    """Every criteria set of the packaged table, by name."""
    text = files("edxkit.norms").joinpath("block_criteria.csv").read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    out = {}
    for row in csv.DictReader(io.StringIO(body)):
        out[row["name"]] = BlockCriteria(
            name=row["name"],
            cb_measure=row["cb_measure"],
            cb_drop_pct=float(row["cb_drop_pct"]),
            cb_max_duration_increase_pct=_opt(row["cb_max_duration_increase_pct"]),
            td_duration_increase_pct=float(row["td_duration_increase_pct"]),
            min_distal_fraction_lln=_opt(row["min_distal_fraction_lln"]),
            exclude_tibial=row["exclude_tibial"] == "1",
            status=row["status"],
            source=row["source"],
        )
    return out


def _opt(text: str) -> float | None:
    return float(text) if text.strip() else None


def sensory_cv(site: SiteResult) -> float | None:
    """Sensory CV over the distal distance from the onset latency (m/s), or None."""
    if site.distance_mm is None or not site.onset_latency_ms or site.response == "absent":
        return None
    return site.distance_mm / site.onset_latency_ms


def segments(
    sites: list[SiteResult],
    *,
    nerve: str,
    distal_lln: float | None,
    criteria: BlockCriteria,
    aligned_ms: list[float | None] | None = None,
) -> list[SegmentResult]:
    """One SegmentResult per pair of adjacent sites (distal first), with CB/TD flags.

    ``aligned_ms`` gives, per segment, a latency difference measured by aligning the two sweeps
    and weighing that against the difference of their onsets (``edxkit.ncs.align``); where present
    it replaces the plain difference of the two onsets.
    """
    out: list[SegmentResult] = []
    for k, (lower, upper) in enumerate(itertools.pairwise(sites)):
        seg = SegmentResult(lower.site, upper.site, upper.segment_mm, criteria=criteria.name)
        _velocity(seg, lower, upper, aligned_ms[k] if aligned_ms else None)
        _drops(seg, lower, upper)
        _block_and_dispersion(seg, sites[0], nerve=nerve, distal_lln=distal_lln, criteria=criteria)
        if out and out[-1].cv_m_s is not None and seg.cv_m_s is not None:
            seg.cv_drop_m_s = out[-1].cv_m_s - seg.cv_m_s
        out.append(seg)
    return out


def _velocity(seg: SegmentResult, lower: SiteResult, upper: SiteResult, aligned_ms: float | None) -> None:
    if seg.distance_mm is None:
        seg.notes.append("no segment distance: no conduction velocity")
        return
    if aligned_ms is not None and aligned_ms > 0:
        seg.cv_m_s = seg.distance_mm / aligned_ms
        seg.notes.append(
            f"latency difference {aligned_ms:.2f} ms from aligning the two responses' rising edges"
            " (weighed against the difference of their onsets)"
        )
        return
    if lower.onset_latency_ms is None or upper.onset_latency_ms is None:
        return
    delta = upper.onset_latency_ms - lower.onset_latency_ms
    if delta <= 0:
        seg.notes.append(f"proximal onset is not later than distal ({delta:.2f} ms): check markers and sites")
        return
    seg.cv_m_s = seg.distance_mm / delta


def _drops(seg: SegmentResult, distal: SiteResult, upper: SiteResult) -> None:
    """Drops of the segment: its proximal site vs the site just below it (e.g. above vs below elbow)."""
    if distal.amplitude and upper.amplitude is not None:
        seg.amplitude_drop_pct = (1 - upper.amplitude / distal.amplitude) * 100
    if distal.area and upper.area is not None:
        seg.area_drop_pct = (1 - upper.area / distal.area) * 100
    if distal.duration_ms and upper.duration_ms is not None:
        seg.duration_increase_pct = (upper.duration_ms / distal.duration_ms - 1) * 100
    if upper.response == "absent" and distal.response == "present":
        seg.amplitude_drop_pct = seg.area_drop_pct = 100.0


def _block_and_dispersion(
    seg: SegmentResult, distal: SiteResult, *, nerve: str, distal_lln: float | None, criteria: BlockCriteria
) -> None:
    drop = seg.area_drop_pct if criteria.cb_measure == "area" else seg.amplitude_drop_pct
    widening = seg.duration_increase_pct
    if widening is not None and widening > criteria.td_duration_increase_pct:
        seg.temporal_dispersion = True
    if drop is None or drop < criteria.cb_drop_pct:
        return
    if criteria.exclude_tibial and nerve == "tibial":
        seg.notes.append(f"{criteria.name} makes no conduction-block call in the tibial nerve")
        return
    floor = criteria.min_distal_fraction_lln
    if floor is not None and distal_lln is not None and (distal.amplitude or 0.0) < floor * distal_lln:
        seg.notes.append(f"distal response below {floor:.0%} of its lower limit: conduction block not judged")
        return
    limit = criteria.cb_max_duration_increase_pct
    if limit is not None and widening is not None and widening > limit:
        seg.notes.append(f"{drop:.0f}% drop with {widening:.0f}% dispersion: phase cancellation, not block")
        return
    seg.conduction_block = True
