"""Spontaneous activity, round 4: end-plate noise (MEPPs) found below the blind threshold at the end-plate."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edxkit.emg.prepare import prepare
from edxkit.emg.spontaneous import SpontaneousTrain, analyze_spontaneous
from edxkit.emg.spontaneous.analyze import _psw_context, _with_mepps, drop_brief_fasciculations
from edxkit.emg.spontaneous.features import template_shape
from edxkit.emg.spontaneous.mepp import detect_mepps, is_mepp_shape
from edxkit.simulate.emg import simulate_needle
from edxkit.waveform import Waveform

FS = 48000.0


def _alpha(tau_ms: float, fs: float = FS) -> np.ndarray:
    t = np.arange(int(12 * tau_ms * fs / 1000.0)) * 1000.0 / fs
    return (t / tau_ms) * np.exp(1.0 - t / tau_ms)


def _barrage(rng: np.random.Generator, rate_hz: float, peak_uv: float, noise_uv: float, duration_s: float):
    """White noise plus Poisson MEPPs (alpha functions, τ 0.25–0.45 ms, negative peak ``peak_uv``); returns
    the signal and the MEPP peak times."""
    n = int(duration_s * FS)
    x = noise_uv * rng.standard_normal(n)
    onsets = np.sort(rng.choice(n - 2000, size=int(rate_hz * duration_s), replace=False)) + 500
    peaks = []
    for o in onsets:
        shape = _alpha(float(rng.uniform(0.25, 0.45)))
        x[o : o + shape.size] -= peak_uv * shape
        peaks.append(o + int(np.argmax(shape)))
    return x, np.asarray(peaks) / FS


def _recall(found_s: np.ndarray, truth_s: np.ndarray, tol_s: float = 0.5e-3) -> float:
    if found_s.size == 0:
        return 0.0
    j = np.clip(np.searchsorted(found_s, truth_s), 1, found_s.size - 1)
    gap = np.minimum(np.abs(found_s[j] - truth_s), np.abs(found_s[j - 1] - truth_s))
    return float(np.mean(gap <= tol_s))


def _end_plate_train(times_s: np.ndarray, kind: str = "end_plate_spike") -> SpontaneousTrain:
    tmpl = np.zeros(200)
    tmpl[100] = -300.0
    return SpontaneousTrain("end_plate", kind, times_s, tmpl, 100, FS, 300.0, 20.0, 0.8)


def test_mepps_of_3_noise_rms_at_300_per_s_are_found_within_half_a_ms_by_the_matched_filter() -> None:
    """30 µV MEPPs (3 × the 10 µV noise, under the blind 4.5 SD threshold after band-pass) at 300/s."""
    x, truth = _barrage(np.random.default_rng(4), 300.0, 30.0, 10.0, 2.0)
    found = np.sort(detect_mepps(x, np.ones(x.size, dtype=bool), FS) / FS)
    assert _recall(found, truth) >= 0.8
    assert _recall(truth, found) >= 0.9  # ≥ 90 % of the detections are MEPPs (precision)


def test_matched_filter_gives_under_1_detection_per_second_on_noise_alone() -> None:
    x = 10.0 * np.random.default_rng(5).standard_normal(int(4.0 * FS))
    found = detect_mepps(x, np.ones(x.size, dtype=bool), FS)
    assert found.size < 4


def test_median_of_a_barrage_is_a_mepp_shape_and_a_biphasic_spike_is_not() -> None:
    mepp = np.zeros(960)
    a = _alpha(0.3)
    mepp[384 : 384 + a.size] -= 30.0 * a
    shape = template_shape(mepp, 384 + int(np.argmax(_alpha(0.3))), FS, 1.0)
    assert is_mepp_shape(shape)
    spike = np.zeros(960)
    t = (np.arange(960) - 400) / 48.0
    spike += 100.0 * np.exp(-(((t + 0.25) / 0.15) ** 2)) - 120.0 * np.exp(-(((t - 0.1) / 0.2) ** 2))
    assert not is_mepp_shape(template_shape(spike, 405, FS, 1.0))  # initially positive, biphasic


def test_mepp_followed_by_a_slow_negative_tail_like_a_psw_slow_phase_is_not_a_mepp_shape() -> None:
    t = np.arange(960) / 48.0 - 8.0
    mepp = -35.0 * np.where(t >= 0, (t / 0.3) * np.exp(1 - t / 0.3), 0.0)
    tail = -9.0 * np.where(t > 0, 1 - np.exp(-t / 0.5), 0.0) * np.exp(-np.maximum(t, 0) / 15.0)
    assert is_mepp_shape(template_shape(mepp, 398, FS, 3.0))
    slow = template_shape(mepp + tail, 398, FS, 3.0)
    assert slow.duration_ms < 5.0 and slow.turns <= 2 and slow.slow_fraction > 0.1
    assert not is_mepp_shape(slow)


def test_mepps_join_end_plate_noise_only_in_the_end_plate_zone() -> None:
    x, truth = _barrage(np.random.default_rng(6), 250.0, 35.0, 8.0, 2.0)
    prep = prepare(Waveform(x, FS, units="uV"))
    spikes = _end_plate_train(np.arange(0.1, 1.9, 0.05))
    out = _with_mepps([spikes], prep, 8.0)
    noise = [t for t in out if t.kind == "end_plate_noise"]
    assert len(noise) == 1 and noise[0].type == "end_plate"
    assert _recall(np.sort(noise[0].times_s), truth) >= 0.7
    fib = SpontaneousTrain(
        "fibrillation", "", np.arange(0.1, 1.9, 0.2), spikes.template_uv, 100, FS, 1.0, 5.0, 0.0
    )
    assert _with_mepps([fib], prep, 8.0) == [fib]  # no end-plate train: no end-plate zone, no search


def test_biphasic_spikes_at_300_per_s_in_the_end_plate_zone_are_not_taken_for_end_plate_noise() -> None:
    rng = np.random.default_rng(7)
    x = 8.0 * rng.standard_normal(int(2.0 * FS))
    t = (np.arange(96) - 48) / 48.0
    spike = 60.0 * np.exp(-(((t + 0.25) / 0.15) ** 2)) - 80.0 * np.exp(-(((t - 0.1) / 0.2) ** 2))
    for o in np.sort(rng.choice(x.size - 500, size=600, replace=False)) + 200:
        x[o : o + spike.size] += spike
    prep = prepare(Waveform(x, FS, units="uV"))
    spikes = _end_plate_train(np.arange(0.1, 1.9, 0.05))
    assert _with_mepps([spikes], prep, 8.0) == [spikes]


def test_simulated_end_plate_noise_2plus_recall_of_mepps_above_3_noise_rms_is_at_least_70_percent() -> None:
    sim = simulate_needle(np.random.default_rng(1101), condition="rest", spontaneous={"end_plate": "2+"},
                          duration_s=3.0, fs_hz=48000.0, noise_uv_rms=8.0)  # fmt: skip
    res = analyze_spontaneous(prepare(sim.waveform))
    found = np.sort(np.concatenate([t.times_s for t in res.trains if t.type == "end_plate"]))
    mepp = [d for d in sim.spontaneous if d.kind == "end_plate_noise"]
    times = np.concatenate([d.times_s for d in mepp])
    peak = np.concatenate([abs(d.template_uv[d.template_index]) * d.scales for d in mepp])
    assert _recall(found, times[peak >= 3.0 * 8.0]) >= 0.7  # round 3: 0.18 (blind detector only); now 0.89
    assert set(res.grades.values()) == {"0"} and "end_plate" in res.other_discharges


def _muap(duration_ms: float, fs: float = 10000.0) -> np.ndarray:
    """A triphasic potential lasting about ``duration_ms`` (µV), peak at sample 100."""
    t = (np.arange(400) - 100) / (fs / 1000.0)
    w = duration_ms / 6.0
    return 800.0 * (
        np.exp(-((t / w) ** 2))
        - 0.5 * np.exp(-(((t + 1.5 * w) / w) ** 2))
        - 0.5 * np.exp(-(((t - 1.5 * w) / w) ** 2))
    )


def test_fasciculation_train_shorter_than_5_ms_is_dropped_a_10_ms_unit_is_kept() -> None:
    times = np.cumsum(np.full(8, 0.9))
    unit = SpontaneousTrain("fasciculation", "", times, _muap(10.0), 100, 10000.0, 1200.0, 1.1, 0.5)
    brief = SpontaneousTrain("fasciculation", "", times + 0.3, _muap(2.0), 100, 10000.0, 1200.0, 1.1, 0.5)
    fib = replace(brief, type="fibrillation")
    assert drop_brief_fasciculations([unit, brief, fib], 5.0) == [unit, fib]


def test_fibrillation_train_with_a_slow_negative_phase_over_20_ms_is_psw_where_psws_are_found() -> None:
    fs = 10000.0
    t = (np.arange(400) - 100) / 10.0
    psw = np.where(t < 0, 300.0 * np.exp(-((t / 0.3) ** 2)), 300.0 * np.exp(-((t / 0.3) ** 2)))
    psw = psw - 90.0 * np.clip(t / 1.0, 0, 1) * np.exp(-np.maximum(t - 1.0, 0) / 6.0) * (t > 0)
    times = np.arange(20) * 0.1
    merged = SpontaneousTrain("fibrillation", "", times, psw, 100, fs, 390.0, 10.0, 0.5)
    spike = SpontaneousTrain(
        "fibrillation", "", times + 0.03, _muap(1.5, fs) / 4.0, 100, fs, 300.0, 10.0, 0.5
    )
    other = SpontaneousTrain("positive_sharp_wave", "", times + 0.05, psw, 100, fs, 390.0, 10.0, 0.05)
    out = _psw_context([merged, spike, other], 5.0)
    assert [o.type for o in out] == ["positive_sharp_wave", "fibrillation", "positive_sharp_wave"]
    assert _psw_context([merged, spike], 5.0) == [merged, spike]  # no PSW found: left as typed


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(min_value=1, max_value=20000),
    fs=st.sampled_from([4000.0, 10000.0, 23437.5, 48000.0]),
    scale=st.floats(min_value=0.0, max_value=1e4),
    invalid_fraction=st.floats(min_value=0.0, max_value=1.0),
    seed=st.integers(min_value=0, max_value=2**16),
)
def test_mepp_detector_on_any_signal_returns_sorted_valid_samples(
    n: int, fs: float, scale: float, invalid_fraction: float, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    x = scale * rng.standard_normal(n)
    valid = rng.random(n) >= invalid_fraction
    x[~valid] = 0.0
    peaks = detect_mepps(x, valid, fs)
    assert peaks.dtype == np.int64 and np.all(np.diff(peaks) > 0)
    assert np.all((peaks >= 0) & (peaks < n)) and np.all(valid[peaks])
