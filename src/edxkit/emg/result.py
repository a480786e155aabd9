"""The result of analysing one needle recording (``edx emg FILE --json``, schema ``edxkit.emg/1``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from edxkit.emg.classify import Classification
from edxkit.emg.decompose import DecomposedUnit
from edxkit.emg.interference import Interference
from edxkit.emg.muap import MuapMeasures
from edxkit.emg.recruitment import Recruitment
from edxkit.emg.spontaneous import SpontaneousResult
from edxkit.emg.stability import Stability
from edxkit.emg.summary import MuapSummary

EMG_SCHEMA = "edxkit.emg/1"
TEMPLATE_DECIMALS = 1


def _plain(value: Any) -> Any:
    """JSON-ready copy of a measure: numpy scalars to Python, NaN to None, floats rounded to 4 decimals."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return None if not np.isfinite(value) else round(value, 4)
    return value


def dataclass_dict(obj: Any) -> dict[str, Any]:
    """A frozen result dataclass as a JSON-ready dict (arrays as lists)."""
    out: dict[str, Any] = _plain(asdict(obj))
    return out


@dataclass(frozen=True, slots=True)
class MotorUnitResult:
    """One decomposed unit with the measures of its template and its stability."""

    unit: DecomposedUnit
    measures: MuapMeasures
    stability: Stability | None
    accepted: bool
    reject_reason: str = ""

    def to_dict(self, *, templates: bool = True) -> dict[str, Any]:
        u, m = self.unit, self.measures
        out: dict[str, Any] = {
            "id": u.id,
            "n_firings": u.n_firings,
            "firing_times_s": [round(float(t), 6) for t in u.firing_times_s],
            "mean_rate_hz": _plain(u.mean_rate_hz),
            "isi_cv": _plain(u.isi_cv),
            "amplitude_uv": _plain(m.amplitude_uv),
            "duration_ms": _plain(m.duration_ms),
            "phases": m.phases,
            "turns": m.turns,
            "polyphasic": m.polyphasic,
            "measures": dataclass_dict(m),
            "stability": dataclass_dict(self.stability) if self.stability is not None else None,
            "accepted": self.accepted,
        }
        if self.reject_reason:
            out["reject_reason"] = self.reject_reason
        if templates:
            out["template_uv"] = np.round(u.template_uv, TEMPLATE_DECIMALS).tolist()
            out["template_index"] = u.template_index
        return out


@dataclass(slots=True)
class NeedleResult:
    """Everything measured in one needle recording (one channel, one contraction level)."""

    file: str
    channel: str
    muscle: str | None
    age_years: float | None
    condition: str
    condition_inferred: bool
    fs_hz: float
    duration_s: float
    analysed_s: float
    excluded_s: float
    noise_uv: float
    n_nonfinite: int = 0
    n_clipped: int = 0
    spontaneous: SpontaneousResult | None = None
    motor_units: list[MotorUnitResult] = field(default_factory=list)
    summary: MuapSummary | None = None
    recruitment: Recruitment | None = None
    interference: Interference | None = None
    classification: Classification | None = None
    warnings: list[str] = field(default_factory=list)
    timing_s: dict[str, float] = field(default_factory=dict)

    @property
    def accepted_units(self) -> list[MotorUnitResult]:
        return [u for u in self.motor_units if u.accepted]

    def to_dict(self, *, templates: bool = True) -> dict[str, Any]:
        """The ``edxkit.emg/1`` JSON (DESIGN.md "Needle recording JSON")."""
        cls = self.classification
        summary = self.summary
        return {
            "schema": EMG_SCHEMA,
            "file": self.file,
            "channel": self.channel,
            "muscle": self.muscle,
            "age_years": self.age_years,
            "condition": self.condition,
            "condition_inferred": self.condition_inferred,
            "fs_hz": self.fs_hz,
            "duration_s": round(self.duration_s, 6),
            "analysed_s": round(self.analysed_s, 6),
            "excluded_s": round(self.excluded_s, 6),
            "noise_uv": round(self.noise_uv, 3),
            "nonfinite_samples": self.n_nonfinite,
            "clipped_samples": self.n_clipped,
            "classification": cls.label if cls is not None else None,
            "reasons": [dataclass_dict(r) for r in cls.reasons] if cls is not None else [],
            "reference": _plain(cls.reference) if cls is not None else None,
            "findings": dict(cls.findings) if cls is not None else {},
            "muap": _summary_dict(summary),
            "motor_units": [u.to_dict(templates=templates) for u in self.motor_units],
            "spontaneous": self.spontaneous.to_dict() if self.spontaneous is not None else [],
            "grades": dict(self.spontaneous.grades) if self.spontaneous is not None else {},
            "other_discharges": list(self.spontaneous.other_discharges) if self.spontaneous else [],
            "recruitment": dataclass_dict(self.recruitment) if self.recruitment is not None else None,
            "interference": dataclass_dict(self.interference) if self.interference is not None else None,
            "warnings": list(self.warnings),
        }


def _summary_dict(summary: MuapSummary | None) -> dict[str, Any]:
    if summary is None:
        return {"count": 0}
    return dataclass_dict(summary)
