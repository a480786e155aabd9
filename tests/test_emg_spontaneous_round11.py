"""Spontaneous activity, round 11: fasciculations — look-alike joins only to hosts of another type, two
fasciculation trains joined only when their discharges fit one unit's potential, a discharge claimed by two
fasciculation trains given to the better-fitting unit, and a unit seen only twice counted when its two
discharges are one isolated potential of no unit already found."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from edxkit.emg.prepare import Prepared
from edxkit.emg.spontaneous import SpontaneousTrain, analyze_spontaneous
from edxkit.emg.spontaneous.analyze import (
    _join_look_alike_fasciculations,
    _join_same,
    _same_unit,
    confirmed_pairs,
    drop_explained_fasciculations,
    share_fasciculation_discharges,
)

FS = 10000.0
PEAK = 100  # sample of the template's main peak


def _muap(duration_ms: float = 10.0, amplitude: float = 800.0) -> np.ndarray:
    """A triphasic motor-unit-like potential lasting about ``duration_ms`` (µV), main peak at ``PEAK``."""
    t = (np.arange(400) - PEAK) / (FS / 1000.0)
    w = duration_ms / 6.0
    return amplitude * (
        np.exp(-((t / w) ** 2))
        - 0.5 * np.exp(-(((t + 1.5 * w) / w) ** 2))
        - 0.5 * np.exp(-(((t - 1.5 * w) / w) ** 2))
    )


def _train(kind: str, times: np.ndarray, tmpl: np.ndarray) -> SpontaneousTrain:
    times = np.sort(np.asarray(times, dtype=float))
    return SpontaneousTrain(kind, "", times, tmpl, PEAK, FS, float(np.ptp(tmpl)), 1.0, 0.5)


def _prep(rng: np.random.Generator, seconds: float, units: list[tuple[np.ndarray, np.ndarray]]) -> Prepared:
    """Noise (5 µV rms) plus each template (peak at ``PEAK``) added at its discharge times."""
    n = round(seconds * FS)
    uv = 5.0 * rng.standard_normal(n)
    for tmpl, times in units:
        for t in times:
            s = round(t * FS) - PEAK
            lo, hi = max(s, 0), min(s + tmpl.size, n)
            uv[lo:hi] += tmpl[lo - s : hi - s]
    return Prepared(uv, FS, 0.0, np.ones(n, dtype=bool), 5.0, (20.0, 4500.0))


# -- look-alike joins ---------------------------------------------------------------------------------------
def test_fasciculation_shaped_like_a_fibrillation_train_with_8x_its_discharges_is_not_joined_to_it() -> None:
    tmpl = _muap(3.0, 300.0)
    fib = _train("fibrillation", np.arange(64) * 0.15 + 0.01, tmpl)
    unit = _train("fasciculation", np.array([0.33, 1.9, 4.2, 6.1, 7.7, 8.3, 9.1, 9.6]), 0.6 * tmpl)
    out = _join_look_alike_fasciculations([fib, unit])
    assert [t.type for t in out] == ["fibrillation", "fasciculation"]
    assert out[0].count == 64 and out[1] is unit


def test_two_fasciculating_units_of_one_shape_5x_apart_in_discharges_stay_two_units() -> None:
    tmpl = _muap(10.0, 700.0)
    busy = _train("fasciculation", np.sort(np.random.default_rng(3).uniform(0.0, 10.0, 25)), tmpl)
    sparse = _train("fasciculation", np.array([1.234, 5.678, 8.901]), 0.5 * tmpl)
    out = _join_look_alike_fasciculations([busy, sparse])
    assert [t.count for t in out] == [25, 3]


def test_end_plate_spike_host_with_5x_the_discharges_still_takes_a_look_alike_fasciculation() -> None:
    tmpl = _muap(3.0, 300.0)
    eps = SpontaneousTrain(
        "end_plate", "end_plate_spike", np.arange(300) * 0.033, tmpl, PEAK, FS, 300.0, 30.0, 0.8
    )
    left = _train("fasciculation", np.arange(12) * 0.71 + 0.002, 0.6 * tmpl)
    out = _join_look_alike_fasciculations([eps, left])
    assert len(out) == 1 and out[0].count == 312


# -- discharges claimed by two fasciculation trains ---------------------------------------------------------
def _two_units(
    rng: np.random.Generator, ratio: float = 0.7
) -> tuple[Prepared, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    big, small = _muap(10.0, 800.0), _muap(10.0, 800.0 * ratio)  # same shape, ``ratio`` × the size
    a_t = np.array([0.4, 1.3, 2.2, 3.05, 4.4, 5.2, 6.6, 7.3, 8.8, 9.5])
    b_t = np.array([0.9, 2.7, 4.9, 6.1, 7.9, 9.2])
    return _prep(rng, 10.0, [(big, a_t), (small, b_t)]), big, small, a_t, b_t


def test_discharge_claimed_by_two_fasciculation_trains_stays_with_the_unit_whose_size_fits() -> None:
    prep, big, small, a_t, b_t = _two_units(np.random.default_rng(0))
    a = _train("fasciculation", np.concatenate([a_t, b_t[:3]]), big)  # three of B's discharges taken by A
    b = _train("fasciculation", b_t, small)
    out = share_fasciculation_discharges([a, b], prep)
    assert [t.count for t in out] == [10, 6]
    np.testing.assert_allclose(out[0].times_s, a_t)
    np.testing.assert_allclose(out[1].times_s, b_t)
    assert np.isclose(out[0].rate_hz, (a_t.size - 1) / (a_t[-1] - a_t[0]))  # rate refreshed after the trim


def test_shared_discharges_are_not_a_coincidence_that_drops_a_unit() -> None:
    prep, big, small, a_t, b_t = _two_units(np.random.default_rng(1))
    a = _train("fasciculation", np.concatenate([a_t, b_t[:4]]), big)  # 4 of B's 6 (67 %) coincide with A
    b = _train("fasciculation", b_t, small)
    assert len(drop_explained_fasciculations([a, b])) == 1  # read as a superimposition before the sharing
    assert [t.count for t in drop_explained_fasciculations(share_fasciculation_discharges([a, b], prep))] == [
        10,
        6,
    ]


def test_fasciculation_train_left_with_one_discharge_after_sharing_is_dropped_other_types_untouched() -> None:
    prep, big, small, a_t, b_t = _two_units(np.random.default_rng(2))
    a = _train("fasciculation", a_t, big)
    stray = _train("fasciculation", np.concatenate([a_t[:2], b_t[:1]]), small)  # two of A's + one of B's
    fib = _train("fibrillation", a_t, big)  # the same times in a train of another type are not shared
    out = share_fasciculation_discharges([a, stray, fib], prep)
    assert [(t.type, t.count) for t in out] == [("fasciculation", 10), ("fibrillation", 10)]


# -- joining fasciculation trains ---------------------------------------------------------------------------
def test_fasciculation_trains_of_one_shape_20_percent_apart_in_size_stay_two_units_fragments_join() -> None:
    prep, big, small, a_t, b_t = _two_units(np.random.default_rng(9), ratio=0.8)
    a = _train("fasciculation", a_t, big)
    b = _train("fasciculation", b_t, small)
    assert [t.count for t in _join_same([a, b], same_window=True)] == [16]  # shape and size alone: joined
    assert [t.count for t in _join_same([a, b], same_window=True, prep=prep)] == [10, 6]
    part1 = _train("fasciculation", a_t[::2], big)
    part2 = _train("fasciculation", a_t[1::2], big)
    assert _same_unit(part1, part2, prep) and not _same_unit(a, b, prep)


# -- units seen twice ---------------------------------------------------------------------------------------
def test_isolated_pair_of_identical_800_uv_discharges_is_kept_as_a_fasciculation() -> None:
    tmpl = _muap()
    prep = _prep(np.random.default_rng(4), 4.0, [(tmpl, np.array([0.8, 3.1]))])
    pair = _train("fasciculation", np.array([0.8, 3.1]), tmpl)
    assert confirmed_pairs([pair], [], prep) == [pair]


def test_pair_of_different_sizes_or_shapes_or_next_to_another_train_is_not_counted() -> None:
    tmpl = _muap()
    rng = np.random.default_rng(5)
    sizes = _prep(rng, 4.0, [(tmpl, np.array([0.8])), (0.5 * tmpl, np.array([3.1]))])
    shapes = _prep(rng, 4.0, [(tmpl, np.array([0.8])), (-tmpl, np.array([3.1]))])
    same = _prep(rng, 4.0, [(tmpl, np.array([0.8, 3.1]))])
    pair = _train("fasciculation", np.array([0.8, 3.1]), tmpl)
    other = _train("fibrillation", np.array([0.5, 0.8025, 1.1, 1.4]), _muap(2.0, 200.0))  # 2.5 ms after
    assert confirmed_pairs([pair], [], sizes) == []
    assert confirmed_pairs([pair], [], shapes) == []
    assert confirmed_pairs([pair], [other], same) == []


def test_pair_of_discharges_of_a_unit_already_found_is_not_a_second_unit_a_smaller_unit_is() -> None:
    tmpl = _muap()
    unit_t = np.array([0.3, 1.1, 2.4, 3.6])
    prep = _prep(
        np.random.default_rng(10),
        4.0,
        [(tmpl, np.concatenate([unit_t, [0.7, 2.0]])), (0.6 * tmpl, np.array([1.6, 3.2]))],
    )
    unit = _train("fasciculation", unit_t, tmpl)
    own = _train("fasciculation", np.array([0.7, 2.0]), tmpl)
    smaller = _train("fasciculation", np.array([1.6, 3.2]), 0.6 * tmpl)
    assert confirmed_pairs([own, smaller], [unit], prep) == [smaller]


def test_only_two_discharge_fasciculation_groups_are_judged_as_pairs() -> None:
    tmpl = _muap()
    prep = _prep(np.random.default_rng(6), 4.0, [(tmpl, np.array([0.8, 2.0, 3.1]))])
    three = _train("fasciculation", np.array([0.8, 2.0, 3.1]), tmpl)
    fib = _train("fibrillation", np.array([0.8, 3.1]), tmpl)
    assert confirmed_pairs([three, fib], [], prep) == []


def test_unit_firing_twice_in_4_s_at_rest_grades_fasciculation_1plus_noise_alone_grades_0() -> None:
    tmpl = _muap(10.0, -800.0)  # main phase negative (upward on the screen), 10 ms
    res = analyze_spontaneous(_prep(np.random.default_rng(7), 4.0, [(tmpl, np.array([0.9, 2.6]))]))
    assert res.grades["fasciculation"] == "1+"
    fasc = [t for t in res.trains if t.type == "fasciculation"]
    assert len(fasc) == 1 and np.all(np.abs(fasc[0].times_s - np.array([0.9, 2.6])) < 5e-4)
    quiet = analyze_spontaneous(_prep(np.random.default_rng(8), 4.0, []))
    assert quiet.grades == {"fibrillation": "0", "positive_sharp_wave": "0", "fasciculation": "0"}


@settings(max_examples=25, deadline=None)
@given(
    st.integers(0, 2**31 - 1),
    st.floats(0.0, 60.0),
    st.lists(st.floats(0.0, 1.999), min_size=1, max_size=3),
)
def test_pair_check_any_noise_and_times_no_crash_keeps_a_sublist(
    seed: int, noise: float, times: list[float]
) -> None:
    rng = np.random.default_rng(seed)
    n = round(2.0 * FS)
    uv = noise * rng.standard_normal(n)
    prep = Prepared(uv, FS, 0.0, rng.random(n) > 0.05, max(noise, 1e-3), (20.0, 4500.0))
    fasc = _train("fasciculation", np.array(times), _muap())
    fib = _train("fibrillation", np.array([0.5, 1.0, 1.5]), _muap(2.0, 150.0))
    assert all(t is fasc for t in confirmed_pairs([fasc], [fib], prep))
    assert share_fasciculation_discharges([fasc, fasc, fib], prep)[-1] is fib
    assert 1 <= len(_join_same([fasc, fasc], same_window=True, prep=prep)) <= 2
