"""Sub-sample location of a sampled extremum by a parabola through the three samples around it."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


def parabolic_offset(y_minus: FloatArray, y0: FloatArray, y_plus: FloatArray) -> FloatArray:
    """Sub-sample offset (−0.5…0.5) of the extremum of a parabola through three equally spaced values."""
    den = y_minus - 2.0 * y0 + y_plus
    with np.errstate(divide="ignore", invalid="ignore"):
        off = np.where(np.abs(den) > 1e-12, 0.5 * (y_minus - y_plus) / den, 0.0)
    return np.clip(np.nan_to_num(off), -0.5, 0.5)
