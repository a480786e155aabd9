"""Round 12: slow same-shape fibres left over by the interval split of a merged fibrillation group count as
further generators, except where the group is time-locked to a complex repetitive discharge (its complex's
spikes: one generator)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from edxkit.emg.spontaneous.analyze import LEFTOVER_PER_FIBRE, _leftover_fibres, _split_merged, crd_locked
from edxkit.emg.spontaneous.grade import grade_trains
from edxkit.emg.spontaneous.result import SpontaneousTrain

SLOW_RATES = (0.6, 0.7, 0.6, 0.65, 0.7, 0.55, 0.6, 0.7)


def _tr(times: np.ndarray, kind: str = "fibrillation") -> SpontaneousTrain:
    return SpontaneousTrain(
        kind, "", np.sort(np.asarray(times, float)), np.zeros(60), 20, 1e4, 100.0, 1.0, 0.0
    )


def _fibre(rng: np.random.Generator, rate_hz: float, duration_s: float = 10.0) -> np.ndarray:
    """A fibrillating fibre: regular intervals (CV 3 %) from a random phase, as in the simulator."""
    n = int(duration_s * rate_hz) + 2
    t = rng.uniform(0.0, 1.0 / rate_hz) + np.cumsum(rng.normal(1.0 / rate_hz, 0.03 / rate_hz, n))
    return t[t < duration_s]


def _crd_and_component(seed: int, present: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """A 59.5-Hz CRD (period jitter 20 µs, 10 s) and one spike of its complex 6.5 ms (± 0.25 ms) after it,
    present in a fraction ``present`` of the discharges (the seed-149 bench case: a spike of the complex
    grouped alone, typed fibrillation, 41 Hz with interval CV 1.1)."""
    rng = np.random.default_rng(seed)
    period = 1.0 / 59.5
    n = int(10.0 / period)
    crd = 0.003 + np.arange(n) * period + rng.normal(0.0, 2e-5, n)
    keep = rng.random(n) < present
    return crd, crd[keep] + 0.0065 + rng.normal(0.0, 2.5e-4, int(keep.sum()))


def test_eleven_hz_fibre_with_eight_slow_fibres_of_its_shape_counts_two_more_generators_grade_3_plus() -> (
    None
):
    rng = np.random.default_rng(3)
    fast = _fibre(rng, 11.0)
    slow = [_fibre(rng, r) for r in SLOW_RATES]  # 5–7 discharges each: no chains
    merged = _tr(np.concatenate([fast, *slow]))
    out = _split_merged([merged])
    assert sum(t.count for t in out) == merged.count
    assert len(out) == 3  # the 11-Hz chain and (≈ 50 leftover − missed) // 16 = 2 more generators
    best = max(out, key=lambda t: np.isin(t.times_s, fast).sum())
    assert np.isin(fast, best.times_s).mean() >= 0.9
    # with two other fibres found apart (20 regular discharges each), 5 generators: 3+ (was 3: 2+)
    others = [_tr(np.arange(20) * 0.45 + 0.1), _tr(np.arange(20) * 0.47 + 0.2)]
    assert grade_trains([*out, *others], 10.0)["fibrillation"] == "3+"
    assert grade_trains([merged, *others], 10.0)["fibrillation"] == "2+"


def test_merged_group_without_a_significant_chain_or_of_psw_counts_no_leftover_fibres() -> None:
    rng = np.random.default_rng(5)
    poisson = _tr(np.cumsum(rng.exponential(0.05, 200)))  # irregular: at most chance chains
    assert _leftover_fibres(poisson, None) == []
    fast = _fibre(rng, 11.0)
    slow = np.concatenate([_fibre(rng, r) for r in SLOW_RATES])
    psw = replace(_tr(np.concatenate([fast, slow])), type="positive_sharp_wave")
    assert _leftover_fibres(psw, None) == []


def test_leftover_of_fast_runs_interval_cv_above_2_counts_no_fibres_slow_fibres_cv_near_1_do() -> None:
    rng = np.random.default_rng(6)
    fast = _fibre(rng, 6.0)
    starts = np.sort(rng.uniform(0.0, 9.0, 4))  # 4 runs of 30 discharges at 60–80 Hz (myotonic-like)
    runs = np.concatenate([s + np.cumsum(rng.uniform(1 / 80, 1 / 60, 30)) for s in starts])
    assert _leftover_fibres(_tr(np.concatenate([fast, runs])), None) == []
    slow = np.concatenate([_fibre(rng, r) for r in SLOW_RATES])
    assert len(_leftover_fibres(_tr(np.concatenate([fast, slow])), None)) >= 2


def test_regular_fibre_with_fifteen_strays_is_not_split_into_extra_fibres() -> None:
    rng = np.random.default_rng(4)
    fast = _fibre(rng, 11.0)
    strays = rng.uniform(0.0, 10.0, LEFTOVER_PER_FIBRE - 1)
    assert _leftover_fibres(_tr(np.concatenate([fast, strays])), None) == []


def test_spike_of_a_59_hz_crd_complex_at_one_lag_is_crd_locked_independent_fibres_are_not() -> None:
    crd, comp = _crd_and_component(0)
    assert crd_locked(comp, crd)
    rng = np.random.default_rng(7)
    merged = np.concatenate([_fibre(rng, 11.0), *[_fibre(rng, r) for r in SLOW_RATES]])
    assert not crd_locked(merged, crd)
    assert not crd_locked(np.sort(rng.uniform(0.0, 10.0, 300)), crd)  # 300 random discharges
    assert not crd_locked(comp[:5], crd)  # too few to tell


def test_crd_component_group_with_a_chain_beyond_1e_minus_8_gets_no_leftover_fibres_with_its_crd() -> None:
    crd, comp = _crd_and_component(0)  # 300 discharges: a chain of 81 and 219 left over
    group = _tr(comp)
    assert len(_leftover_fibres(group, None)) >= 10  # without the CRD: 11 false "fibres" (a false 4+)
    assert _leftover_fibres(group, None, crds=[_tr(crd, "complex_repetitive")]) == []
    out = _split_merged([group, _tr(crd, "complex_repetitive")])
    assert sum(t.type == "fibrillation" for t in out) <= 2
    assert grade_trains(out, 10.0)["fibrillation"] in ("0", "1+")


def test_merged_fibres_next_to_a_crd_still_count_their_leftover_fibres() -> None:
    crd, _ = _crd_and_component(1)
    rng = np.random.default_rng(3)
    merged = _tr(np.concatenate([_fibre(rng, 11.0), *[_fibre(rng, r) for r in SLOW_RATES]]))
    assert len(_leftover_fibres(merged, None, crds=[_tr(crd, "complex_repetitive")])) == 3


def test_group_of_a_13_ms_potential_psw_slow_phase_counts_no_leftover_fibres_a_1_6_ms_fibre_one_does() -> (
    None
):
    rng = np.random.default_rng(3)
    times = np.sort(np.concatenate([_fibre(rng, 11.0), *[_fibre(rng, r) for r in SLOW_RATES]]))
    ms = (np.arange(381) - 80) / 10.0  # 10 kHz, aligned at sample 80
    fibre = -150 * np.exp(-((ms / 0.25) ** 2)) + 40 * np.exp(-(((ms + 0.4) / 0.2) ** 2))
    # sharp positive onset, then a larger slow negative phase (the seed-2005 "fibrillation" group of PSWs)
    psw = 180 * np.exp(-((ms / 0.3) ** 2)) - 190 * np.exp(-(((ms - 6.0) / 4.0) ** 2)) * (ms > 0.3)
    fib_group = SpontaneousTrain("fibrillation", "", times, fibre, 80, 1e4, 190.0, 1.0, 0.0)
    psw_group = replace(fib_group, template_uv=psw, amplitude_uv=370.0)
    assert len(_leftover_fibres(fib_group, None, noise_uv=10.0)) == 3
    assert _leftover_fibres(psw_group, None, noise_uv=10.0) == []
    assert len(_split_merged([psw_group], 10.0)) == 1


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(0.0, 10.0, allow_nan=False), min_size=0, max_size=200), st.integers(0, 3))
def test_leftover_split_partitions_any_discharge_times(times: list[float], seed: int) -> None:
    rng = np.random.default_rng(seed)
    t = np.unique(np.concatenate([np.asarray(times), _fibre(rng, 8.0)]))
    train = _tr(t)
    out = _leftover_fibres(train, None)
    if out:
        got = np.sort(np.concatenate([o.times_s for o in out]))
        assert np.array_equal(got, train.times_s)
        assert all(o.count >= 1 and o.type == "fibrillation" for o in out)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.floats(-1.0, 11.0, allow_nan=False), min_size=0, max_size=150),
    st.lists(st.floats(0.0, 10.0, allow_nan=False), min_size=0, max_size=150),
)
def test_crd_locked_takes_any_times_and_answers_a_bool(times: list[float], crd: list[float]) -> None:
    assert crd_locked(np.asarray(times), np.asarray(crd)) in (True, False)
