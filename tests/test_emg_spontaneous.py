"""Spontaneous activity at rest: typing rules, grading, detection on simulated recordings, robustness."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edxkit.emg.prepare import prepare
from edxkit.emg.spontaneous import SpontaneousResult, SpontaneousTrain, analyze_spontaneous, merge_spontaneous
from edxkit.emg.spontaneous.analyze import _myotonic_context, drop_superimposed
from edxkit.emg.spontaneous.classify import classify_train, is_run, shape_class
from edxkit.emg.spontaneous.features import Shape, template_shape
from edxkit.emg.spontaneous.grade import grade_trains
from edxkit.emg.spontaneous.trains import Firing, firing_pattern
from edxkit.simulate.emg import simulate_needle
from edxkit.waveform import Waveform


def _shape(**kw: float) -> Shape:
    base = dict(peak_index=100, peak_sign=-1, amplitude_uv=200.0, positive_uv=90.0, negative_uv=110.0,
                initial_sign=1, duration_ms=2.0, spike_ms=0.4, negative_width_ms=0.4, rise_time_ms=0.4,
                slow_fraction=0.0, phases=2, turns=2)  # fmt: skip
    base.update(kw)
    return Shape(**base)  # type: ignore[arg-type]


def _firing(**kw: float | bool) -> Firing:
    base = dict(count=20, rate_hz=2.0, isi_cv=0.03, median_isi_s=0.5, regular_fraction=1.0,
                fast_fraction=0.0, burst_fraction=0.0, rate_modulation=0.0, amplitude_modulation=0.0,
                constant_isi=False)  # fmt: skip
    base.update(kw)
    return Firing(**base)  # type: ignore[arg-type]


def _train(kind: str, n: int = 5) -> SpontaneousTrain:
    t = np.arange(n) * 0.5
    return SpontaneousTrain(kind, "", t, np.zeros(10), 5, 48000.0, 100.0, 2.0, 0.0)


def _matched_fraction(found: np.ndarray, truth: np.ndarray, tol_s: float = 0.5e-3) -> float:
    if truth.size == 0:
        return 1.0
    if found.size == 0:
        return 0.0
    gaps = np.abs(truth[:, None] - found[None, :]).min(axis=1)
    return float(np.mean(gaps <= tol_s))


# -- typing rules -------------------------------------------------------------------------------------------
def test_initially_positive_brief_spike_firing_regularly_is_fibrillation() -> None:
    assert classify_train(_shape(), _firing()) == ("fibrillation", "")


def test_positive_sharp_deflection_with_slow_negative_phase_is_positive_sharp_wave() -> None:
    shape = _shape(peak_sign=1, positive_uv=300.0, negative_uv=80.0, duration_ms=12.0, slow_fraction=0.25)
    assert classify_train(shape, _firing()) == ("positive_sharp_wave", "")


def test_initially_negative_biphasic_spike_at_5_to_50_hz_is_end_plate_spike() -> None:
    shape = _shape(initial_sign=-1, peak_sign=-1, positive_uv=30.0, negative_uv=180.0, duration_ms=2.5)
    irregular = _firing(rate_hz=20.0, isi_cv=0.8, regular_fraction=0.2)
    assert classify_train(shape, irregular) == ("end_plate", "end_plate_spike")
    assert classify_train(shape, _firing(rate_hz=0.5, isi_cv=0.8))[0] == ""


def test_monophasic_negative_broad_small_potential_is_end_plate_noise() -> None:
    shape = _shape(initial_sign=-1, peak_sign=-1, positive_uv=0.5, negative_uv=30.0, spike_ms=0.8)
    assert shape_class(shape) == "end_plate_noise"


def test_identical_complexes_at_constant_interval_above_5_hz_are_complex_repetitive() -> None:
    shape = _shape(duration_ms=7.0, phases=6, turns=6)
    assert classify_train(shape, _firing(rate_hz=30.0, constant_isi=True))[0] == "complex_repetitive"
    assert classify_train(shape, _firing(rate_hz=3.0, constant_isi=True))[0] != "complex_repetitive"


def test_fibrillation_like_spikes_above_20_hz_waxing_waning_in_runs_are_myotonic() -> None:
    gliding = _firing(rate_hz=60.0, fast_fraction=0.9, rate_modulation=0.6, smooth_fraction=0.7)
    assert classify_train(_shape(), gliding) == ("myotonic", "spike_like")
    stop_start = _firing(rate_hz=60.0, fast_fraction=0.95, amplitude_modulation=0.5, pauses=2)
    assert classify_train(_shape(), stop_start) == ("myotonic", "spike_like")
    steady = _firing(rate_hz=60.0, fast_fraction=0.9, smooth_fraction=0.7)
    assert classify_train(_shape(), steady)[0] == "fibrillation"


def test_merged_independent_fibres_with_jumping_rate_and_no_pause_are_not_myotonic() -> None:
    merged = _firing(rate_hz=25.0, fast_fraction=0.7, rate_modulation=1.5, smooth_fraction=0.1, pauses=0)
    assert not is_run(merged)
    assert classify_train(_shape(), merged)[0] == "fibrillation"


def test_smooth_fraction_is_high_for_a_gliding_rate_and_low_for_merged_regular_trains() -> None:
    gliding = np.cumsum(1.0 / np.linspace(30.0, 90.0, 80))
    assert firing_pattern(gliding, np.ones(80)).smooth_fraction > 0.9
    merged = np.sort(np.concatenate([np.arange(0, 5, 1 / 11.0), np.arange(0.013, 5, 1 / 13.0)]))
    assert firing_pattern(merged, np.ones(merged.size)).smooth_fraction < 0.4


def test_train_coinciding_with_a_slow_train_within_5_ms_is_superimposed_and_dropped() -> None:
    slow = SpontaneousTrain(
        "complex_repetitive", "", np.arange(100) * 0.1, np.zeros(4), 1, 1e4, 300.0, 10.0, 0.0
    )
    beat = SpontaneousTrain(
        "fasciculation", "", slow.times_s[::10] + 0.003, np.zeros(4), 1, 1e4, 200.0, 1.0, 0.0
    )
    own = SpontaneousTrain("fasciculation", "", np.arange(10) + 0.05, np.zeros(4), 1, 1e4, 200.0, 1.0, 0.0)
    kept = drop_superimposed([slow, beat, own])
    assert kept == [slow, own]


def test_muap_like_potential_in_bursts_is_myokymic_and_irregular_single_is_fasciculation() -> None:
    muap = _shape(duration_ms=10.0, phases=3, turns=5, amplitude_uv=800.0)
    assert classify_train(muap, _firing(burst_fraction=0.8, isi_cv=1.5))[0] == "myokymic"
    assert classify_train(muap, _firing(isi_cv=1.0, rate_hz=0.5))[0] == "fasciculation"


def test_firing_pattern_detects_constant_interval_bursts_and_fast_runs() -> None:
    crd = firing_pattern(np.arange(50) / 40.0, np.ones(50))
    assert crd.constant_isi and crd.rate_hz == pytest.approx(40.0)
    bursts = np.concatenate([t0 + np.arange(5) * 0.03 for t0 in (0.0, 1.5, 3.0, 4.5)])
    assert firing_pattern(bursts, np.ones(bursts.size)).burst_fraction >= 0.7
    irregular = np.cumsum(np.random.default_rng(1).exponential(0.5, 30))
    assert not firing_pattern(irregular, np.ones(30)).constant_isi


def test_template_shape_reads_initial_positive_fibrillation_and_initial_negative_end_plate_spike() -> None:
    fs = 48000.0
    t = np.arange(-240, 480) / fs * 1000.0
    fib = 100.0 * np.exp(-(((t + 0.3) / 0.2) ** 2)) - 150.0 * np.exp(-((t / 0.2) ** 2))
    s = template_shape(fib, 240, fs, 1.0)
    assert s.initial_sign == 1 and s.peak_sign == -1 and s.duration_ms < 2.0
    eps = -150.0 * np.exp(-((t / 0.2) ** 2)) + 30.0 * np.exp(-(((t - 0.5) / 0.3) ** 2))
    assert template_shape(eps, 240, fs, 1.0).initial_sign == -1


# -- grading ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("n", "grade"), [(0, "0"), (1, "1+"), (3, "2+"), (6, "3+"), (12, "4+")])
def test_fibrillation_grade_counts_generators_1_2to4_5to9_10plus(n: int, grade: str) -> None:
    assert grade_trains([_train("fibrillation") for _ in range(n)], 10.0)["fibrillation"] == grade


def test_fibrillations_covering_30_percent_of_baseline_are_4plus() -> None:
    dense = SpontaneousTrain(
        "fibrillation", "", np.arange(1000) * 0.01, np.zeros(4), 1, 48e3, 1.0, 100.0, 0.0
    )
    assert grade_trains([dense], 10.0)["fibrillation"] == "4+"


def test_fibrillation_train_of_4_discharges_or_under_2_s_does_not_count_for_the_grade() -> None:
    short = SpontaneousTrain("fibrillation", "", np.arange(4) * 1.0, np.zeros(4), 1, 48e3, 100.0, 1.0, 0.0)
    brief = SpontaneousTrain("fibrillation", "", np.arange(8) * 0.2, np.zeros(4), 1, 48e3, 100.0, 5.0, 0.0)
    assert grade_trains([short, brief], 10.0)["fibrillation"] == "0"


def test_irregular_fast_fibrillation_fragments_become_myotonic_where_myotonic_discharges_are_found() -> None:
    rng = np.random.default_rng(3)
    fragment_t = np.sort(rng.uniform(0.0, 5.0, 60))
    fragment = SpontaneousTrain("fibrillation", "", fragment_t, np.zeros(4), 1, 48e3, 100.0, 12.0, 1.0)
    regular = SpontaneousTrain(
        "fibrillation", "", np.arange(20) * 0.25, np.zeros(4), 1, 48e3, 100.0, 4.0, 0.0
    )
    myo = SpontaneousTrain(
        "myotonic", "spike_like", np.arange(100) * 0.02, np.zeros(4), 1, 48e3, 80.0, 50.0, 0.1
    )
    out = _myotonic_context([fragment, regular, myo])
    assert [t.type for t in out] == ["myotonic", "fibrillation", "myotonic"]
    assert [t.type for t in _myotonic_context([fragment, regular])] == ["fibrillation", "fibrillation"]


@pytest.mark.parametrize(("n", "grade"), [(1, "1+"), (2, "2+"), (4, "3+"), (5, "4+")])
def test_fasciculation_grade_counts_units_1_2_3to4_5plus(n: int, grade: str) -> None:
    assert grade_trains([_train("fasciculation") for _ in range(n)], 10.0)["fasciculation"] == grade


# -- simulated recordings -----------------------------------------------------------------------------------
def _sim(spontaneous: dict[str, str], seed: int, **kw: float | str):  # type: ignore[no-untyped-def]
    args: dict = dict(condition="rest", duration_s=5.0, fs_hz=48000.0, noise_uv_rms=8.0)
    args.update(kw)
    return simulate_needle(np.random.default_rng(seed), spontaneous=spontaneous, **args)


def test_single_fibrillation_train_is_found_typed_and_graded_1plus() -> None:
    sim = _sim({"fibrillation": "1+"}, 11, fs_hz=10000.0, noise_uv_rms=10.0)
    res = analyze_spontaneous(prepare(sim.waveform))
    fib = res.of_type("fibrillation")
    assert len(res.trains) == 1 and len(fib) == 1
    assert _matched_fraction(fib[0].times_s, sim.spontaneous[0].times_s) >= 0.9
    assert res.grades == {"fibrillation": "1+", "positive_sharp_wave": "0", "fasciculation": "0"}


def test_positive_sharp_waves_are_typed_psw_not_fibrillation() -> None:
    sim = _sim({"positive_sharp_wave": "1+"}, 12, noise_uv_rms=10.0)
    res = analyze_spontaneous(prepare(sim.waveform))
    assert [t.type for t in res.trains] == ["positive_sharp_wave"]
    assert _matched_fraction(res.trains[0].times_s, sim.spontaneous[0].times_s) >= 0.9


@pytest.mark.parametrize(
    ("fs_hz", "noise_uv", "seed"), [(10000.0, 5.0, 1), (23437.5, 10.0, 5), (48000.0, 15.0, 2)]
)
def test_clean_rest_recording_gives_no_train_over_30_s_of_noise(
    fs_hz: float, noise_uv: float, seed: int
) -> None:
    sim = simulate_needle(np.random.default_rng(seed), condition="rest", duration_s=30.0, fs_hz=fs_hz,
                          noise_uv_rms=noise_uv)  # fmt: skip
    res = analyze_spontaneous(prepare(sim.waveform))
    assert res.trains == () and set(res.grades.values()) == {"0"} and res.other_discharges == ()
    assert res.analysed_s == pytest.approx(30.0, rel=1e-3)


def test_windows_merged_join_trains_of_one_generator_with_absolute_times() -> None:
    sim = _sim({"fibrillation": "1+"}, 11, fs_hz=10000.0, noise_uv_rms=10.0, duration_s=6.0)
    x, fs = sim.waveform.samples, sim.waveform.fs_hz
    half = x.size // 2
    parts = [
        analyze_spontaneous(prepare(Waveform(x[:half], fs, units="uV"), start_s=0.0)),
        analyze_spontaneous(prepare(Waveform(x[half:], fs, units="uV"), start_s=half / fs)),
    ]
    merged = merge_spontaneous(parts)
    assert len(merged.of_type("fibrillation")) == 1
    assert merged.analysed_s == pytest.approx(parts[0].analysed_s + parts[1].analysed_s)
    assert _matched_fraction(merged.trains[0].times_s, sim.spontaneous[0].times_s) >= 0.8
    assert merged.trains[0].times_s.max() > half / fs


def test_to_dict_lists_type_count_rate_and_times() -> None:
    res = merge_spontaneous([SpontaneousResult((_train("fibrillation"),), {}, (), 10.0)])
    (row,) = res.to_dict()
    assert row["type"] == "fibrillation" and row["count"] == 5 and row["times_s"][1] == 0.5
    assert row["rate_hz"] == pytest.approx(2.0) and {"kind", "amplitude_uv"} <= row.keys()


# -- robustness ---------------------------------------------------------------------------------------------
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(min_value=1, max_value=30000),
    fs=st.sampled_from([4000.0, 10000.0, 23437.5, 48000.0]),
    scale=st.floats(min_value=0.0, max_value=1e4),
    nan_fraction=st.floats(min_value=0.0, max_value=1.0),
    seed=st.integers(min_value=0, max_value=2**16),
)
def test_any_noise_flat_short_or_nan_heavy_signal_never_crashes(
    n: int, fs: float, scale: float, nan_fraction: float, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    x = scale * rng.standard_normal(n)
    x[rng.random(n) < nan_fraction] = np.nan
    res = analyze_spontaneous(prepare(Waveform(x, fs, units="uV")))
    assert 0.0 <= res.analysed_s <= n / fs + 1e-9
    assert set(res.grades) == {"fibrillation", "positive_sharp_wave", "fasciculation"}
    for train in res.trains:
        assert train.count >= 2 and np.all(np.isfinite(train.times_s))
