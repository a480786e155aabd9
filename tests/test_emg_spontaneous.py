"""Spontaneous activity at rest: typing rules, grading, detection on simulated recordings, robustness."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edxkit.emg.prepare import Prepared, prepare
from edxkit.emg.spontaneous import SpontaneousResult, SpontaneousTrain, analyze_spontaneous, merge_spontaneous
from edxkit.emg.spontaneous.analyze import (
    _fill_crd_run,
    _fill_regular,
    _join_crd_fragments,
    _join_locked,
    _join_look_alike_fasciculations,
    _join_myotonic_fragments,
    _myotonic_context,
    _split_merged,
    drop_explained_fasciculations,
    drop_superimposed,
)
from edxkit.emg.spontaneous.assign import assign_leftovers, peel
from edxkit.emg.spontaneous.classify import MYOKYMIC_CHANCE, classify_train, is_run, shape_class
from edxkit.emg.spontaneous.features import Shape, template_shape
from edxkit.emg.spontaneous.grade import grade_trains
from edxkit.emg.spontaneous.trains import Firing, burst_chance, firing_pattern, split_regular
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
    assert classify_train(muap, _firing(burst_fraction=0.8, isi_cv=1.5, burst_chance=1e-4))[0] == "myokymic"
    assert classify_train(muap, _firing(isi_cv=1.0, rate_hz=0.5))[0] == "fasciculation"


def test_short_intervals_a_random_unit_gives_by_chance_are_no_myokymic_bursts() -> None:
    muap = _shape(duration_ms=10.0, phases=3, turns=5, amplitude_uv=800.0)
    chance = _firing(burst_fraction=0.5, isi_cv=1.0, rate_hz=1.75, burst_chance=0.2)
    assert classify_train(muap, chance)[0] == "fasciculation"
    # edx simulate als --seed 1, right biceps at rest: one fasciculating unit (intervals 88 … 500 ms)
    unit = np.cumsum([0.351, 0.088, 0.409, 1.390, 0.058, 0.077, 0.500])
    firing = firing_pattern(unit, np.ones(unit.size))
    assert firing.burst_fraction >= 0.5 and firing.burst_chance > 0.01
    bursts = np.concatenate([t0 + np.arange(4) * 0.03 for t0 in (0.2, 1.6, 3.1)])  # 3 bursts in 4 s
    assert firing_pattern(bursts, np.ones(bursts.size)).burst_chance < 1e-3
    # the same unit with two stray potentials 30 and 7 ms after its own: a 7-ms interval is no burst
    # interval (myokymia fires at 5-60 Hz), so it does not add to the excess of short intervals
    stray = np.sort(np.concatenate([unit, [0.469, 2.867]]))
    assert burst_chance(np.diff(stray)) > MYOKYMIC_CHANCE


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.001, 3.0), min_size=1, max_size=40))
def test_burst_chance_is_a_probability_for_any_intervals(isi: list[float]) -> None:
    assert 0.0 <= burst_chance(np.asarray(isi)) <= 1.0


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


def test_constant_interval_is_complex_repetitive_even_with_an_initially_negative_end_plate_shape() -> None:
    shape = _shape(initial_sign=-1, peak_sign=-1, positive_uv=30.0, negative_uv=180.0, duration_ms=2.5)
    assert classify_train(shape, _firing(rate_hz=18.0, constant_isi=True))[0] == "complex_repetitive"


def test_sparse_subset_of_a_constant_interval_train_is_constant_but_poisson_is_not() -> None:
    rng = np.random.default_rng(4)
    grid = np.arange(200) * 0.0467  # a 21.4 Hz CRD of which 40 % of the discharges were grouped
    sparse = np.sort(grid[rng.random(200) < 0.4])
    assert firing_pattern(sparse, np.ones(sparse.size)).constant_isi
    poisson = np.cumsum(rng.exponential(0.11, 80))
    assert not firing_pattern(poisson, np.ones(80)).constant_isi


def test_long_waxing_waning_runs_of_a_complex_shape_are_myotonic_short_bursts_myokymic() -> None:
    muap = _shape(duration_ms=8.0, phases=3, turns=5, amplitude_uv=500.0, peak_sign=1)
    long_run = _firing(rate_hz=40.0, fast_fraction=0.95, smooth_fraction=0.7, rate_modulation=0.5,
                       burst_fraction=0.95, median_run=60.0, regular_fraction=0.3)  # fmt: skip
    assert classify_train(muap, long_run) == ("myotonic", "psw_like")
    burst = _firing(rate_hz=40.0, fast_fraction=0.95, smooth_fraction=0.7, rate_modulation=0.5,
                    burst_fraction=0.95, median_run=6.0, regular_fraction=0.3, burst_chance=1e-6)  # fmt: skip
    assert classify_train(muap, burst)[0] == "myokymic"


def _tr(kind: str, times: np.ndarray, tmpl: np.ndarray | None = None, index: int = 20) -> SpontaneousTrain:
    t = np.zeros(60) if tmpl is None else tmpl
    return SpontaneousTrain(kind, "", np.asarray(times, dtype=float), t, index, 1e4, 100.0, 1.0, 0.0)


def test_interleaved_regular_fibres_of_one_shape_split_into_regular_trains_poisson_does_not() -> None:
    rng = np.random.default_rng(0)
    a = np.cumsum(rng.normal(0.08, 0.0024, 125))
    b = np.cumsum(rng.normal(0.3, 0.009, 33))
    c = np.cumsum(rng.normal(0.12, 0.0036, 80))
    merged = np.sort(np.concatenate([a, b, c]))
    merged = merged[rng.random(merged.size) > 0.15]
    parts = split_regular(merged)
    assert len(parts) >= 3 and sum(p.size for p in parts) == merged.size
    for truth in (a, b, c):  # each fibre is mostly in one part
        best = max(float(np.isin(merged[p], truth).sum()) for p in parts)
        assert best >= 0.75 * np.isin(merged, truth).sum()
    assert split_regular(np.cumsum(rng.exponential(0.05, 200))) == []
    lone = np.cumsum(rng.normal(0.08, 0.0024, 125))
    assert split_regular(lone[rng.random(125) > 0.2]) == []
    split = _split_merged([_tr("fibrillation", merged)])
    assert len(split) >= 3 and all(t.type == "fibrillation" for t in split)


def test_fast_irregular_spike_train_is_end_plate_spike_only_where_end_plate_noise_is_found() -> None:
    rng = np.random.default_rng(5)
    spikes = _tr("fibrillation", np.cumsum(rng.gamma(1.56, 0.64 / 34, 340)))
    noise = replace(_tr("end_plate", np.cumsum(rng.exponential(0.005, 400))), kind="end_plate_noise")
    out = _split_merged([spikes, noise])
    assert (out[0].type, out[0].kind) == ("end_plate", "end_plate_spike")
    assert _split_merged([spikes])[0].type == "fibrillation"


def test_slow_irregular_spike_train_in_end_plate_zone_is_end_plate_spike_regular_fibrillation_is_not() -> (
    None
):
    rng = np.random.default_rng(8)
    irregular = _tr("fibrillation", np.cumsum(rng.exponential(0.4, 25)))  # ≈2.5 Hz, Poisson
    regular = _tr("fibrillation", np.arange(20) * 0.45 + 0.01)
    spikes = replace(_tr("end_plate", np.cumsum(rng.gamma(1.5, 0.02, 300))), kind="end_plate_spike")
    out = _split_merged([irregular, regular, spikes])
    assert [(t.type, t.kind) for t in out[:2]] == [("end_plate", "end_plate_spike"), ("fibrillation", "")]
    assert [t.type for t in _split_merged([irregular, regular])] == ["fibrillation", "fibrillation"]


def test_slow_irregular_or_fast_median_spike_group_where_myotonic_discharges_are_found_is_myotonic() -> None:
    rng = np.random.default_rng(4)
    slow_irregular = _tr("fibrillation", np.cumsum(rng.exponential(0.35, 20)))  # no interval < 50 ms needed
    runs = np.concatenate([s + np.cumsum(rng.uniform(0.015, 0.045, 12)) for s in (0.5, 2.0, 4.0)])
    fast_median = _tr("positive_sharp_wave", np.sort(runs))  # median interval < 50 ms
    regular = _tr("fibrillation", np.arange(30) * 0.3 + 0.02)
    myo = replace(_tr("myotonic", np.arange(200) * 0.02), kind="spike_like")
    out = _myotonic_context([slow_irregular, fast_median, regular, myo])
    assert [(t.type, t.kind) for t in out[:3]] == [
        ("myotonic", "spike_like"),
        ("myotonic", "psw_like"),
        ("fibrillation", ""),
    ]


def _fib_recording(
    fs: float, times: np.ndarray, peak_uv: float, noise_uv: float
) -> tuple[Prepared, np.ndarray]:
    """Prepared signal of a fibrillation potential (initial positive biphasic spike) at ``times`` in noise."""
    rng = np.random.default_rng(12)
    x = np.arange(-round(2e-3 * fs), round(4e-3 * fs)) / fs * 1e3  # ms
    spike = peak_uv * (0.3 * np.exp(-(((x + 0.35) / 0.15) ** 2)) - np.exp(-((x / 0.2) ** 2)))
    spike += peak_uv * 0.5 * np.exp(-(((x - 0.5) / 0.3) ** 2))
    uv = rng.normal(0.0, noise_uv, round(10.0 * fs))
    for t in times:
        c = round(t * fs)
        uv[c + round(x[0] * fs / 1e3) : c + round(x[0] * fs / 1e3) + x.size] += spike
    prep = Prepared(uv, fs, 0.0, np.ones(uv.size, dtype=bool), noise_uv, (20.0, 5000.0))
    return prep, spike


def test_regular_fibrillation_train_is_completed_below_the_blind_threshold_by_its_own_template() -> None:
    fs, period = 23437.5, 0.25
    rng = np.random.default_rng(1)
    truth = 0.1 + np.cumsum(period * (1.0 + 0.03 * rng.standard_normal(38)))  # interval CV 3 %
    prep, spike = _fib_recording(fs, truth, 50.0, 12.0)  # 50 µV spikes in 12 µV rms noise
    keep = rng.random(truth.size) > 0.3
    keep[[0, -1]] = True
    known = truth[keep]  # the blind detector missed ≈30 %
    idx = int(np.argmax(np.abs(spike)))
    train = SpontaneousTrain("fibrillation", "", known, spike, idx, fs, 75.0, 4.0, 0.0)
    out = _fill_regular(train, [train], prep)
    missing = np.setdiff1d(truth, known)
    inner = missing[(missing > known[0]) & (missing < known[-1])]
    assert _matched_fraction(out.times_s, inner, 0.2e-3) >= 0.9
    assert _matched_fraction(truth, out.times_s, 0.2e-3) == 1.0  # nothing added where there is no spike
    empty, _ = _fib_recording(fs, known, 50.0, 12.0)  # the missed discharges absent: only noise between
    assert _fill_regular(train, [train], empty).count == train.count
    stray = replace(train, times_s=known[:4])  # not persistent on its own: not completed into a train
    assert _fill_regular(stray, [stray], prep).count == 4
    other = replace(train, type="positive_sharp_wave", times_s=inner[:5] + 0.0004)
    assert _fill_regular(train, [train, other], prep).count == out.count - 5  # left to the other train


def test_groups_on_the_constant_interval_grid_of_a_crd_join_it_and_runs_are_filled() -> None:
    fs, period = 1e4, 0.025
    grid = np.arange(400) * period + 0.01
    tmpl = np.zeros(60)
    tmpl[18:24] = [50.0, 150.0, -300.0, 200.0, -80.0, 20.0]
    missed = np.zeros(grid.size, dtype=bool)
    missed[np.random.default_rng(6).choice(np.arange(1, 399), 120, replace=False)] = True
    crd = replace(_tr("complex_repetitive", grid[~missed], tmpl, 20), fs_hz=fs)
    frag = replace(_tr("fibrillation", grid[missed][:30] + 0.0002, tmpl, 20), fs_hz=fs)
    other = replace(_tr("fibrillation", np.arange(30) * 0.31 + 0.0171, tmpl, 20), fs_hz=fs)
    out = _join_crd_fragments([crd, frag, other])
    assert len(out) == 2 and out[-1].count == crd.count + frag.count and out[0] is other
    uv = np.zeros(round(10.5 * fs))
    for t in grid:
        uv[round(t * fs) - 20 : round(t * fs) + 40] += tmpl
    prep = Prepared(uv, fs, 0.0, np.ones(uv.size, dtype=bool), 1.0, (20.0, 4000.0))
    filled = _fill_crd_run(crd, prep)
    assert filled.count == grid.size
    empty = Prepared(np.zeros_like(uv), fs, 0.0, np.ones(uv.size, dtype=bool), 1.0, (20.0, 4000.0))
    assert _fill_crd_run(crd, empty).count == crd.count


def test_time_locked_train_at_another_phase_is_dropped_and_same_phase_joined() -> None:
    big = np.zeros(60)
    big[20] = -300.0
    small = np.zeros(60)
    small[20] = 120.0
    t = np.arange(50) * 0.137
    main = _tr("complex_repetitive", t, big)
    late = _tr("fasciculation", t[::2] + 0.0036, small)
    same = _tr("complex_repetitive", t[1::3] + 0.0001, small)
    out = _join_locked([late, main, same], 1e4)
    assert len(out) == 1 and out[0].count == 50


def test_irregular_fragment_inside_myotonic_runs_joins_it_regular_fibrillation_does_not() -> None:
    rng = np.random.default_rng(2)
    runs = np.concatenate([s + np.cumsum(1.0 / np.linspace(80, 30, 60)) for s in (0.0, 3.0, 6.0)])
    myo = replace(_tr("myotonic", np.sort(runs)), kind="spike_like")
    frag = _tr("fibrillation", np.sort(rng.choice(runs, 8, replace=False)) + 0.0001)
    fib = _tr("fibrillation", np.arange(40) * 0.25 + 0.003)
    out = _join_myotonic_fragments([frag, fib, myo])
    assert [t.type for t in out] == ["fibrillation", "myotonic"] and out[0] is fib


def test_fasciculation_coinciding_with_other_trains_within_5_ms_is_dropped() -> None:
    fibs = _tr("fibrillation", np.arange(20) * 0.5)
    overlap = _tr("fasciculation", fibs.times_s[::3] + 0.002)
    own = _tr("fasciculation", np.arange(6) * 1.7 + 0.21)
    assert drop_explained_fasciculations([fibs, overlap, own]) == [fibs, own]


def test_peel_off_recovers_a_discharge_hidden_under_another_trains_potential() -> None:
    fs = 1e4
    x = np.arange(-15, 45)
    spike = -200.0 * np.exp(-((x / 2.0) ** 2)) + 80.0 * np.exp(-(((x - 4) / 2.0) ** 2))
    wave = 300.0 * np.exp(-((x / 3.0) ** 2)) - 60.0 * np.exp(-(((x - 12) / 6.0) ** 2))
    d = np.zeros(20000)
    a_pos, b_pos = np.arange(1000, 19000, 1500), np.arange(1700, 19000, 1300)
    hidden = next(int(p) for p in b_pos if np.min(np.abs(a_pos - p)) > 300)  # ≥ 30 ms from A's discharges
    a_pos = np.sort(np.append(a_pos, hidden + 6))  # one discharge of A 0.6 ms after one of B
    for p in a_pos:
        d[p - 15 : p + 45] += spike
    for p in b_pos:
        d[p - 15 : p + 45] += wave
    a = replace(
        _tr("fibrillation", np.delete(a_pos, np.flatnonzero(a_pos == hidden + 6)) / fs, spike, 15), fs_hz=fs
    )
    b = replace(_tr("positive_sharp_wave", b_pos / fs, wave, 15), fs_hz=fs)
    residual = peel([a, b], d, fs, 0.0)
    assert np.max(np.abs(residual[hidden - 20 : hidden + 30])) > 150.0  # A's discharge left in the residual
    assert np.max(np.abs(np.delete(residual, np.arange(hidden - 20, hidden + 40)))) < 30.0
    out = assign_leftovers(
        [a, b], d, np.array([hidden + 6]), fs, 0.0, 2.0, residual=residual, exclusion_ms=0.3
    )
    assert out[0].count == a.count + 1 and np.any(np.abs(out[0].times_s - (hidden + 6) / fs) < 2e-4)
    assert out[1].count == b.count


def test_fasciculation_shaped_like_a_much_larger_train_of_another_type_joins_it() -> None:
    tmpl = np.zeros(120)
    tmpl[15:25] = [20.0, 80.0, -300.0, 250.0, -90.0, 40.0, -20.0, 10.0, 5.0, 0.0]
    own = np.zeros(120)
    own[15:25] = [-50.0, 200.0, 400.0, -100.0, -300.0, 150.0, 60.0, -40.0, 10.0, 0.0]
    eps = replace(_tr("end_plate", np.arange(300) * 0.033, tmpl, 17), kind="end_plate_spike", fs_hz=1e4)
    left = replace(_tr("fasciculation", np.arange(12) * 0.71 + 0.002, 0.6 * tmpl, 17), fs_hz=1e4)
    unit = replace(_tr("fasciculation", np.arange(8) * 1.1 + 0.4, own, 17), fs_hz=1e4)
    out = _join_look_alike_fasciculations([eps, left, unit])
    assert [t.type for t in out] == ["end_plate", "fasciculation"] and out[0].count == 312 and out[1] is unit


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


@settings(max_examples=60, deadline=None)
@given(
    x=st.lists(st.floats(-10, 10, allow_nan=False), max_size=30),
    ref=st.lists(st.floats(-10, 10, allow_nan=False), max_size=30),
)
def test_nearest_gap_is_the_distance_to_the_closest_reference_time(x: list[float], ref: list[float]) -> None:
    from edxkit.emg.spontaneous.trains import nearest_gap

    got = nearest_gap(np.array(x), np.sort(np.array(ref)))
    expected = [min((abs(r - v) for r in ref), default=np.inf) for v in x]
    assert got.tolist() == expected


def test_two_regular_fibres_interleaving_at_12_hz_are_no_myotonic_run_a_gliding_run_is() -> None:
    # edx simulate l5_radiculopathy --seed 4, left gluteus medius: two PSW fibres with periods near 84 ms
    a = np.arange(0.0, 4.0, 0.0840)
    b = 0.030 + np.arange(0.0, 4.0, 0.0843)
    merged = firing_pattern(np.sort(np.concatenate([a, b])), np.ones(a.size + b.size))
    assert merged.fast_fraction >= 0.5 and merged.serial_correlation < -0.3
    assert not is_run(merged)
    rate = np.linspace(120.0, 30.0, 200)  # a myotonic run: the rate glides down (2 % jitter)
    run = np.cumsum(1.0 / rate * (1.0 + 0.02 * np.random.default_rng(4).standard_normal(200)))
    gliding = firing_pattern(run, np.ones(run.size))
    assert gliding.serial_correlation > 0.0 and is_run(gliding)
