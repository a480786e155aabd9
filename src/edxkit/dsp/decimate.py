"""Decimation for display: keep each bin's minimum and maximum so that no peak disappears.

A trace drawn at a few hundred or thousand points per screen or page loses its spikes if it is simply
subsampled; keeping the extremes of each bin in their time order (the "min/max" or envelope decimation of
EMG review screens and oscilloscopes) draws the same picture as the full trace at that width.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def minmax_indices(values: NDArray[np.float64], max_points: int) -> tuple[NDArray[np.intp], int]:
    """Indices of each bin's minimum and maximum, in time order, and the bin width in samples.

    ``n`` samples go into ``ceil(n / w)`` bins of ``w = ceil(n / (max_points // 2))`` samples (the last bin
    may be shorter), two indices per bin, so at most ``max_points`` indices. With at most ``max_points``
    samples (or ``max_points`` < 2) every index is kept (bin width 1).
    """
    values = np.asarray(values, dtype=np.float64)
    n = values.shape[0]
    if n <= max_points or max_points < 2:
        return np.arange(n), 1
    width = int(np.ceil(n / (max_points // 2)))
    n_bins = int(np.ceil(n / width))
    # Pad the last, shorter bin with its own last sample: it changes neither its minimum nor its maximum.
    body = np.pad(values, (0, n_bins * width - n), mode="edge").reshape(n_bins, width)
    lo_idx = np.argmin(body, axis=1)
    hi_idx = np.argmax(body, axis=1)
    starts = np.arange(n_bins) * width
    out = np.empty(2 * n_bins, dtype=np.intp)
    out[0::2] = starts + np.minimum(lo_idx, hi_idx)
    out[1::2] = starts + np.maximum(lo_idx, hi_idx)
    return np.minimum(out, n - 1), width


def decimate_minmax(values: NDArray[np.float64], max_points: int) -> tuple[NDArray[np.float64], float]:
    """Each bin's minimum and maximum in time order (:func:`minmax_indices`) and their spacing in samples.

    Value ``k`` is drawn at sample ``k * w / 2`` for bins of ``w`` samples; input of at most ``max_points``
    samples is returned unchanged with spacing 1.
    """
    values = np.asarray(values, dtype=np.float64)
    index, width = minmax_indices(values, max_points)
    return values[index], (width / 2.0 if width > 1 else 1.0)
