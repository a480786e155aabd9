"""Windows of a long trace for the viewer: full resolution when it fits, else min/max decimation.

The needle viewer asks for the samples between two times at about the screen's width in points. When the
window holds more samples than that, :func:`edxkit.dsp.decimate.decimate_minmax` keeps each bin's minimum
and maximum in time order (the envelope decimation of EMG review screens and oscilloscopes), so every
spike stays visible at any zoom; when it holds fewer, the samples themselves are returned.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from edxkit.dsp.decimate import decimate_minmax

MAX_POINTS = 20_000
MIN_POINTS = 16


@dataclass(frozen=True, slots=True)
class TraceWindow:
    """Values of a window: ``values[k]`` is at ``t0_s + k * dt_s``; ``full`` when not decimated."""

    t0_s: float
    dt_s: float
    values: NDArray[np.float64]
    first_sample: int
    n_window_samples: int
    full: bool


def window_indices(n_samples: int, fs_hz: float, start_s: float, stop_s: float) -> tuple[int, int]:
    """Sample range ``[i0, i1)`` of ``[start_s, stop_s)`` (s from the first sample), clipped to the trace."""
    i0 = int(np.clip(np.floor(start_s * fs_hz), 0, n_samples))
    i1 = int(np.clip(np.ceil(stop_s * fs_hz), i0, n_samples))
    return i0, i1


def trace_window(
    samples: NDArray[np.floating], fs_hz: float, *, start_s: float, stop_s: float, points: int
) -> TraceWindow:
    """The samples of ``[start_s, stop_s)`` reduced to at most ``points`` values (min/max pairs).

    ``points`` is clipped to ``[16, 20000]``; NaN samples (invalid stretches) become 0 in the
    decimated view so that a bin's extremes are real values.
    """
    points = int(np.clip(points, MIN_POINTS, MAX_POINTS))
    i0, i1 = window_indices(samples.shape[0], fs_hz, start_s, stop_s)
    part = np.asarray(samples[i0:i1], dtype=np.float64)
    if part.shape[0] <= points:
        return TraceWindow(i0 / fs_hz, 1.0 / fs_hz, part, i0, part.shape[0], True)
    if np.isnan(part).any():
        part = np.nan_to_num(part, nan=0.0)
    values, step = decimate_minmax(part, points)
    return TraceWindow(i0 / fs_hz, step / fs_hz, values, i0, i1 - i0, False)
