"""The fast paths of the decomposition give the same values as the plain computations they replace.

Each speed-up in :mod:`edxkit.emg.decompose` (vectorised greedy selection, local maxima on the scored
stretches only, in-place subtraction, incremental screening of the correlations, energy bounds before a
correlation, cos/sin phase factors) is checked here against the straightforward version, bit for bit where
the fast path claims the same floating-point operations.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.ndimage import maximum_filter1d  # type: ignore[import-untyped]

from edxkit.emg.decompose import templates as tpls
from edxkit.emg.decompose.align import delay
from edxkit.emg.decompose.cluster import cluster
from edxkit.emg.decompose.match import (
    MatchTemplate,
    _Scorer,
    greedy_disjoint,
    local_maxima,
    placement,
    subtract_placed,
)


def _sequential_greedy(lo: np.ndarray, hi: np.ndarray, rank: np.ndarray, n: int) -> np.ndarray:
    taken = np.zeros(n + 1, dtype=bool)
    keep = np.zeros(lo.size, dtype=bool)
    for i in np.argsort(rank):
        if not taken[lo[i] : hi[i]].any():
            taken[lo[i] : hi[i]] = True
            keep[i] = True
    return keep


@settings(max_examples=300, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1), m=st.integers(1, 80), n=st.integers(5, 500), longest=st.integers(1, 60)
)
def test_greedy_disjoint_keeps_exactly_what_the_sequential_greedy_pass_keeps(
    seed: int, m: int, n: int, longest: int
) -> None:
    rng = np.random.default_rng(seed)
    lo = rng.integers(0, n - 1, m)
    hi = np.minimum(lo + rng.integers(1, longest + 1, m), n)
    rank = rng.permutation(m)
    assert np.array_equal(greedy_disjoint(lo, hi, rank), _sequential_greedy(lo, hi, rank, n))


@settings(max_examples=300, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 400),
    half=st.integers(1, 20),
    density=st.floats(0.0, 1.0),
)
def test_local_maxima_equal_the_full_maximum_filter_with_ties_and_edges(
    seed: int, n: int, half: int, density: float
) -> None:
    rng = np.random.default_rng(seed)
    best = np.full(n, -np.inf)
    scored = rng.random(n) < density
    best[scored] = rng.integers(0, 4, int(scored.sum())).astype(float)  # ties on purpose
    local = maximum_filter1d(best, size=2 * half + 1, mode="constant", cval=-np.inf)
    expected = np.flatnonzero(np.isfinite(best) & (best >= local))
    assert np.array_equal(local_maxima(best, half), expected)


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), count=st.integers(0, 12), size=st.integers(3, 40))
def test_subtract_placed_equals_subtracting_the_placement_bit_for_bit(
    seed: int, count: int, size: int
) -> None:
    rng = np.random.default_rng(seed)
    n = 300
    tpl = MatchTemplate(rng.normal(0.0, 40.0, size), int(rng.integers(0, size)))
    start = rng.integers(-size, n, count).astype(np.int64)  # overlapping and cut placements included
    frac = rng.uniform(-0.5, 0.5, count)
    r = rng.normal(0.0, 20.0, n)
    expected = r - placement(n, tpl, start, frac)
    subtract_placed(r, tpl, start, frac)
    assert np.array_equal(r, expected)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), rounds=st.integers(1, 4))
def test_incremental_screening_finds_the_same_scores_as_a_full_scan_after_updates(
    seed: int, rounds: int
) -> None:
    rng = np.random.default_rng(seed)
    n = 20000
    shapes = [rng.normal(0.0, 60.0, int(s)) for s in rng.integers(20, 150, 4)]
    templates = [MatchTemplate(w, int(np.argmax(np.abs(w)))) for w in shapes]
    r = rng.normal(0.0, 5.0, n)
    for w in shapes:  # discharges to find
        for s in rng.integers(0, n - w.size, 15):
            r[s : s + w.size] += w
    scorer = _Scorer(r, np.ones(n, dtype=bool), templates)
    for _ in range(rounds):
        best, which = scorer.best(5.0)
        fresh = _Scorer(r, np.ones(n, dtype=bool), templates)
        best_full, which_full = fresh.best(5.0)
        assert np.array_equal(best, best_full)
        assert np.array_equal(which[np.isfinite(best)], which_full[np.isfinite(best_full)])
        lo = rng.integers(0, n - 200, 3).astype(np.int64)
        hi = lo + 200
        for a, b in zip(lo.tolist(), hi.tolist(), strict=True):
            r[a:b] = rng.normal(0.0, 5.0, b - a)
        scorer.update(r, lo, hi)


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), scale=st.floats(0.2, 5.0), limit=st.sampled_from([0.09, 0.35]))
def test_energy_bound_never_changes_the_nrmse_decision(seed: int, scale: float, limit: float) -> None:
    rng = np.random.default_rng(seed)
    a = MatchTemplate(rng.normal(0.0, 30.0, 40), 10)
    b = MatchTemplate(scale * a.wave + rng.normal(0.0, 3.0, 40), 10)
    assert tpls.nrmse_above(a, b, limit) == (tpls.nrmse(a, b) > limit)
    assert tpls.nrmse_lag(a, b) == tpls.nrmse_lag(a, b)  # the second call is served from the cache


def test_nrmse_lag_cache_is_per_partner_template() -> None:
    rng = np.random.default_rng(4)
    a = MatchTemplate(rng.normal(0.0, 30.0, 50), 20)
    b = MatchTemplate(rng.normal(0.0, 30.0, 50), 20)
    c = MatchTemplate(-a.wave, 20)
    assert tpls.nrmse_lag(a, b) != tpls.nrmse_lag(a, c)
    assert tpls.nrmse_lag(a, c)[0] == tpls.nrmse_lag(MatchTemplate(a.wave.copy(), 20), c)[0]


def test_fractional_delay_phase_matches_the_complex_exponential() -> None:
    """cos + i·sin of the angle equals np.exp of the imaginary argument (bit for bit with this machine's
    numpy; to rounding is what the decomposition needs, so a build whose complex exp differs in the last
    bit still passes)."""
    from scipy import fft as sfft  # type: ignore[import-untyped]

    rng = np.random.default_rng(5)
    rows = rng.normal(0.0, 50.0, (40, 97))
    d = rng.uniform(-0.5, 0.5, 40)
    n = sfft.next_fast_len(97 + 8)
    spec = sfft.rfft(rows, n, axis=1)
    f = np.arange(spec.shape[1]) / n
    spec *= np.exp(-2j * np.pi * f[None, :] * d[:, None])
    expected = sfft.irfft(spec, n, axis=1)[:, :97]
    np.testing.assert_allclose(delay(rows, d), expected, rtol=0.0, atol=1e-9)


def test_lazy_shifted_rows_are_the_delayed_template() -> None:
    wave = np.sin(np.linspace(0.0, 6.0, 60)) * 100.0
    tpl = MatchTemplate(wave, int(np.argmax(np.abs(wave))))
    grid = np.arange(17) / 16 - 0.5
    assert np.array_equal(tpl.shifted, delay(np.tile(wave, (17, 1)), grid))
    assert tpl.energy == float(wave @ wave)


def test_clustering_two_shapes_gives_two_clusters_with_their_members() -> None:
    rng = np.random.default_rng(6)
    t = np.linspace(-1.0, 1.0, 47)
    a, b = 100.0 * np.exp(-(t**2) * 20), -80.0 * t * np.exp(-(t**2) * 10)
    w = np.vstack([a + rng.normal(0, 3.0, (60, 47)), b + rng.normal(0, 3.0, (50, 47))])
    labels, centres = cluster(w, 3.0, 5)
    assert len(centres) == 2
    assert len(set(labels[:60].tolist())) == 1 and len(set(labels[60:].tolist())) == 1
    assert labels[0] != labels[60]


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 160), m=st.integers(1, 50), rounded=st.booleans())
def test_median_helpers_equal_numpy_median_bit_for_bit(seed: int, n: int, m: int, rounded: bool) -> None:
    from edxkit.emg.decompose.align import median_of, median_rows

    rng = np.random.default_rng(seed)
    a = rng.normal(0.0, 50.0, (n, m))
    if rounded:  # ties
        a = np.round(a / 10.0)
    assert np.array_equal(median_rows(a), np.median(a, axis=0))
    assert median_of(a[:, 0]) == float(np.median(a[:, 0]))
    a[n // 2, 0] = np.nan
    assert np.isnan(median_rows(a)[0]) and np.isnan(median_of(a[:, 0]))
