"""Decomposition pass 4: joining sparse partial trains of one unit, train-guided reassignment of discharges
held by rejected templates, and the split of templates whose accepted-looking train is two interleaved
trains."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decompose_synth import spike
from edxkit.emg.decompose.match import Events, MatchTemplate, placement
from edxkit.emg.decompose.reassign import reassign
from edxkit.emg.decompose.split import _loose
from edxkit.emg.decompose.units import plausible
from edxkit.emg.decompose.variants import join_sparse

FS = 20000.0


def regular_train(rng: np.random.Generator, rate_hz: float, duration_s: float, cv: float = 0.1) -> np.ndarray:
    isi = rng.normal(1.0 / rate_hz, cv / rate_hz, int(duration_s * rate_hz * 1.5) + 5)
    t = 0.05 + np.cumsum(np.clip(isi, 0.4 / rate_hz, None))
    return t[t < duration_s - 0.05]


def events_at(times_s: np.ndarray, unit: np.ndarray, templates: list[MatchTemplate]) -> Events:
    """Events whose template peak lies on each (sample-rounded) time."""
    peaks = np.array([t.peak for t in templates], dtype=np.int64)[unit]
    start = np.round(times_s * FS).astype(np.int64) - peaks
    return Events(unit.astype(np.int64), start, np.zeros(times_s.size), np.ones(times_s.size))


def accept(g: Events, ref: np.ndarray) -> bool:
    return g.size >= 8 and plausible(np.sort(g.start + ref[g.unit] + g.fraction) / FS)


def test_three_sparse_variant_trains_of_one_10hz_unit_are_joined_into_one_unit_with_all_firings() -> None:
    rng = np.random.default_rng(1)
    times = regular_train(rng, 10.0, 10.0)
    # three shape variants (blocking/jitter): each holds a random third of the train, irregular alone
    templates = [MatchTemplate(spike(4.0, s), 30) for s in (0.0, 0.4, 0.8)]
    which = rng.integers(0, 3, times.size)
    groups = [events_at(times[which == k], np.full(int(np.sum(which == k)), k), templates) for k in range(3)]
    ref = np.array([t.peak for t in templates], dtype=np.float64)
    assert not any(accept(g, ref) for g in groups)
    units, rest, new_ref = join_sparse(groups, templates, ref, FS, accept)
    assert len(units) == 1 and not rest
    joined = np.sort(units[0].start + new_ref[units[0].unit] + units[0].fraction) / FS
    assert joined.size == times.size
    assert np.max(np.abs(joined - times)) <= 1.0 / FS


def test_sparse_trains_of_two_units_at_10_and_13_hz_are_not_joined() -> None:
    rng = np.random.default_rng(2)
    templates = [MatchTemplate(spike(4.0, 0.0), 30), MatchTemplate(spike(4.0, 0.3), 30)]
    a = regular_train(rng, 10.0, 10.0)
    b = regular_train(rng, 13.0, 10.0) + 0.031
    # each unit seen only in part (every other firing), so neither group is accepted alone
    groups = [
        events_at(a[::2], np.zeros(a[::2].size, dtype=np.int64), templates),
        events_at(b[::2], np.ones(b[::2].size, dtype=np.int64), templates),
    ]
    ref = np.array([t.peak for t in templates], dtype=np.float64)
    units, rest, _ = join_sparse(groups, templates, ref, FS, accept)
    assert units == [] and len(rest) == 2


def _gapped_recording(
    seed: int, noise_uv: float
) -> tuple[list[MatchTemplate], Events, Events, np.ndarray, np.ndarray]:
    """A 10 Hz unit: every 4th firing is held by a rejected template of slightly different shape."""
    rng = np.random.default_rng(seed)
    times = regular_train(rng, 10.0, 8.0)
    unit_t = MatchTemplate(spike(4.0, 0.2), 30)
    other_t = MatchTemplate(0.9 * spike(4.5, 0.35), 30)
    templates = [unit_t, other_t]
    n = int(8.0 * FS)
    held = np.zeros(times.size, dtype=bool)
    held[2::4] = True
    mine = events_at(times[~held], np.zeros(int(np.sum(~held)), dtype=np.int64), templates)
    theirs = events_at(times[held], np.ones(int(np.sum(held)), dtype=np.int64), templates)
    x = rng.normal(0.0, noise_uv, n)
    x += placement(
        n,
        unit_t,
        events_at(times, np.zeros(times.size, dtype=np.int64), templates).start,
        np.zeros(times.size),
    )
    resid = (
        x
        - placement(n, unit_t, mine.start, mine.fraction)
        - placement(n, other_t, theirs.start, theirs.fraction)
    )
    return templates, mine, theirs, resid, times


def test_firings_held_by_a_rejected_template_in_gaps_of_a_10hz_train_are_reassigned_all_of_them() -> None:
    templates, mine, theirs, resid, times = _gapped_recording(3, 5.0)
    ref = np.array([t.peak for t in templates], dtype=np.float64)
    out, rest, r = reassign([mine], [theirs], templates, ref, resid, FS)
    assert rest[0].size == 0
    got = np.sort(out[0].start + ref[out[0].unit] + out[0].fraction) / FS
    assert got.size == times.size
    assert np.max(np.abs(got - times)) <= 0.25e-3
    # the residual is back to noise where the discharges were refitted with the unit's own template
    assert float(np.std(r)) < 1.2 * 5.0


def test_a_rejected_discharge_5_ms_from_a_firing_of_the_unit_is_not_reassigned() -> None:
    templates, mine, _, resid, _ = _gapped_recording(4, 5.0)
    ref = np.array([t.peak for t in templates], dtype=np.float64)
    near = Events(np.array([1]), mine.start[5:6] + round(0.005 * FS), np.zeros(1), np.ones(1))
    out, rest, _ = reassign([mine], [near], templates, ref, resid, FS)
    assert out[0].size == mine.size and rest[0].size == 1


def test_two_interleaved_10hz_trains_are_loose_and_one_train_with_cv_0p1_is_not() -> None:
    rng = np.random.default_rng(5)
    a = regular_train(rng, 10.0, 10.0)
    b = regular_train(rng, 10.0, 10.0) + 0.043
    tpl = [MatchTemplate(spike(4.0, 0.0), 30)]
    ref = np.array([30.0])
    one = events_at(a, np.zeros(a.size, dtype=np.int64), tpl)
    both_t = np.sort(np.concatenate((a, b)))
    both = events_at(both_t, np.zeros(both_t.size, dtype=np.int64), tpl)
    assert not _loose(one, ref, FS)
    assert _loose(both, ref, FS)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**16),
    n_acc=st.integers(0, 3),
    n_rej=st.integers(0, 3),
    noise=st.floats(0.0, 100.0),
)
def test_reassign_on_any_events_conserves_discharges_and_keeps_the_residual_finite(
    seed: int, n_acc: int, n_rej: int, noise: float
) -> None:
    rng = np.random.default_rng(seed)
    n = int(2.0 * FS)
    templates = [
        MatchTemplate(spike(float(rng.uniform(2, 6)), float(rng.uniform(0, 1))), 30) for _ in range(3)
    ]
    ref = np.array([t.peak for t in templates], dtype=np.float64)

    def group() -> Events:
        k = int(rng.integers(0, 40))
        return Events(
            rng.integers(0, 3, k).astype(np.int64),
            rng.integers(-50, n + 50, k).astype(np.int64),
            rng.uniform(-0.5, 0.5, k),
            rng.uniform(0.5, 1.5, k),
        )

    acc = [group() for _ in range(n_acc)]
    rej = [group() for _ in range(n_rej)]
    resid = rng.normal(0.0, noise, n)
    out, rest, r = reassign(acc, rej, templates, ref, resid, FS)
    assert len(out) == len(acc) and len(rest) == len(rej)
    assert sum(g.size for g in out + rest) == sum(g.size for g in acc + rej)
    assert r.shape == resid.shape and np.isfinite(r).all()
