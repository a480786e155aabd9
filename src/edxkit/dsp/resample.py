"""Band-limited (windowed-sinc, polyphase) interpolation of a short stretch of signal.

A sampled signal whose content lies below half the sampling rate is fixed between its samples by
the Whittaker–Shannon (sinc) interpolation formula; a polyphase FIR implementation of it with a
Kaiser-windowed sinc (Crochiere & Rabiner, *Multirate Digital Signal Processing*, 1983; the
window of Kaiser, 1974) is what :func:`scipy.signal.resample_poly` computes; here it is done by
zero-stuffing and one convolution (the same numbers, several times faster on the short stretches
used). The filter keeps the original samples (the zero phase of a windowed sinc cut at the input
Nyquist frequency is a unit impulse) and fills in between with the band-limited curve through
them, unlike straight lines (which cut peaks and bend crossings towards the chords) or a parabola
over three samples.

Before filtering, the stretch is extended at both ends by odd reflection about its end samples,
which keeps the value and slope continuous there, so the filter does not ring at the ends of
the stretch (nothing outside the stretch, such as a stimulus artifact, leaks in).
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.typing import NDArray
from scipy.signal import firwin  # type: ignore[import-untyped]

FloatArray = NDArray[np.float64]

#: Half-length of the interpolating filter in input samples (scipy's default is 10).
HALF_LENGTH = 8
#: Kaiser window β of the interpolating filter (scipy's default is 5).
KAISER_BETA = 6.0


@functools.lru_cache(maxsize=32)
def interpolation_filter(factor: int) -> FloatArray:
    """Kaiser-windowed sinc cut at the input Nyquist frequency, ``2·HALF_LENGTH·factor + 1`` taps.

    Unit DC gain (the zero-stuffed signal it filters needs a gain of ``factor``).
    """
    taps = firwin(2 * HALF_LENGTH * factor + 1, 1.0 / factor, window=("kaiser", KAISER_BETA))
    return np.asarray(taps, dtype=np.float64)


def upsample(samples: FloatArray, factor: int) -> FloatArray:
    """Band-limited interpolation of ``samples`` by an integer ``factor``.

    Parameters
    ----------
    samples : ndarray
        Equally spaced samples (any units), at least 2.
    factor : int
        Output samples per input sample (≥ 1).

    Returns
    -------
    ndarray
        ``(n − 1)·factor + 1`` samples; output ``j`` lies at input position ``j / factor``, so
        every ``factor``-th output sample is (to the filter's precision) an input sample.
    """
    x = np.asarray(samples, dtype=np.float64)
    if factor <= 1 or x.size < 2:
        return x.copy()
    pad = min(HALF_LENGTH + 1, x.size - 1)
    head = 2.0 * x[0] - x[pad:0:-1]
    tail = 2.0 * x[-1] - x[-2 : -pad - 2 : -1]
    padded = np.concatenate((head, x, tail))
    stuffed = np.zeros((padded.size - 1) * factor + 1)
    stuffed[::factor] = padded
    taps = interpolation_filter(factor)
    full = np.convolve(stuffed, taps * factor)
    start = (taps.size // 2) + pad * factor
    return np.asarray(full[start : start + (x.size - 1) * factor + 1], dtype=np.float64)
