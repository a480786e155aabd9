"""F waves: detection, latency, persistence, chronodispersion and F/M ratio (clinical.md §1.3)."""

from __future__ import annotations

import dataclasses
from functools import cache

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edxkit.ncs.fwave import analyze_f_waves, stack_sweeps, take_off_index
from edxkit.ncs.markers import measure_sweep
from edxkit.simulate.ncs import EvokedSimulation, Pathology, normal_params, simulate_f_waves
from edxkit.waveform import Waveform


@cache
def _series(
    nerve: str = "ulnar", persistence: float = 0.6, seed: int = 1, n: int = 10, demyelination: float = 0.0
) -> EvokedSimulation:
    params = normal_params(nerve, "f_wave", height_cm=170)
    return simulate_f_waves(
        np.random.default_rng(seed),
        params,
        n_stimuli=n,
        persistence=persistence,
        pathology=Pathology(demyelination=demyelination),
        fs_hz=10000.0,
        sweep_ms=80.0 if demyelination else None,
    )


def test_persistence_counts_stimuli_with_an_f_wave() -> None:
    sim = _series(persistence=0.6)
    res = analyze_f_waves(sim.sweeps)
    found = [s.f_present for s in res.stimuli]
    assert found == [t["f_present"] for t in sim.truth]
    assert res.n_f == sum(found)
    assert res.persistence_pct == pytest.approx(100.0 * res.n_f / res.n_stimuli)


def test_f_minimum_latency_is_the_earliest_f_onset_within_half_a_millisecond() -> None:
    for nerve in ("median", "tibial"):
        sim = _series(nerve, persistence=0.9, seed=3)
        res = analyze_f_waves(sim.sweeps)
        assert res.f_min_latency_ms is not None
        assert res.f_min_latency_ms == pytest.approx(sim.summary["f_min_latency_ms"], abs=0.5)
        onsets = [s.f_onset_latency_ms for s in res.stimuli if s.f_onset_latency_ms is not None]
        assert res.f_min_latency_ms == min(onsets)


def test_f_onsets_match_each_stimulus_within_half_a_millisecond() -> None:
    sim = _series("peroneal", persistence=0.8, seed=4)
    res = analyze_f_waves(sim.sweeps)
    pairs = [
        (s.f_onset_latency_ms, t["f_onset_latency_ms"])
        for s, t in zip(res.stimuli, sim.truth, strict=True)
        if s.f_present and t["f_present"]
    ]
    assert len(pairs) >= 6
    assert max(abs(a - b) for a, b in pairs) < 0.5


def test_chronodispersion_is_maximum_minus_minimum_f_latency() -> None:
    res = analyze_f_waves(_series(persistence=0.9, seed=5).sweeps)
    assert res.f_min_latency_ms is not None and res.f_max_latency_ms is not None
    assert res.chronodispersion_ms == pytest.approx(res.f_max_latency_ms - res.f_min_latency_ms)
    assert res.f_min_latency_ms <= (res.f_mean_latency_ms or 0.0) <= res.f_max_latency_ms


def test_f_m_ratio_is_mean_f_peak_to_peak_over_m_peak_to_peak() -> None:
    sim = _series(persistence=0.9, seed=5)
    res = analyze_f_waves(sim.sweeps)
    sizes = [s.f_peak_to_peak_mv for s in res.stimuli if s.f_peak_to_peak_mv is not None]
    assert res.m_peak_to_peak_mv is not None and res.f_m_ratio_pct is not None
    assert res.f_m_ratio_pct == pytest.approx(100.0 * float(np.mean(sizes)) / res.m_peak_to_peak_mv)
    assert res.f_m_ratio_pct == pytest.approx(sim.summary["f_m_ratio_pct"], rel=0.15)


def test_m_wave_is_measured_per_stimulus_and_on_the_median_sweep() -> None:
    sim = _series(persistence=0.6)
    res = analyze_f_waves(sim.sweeps)
    truth = sim.truth[0]["onset_latency_ms"]
    assert all(abs((s.m_onset_latency_ms or 0.0) - truth) < 0.2 for s in res.stimuli)
    assert res.m_latency_ms == pytest.approx(truth, abs=0.2)
    assert res.m_amplitude_mv == pytest.approx(sim.summary["m_amplitude_mv"], rel=0.03)
    assert res.search_start_ms < sim.summary["f_min_latency_ms"]


def test_per_stimulus_m_onset_follows_a_sweep_that_arrives_0_3_ms_late() -> None:
    sim = _series(persistence=0.6, seed=2)
    sweeps = list(sim.sweeps)
    late = sweeps[3]
    shift = 3  # samples at 10 kHz = 0.3 ms
    samples = np.concatenate([np.full(shift, late.samples[0]), late.samples[:-shift]])
    sweeps[3] = dataclasses.replace(late, samples=samples)
    res = analyze_f_waves(sweeps)
    onsets = [s.m_onset_latency_ms for s in res.stimuli]
    assert all(o is not None for o in onsets)
    others = [o for k, o in enumerate(onsets) if k != 3 and o is not None]
    assert (onsets[3] or 0.0) - float(np.median(others)) == pytest.approx(0.3, abs=0.03)
    assert max(others) - min(others) < 0.05  # copies of one M wave: the same onset within 0.05 ms


def test_submaximal_sweep_m_onset_is_measured_on_its_own() -> None:
    sim = _series(persistence=0.6, seed=2)
    sweeps = list(sim.sweeps)
    sweeps[4] = dataclasses.replace(sweeps[4], samples=0.5 * sweeps[4].samples)  # M half the size
    res = analyze_f_waves(sweeps)
    window = (max(float(stack_sweeps(sweeps)[0][0]), 0.0), res.search_start_ms)
    alone = measure_sweep(sweeps[4], "motor", window_ms=window).onset_latency_ms
    assert res.stimuli[4].m_onset_latency_ms == alone
    assert abs((alone or 0.0) - sim.truth[0]["onset_latency_ms"]) < 0.2


def test_no_f_wave_on_any_stimulus_gives_persistence_0_and_no_latencies() -> None:
    res = analyze_f_waves(_series(persistence=0.0).sweeps)
    assert res.persistence_pct == 0.0 and res.n_f == 0
    assert res.f_min_latency_ms is None and res.f_mean_latency_ms is None
    assert res.chronodispersion_ms is None and res.f_m_ratio_pct is None
    assert res.m_latency_ms is not None


def _with_f(sweep: Waveform, onset_ms: float, size_mv: float) -> Waveform:
    """A sweep with a biphasic, negative-first unit potential added at ``onset_ms``."""
    t = sweep.times_ms_from_stimulus()
    x = np.clip(t - onset_ms, 0.0, None) / 1.5
    shape = -(x**1.2) * np.exp(-(x**1.3)) * (1.8 - x)
    return dataclasses.replace(sweep, samples=sweep.samples + size_mv * shape / np.abs(shape).max())


def test_a_single_f_wave_among_stimuli_without_one_is_found_alone() -> None:
    sweeps = list(_series(persistence=0.0).sweeps)
    sweeps[6] = _with_f(sweeps[6], 27.0, 0.2)
    res = analyze_f_waves(sweeps)
    assert [s.stimulus for s in res.stimuli if s.f_present] == [7]
    assert res.persistence_pct == pytest.approx(10.0)
    assert res.f_min_latency_ms == pytest.approx(27.0, abs=0.3)
    assert res.chronodispersion_ms == 0.0


def test_demyelination_prolongs_the_f_latency() -> None:
    normal = analyze_f_waves(_series("median", persistence=0.9, seed=6).sweeps)
    slow_sim = _series("median", persistence=0.9, seed=6, demyelination=0.3)
    slow = analyze_f_waves(slow_sim.sweeps)
    assert normal.f_min_latency_ms is not None and slow.f_min_latency_ms is not None
    assert slow.f_min_latency_ms > normal.f_min_latency_ms + 5.0
    assert slow.f_min_latency_ms == pytest.approx(slow_sim.summary["f_min_latency_ms"], abs=0.5)


def test_a_single_stimulus_reports_no_f_wave_and_says_why() -> None:
    res = analyze_f_waves(_series(persistence=1.0).sweeps[:1])
    assert res.n_stimuli == 1 and res.n_f == 0 and res.f_min_latency_ms is None
    assert any("single stimulus" in note for note in res.notes)


def test_sweeps_in_microvolts_give_the_same_result_in_millivolts() -> None:
    sweeps = _series(persistence=0.6).sweeps
    in_uv = [dataclasses.replace(w, samples=w.samples * 1000.0, units="uV") for w in sweeps]
    a, b = analyze_f_waves(sweeps), analyze_f_waves(in_uv)
    assert a.persistence_pct == b.persistence_pct
    assert a.f_min_latency_ms == pytest.approx(b.f_min_latency_ms)
    assert a.m_amplitude_mv == pytest.approx(b.m_amplitude_mv, rel=1e-6)


def test_sweeps_need_a_stimulus_time_and_one_sampling_rate() -> None:
    sweeps = _series().sweeps
    with pytest.raises(ValueError, match="stimulus"):
        analyze_f_waves([dataclasses.replace(sweeps[0], stimulus_s=None)])
    with pytest.raises(ValueError, match="sampled at"):
        analyze_f_waves([sweeps[0], dataclasses.replace(sweeps[1], fs_hz=5000.0)])
    with pytest.raises(ValueError, match="non-finite"):
        analyze_f_waves([dataclasses.replace(sweeps[0], samples=sweeps[0].samples * np.nan)])
    with pytest.raises(ValueError, match="no sweeps"):
        analyze_f_waves([])


def test_sweeps_are_aligned_on_their_stimulus() -> None:
    a = Waveform(np.arange(20.0), 1000.0, "mV", stimulus_s=0.002)
    b = Waveform(np.arange(20.0) + 100.0, 1000.0, "mV", stimulus_s=0.004)
    t_ms, x, fs_hz = stack_sweeps([a, b])
    assert fs_hz == 1000.0 and t_ms[0] == pytest.approx(-2.0) and x.shape == (2, 18)
    assert x[0, 0] == 0.0 and x[1, 0] == 102.0


def test_take_off_extrapolates_a_straight_edge_to_its_start() -> None:
    y = np.concatenate([np.zeros(50), -np.arange(30.0), -30.0 + np.arange(30.0)])
    assert take_off_index(y, 60, -1.0, 0.1, 40) == pytest.approx(50.0, abs=1.0)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    snr_db=st.floats(30.0, 70.0),
    fs_hz=st.sampled_from([4000.0, 10000.0, 20000.0]),
    n=st.integers(1, 8),
    persistence=st.floats(0.0, 1.0),
    seed=st.integers(0, 1000),
)
def test_any_snr_rate_and_number_of_stimuli_gives_sane_ranges(
    snr_db: float, fs_hz: float, n: int, persistence: float, seed: int
) -> None:
    sim = simulate_f_waves(
        np.random.default_rng(seed),
        normal_params("median", "f_wave"),
        n_stimuli=n,
        persistence=persistence,
        snr_db=snr_db,
        fs_hz=fs_hz,
    )
    res = analyze_f_waves(sim.sweeps)
    t_ms = sim.sweeps[0].times_ms_from_stimulus()
    assert res.n_stimuli == n and 0.0 <= res.persistence_pct <= 100.0
    for s in res.stimuli:
        assert s.f_present == (s.f_onset_latency_ms is not None)
        if s.f_onset_latency_ms is not None:
            assert t_ms[0] <= s.f_onset_latency_ms <= t_ms[-1]
            assert (s.f_peak_to_peak_mv or 0.0) > 0.0
    if res.f_min_latency_ms is not None:
        assert res.f_min_latency_ms <= (res.f_mean_latency_ms or 0.0) <= (res.f_max_latency_ms or 0.0)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 6),
    st.integers(1, 40),
    st.integers(0, 2**32 - 1),
)
def test_drift_fit_row_medians_equal_the_median_of_each_rows_valid_samples(
    rows: int, cols: int, seed: int
) -> None:
    from edxkit.ncs.fwave import _row_medians

    rng = np.random.default_rng(seed)
    values = rng.standard_exponential((rows, cols))
    valid = rng.random((rows, cols)) < 0.7
    expected = [float(np.median(v[m])) if m.any() else 1.0 for v, m in zip(values, valid, strict=True)]
    assert _row_medians(values, valid) == pytest.approx(expected, rel=0, abs=0)
