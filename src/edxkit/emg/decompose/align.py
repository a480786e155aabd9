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
    # exp(-2πi·f·d) as cos + i·sin of the same angle (the same values as np.exp of the imaginary argument,
    # at half the cost)
    angle = (-2.0 * np.pi * f)[None, :] * d[:, None]
    phase = np.empty(angle.shape, dtype=np.complex128)
    np.cos(angle, out=phase.real)
    np.sin(angle, out=phase.imag)
    spec *= phase
    out = np.asarray(sfft.irfft(spec, n, axis=1)[:, :m], dtype=np.float64)
    return out if np.ndim(rows) == 2 else out[0]


def aligned_windows(x: FloatArray, peaks: IntArray, offsets: FloatArray, left: int, right: int) -> FloatArray:
    """Windows with each peak moved to sample ``left`` exactly (sub-sample offsets removed).

    Two extra samples on each side are taken and cut after the shift so the circular edges do not show.
    """
    w = windows(x, peaks, left + 2, right + 2)
    return delay(w, -np.asarray(offsets, dtype=np.float64))[:, 2:-2]


def median_rows(a: FloatArray) -> FloatArray:
    """``np.median(a, axis=0)`` of a 2-D float array, without numpy's generic wrapper (called thousands of
    times on small arrays): the same partition and the same mean of the middle one or two rows, so the same
    values; arrays with no rows or with NaN go to ``np.median`` itself."""
    n = a.shape[0]
    if n == 0:
        return np.asarray(np.median(a, axis=0), dtype=np.float64)
    h = n // 2
    part = np.partition(a, [h, -1] if n % 2 else [h - 1, h, -1], axis=0)
    if np.isnan(part[-1]).any():
        return np.asarray(np.median(a, axis=0), dtype=np.float64)
    if n % 2:
        return np.asarray(part[h], dtype=np.float64)
    return np.asarray((part[h - 1] + part[h]) / 2.0, dtype=np.float64)


def median_of(x: FloatArray) -> float:
    """``float(np.median(x))`` of a 1-D float array (see :func:`median_rows`)."""
    n = x.size
    if n == 0:
        return float(np.median(x))
    h = n // 2
    part = np.partition(x, [h, -1] if n % 2 else [h - 1, h, -1])
    if np.isnan(part[-1]):
        return float(np.median(x))
    return float(part[h]) if n % 2 else float((part[h - 1] + part[h]) / 2.0)
