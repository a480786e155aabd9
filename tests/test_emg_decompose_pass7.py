"""Decomposition pass 7: the most regular train of an accepted unit among its own, pruned and expected
discharges (:mod:`edxkit.emg.decompose.trainpath`)."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decompose_synth import regular_train, spike
from edxkit.emg.decompose import trainpath
from edxkit.emg.decompose.match import Events, MatchTemplate, placement
from edxkit.emg.decompose.trainpath import best_subset, interval_cost, select_trains, subset_cost

FS = 20000.0
NOISE = 8.0


def events_at(times_s: np.ndarray, k: int, tpl: MatchTemplate) -> Events:
    start = np.round(times_s * FS).astype(np.int64) - tpl.peak
    return Events(
        np.full(times_s.size, k, dtype=np.int64), start, np.zeros(times_s.size), np.ones(times_s.size)
    )


def positions(g: Events, ref: np.ndarray) -> np.ndarray:
    return np.sort(g.start + ref[g.unit] + g.fraction) / FS


def _slot_case(seed: int, pruned_true: bool):
    """A 10 Hz unit (CV 0.1, 8 s) whose train holds, in 10 slots, a look-alike's discharge 0.35 median ISIs
    after the previous firing instead of its own; its own discharge there was pruned (``pruned_true``) or is
    still in the residual. The signal holds both units' discharges; returns what the selection sees."""
    rng = np.random.default_rng(seed)
    times = regular_train(rng, 10.0, 8.0)
    tpl = MatchTemplate(spike(4.0, 0.2, amp_uv=150.0), 30)
    look = MatchTemplate(spike(4.3, 0.25, amp_uv=150.0), 30)
    n = int(8.0 * FS)
    # ten slots, no two adjacent (two wrong discharges in a row form a shifted regular train of their own)
    slots = np.sort(rng.choice(np.arange(2, times.size - 2, 4), 10, replace=False))
    wrong = times[slots - 1] + 0.35 * np.median(np.diff(times))
    own = events_at(np.delete(times, slots), 0, tpl).concat(events_at(wrong, 1, look))
    signal = rng.normal(0.0, NOISE, n)
    signal += placement(n, tpl, events_at(times, 0, tpl).start, np.zeros(times.size))
    signal += placement(n, look, events_at(wrong, 1, look).start, np.zeros(wrong.size))
    resid = signal - placement(n, tpl, own.start[own.unit == 0], np.zeros(int(np.sum(own.unit == 0))))
    resid -= placement(n, look, events_at(wrong, 1, look).start, np.zeros(wrong.size))
    pruned = events_at(times[slots], 0, tpl)
    if pruned_true:
        resid -= placement(n, tpl, pruned.start, pruned.fraction)
    else:
        pruned = Events.empty()
    return [tpl, look], own, resid, times, wrong, pruned


def test_off_rhythm_discharge_in_a_slot_is_swapped_for_the_pruned_true_one_in_all_10_slots() -> None:
    templates, own, resid, times, wrong, pruned = _slot_case(3, pruned_true=True)
    ref = np.array([30.0, 30.0])
    out, r, left = select_trains([own], templates, ref, resid, FS, NOISE, pruned)
    got = positions(out[0], ref)
    near_true = np.min(np.abs(got[:, None] - times[None, :]), axis=0)
    assert np.all(near_true <= 1.0 / FS)  # every true discharge, the 10 pruned ones included
    near_wrong = np.min(np.abs(got[:, None] - wrong[None, :]), axis=0)
    assert np.count_nonzero(near_wrong <= 1.0 / FS) == 0  # none of the 10 intruders
    assert left.size == 0
    # the taken discharges were refitted in place and the dropped ones stay subtracted: only noise is left
    assert float(np.std(r)) < 1.05 * NOISE


def test_expected_discharge_left_in_the_residual_replaces_the_off_rhythm_one() -> None:
    templates, own, resid, times, wrong, pruned = _slot_case(4, pruned_true=False)
    ref = np.array([30.0, 30.0])
    out, r, _ = select_trains([own], templates, ref, resid, FS, NOISE, pruned)
    got = positions(out[0], ref)
    near_true = np.min(np.abs(got[:, None] - times[None, :]), axis=0)
    assert np.mean(near_true <= 1.0 / FS) >= 0.97
    near_wrong = np.min(np.abs(got[:, None] - wrong[None, :]), axis=0)
    assert np.count_nonzero(near_wrong <= 1.0 / FS) <= 1
    assert float(np.std(r)) < 1.05 * NOISE


def test_a_regular_train_with_cv_020_on_plain_noise_is_left_unchanged() -> None:
    rng = np.random.default_rng(5)
    times = regular_train(rng, 12.0, 8.0, cv=0.2)
    tpl = MatchTemplate(spike(4.0, 0.2, amp_uv=150.0), 30)
    g = events_at(times, 0, tpl)
    resid = rng.normal(0.0, NOISE, int(8.0 * FS))
    out, r, _ = select_trains([g], [tpl], np.array([30.0]), resid, FS, NOISE, Events.empty())
    assert out[0] is g
    assert np.array_equal(r, resid)


def test_dropping_own_firings_needs_more_than_one_irregular_interval() -> None:
    # one firing 0.7 median ISIs after the previous one (interval cost ≈ 2 + 2 with spread 0.15) is kept:
    # dropping it would cost DROP_OWN (4) + a missed discharge (2.5)
    m, s = 100.0, 15.0
    q = np.array([0.0, 100.0, 170.0, 300.0, 400.0])
    keep = best_subset(q, np.zeros(5), np.full(5, trainpath.DROP_OWN), m, s)
    assert keep.tolist() == [0, 1, 2, 3, 4]
    # a discharge 0.35 median ISIs after the previous one, with the slot's true one as a candidate, is not
    q = np.array([0.0, 100.0, 135.0, 200.0, 300.0])
    c_in = np.array([0.0, 0.0, 0.0, trainpath.TAKE_PRUNED, 0.0])
    c_out = np.array([trainpath.DROP_OWN] * 3 + [0.0, trainpath.DROP_OWN])
    assert best_subset(q, c_in, c_out, m, s).tolist() == [0, 1, 3, 4]


def test_interval_cost_is_lowest_at_whole_multiples_of_the_median_isi() -> None:
    d = np.linspace(10.0, 450.0, 441)
    c = interval_cost(d, 100.0, 15.0)
    assert abs(float(d[np.argmin(c)]) - 100.0) < 1.0
    assert c[d == 200.0][0] == trainpath.MISS_COST
    assert np.all(c[d < 30.0] >= trainpath.SHORT_COST)
    assert np.all(c[d > 350.0] == trainpath.FAR_COST)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(0.0, 1000.0), min_size=1, max_size=9),
    st.lists(st.floats(0.0, 6.0), min_size=9, max_size=9),
    st.lists(st.floats(0.0, 6.0), min_size=9, max_size=9),
    st.floats(20.0, 300.0),
    st.floats(0.1, 0.3),
)
def test_best_subset_equals_the_brute_force_optimum(
    q: list[float], c_in: list[float], c_out: list[float], m: float, cv: float
) -> None:
    pos = np.sort(np.asarray(q))
    n = pos.size
    ci, co = np.asarray(c_in[:n]), np.asarray(c_out[:n])
    keep = best_subset(pos, ci, co, m, cv * m)
    got = subset_cost(pos, keep, ci, co, m, cv * m)
    brute = min(
        subset_cost(pos, np.asarray(sub, dtype=np.int64), ci, co, m, cv * m)
        for r in range(n + 1)
        for sub in itertools.combinations(range(n), r)
    )
    assert got <= brute + 1e-9
    assert np.all(np.diff(keep) > 0)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(0, 10_000),
    st.floats(0.0, 200.0),
    st.floats(3.0, 40.0),
    st.floats(0.0, 0.4),
    st.integers(0, 20),
)
def test_selection_on_any_train_and_noise_keeps_sane_output(
    seed: int, noise_uv: float, rate: float, cv: float, n_pruned: int
) -> None:
    rng = np.random.default_rng(seed)
    times = regular_train(rng, rate, 3.0, cv=cv)
    tpl = MatchTemplate(spike(4.0, 0.2, amp_uv=150.0), 30)
    g = events_at(times, 0, tpl)
    n = int(3.0 * FS)
    resid = rng.normal(0.0, max(noise_uv, 1e-3), n)
    extra = np.sort(rng.uniform(0.1, 2.9, n_pruned))
    pruned = events_at(extra, 0, tpl)
    out, r, left = select_trains([g], [tpl], np.array([30.0]), resid, FS, max(noise_uv, 1e-3), pruned)
    assert len(out) == 1
    assert np.all(np.isfinite(r)) and r.shape == resid.shape
    assert left.size <= pruned.size
    p = positions(out[0], np.array([30.0]))
    assert np.all((p >= 0.0) & (p <= 3.0))
    if out[0] is not g:  # a changed train is still a plausible one
        assert p.size >= 8
