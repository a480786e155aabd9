"""H reflex: windows, M and H waves, H latency, Hmax/Mmax and recruitment (clinical.md §1.4)."""

from __future__ import annotations

import dataclasses
from functools import cache

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edxkit.ncs.fwave import stack_sweeps
from edxkit.ncs.hreflex import analyze_h_reflex, find_windows
from edxkit.simulate.ncs import EvokedSimulation, Pathology, normal_params, simulate_h_reflex
from edxkit.waveform import Waveform

from conftest import shared_data

LEVELS_MA = tuple(float(i) for i in np.arange(1.0, 7.01, 0.5))


@cache
def _series(seed: int = 0, block: float = 0.0, levels: tuple[float, ...] = LEVELS_MA) -> EvokedSimulation:
    pathology = Pathology(conduction_block={"proximal": block}) if block else None
    return simulate_h_reflex(
        np.random.default_rng(seed),
        normal_params("tibial", "h_reflex"),
        intensities_ma=levels,
        pathology=pathology,
        fs_hz=10000.0,
    )


def test_h_latency_is_the_onset_of_the_largest_h_wave_within_half_a_millisecond() -> None:
    sim = _series()
    res = analyze_h_reflex(sim.sweeps)
    assert res.h_latency_ms == pytest.approx(sim.summary["h_latency_at_hmax_ms"], abs=0.5)
    largest = max((s for s in res.sweeps if s.h_present), key=lambda s: s.h_peak_to_peak_mv or 0.0)
    assert res.h_latency_ms == largest.h_onset_latency_ms
    assert res.h_min_latency_ms is not None and res.h_min_latency_ms <= res.h_latency_ms


def test_hmax_mmax_ratio_is_the_largest_h_over_the_largest_m_within_5_percent() -> None:
    sim = _series()
    res = analyze_h_reflex(sim.sweeps)
    assert res.h_max == pytest.approx(sim.summary["hmax_mv"], rel=0.05)
    assert res.m_max == pytest.approx(sim.summary["mmax_mv"], rel=0.05)
    assert res.h_m_ratio == pytest.approx(sim.summary["hmax_mmax"], rel=0.05)
    assert res.intensity_at_hmax_ma == sim.summary["intensity_hmax_ma"]


def test_m_latency_is_the_onset_of_the_near_maximal_m_waves() -> None:
    sim = _series()
    res = analyze_h_reflex(sim.sweeps)
    assert res.m_latency_ms == pytest.approx(sim.summary["m_latency_ms"], abs=0.3)


def test_windows_are_found_around_the_m_and_the_later_h_wave() -> None:
    sim = _series()
    t_ms, x, fs_hz = stack_sweeps(sim.sweeps)
    m_win, h_win = find_windows(t_ms, x, fs_hz)
    assert m_win is not None and h_win is not None
    big = max(sim.truth, key=lambda t: t["h_peak_to_peak_mv"] or 0.0)
    assert m_win[0] < sim.summary["m_latency_ms"] < m_win[1] < h_win[0]
    assert h_win[0] < big["h_onset_latency_ms"] < big["h_peak_latency_ms"] < h_win[1]


def test_h_present_where_the_simulated_h_is_clear_and_absent_where_there_is_none() -> None:
    sim = _series()
    res = analyze_h_reflex(sim.sweeps)
    for s, t in zip(res.sweeps, sim.truth, strict=True):
        if t["h_present"] and t["h_snr_db"] >= 12.0:
            assert s.h_present
        if not t["h_present"]:
            assert not s.h_present and s.h_onset_latency_ms is None and s.h_peak_to_peak_mv is None


def test_no_h_wave_gives_no_latency_and_no_ratio() -> None:
    res = analyze_h_reflex(_series(block=1.0).sweeps, h_window_ms=(25.0, 45.0))
    assert not any(s.h_present for s in res.sweeps)
    assert res.h_latency_ms is None and res.h_max is None and res.h_m_ratio is None
    assert res.h_threshold_ma is None and res.m_max is not None
    assert any("no H wave" in note for note in res.notes)


def test_recruitment_curve_averages_the_sweeps_of_each_intensity() -> None:
    sim = _series(levels=(2.0, 2.0, 4.0, 4.0, 6.5, 6.5))
    res = analyze_h_reflex(sim.sweeps, m_window_ms=(2.0, 20.0), h_window_ms=(25.0, 45.0))
    assert [lv.intensity_ma for lv in res.recruitment] == [2.0, 4.0, 6.5]
    assert all(lv.n_sweeps == 2 for lv in res.recruitment)
    at_4 = [s.h_peak_to_peak_mv or 0.0 for s in res.sweeps if s.intensity_ma == 4.0]
    assert res.recruitment[1].h_mean_mv == pytest.approx(np.mean(at_4))
    assert res.recruitment[2].m_mean_mv > res.recruitment[0].m_mean_mv


def test_intensities_come_from_the_sweep_metadata_or_the_argument() -> None:
    sim = _series()
    res = analyze_h_reflex(sim.sweeps)
    assert [s.intensity_ma for s in res.sweeps] == list(LEVELS_MA)
    bare = [dataclasses.replace(w, metadata={}) for w in sim.sweeps]
    unknown = analyze_h_reflex(bare)
    assert unknown.recruitment == () and unknown.h_threshold_ma is None
    assert any("intensities unknown" in note for note in unknown.notes)
    given_ = analyze_h_reflex(bare, intensities_ma=[2 * v for v in LEVELS_MA])
    assert given_.sweeps[0].intensity_ma == 2.0
    with pytest.raises(ValueError, match="intensities_ma"):
        analyze_h_reflex(bare, intensities_ma=[1.0])


def _real_sweeps() -> tuple[list[Waveform], np.ndarray]:
    data = np.loadtxt(shared_data("rcf-soleus-hreflex", "example-waveforms.csv"), delimiter=",")
    t_ms, x = data[1:, 0], data[1:, 1:].T
    fs_hz = 1000.0 / float(t_ms[1] - t_ms[0])
    return [Waveform(row.copy(), fs_hz, "mV", stimulus_s=0.0) for row in x], data[0, 1:]


def test_real_soleus_recruitment_curve_has_a_textbook_h_reflex() -> None:
    sweeps, intensities = _real_sweeps()
    res = analyze_h_reflex(sweeps, intensities_ma=list(intensities))
    assert res.m_window_ms[0] < 8.1 and res.m_window_ms[1] > 15.9
    assert 30.0 < res.h_window_ms[0] < 34.6 and res.h_window_ms[1] > 41.0
    assert res.h_m_ratio is not None and 0.6 < res.h_m_ratio < 0.75
    assert res.h_threshold_ma is not None and res.h_threshold_ma <= 2.5
    assert res.intensity_at_hmax_ma is not None and 3.0 <= res.intensity_at_hmax_ma <= 4.5
    assert res.h_latency_ms is not None and 30.0 < res.h_latency_ms < 34.6
    t = sweeps[0].times_ms_from_stimulus()
    window = (t >= 34.6) & (t <= 42.4)
    documented = [float(np.ptp(w.samples[window])) for w in sweeps]
    ours = [s.h_peak_to_peak_mv or 0.0 for s in res.sweeps]
    assert np.corrcoef(documented, ours)[0, 1] > 0.98


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    snr_db=st.floats(25.0, 60.0),
    fs_hz=st.sampled_from([3200.0, 10000.0]),
    n=st.integers(1, 10),
    seed=st.integers(0, 1000),
)
def test_any_snr_rate_and_number_of_sweeps_gives_sane_ranges(
    snr_db: float, fs_hz: float, n: int, seed: int
) -> None:
    levels = np.linspace(1.5, 7.0, n).tolist()
    sim = simulate_h_reflex(np.random.default_rng(seed), intensities_ma=levels, snr_db=snr_db, fs_hz=fs_hz)
    res = analyze_h_reflex(sim.sweeps)
    assert len(res.sweeps) == n
    assert res.m_window_ms[0] < res.m_window_ms[1] and res.h_window_ms[0] < res.h_window_ms[1]
    for s in res.sweeps:
        assert s.h_present == (s.h_peak_to_peak_mv is not None)
        if s.h_onset_latency_ms is not None:
            assert 0.0 <= s.h_onset_latency_ms <= 70.0
    if res.h_m_ratio is not None:
        assert 0.0 < res.h_m_ratio < 5.0


def test_real_soleus_m_wave_sizes_match_the_documented_m_window_and_leave_out_the_slow_wave() -> None:
    """The soleus sweeps carry a slow wave at 16-28 ms after the M wave (and an H wave at 32-42 ms):
    neither may be measured as part of the M wave (documented M window 8.1-15.9 ms)."""
    sweeps, intensities = _real_sweeps()
    res = analyze_h_reflex(sweeps, intensities_ma=list(intensities))
    assert 15.9 < res.m_window_ms[1] < 18.5
    t = sweeps[0].times_ms_from_stimulus()
    window = (t >= 8.1) & (t <= 15.9)
    documented = np.array([float(np.ptp(w.samples[window])) for w in sweeps])
    ours = np.array([s.m_peak_to_peak_mv or 0.0 for s in res.sweeps])
    assert np.corrcoef(documented, ours)[0, 1] > 0.99
    big = documented > 0.25  # where there is an M wave to speak of
    assert 0.9 < float(np.median(ours[big] / documented[big])) < 1.1
    assert np.all(ours[big] < 1.15 * documented[big] + 0.05)


def _biphasic(t_ms: np.ndarray, start: float, half_ms: float, size: float) -> np.ndarray:
    """One negative-then-positive cycle of a sine (negative up), ``half_ms`` per phase, zero elsewhere."""
    inside = (t_ms >= start) & (t_ms < start + 2 * half_ms)
    return -size * np.where(inside, np.sin(np.pi * (t_ms - start) / half_ms), 0.0)


def test_window_of_a_wave_ends_before_a_slow_wave_that_follows_it() -> None:
    """M wave 7-13 ms (3 ms phases, 1-4 mV) running into a slow wave 11-23 ms (6 ms phases, 0.6 mV,
    the same in every sweep), then an H wave at 32-38 ms: the M window ends before the slow wave is
    under way, and the M peak-to-peak is that of the sweep over the M wave's own span (7-13 ms)."""
    fs = 10000.0
    t = np.arange(-5.0, 60.0, 1000.0 / fs)
    rng = np.random.default_rng(3)
    sizes = np.linspace(1.0, 4.0, 8)
    sweeps, expected = [], []
    for size in sizes:
        x = _biphasic(t, 7.0, 3.0, size) + _biphasic(t, 11.0, 6.0, 0.6) + _biphasic(t, 32.0, 3.0, 1.5)
        expected.append(float(np.ptp(x[(t >= 7.0) & (t <= 13.0)])))
        x += rng.normal(0.0, 0.005, t.size)
        sweeps.append(Waveform(x, fs, "mV", stimulus_s=0.005))
    m_win, h_win = find_windows(*stack_sweeps(sweeps))
    assert m_win is not None and h_win is not None
    assert m_win[0] < 7.0 and 13.0 < m_win[1] < 17.0
    assert h_win[0] < 32.0 < 38.0 < h_win[1]
    res = analyze_h_reflex(sweeps)
    for s, ptp in zip(res.sweeps, expected, strict=True):
        assert s.m_peak_to_peak_mv == pytest.approx(ptp, rel=0.03)


def test_m_wave_peak_to_peak_stays_inside_the_given_window() -> None:
    """A small M wave (0.2 mV phases at 7-13 ms) in a 5-14 ms window and a larger wave just after the
    window (1 mV, positive first at 15 ms): the positive peak is looked for inside the window only."""
    fs = 10000.0
    t = np.arange(-5.0, 60.0, 1000.0 / fs)
    x = _biphasic(t, 7.0, 3.0, 0.2) + _biphasic(t, 15.0, 1.5, -1.0)
    sweep = Waveform(x + np.random.default_rng(1).normal(0.0, 0.004, t.size), fs, "mV", stimulus_s=0.005)
    res = analyze_h_reflex([sweep], m_window_ms=(5.0, 14.0), h_window_ms=(30.0, 40.0))
    assert res.sweeps[0].m_peak_to_peak_mv == pytest.approx(0.4, rel=0.05)
