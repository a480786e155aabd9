"""Zero-phase smoothing filters defined in physical units (Hz, ms), the same at any sampling rate."""

from __future__ import annotations

import functools
import math

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

#: Gaussian ``σ_t·f_c`` for a −3 dB cut-off ``f_c``: ``sqrt(ln 2)/(2π)``.
_GAUSS_SIGMA_PER_CUTOFF = math.sqrt(math.log(2.0)) / (2.0 * math.pi)


def gaussian_sigma_ms(cutoff_hz: float) -> float:
    """Time-domain σ (ms) of the Gaussian low-pass whose −3 dB frequency is ``cutoff_hz``."""
    return 1000.0 * _GAUSS_SIGMA_PER_CUTOFF / cutoff_hz


@functools.lru_cache(maxsize=64)
def gaussian_kernel(fs_hz: float, cutoff_hz: float) -> FloatArray:
    """Unit-sum Gaussian FIR kernel (odd length, ±4 σ) with a −3 dB cut-off at ``cutoff_hz``.

    Returns ``[1.0]`` when the kernel would be narrower than a third of a sample (the sampling
    rate is then the limit of the bandwidth and smoothing would only blur). Cached (read-only).
    """
    sigma_samples = gaussian_sigma_ms(cutoff_hz) * fs_hz / 1000.0
    if sigma_samples < 0.33:
        one = np.ones(1)
        one.flags.writeable = False
        return one
    half = max(1, math.ceil(4.0 * sigma_samples))
    n = np.arange(-half, half + 1, dtype=np.float64)
    kernel = np.exp(-0.5 * (n / sigma_samples) ** 2)
    out = np.asarray(kernel / kernel.sum(), dtype=np.float64)
    out.flags.writeable = False
    return out


def lowpass(samples: FloatArray, fs_hz: float, cutoff_hz: float) -> FloatArray:
    """Zero-phase Gaussian low-pass (no ringing, no phase shift) of ``samples``.

    Parameters
    ----------
    samples : ndarray
        Signal in any units.
    fs_hz : float
        Sampling rate, Hz.
    cutoff_hz : float
        −3 dB frequency, Hz.

    Returns
    -------
    ndarray
        Filtered signal, same length; the ends are mirror-padded.
    """
    kernel = gaussian_kernel(fs_hz, cutoff_hz)
    x = np.asarray(samples, dtype=np.float64)
    if kernel.size == 1 or x.size < 2:
        return x.copy()
    half = kernel.size // 2
    if x.size > half:  # np.pad(x, half, mode="reflect"), without its overhead
        padded = np.concatenate((x[half:0:-1], x, x[-2 : -half - 2 : -1]))
    else:
        padded = np.pad(x, half, mode="edge")
    return np.asarray(np.convolve(padded, kernel, mode="valid"), dtype=np.float64)


def noise_gain(fs_hz: float, cutoff_hz: float) -> float:
    """Factor by which :func:`lowpass` scales the rms of white noise (``sqrt(Σ h²)``)."""
    kernel = gaussian_kernel(fs_hz, cutoff_hz)
    return float(np.sqrt(np.sum(kernel * kernel)))


def moving_mean(samples: FloatArray, width: int) -> FloatArray:
    """Means of every run of ``width`` consecutive samples (length ``n − width + 1``)."""
    x = np.asarray(samples, dtype=np.float64)
    if width < 1 or width > x.size:
        return np.empty(0)
    csum = np.concatenate(([0.0], np.cumsum(x)))
    return np.asarray((csum[width:] - csum[:-width]) / width, dtype=np.float64)
