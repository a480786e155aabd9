"""The viewer's windows: at most ``points`` values, every sample when the window fits, and a spike drawn
within one bin of its true time whatever the bin width (odd widths included)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from edxkit.web.decimation import trace_window


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(min_value=20, max_value=200_000),
    points=st.integers(min_value=16, max_value=5000),
    where=st.floats(min_value=0.0, max_value=0.999),
    noise=st.floats(min_value=0.0, max_value=50.0),
    seed=st.integers(min_value=0, max_value=2**16),
)
def test_window_has_at_most_points_and_keeps_the_spike_at_its_time(n, points, where, noise, seed):
    fs = 10_000.0
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, noise, n) if noise > 0 else np.zeros(n)
    k = int(where * n)
    x[k] = 1000.0 + 10 * noise
    w = trace_window(x, fs, start_s=0.0, stop_s=n / fs, points=points)
    assert len(w.values) <= max(points, 16)
    assert np.isfinite(w.values).all()
    if w.full:
        np.testing.assert_array_equal(w.values, x)
        return
    j = int(np.argmax(w.values))
    assert w.values[j] == x[k]  # min/max decimation keeps the extreme itself
    assert abs((w.t0_s + j * w.dt_s) - k / fs) <= 2 * w.dt_s + 1e-12  # within one bin of its time


def test_odd_bin_width_keeps_time_axis_true_at_the_end_of_a_long_window():
    fs = 48_000.0
    x = np.zeros(43_200)
    x[20_000] = 1.0  # 0.4167 s into the window
    w = trace_window(x, fs, start_s=0.0, stop_s=0.9, points=7855)  # bins of 11 samples
    j = int(np.argmax(w.values))
    assert abs(w.t0_s + j * w.dt_s - 20_000 / fs) < 11 / fs


def test_window_is_clipped_to_the_trace_and_nan_samples_do_not_poison_the_view():
    x = np.arange(100_000, dtype=float)
    x[500:600] = np.nan
    w = trace_window(x, 1000.0, start_s=-5.0, stop_s=1e9, points=1000)
    assert w.first_sample == 0 and w.n_window_samples == 100_000
    assert np.isfinite(w.values).all() and len(w.values) <= 1000
