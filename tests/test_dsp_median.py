"""``median_1d`` is ``np.median`` for 1-D float arrays, bit for bit (it replaces it in hot NCS paths)."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from edxkit.dsp.filters import gaussian_kernel, lowpass
from edxkit.dsp.stats import median_1d


@given(arrays(np.float64, st.integers(1, 300), elements=st.floats(-1e12, 1e12, allow_nan=False)))
def test_median_1d_equals_np_median_bit_for_bit(x: np.ndarray) -> None:
    assert median_1d(x) == float(np.median(x))


def test_median_1d_of_data_with_a_nan_is_nan_like_np_median() -> None:
    assert math.isnan(median_1d(np.array([3.0, np.nan, 1.0, 2.0])))
    assert math.isnan(median_1d(np.empty(0)))


@given(
    arrays(np.float64, st.integers(2, 200), elements=st.floats(-1e6, 1e6, allow_nan=False)),
    st.sampled_from([3200.0, 10000.0, 20000.0, 48000.0]),
    st.sampled_from([500.0, 1000.0, 2500.0]),
)
def test_lowpass_mirror_padding_equals_np_pad_reflect(x: np.ndarray, fs: float, fc: float) -> None:
    kernel = gaussian_kernel(fs, fc)
    half = kernel.size // 2
    if kernel.size == 1:
        return
    mode = "reflect" if x.size > half else "edge"
    expected = np.convolve(np.pad(x, half, mode=mode), kernel, mode="valid")
    assert np.array_equal(lowpass(x, fs, fc), expected)
