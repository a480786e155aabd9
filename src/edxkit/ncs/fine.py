"""A finer time grid around the response of a sweep sampled slowly (below :data:`FINE_BELOW_HZ`).

At 3.2–5 kHz a SNAP's rising edge has two or three samples and its negative peak three or four,
so crossings read off straight lines between samples, a take-off fitted to three points and a
parabola through the top of the peak are all biased by where the samples happen to fall. The
baseline-corrected sweep and its smoothed version are therefore interpolated, band-limited
(:func:`edxkit.dsp.resample.upsample`), onto a grid of at least :data:`FINE_RATE_HZ` over the
stretch from the start of the search (after the artifact pulse) to a little past the negative
peak, and the onset fit (and, below the kind's ``fine_peak_below_hz``, the peak refinement) runs
on that grid. Detection, baseline, noise and everything after the peak stay on the recorded
samples. Sweeps sampled at the kind's ``fine_below_hz`` or faster (9 kHz for CMAPs, whose content
lies below 1 kHz; 12 kHz for SNAPs, whose leading edge lasts a few tenths of a millisecond) are
measured on their own samples.

The simulator's sweeps are point samples of the continuous response (no anti-alias filter), so a
3.2-kHz SNAP is aliased and even this interpolation misses it by up to ~6 % of its amplitude; a
recording made through an anti-alias filter is band-limited, as the interpolation assumes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from edxkit.dsp.resample import upsample

FloatArray = NDArray[np.float64]

#: Sweeps sampled below this rate (Hz) are measured on an interpolated grid around the response
#: (default; :class:`edxkit.ncs.kinds.KindSpec` sets it per kind).
FINE_BELOW_HZ = 9000.0
#: The interpolated grid is at least this fine (Hz).
FINE_RATE_HZ = 20000.0
#: Recorded samples kept past the negative peak (the peak fit needs its far side).
_AFTER_PEAK_SAMPLES = 6


@dataclass(frozen=True, slots=True)
class FineGrid:
    """The interpolated stretch: times (ms), centred and smoothed sweep (units), and the factor.

    Parameters
    ----------
    t_ms : ndarray
        Times of the fine grid, ms after the stimulus.
    centered, smooth : ndarray
        Band-limited interpolation of the baseline-corrected sweep and of its low-passed version.
    factor : int
        Fine samples per recorded sample.
    """

    t_ms: FloatArray
    centered: FloatArray
    smooth: FloatArray
    factor: int

    def index_of(self, t_ms: float) -> int:
        """Index of the fine sample nearest ``t_ms``."""
        i = int(np.searchsorted(self.t_ms, t_ms))
        if i > 0 and (i == self.t_ms.size or t_ms - self.t_ms[i - 1] < self.t_ms[i] - t_ms):
            i -= 1
        return min(max(i, 0), self.t_ms.size - 1)

    def extremum_near(self, t_ms: float, half_ms: float) -> int:
        """Index of the smoothed curve's most negative fine sample within ``±half_ms`` of ``t_ms``."""
        sel = np.flatnonzero(np.abs(self.t_ms - t_ms) <= half_ms)
        if sel.size == 0:
            return self.index_of(t_ms)
        return int(sel[np.argmin(self.smooth[sel])])


def fine_factor(fs_hz: float, below_hz: float | None = None) -> int:
    """Fine samples per recorded sample for a sweep sampled at ``fs_hz`` (1: no fine grid).

    A fine grid is used below ``below_hz`` (default :data:`FINE_BELOW_HZ`).
    """
    if fs_hz >= (FINE_BELOW_HZ if below_hz is None else below_hz):
        return 1
    return max(1, math.ceil(FINE_RATE_HZ / fs_hz))


def fine_grid(
    t_ms: FloatArray,
    centered: FloatArray,
    smooth: FloatArray,
    fs_hz: float,
    start_ms: float,
    k_peak: int,
    *,
    below_hz: float | None = None,
) -> FineGrid | None:
    """Interpolate from ``start_ms`` to a few samples past the peak sample ``k_peak``.

    Returns None when the sweep is sampled fast enough (:func:`fine_factor` with ``below_hz``
    is 1) or the stretch holds fewer than four recorded samples.
    """
    factor = fine_factor(fs_hz, below_hz)
    if factor == 1:
        return None
    lo = max(int(np.searchsorted(t_ms, start_ms)), 0)
    hi = min(k_peak + _AFTER_PEAK_SAMPLES, t_ms.size - 1)
    if hi - lo < 3:
        return None
    dt = float(t_ms[1] - t_ms[0])
    n = (hi - lo) * factor + 1
    t_fine = np.asarray(float(t_ms[lo]) + np.arange(n) * (dt / factor), dtype=np.float64)
    return FineGrid(
        t_fine,
        upsample(centered[lo : hi + 1], factor),
        upsample(smooth[lo : hi + 1], factor),
        factor,
    )
