"""Per-nerve motor demyelination parameters under a named criteria set (clinical.md §2.6, §4.7).

Primary parameters (EFNS/PNS 2010 numbering; thresholds from ``data/demyelinating_criteria.csv``):
I-A distal motor latency ≥ factor × ULN (median excluded where carpal tunnel syndrome is likely);
I-B motor CV ≤ factor × LLN; I-C F-wave minimum latency ≥ factor × ULN (higher factor when the distal
CMAP is below 80% LLN); I-E partial conduction block (amplitude drop proximal vs distal ≥ set %, distal
CMAP ≥20% LLN, tibial optionally excluded); I-F temporal dispersion (duration increase > set %).
Supporting parameters that count only with a primary parameter in another nerve: I-D absent F-waves
with distal CMAP ≥20% LLN; I-G prolonged distal CMAP duration. Segments crossing common compression
sites (ulnar across the elbow, peroneal across the fibular head, radial at the spiral groove) are not
used, and latency/velocity parameters are not used in a limb below its temperature floor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from edxkit.interpret.criteria import DemyelinatingCriteria
from edxkit.interpret.evidence import segment_row, site_row, summary_row
from edxkit.interpret.facts import Facts, NcsFacts
from edxkit.ncs.results import SegmentResult

__all__ = ["ENTRAPMENT_SEGMENTS", "Feature", "demyelinating_nerves", "motor_features"]

ENTRAPMENT_SEGMENTS = frozenset(
    {
        "below_elbow-above_elbow",
        "below_fibular_head-above_fibular_head",
        "below_fibular_head-popliteal_fossa",
        "elbow-spiral_groove",
        "forearm-spiral_groove",
    }
)
PRIMARY = ("I-A", "I-B", "I-C", "I-E", "I-F")


@dataclass(frozen=True, slots=True)
class Feature:
    """One demyelinating parameter met in one nerve: criterion code, label and evidence row."""

    code: str
    label: str
    row: dict[str, Any]

    @property
    def primary(self) -> bool:
        return self.code in PRIMARY


def _latency_features(motor: NcsFacts, c: DemyelinatingCriteria, *, exclude_dml: bool) -> list[Feature]:
    out: list[Feature] = []
    d = motor.distal
    if d is None or motor.cold:
        return out
    uln = motor.latency_uln
    if (
        not exclude_dml
        and uln
        and d.onset_latency_ms is not None
        and d.onset_latency_ms >= c.dml_uln_factor * uln
    ):
        row = site_row(motor.result, d, "onset_latency_ms") | {"criterion": "I-A"}
        out.append(Feature("I-A", f"distal motor latency ≥{c.dml_uln_factor:g}× ULN", row))
    for seg in _segments(motor):
        lln = seg.limits.get("cv_m_s")
        if lln is not None and seg.cv_m_s is not None and seg.cv_m_s <= c.cv_lln_factor * lln.value:
            row = segment_row(motor.result, seg, "cv_m_s") | {"criterion": "I-B"}
            out.append(Feature("I-B", f"motor CV ≤{c.cv_lln_factor:g}× LLN", row))
            break
    return out


def _segments(motor: NcsFacts) -> list[SegmentResult]:
    return [s for s in motor.result.segments if s.name not in ENTRAPMENT_SEGMENTS]


def _block_features(motor: NcsFacts, c: DemyelinatingCriteria) -> list[Feature]:
    out: list[Feature] = []
    fraction = motor.amp_fraction
    tibial = motor.nerve == "tibial"
    for seg in _segments(motor):
        drop = seg.amplitude_drop_pct
        big_enough = fraction is not None and fraction >= c.cb_min_distal_lln_factor
        if drop is not None and drop >= c.cb_drop_pct and big_enough and not (tibial and c.cb_exclude_tibial):
            row = segment_row(motor.result, seg, "amplitude_drop_pct") | {"criterion": "I-E"}
            out.append(Feature("I-E", f"conduction block ≥{c.cb_drop_pct:g}% ({seg.name})", row))
            break
    limit = c.td_increase_pct_tibial if tibial else c.td_increase_pct
    for seg in _segments(motor):
        if seg.duration_increase_pct is not None and seg.duration_increase_pct > limit:
            row = segment_row(motor.result, seg, "duration_increase_pct") | {"criterion": "I-F"}
            out.append(Feature("I-F", f"temporal dispersion >{limit:g}% ({seg.name})", row))
            break
    return out


def _f_features(facts: Facts, motor: NcsFacts, c: DemyelinatingCriteria) -> list[Feature]:
    f_study = facts.find(motor.nerve, "f_wave", motor.side)
    fraction = motor.amp_fraction
    if f_study is None or f_study.cold or fraction is None:
        return []
    if f_study.absent:
        if fraction >= c.f_absent_min_cmap_lln_factor:
            row = summary_row(f_study.result, "response", "absent") | {"criterion": "I-D"}
            return [Feature("I-D", "absent F-waves with distal CMAP ≥20% LLN", row)]
        return []
    latency = f_study.result.summary.get("f_min_latency_ms")
    limit = f_study.result.limits.get("f_min_latency_ms")
    if latency is None or limit is None:
        return []
    factor = c.f_uln_factor_low_cmap if fraction < c.low_cmap_lln_factor else c.f_uln_factor
    if latency >= factor * limit.value:
        row = summary_row(f_study.result, "f_min_latency_ms") | {"criterion": "I-C"}
        return [Feature("I-C", f"F-wave latency ≥{factor:g}× ULN", row)]
    return []


def _duration_feature(motor: NcsFacts, c: DemyelinatingCriteria) -> list[Feature]:
    d, limit = motor.distal, c.distal_duration_ms.get(motor.nerve)
    if d is None or limit is None or d.duration_ms is None or d.duration_ms < limit:
        return []
    row = site_row(motor.result, d, "duration_ms") | {"limit": limit, "criterion": "I-G"}
    return [Feature("I-G", f"distal CMAP duration ≥{limit:g} ms", row)]


def motor_features(
    facts: Facts, motor: NcsFacts, c: DemyelinatingCriteria, *, exclude_dml: bool = False
) -> list[Feature]:
    """Every demyelinating parameter met by one motor nerve study (with its F-wave study)."""
    return (
        _latency_features(motor, c, exclude_dml=exclude_dml)
        + _block_features(motor, c)
        + _f_features(facts, motor, c)
        + _duration_feature(motor, c)
    )


def demyelinating_nerves(
    features: dict[tuple[str, ...], list[Feature]],
) -> dict[tuple[str, ...], list[Feature]]:
    """Nerves that count as demyelinating: a primary parameter, or a supporting one (I-D, I-G) when
    another nerve has a primary parameter."""
    primary = {k for k, v in features.items() if any(f.primary for f in v)}
    out = {}
    for key, found in features.items():
        if key in primary or (found and primary - {key}):
            out[key] = found
    return out
