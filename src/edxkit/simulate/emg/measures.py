"""MUAP measures of a clean (noise-free, filtered) template — the conventions the truth uses.

* ``amplitude_uv``: peak-to-peak, largest minus smallest sample of the template (clinical.md §3.2).
* ``duration_ms``: amplitude-threshold method — from the first to the last sample whose magnitude exceeds
  ``threshold_uv`` (default 10 µV, ≈0.1 division at the usual 100 µV/div MUAP gain; on noisy signals
  analysers need a noise-dependent threshold, which makes durations shorter).
* ``phases``: baseline crossings + 1 within the duration (clinical.md §2.8). A crossing is counted when the
  signal goes from ≥ +``band_uv`` to ≤ −``band_uv`` or back (baseline band ±5 µV), so wiggles around zero
  are not phases.
* ``turns``: number of turning points (peaks of either sign) that differ by ≥ ``turn_uv`` (25 µV,
  clinical.md §2.8) from the previous and the next retained turning point, the duration's first and last
  samples acting as anchors (a simple biphasic potential has 2 turns, a triphasic 3).
* ``rise_time_ms``: from the turning point (positive peak) immediately preceding the main negative peak to
  that
  negative peak (the usual
  "sharpness" acceptance criterion is < 0.5 ms).
* ``area_uv_ms``: integral of the magnitude within the duration.
Samples carry their physical sign (negative = upward on an EMG display).

The counting primitives (peak-to-peak, phases, turns, rectified area) are those of the analysis,
:mod:`edxkit.emg.muap`; only the markers differ (the analysis places noise-dependent markers,
:func:`edxkit.emg.muap.measure_muap`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from edxkit.emg.muap import count_phases, count_turns, peak_to_peak_uv, rectified_area_uv_ms

FloatArray = NDArray[np.float64]

DURATION_THRESHOLD_UV = 10.0
BASELINE_BAND_UV = 5.0
TURN_UV = 25.0


@dataclass(frozen=True, slots=True)
class MuapMeasures:
    """Measures of one template (see module docstring for definitions)."""

    amplitude_uv: float
    duration_ms: float
    phases: int
    turns: int
    rise_time_ms: float
    area_uv_ms: float


def amplitude_uv(template_uv: FloatArray) -> float:
    """Peak-to-peak amplitude (µV)."""
    return peak_to_peak_uv(template_uv)


def duration_bounds(template_uv: FloatArray, threshold_uv: float = DURATION_THRESHOLD_UV) -> tuple[int, int]:
    """First and last sample index whose magnitude exceeds ``threshold_uv`` ((0, −1) when none does)."""
    above = np.flatnonzero(np.abs(template_uv) > threshold_uv)
    if above.size == 0:
        return 0, -1
    return int(above[0]), int(above[-1])


def duration_ms(template_uv: FloatArray, fs_hz: float, threshold_uv: float = DURATION_THRESHOLD_UV) -> float:
    """Duration (ms) by the amplitude-threshold method."""
    first, last = duration_bounds(template_uv, threshold_uv)
    return max(last - first, 0) * 1000.0 / fs_hz


def phases(
    template_uv: FloatArray, threshold_uv: float = DURATION_THRESHOLD_UV, band_uv: float = BASELINE_BAND_UV
) -> int:
    """Baseline crossings + 1 within the duration (0 when the template never exceeds the threshold)."""
    first, last = duration_bounds(template_uv, threshold_uv)
    if last < first:
        return 0
    return count_phases(template_uv[first : last + 1], band_uv)


def turns(
    template_uv: FloatArray, threshold_uv: float = DURATION_THRESHOLD_UV, turn_uv: float = TURN_UV
) -> int:
    """Turning points separated by ≥ ``turn_uv`` from their neighbours (zig-zag with hysteresis)."""
    first, last = duration_bounds(template_uv, threshold_uv)
    if last < first:
        return 0
    return count_turns(template_uv[first : last + 1], turn_uv)


def rise_time_ms(template_uv: FloatArray, fs_hz: float) -> float:
    """Time (ms) from the positive peak before the main negative peak to that negative peak."""
    if template_uv.size == 0:
        return 0.0
    neg = int(np.argmin(template_uv))
    pos = neg
    while pos > 0 and template_uv[pos - 1] >= template_uv[pos]:
        pos -= 1
    return (neg - pos) * 1000.0 / fs_hz


def area_uv_ms(template_uv: FloatArray, fs_hz: float, threshold_uv: float = DURATION_THRESHOLD_UV) -> float:
    """Integral of |template| within the duration (µV·ms)."""
    first, last = duration_bounds(template_uv, threshold_uv)
    if last < first:
        return 0.0
    return rectified_area_uv_ms(template_uv[first : last + 1], fs_hz)


def measure(template_uv: FloatArray, fs_hz: float) -> MuapMeasures:
    """All measures of a clean template sampled at ``fs_hz``."""
    return MuapMeasures(
        amplitude_uv=amplitude_uv(template_uv),
        duration_ms=duration_ms(template_uv, fs_hz),
        phases=phases(template_uv),
        turns=turns(template_uv),
        rise_time_ms=rise_time_ms(template_uv, fs_hz),
        area_uv_ms=area_uv_ms(template_uv, fs_hz),
    )
