"""Per-muscle summary of the MUAPs measured in one muscle (the multi-MUP "muscle mean" values).

The means are plain arithmetic means over the MUAPs (muap-norms C08: the muscle mean is compared with the
mean limits); the individual amplitudes and durations are kept for the outlier rule (C06/C07).
Polyphasic = more than 4 phases (C13). Thickness and size index ignore flat templates (NaN).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from edxkit.emg.muap import MuapMeasures
from edxkit.emg.stability import Stability


@dataclass(frozen=True, slots=True)
class MuapSummary:
    """Means over the MUAPs of one muscle.

    Attributes
    ----------
    count : int
        MUAPs summarised.
    mean_duration_ms, mean_amplitude_uv, mean_area_uv_ms, mean_thickness_ms, mean_size_index : float
        Means (NaN when ``count`` is 0).
    polyphasic_fraction, satellite_fraction : float
        Fractions (0–1) of MUAPs with more than 4 phases / with a satellite.
    mean_phases, mean_turns : float
        Mean phases and turns.
    unstable_fraction : float or None
        Fraction of the MUAPs with a stability measure that were unstable; None when none had one.
    amplitudes_uv, durations_ms : tuple of float
        The individual values (for the outlier rule).
    """

    count: int
    mean_duration_ms: float
    mean_amplitude_uv: float
    polyphasic_fraction: float
    mean_phases: float
    mean_turns: float
    mean_area_uv_ms: float
    mean_thickness_ms: float
    mean_size_index: float
    satellite_fraction: float
    unstable_fraction: float | None
    amplitudes_uv: tuple[float, ...] = ()
    durations_ms: tuple[float, ...] = ()


def _mean(values: Sequence[float]) -> float:
    arr = np.asarray(values, dtype=np.float64)
    arr = arr[np.isfinite(arr)]
    return float(arr.mean()) if arr.size else math.nan


def summarize(measures: Sequence[MuapMeasures], stabilities: Sequence[Stability | None] = ()) -> MuapSummary:
    """Summarise the MUAPs of one muscle; ``stabilities`` (optional) are those of the same units.

    Only assessed stabilities (enough discharges) count towards ``unstable_fraction``.
    """
    amps = tuple(float(m.amplitude_uv) for m in measures)
    durs = tuple(float(m.duration_ms) for m in measures)
    rated = [s for s in stabilities if s is not None and s.assessed]
    n = len(measures)
    return MuapSummary(
        count=n,
        mean_duration_ms=_mean(durs),
        mean_amplitude_uv=_mean(amps),
        polyphasic_fraction=float(np.mean([m.polyphasic for m in measures])) if n else math.nan,
        mean_phases=_mean([m.phases for m in measures]),
        mean_turns=_mean([m.turns for m in measures]),
        mean_area_uv_ms=_mean([m.area_uv_ms for m in measures]),
        mean_thickness_ms=_mean([m.thickness_ms for m in measures]),
        mean_size_index=_mean([m.size_index for m in measures]),
        satellite_fraction=float(np.mean([m.satellite for m in measures])) if n else math.nan,
        unstable_fraction=float(np.mean([s.unstable for s in rated])) if rated else None,
        amplitudes_uv=amps,
        durations_ms=durs,
    )
