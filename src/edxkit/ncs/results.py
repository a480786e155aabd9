"""Result objects of NCS analysis, one per site, segment and nerve study, with their JSON form.

Field names are those of the result contract (DESIGN.md, ``edxkit.result/1``): motor amplitudes in mV,
sensory in µV, times in ms, velocities in m/s. Every measured value records its ``source`` (auto,
edited, entered), the fields outside normal limits (``abnormal``) and the limits that were used.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from edxkit.norms import Limit

Source = Literal["auto", "edited", "entered"]


@dataclass(frozen=True, slots=True)
class LimitUsed:
    """The limit a value was compared with, as it goes into the result."""

    bound: str
    value: float
    status: str
    source: str

    @classmethod
    def of(cls, limit: Limit) -> LimitUsed:
        return cls(limit.bound, limit.value, limit.status, limit.source)


@dataclass(slots=True)
class SiteResult:
    """One stimulation site of a motor or sensory study."""

    site: str
    units: Literal["mV", "uV"]
    distance_mm: float | None = None
    segment_mm: float | None = None
    response: Literal["present", "absent"] = "present"
    source: Source = "auto"
    onset_latency_ms: float | None = None
    peak_latency_ms: float | None = None
    amplitude: float | None = None
    peak_to_peak: float | None = None
    duration_ms: float | None = None
    area: float | None = None
    end_latency_ms: float | None = None
    cv_m_s: float | None = None  # sensory: distance / onset latency at this site
    abnormal: list[str] = field(default_factory=list)
    limits: dict[str, LimitUsed] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    sources: dict[str, Source] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        amp, ptp, area = ("amplitude_mv", "peak_to_peak_mv", "area_mv_ms")
        if self.units == "uV":
            amp, ptp, area = ("amplitude_uv", "peak_to_peak_uv", "area_uv_ms")
        out: dict[str, Any] = {
            "site": self.site,
            "distance_mm": self.distance_mm,
            "segment_mm": self.segment_mm,
            "response": self.response,
            "source": self.source,
            "onset_latency_ms": _r(self.onset_latency_ms),
            "peak_latency_ms": _r(self.peak_latency_ms),
            amp: _r(self.amplitude),
            ptp: _r(self.peak_to_peak),
            "duration_ms": _r(self.duration_ms),
            area: _r(self.area),
            "end_latency_ms": _r(self.end_latency_ms),
            "cv_m_s": _r(self.cv_m_s, 1),
            "abnormal": [_public(name, self.units) for name in self.abnormal],
            "limits": {_public(k, self.units): asdict(v) for k, v in self.limits.items()},
            "notes": list(self.notes),
            "sources": {_public(k, self.units): v for k, v in self.sources.items()},
        }
        return {k: v for k, v in out.items() if v is not None}


@dataclass(slots=True)
class SegmentResult:
    """Conduction between two adjacent sites (``from`` distal, ``to`` proximal)."""

    from_site: str
    to_site: str
    distance_mm: float | None
    cv_m_s: float | None = None
    amplitude_drop_pct: float | None = None
    area_drop_pct: float | None = None
    duration_increase_pct: float | None = None
    cv_drop_m_s: float | None = None  # slowing relative to the segment below it
    conduction_block: bool = False
    temporal_dispersion: bool = False
    criteria: str = ""
    abnormal: list[str] = field(default_factory=list)
    limits: dict[str, LimitUsed] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.from_site}-{self.to_site}"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "from": self.from_site,
            "to": self.to_site,
            "distance_mm": self.distance_mm,
            "cv_m_s": _r(self.cv_m_s, 1),
            "amplitude_drop_pct": _r(self.amplitude_drop_pct, 1),
            "area_drop_pct": _r(self.area_drop_pct, 1),
            "duration_increase_pct": _r(self.duration_increase_pct, 1),
            "cv_drop_m_s": _r(self.cv_drop_m_s, 1),
            "conduction_block": self.conduction_block,
            "temporal_dispersion": self.temporal_dispersion,
            "criteria": self.criteria,
            "abnormal": list(self.abnormal),
            "limits": {k: asdict(v) for k, v in self.limits.items()},
            "notes": list(self.notes),
        }
        return {k: v for k, v in out.items() if v is not None}


@dataclass(slots=True)
class NerveResult:
    """One nerve study: its sites, segments and late-response / repetitive-stimulation summaries."""

    nerve: str
    kind: str
    side: str
    record: str | None
    sites: list[SiteResult] = field(default_factory=list)
    segments: list[SegmentResult] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)  # f_wave / h_reflex / rns measures
    direction: str | None = None  # sensory: antidromic | orthodromic
    abnormal: list[str] = field(default_factory=list)
    limits: dict[str, LimitUsed] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.side} {self.nerve} {self.kind}" + (f" ({self.record})" if self.record else "")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "nerve": self.nerve,
            "kind": self.kind,
            "side": self.side,
            "record": self.record,
            **({"direction": self.direction} if self.direction else {}),
            "sites": [s.to_dict() for s in self.sites],
            "segments": [s.to_dict() for s in self.segments],
        }
        if self.summary:
            out |= {k: _r(v) if isinstance(v, float) else v for k, v in self.summary.items()}
            out["abnormal"] = list(self.abnormal)
            out["limits"] = {k: asdict(v) for k, v in self.limits.items()}
        if self.notes:
            out["notes"] = list(self.notes)
        return out


def _public(name: str, units: str) -> str:
    """Internal unit-free names (amplitude, area) to the contract's names with units."""
    suffix = {"amplitude": "amplitude_{u}", "peak_to_peak": "peak_to_peak_{u}", "area": "area_{u}_ms"}
    return suffix[name].format(u=units.lower()) if name in suffix else name


def _r(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(float(value), digits)
