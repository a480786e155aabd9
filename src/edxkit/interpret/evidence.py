"""Evidence rows: references to the NCS and EMG table rows an impression rests on.

NCS rows name the nerve study (nerve, kind, side, record) and the site, segment or summary field
with its value and the limit it was compared with; EMG rows name the muscle, side, field and grade.
"""

from __future__ import annotations

from typing import Any

from edxkit.model import MuscleExam
from edxkit.ncs.results import NerveResult, SegmentResult, SiteResult

__all__ = ["comparison_row", "muscle_rows", "segment_row", "site_row", "summary_row"]

_PUBLIC = {"amplitude": "amplitude", "area": "area", "response": "response"}


def _round(value: Any) -> Any:
    return round(value, 2) if isinstance(value, float) else value


def _nerve_ref(nerve: NerveResult) -> dict[str, Any]:
    ref: dict[str, Any] = {"table": "ncs", "nerve": nerve.nerve, "kind": nerve.kind, "side": nerve.side}
    if nerve.record:
        ref["record"] = nerve.record
    return ref


def _public_field(name: str, nerve: NerveResult) -> str:
    if name == "amplitude":
        return "amplitude_mv" if nerve.kind == "motor" else "amplitude_uv"
    if name == "area":
        return "area_mv_ms" if nerve.kind == "motor" else "area_uv_ms"
    return name


def site_row(nerve: NerveResult, site: SiteResult, name: str) -> dict[str, Any]:
    """A site field (``onset_latency_ms``, ``amplitude``, ``response``, ``cv_m_s``) with its limit."""
    row = _nerve_ref(nerve) | {"site": site.site, "field": _public_field(name, nerve)}
    row["value"] = site.response if name == "response" else _round(getattr(site, name, None))
    limit = site.limits.get(name)
    if limit is not None:
        row["limit"] = limit.value
    return row


def segment_row(nerve: NerveResult, seg: SegmentResult, name: str, value: Any = None) -> dict[str, Any]:
    """A segment field (``cv_m_s``, ``amplitude_drop_pct``, ``conduction_block``) with its limit."""
    row = _nerve_ref(nerve) | {"segment": seg.name, "field": name}
    row["value"] = _round(getattr(seg, name, None) if value is None else value)
    limit = seg.limits.get(name)
    if limit is not None:
        row["limit"] = limit.value
    return row


def summary_row(nerve: NerveResult, name: str, value: Any = None) -> dict[str, Any]:
    """A late-response or RNS measure (``f_min_latency_ms``, ``decrement_pct``) with its limit."""
    row = _nerve_ref(nerve) | {
        "field": name,
        "value": _round(nerve.summary.get(name) if value is None else value),
    }
    limit = nerve.limits.get(name)
    if limit is not None:
        row["limit"] = limit.value
    return row


def comparison_row(name: str, side: str, value: float, limit: float, **refs: str) -> dict[str, Any]:
    """A derived comparison (``median_ulnar_d4_peak_diff_ms``) between two nerve studies."""
    return {"table": "ncs", "comparison": name, "side": side, "value": _round(value), "limit": limit} | refs


def muscle_rows(exam: MuscleExam, fields: tuple[str, ...] | list[str]) -> list[dict[str, Any]]:
    """One row per abnormal needle field of a muscle, with the entered grade."""
    out = []
    found = exam.findings
    for name in fields:
        value = getattr(found, name)
        if isinstance(value, list):
            value = list(value)
        out.append({"table": "emg", "muscle": exam.muscle, "side": exam.side, "field": name, "value": value})
    return out
