"""Window extraction and sub-sample alignment.

Peaks are located to a fraction of a sample by a parabola through the three samples around the maximum, and
windows/templates are shifted by a fraction of a sample with the Fourier shift theorem (band-limited
interpolation), as in EMGlab (McGill et al. 2005), so that alignment and subtraction stay exact at 4–50 kHz.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import fft as sfft  # type: ignore[import-untyped]

from edxkit.dsp.peaks import parabolic_offset

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def windows(x: FloatArray, centers: IntArray, left: int, right: int) -> FloatArray:
    """Rows ``x[c - left : c + right + 1]`` for each centre (the caller keeps them inside ``x``)."""
    idx = np.asarray(centers, dtype=np.int64)[:, None] + np.arange(-left, right + 1)[None, :]
    return np.asarray(x[idx], dtype=np.float64)


def peak_offset(x: FloatArray, peaks: IntArray) -> FloatArray:
    """Sub-sample offset of the |x| maximum at each peak sample (peaks strictly inside ``x``)."""
    a = np.abs(x)
    return parabolic_offset(a[peaks - 1], a[peaks], a[peaks + 1])


def delay(rows: FloatArray, delay_samples: FloatArray | float) -> FloatArray:
    """Rows delayed by ``delay_samples`` (fractional): ``y[j] = x(j − d)``, band-limited, zero padded."""
    x = np.atleast_2d(np.asarray(rows, dtype=np.float64))
    m = x.shape[1]
    d = np.broadcast_to(np.asarray(delay_samples, dtype=np.float64), (x.shape[0],))
    if m == 0 or not np.any(d):
        return x.copy() if np.ndim(rows) == 2 else x[0].copy()
    n = sfft.next_fast_len(m + 8)
    spec = sfft.rfft(x, n, axis=1)
    f = np.arange(spec.shape[1]) / n
    spec *= np.exp(-2j * np.pi * f[None, :] * d[:, None])
    out = np.asarray(sfft.irfft(spec, n, axis=1)[:, :m], dtype=np.float64)
    return out if np.ndim(rows) == 2 else out[0]


def aligned_windows(x: FloatArray, peaks: IntArray, offsets: FloatArray, left: int, right: int) -> FloatArray:
    """Windows with each peak moved to sample ``left`` exactly (sub-sample offsets removed).

    Two extra samples on each side are taken and cut after the shift so the circular edges do not show.
    """
    w = windows(x, peaks, left + 2, right + 2)
    return delay(w, -np.asarray(offsets, dtype=np.float64))[:, 2:-2]
