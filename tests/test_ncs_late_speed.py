"""The fast F-wave helpers equal the formulations they replace, bit for bit (issue 4, speed).

Each ``_ref_*`` function is the original (column-by-column / full-width) formulation; the fast
versions in :mod:`edxkit.ncs.fwave` must return exactly the same floats for any input.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edxkit.ncs import fwave
from edxkit.ncs.fwave import (
    CFG,
    _drift_lines,
    _exp_continuation,
    _Operator,
    _shared_part,
    _shared_part_columns,
    _smooth_span,
    first_event,
    first_events,
    moving_line,
    smooth,
)
from edxkit.simulate.ncs import Pathology, normal_params
from edxkit.simulate.ncs.late import simulate_f_waves

FS = st.sampled_from([3000.0, 10000.0, 20000.0, 48000.0])


def _ref_exp_continuation(c: np.ndarray, a: int, b: int, fs_hz: float) -> np.ndarray:
    x = (np.arange(c.size) - b) * (1000.0 / fs_hz)
    taus = np.geomspace(0.5, 30.0, 30)
    decay = np.exp(-(x[None, :] - x[a]) / taus[:, None])  # exp(−t/τ) scaled to 1 at the first fitted sample
    design = np.stack(np.broadcast_arrays(1.0, decay, x[None, :]), axis=-1)
    coef = np.linalg.pinv(design[:, a:b]) @ c[a:b]
    sse = np.sum((np.einsum("kij,kj->ki", design[:, a:b], coef) - c[a:b]) ** 2, axis=1)
    best = int(np.argmin(sse))
    out = c.copy()
    out[b:] = design[best, b:] @ coef[best]
    return out


def _ref_drift_lines(t_ms: np.ndarray, r: np.ndarray, valid: np.ndarray) -> np.ndarray:
    x = (t_ms - t_ms.mean()) / 10.0
    w = valid.astype(np.float64)
    fit = np.zeros_like(r)
    for _ in range(3):
        s0, s1, s2 = w.sum(1), (w * x).sum(1), (w * x * x).sum(1)
        sy, sxy = (w * r).sum(1), (w * r * x).sum(1)
        den = s0 * s2 - s1 * s1
        ok = (s0 > 8) & (den > 1e-12)
        slope = np.where(ok, (s0 * sxy - s1 * sy) / np.where(ok, den, 1.0), 0.0)
        level = np.where(ok, (sy - slope * s1) / np.where(ok, s0, 1.0), 0.0)
        fit = level[:, None] + slope[:, None] * x[None, :]
        dev = np.abs(r - fit)
        w = valid * np.minimum(
            1.0, 2.0 * 1.4826 * fwave._row_medians(dev, valid)[:, None] / np.maximum(dev, 1e-12)
        )
    return fit


def _signals(seed: int, rows: int, n: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    scale = 10.0 ** rng.uniform(-3, 2)
    return scale * (rng.normal(size=(rows, n)) + np.cumsum(rng.normal(size=(rows, n)), axis=1) / 10)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    rows=st.integers(1, 12),
    n=st.integers(8, 1500),
    fit_n=st.integers(3, 400),
    gap_n=st.integers(1, 60),
    fs=FS,
    data=st.data(),
)
def test_operator_tail_equals_the_full_operator_from_any_column_bit_for_bit(
    seed: int, rows: int, n: int, fit_n: int, gap_n: int, fs: float, data: st.DataObject
) -> None:
    x = _signals(seed, rows, n)
    c0 = data.draw(st.integers(0, n))
    op = _Operator(0.2, fit_n, gap_n, fs)
    full = op(x)
    assert np.array_equal(op.tail(x, c0), full[:, c0:], equal_nan=True)
    y = smooth(x, 0.2, fs)
    assert np.array_equal(
        fwave._line_tail(y, fit_n, gap_n, c0, fwave._line_sums(n, fit_n, gap_n)),
        moving_line(y, fit_n, gap_n)[:, c0:],
        equal_nan=True,
    )


@settings(max_examples=200, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    rows=st.integers(1, 6),
    n=st.integers(0, 80),
    k_low=st.floats(-1.0, 3.0),
    k_high=st.floats(-1.0, 6.0),
    min_n=st.integers(1, 6),
    nan_fraction=st.sampled_from([0.0, 0.1]),
    data=st.data(),
)
def test_first_events_of_all_rows_equal_first_event_row_by_row(
    seed: int,
    rows: int,
    n: int,
    k_low: float,
    k_high: float,
    min_n: int,
    nan_fraction: float,
    data: st.DataObject,
) -> None:
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(rows, n)) * rng.uniform(0.5, 5.0)
    z[rng.random((rows, n)) < nan_fraction] = np.nan
    start = np.array(data.draw(st.lists(st.integers(0, n), min_size=rows, max_size=rows)), dtype=np.intp)
    got = first_events(z, start, k_low=k_low, k_high=k_high, min_n=min_n)
    want = [
        first_event(row, int(s), k_low=k_low, k_high=k_high, min_n=min_n)
        for row, s in zip(z, start, strict=True)
    ]
    assert got.tolist() == want


def test_first_events_finds_the_first_high_sample_of_the_first_long_enough_run() -> None:
    z = np.array([[0, 3, 7, 0, 3, 3, 3, 7, 0], [0, 3, 3, 3, 3, 0, 0, 0, 0]], dtype=float)
    # row 0: the run at 1-2 is 2 samples (< 3); the run at 4-7 is 4 samples with its peak at 7
    assert first_events(z, np.array([0, 0]), k_low=2.5, k_high=6.0, min_n=3).tolist() == [7, 9]
    assert first_events(z, np.array([2, 0]), k_low=2.5, k_high=6.0, min_n=1).tolist() == [2, 9]


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), rows=st.integers(1, 8), n=st.integers(2, 800), fs=FS, data=st.data())
def test_smoothing_a_span_with_margins_equals_smoothing_the_whole_sweep(
    seed: int, rows: int, n: int, fs: float, data: st.DataObject
) -> None:
    x = _signals(seed, rows, n)
    lo = data.draw(st.integers(0, n - 1))
    hi = data.draw(st.integers(lo + 1, n))
    sigma = data.draw(st.sampled_from([0.01, 0.1, 0.2]))
    assert np.array_equal(_smooth_span(x, sigma, fs, lo, hi), smooth(x, sigma, fs)[:, lo:hi])


@settings(max_examples=80, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1), rows=st.integers(1, 20), n=st.integers(40, 1500), fs=FS, data=st.data()
)
def test_segmentwise_shared_part_equals_the_columnwise_nanmedian_one(
    seed: int, rows: int, n: int, fs: float, data: st.DataObject
) -> None:
    rng = np.random.default_rng(seed)
    x = _signals(seed, rows, n) + 5.0 * np.exp(-np.arange(n) / (0.3 * n))
    i0 = data.draw(st.integers(0, n - 1))
    free_until = rng.integers(-5, n + 5, size=rows)
    free_until[rng.random(rows) < 0.5] = n  # sweeps still open
    got, got_j = _shared_part(x, free_until, i0, fs, CFG)
    want, want_j = _shared_part_columns(x, free_until, i0, fs, CFG)
    assert got_j == want_j
    assert np.array_equal(got, want)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(20, 2000), fs=FS, data=st.data())
def test_exp_continuation_from_cached_designs_equals_the_full_design_fit(
    seed: int, n: int, fs: float, data: st.DataObject
) -> None:
    rng = np.random.default_rng(seed)
    t = np.arange(n) / fs * 1000.0
    c = rng.uniform(-3, 3) * np.exp(-t / rng.uniform(0.5, 20)) + rng.normal(scale=0.01, size=n)
    b = data.draw(st.integers(5, n - 1))
    a = data.draw(st.integers(0, b - 5))
    got = _exp_continuation(c, a, b, fs)
    assert np.all(np.isfinite(got))
    assert np.array_equal(got, _ref_exp_continuation(c, a, b, fs))


def test_exp_continuation_of_a_long_window_at_3_khz_is_finite() -> None:
    """A 1065-sample window at 3 kHz (355 ms; exp(355/0.5) overflowed the unscaled decay column)."""
    rng = np.random.default_rng(0)
    t = np.arange(1066) / 3000.0 * 1000.0
    c = 0.8 * np.exp(-t / 5.0) + rng.normal(scale=0.01, size=t.size)
    got = _exp_continuation(c, 0, 1065, 3000.0)
    assert np.all(np.isfinite(got))
    assert np.array_equal(got, _ref_exp_continuation(c, 0, 1065, 3000.0))


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), rows=st.integers(1, 12), n=st.integers(10, 1500))
def test_drift_lines_equal_the_full_width_reweighted_fit(seed: int, rows: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    r = _signals(seed, rows, n)
    lo = rng.integers(0, n, size=rows)
    hi = rng.integers(0, n + 1, size=rows)
    idx = np.arange(n)
    valid = (idx[None, :] >= lo[:, None]) & (idx[None, :] < hi[:, None])
    t_ms = np.arange(n, dtype=np.float64) * 0.05 - 5.0
    assert np.array_equal(_drift_lines(t_ms, r, valid), _ref_drift_lines(t_ms, r, valid))


@pytest.mark.parametrize(("nerve", "fs", "snr"), [("median", 10000.0, 20.0), ("tibial", 48000.0, 30.0)])
def test_f_wave_analysis_uses_the_same_shared_part_as_the_columnwise_formulation(
    nerve: str, fs: float, snr: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = simulate_f_waves(
        np.random.default_rng(7),
        normal_params(nerve, "f_wave", height_cm=170),
        n_stimuli=12,
        persistence=0.8,
        fs_hz=fs,
        snr_db=snr,
        pathology=Pathology(demyelination=0.3),
    )
    fast = fwave.analyze_f_waves(sim.sweeps)
    monkeypatch.setattr(fwave, "_shared_part", _shared_part_columns)
    assert fwave.analyze_f_waves(sim.sweeps) == fast
