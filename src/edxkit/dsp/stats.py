"""Small robust statistics for the hot paths of the NCS marker engine."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


def median_1d(values: FloatArray) -> float:
    """``np.median`` of a 1-D float array, bit for bit, without its general-purpose overhead.

    Like ``np.median``: one partition, the middle element (odd length) or the mean of the two middle
    elements (even length); NaN if any value is NaN.
    """
    n = values.size
    if n == 0:
        return math.nan
    half = n // 2
    if n % 2:
        part = np.partition(values, (half, n - 1) if half < n - 1 else half)
        middle = float(part[half])
    else:
        part = np.partition(values, (half - 1, half, n - 1) if half < n - 1 else (half - 1, half))
        middle = (float(part[half - 1]) + float(part[half])) / 2.0
    return math.nan if math.isnan(float(part[-1])) else middle
