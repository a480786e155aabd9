"""Needle-EMG simulator: determinism, exact truth, sampling rates, and normal/diseased MUAP physiology."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edxkit.simulate.emg import DischargeTruth, NeedleSimulation, UnitTruth, simulate_needle
from edxkit.simulate.emg.bank import get_bank
from edxkit.simulate.emg.conductor import NeedleGeometry, direct_fibre_potential_mv, rosenfalck_mv
from edxkit.simulate.emg.measures import duration_ms, phases, turns


def _units(
    pathology: str, *, muscle: str = "biceps_brachii", condition: str = "minimal", seeds: range = range(6)
) -> list[UnitTruth]:
    out: list[UnitTruth] = []
    for seed in seeds:
        sim = simulate_needle(
            np.random.default_rng(seed),
            muscle=muscle,
            condition=condition,
            pathology=pathology,
            severity=0.7,
            duration_s=1.0,
        )
        out.extend(sim.units)
    return out


def test_same_seed_gives_identical_samples_and_truth_and_other_seeds_differ() -> None:
    kwargs = {"condition": "minimal", "duration_s": 1.0, "spontaneous": {"fibrillation": "1+"}}
    a = simulate_needle(np.random.default_rng(7), **kwargs)  # type: ignore[arg-type]
    b = simulate_needle(np.random.default_rng(7), **kwargs)  # type: ignore[arg-type]
    c = simulate_needle(np.random.default_rng(8), **kwargs)  # type: ignore[arg-type]
    assert np.array_equal(a.waveform.samples, b.waveform.samples)
    assert json.dumps(a.truth()) == json.dumps(b.truth())
    assert not np.array_equal(a.waveform.samples, c.waveform.samples)


def test_public_types_and_waveform_contract() -> None:
    sim = simulate_needle(np.random.default_rng(1), duration_s=0.5)
    assert isinstance(sim, NeedleSimulation)
    assert all(isinstance(u, UnitTruth) for u in sim.units)
    wf = sim.waveform
    assert (wf.units, wf.channel, wf.stimulus_s, wf.fs_hz) == ("uV", "needle", None, 48000.0)
    assert wf.samples.dtype == np.float64 and wf.n_samples == 24000
    truth = json.loads(json.dumps(sim.truth()))
    assert truth["parameters"]["muscle"] == "biceps_brachii" and truth["parameters"]["condition"] == "minimal"
    assert {"fibrillations", "positive_sharp_waves", "fasciculations"} <= set(truth["grades"])


def test_clean_signal_is_exactly_the_sum_of_the_placed_templates() -> None:
    sim = simulate_needle(
        np.random.default_rng(3),
        condition="minimal",
        pathology="neurogenic",
        severity=0.5,
        spontaneous={"fibrillation": "2+", "myotonic": "1+", "end_plate": "1+"},
        duration_s=2.0,
        noise_uv_rms=0.0,
    )
    assert np.array_equal(sim.waveform.samples, sim.clean_uv)
    assert np.max(np.abs(sim.reconstruct_clean_uv() - sim.clean_uv)) < 1e-9
    noisy = simulate_needle(np.random.default_rng(3), condition="minimal", duration_s=2.0, noise_uv_rms=8.0)
    residual = noisy.waveform.samples - noisy.reconstruct_clean_uv()
    assert np.sqrt(np.mean(residual**2)) == pytest.approx(8.0, rel=1e-6)


def test_firing_times_sit_on_the_template_main_peak() -> None:
    sim = simulate_needle(np.random.default_rng(4), condition="minimal", duration_s=1.0, noise_uv_rms=0.0)
    unit = max(sim.units, key=lambda u: u.amplitude_uv)
    assert unit.template_index == int(np.argmax(np.abs(unit.template_uv)))
    sample = round(unit.firing_times_s[len(unit.firing_times_s) // 2] * 48000.0)
    assert abs(sim.clean_uv[sample]) > 0.5 * abs(unit.template_uv[unit.template_index])


@pytest.mark.parametrize("fs_hz", [4000.0, 10000.0, 20000.0, 23437.5, 48000.0])
def test_works_at_clinical_and_low_sampling_rates_without_nan(fs_hz: float) -> None:
    sim = simulate_needle(
        np.random.default_rng(2), fs_hz=fs_hz, duration_s=0.5, spontaneous={"positive_sharp_wave": "1+"}
    )
    assert sim.waveform.fs_hz == fs_hz and sim.waveform.n_samples == round(0.5 * fs_hz)
    assert np.all(np.isfinite(sim.waveform.samples))
    assert sim.parameters["band_hz"][1] <= 0.4 * fs_hz + 1e-9
    assert np.max(np.abs(sim.reconstruct_clean_uv() - sim.clean_uv)) < 1e-9


@settings(max_examples=6, deadline=None)
@given(duration_s=st.floats(0.5, 60.0), seed=st.integers(0, 10_000))
def test_any_duration_from_half_a_second_to_a_minute_is_finite(duration_s: float, seed: int) -> None:
    sim = simulate_needle(np.random.default_rng(seed), condition="rest", duration_s=duration_s, fs_hz=4000.0)
    assert sim.waveform.n_samples == round(duration_s * 4000.0)
    assert np.all(np.isfinite(sim.waveform.samples))


def test_line_source_bank_matches_direct_integration_of_the_rosenfalck_fibre() -> None:
    bank = get_bank(60.0)
    s = np.arange(0.0, 40.0, 0.4)
    for r_mm, d_mm in [(0.05, 5.0), (0.3, -8.0), (1.5, 0.0)]:
        z = np.arange(d_mm - 60.0, d_mm + 60.0 + 1e-9, 0.005)
        v = rosenfalck_mv(s[:, None] - np.abs(z[None, :] - d_mm))
        direct = 1000.0 * direct_fibre_potential_mv(
            v, z, float(bank.r_grid_mm[np.argmin(abs(bank.r_grid_mm - r_mm))]), NeedleGeometry(), 50.0
        )
        banked = bank.sfap_uv(float(bank.r_grid_mm[np.argmin(abs(bank.r_grid_mm - r_mm))]), d_mm, s)
        assert np.max(np.abs(direct - banked)) < 0.01 * np.ptp(banked) + 0.01


def test_closer_fibres_give_larger_and_sharper_potentials() -> None:
    bank = get_bank(60.0)
    s = np.arange(0.0, 60.0, 0.05)
    near, far = bank.sfap_uv(0.1, 8.0, s), bank.sfap_uv(1.0, 8.0, s)
    assert np.ptp(near) > 5 * np.ptp(far)
    assert np.max(np.abs(np.diff(near))) > 10 * np.max(np.abs(np.diff(far)))


def test_normal_minimal_contraction_muaps_of_biceps_and_ta_are_in_the_clinical_ranges() -> None:
    """clinical.md §3.2/3.3: duration ≈5–15 ms, amplitude ≈100 µV–3 mV, ≤4 phases mostly, rates 5–20 Hz."""
    for muscle in ("biceps_brachii", "tibialis_anterior"):
        units = _units("normal", muscle=muscle)
        amp = np.array([u.amplitude_uv for u in units])
        seen = [u for u in units if u.amplitude_uv >= 50.0]
        assert 5.0 <= np.mean([u.duration_ms for u in seen]) <= 15.0
        assert 100.0 <= np.median(amp) <= 3000.0
        assert np.mean([u.phases > 4 for u in seen]) <= 0.25
        assert all(5.0 <= u.mean_rate_hz <= 20.0 for u in units)
        assert 2 <= len(units) / 6 <= 6


def test_neurogenic_units_are_fewer_larger_longer_and_fire_faster_at_recruitment() -> None:
    normal, neuro = (
        _units("normal", condition="moderate", seeds=range(1)),
        _units("neurogenic", condition="moderate", seeds=range(1)),
    )
    assert len(neuro) < 0.5 * len(normal)
    assert np.mean([u.amplitude_uv for u in neuro]) > 1.3 * np.mean([u.amplitude_uv for u in normal])
    assert np.mean([u.duration_ms for u in neuro]) > np.mean([u.duration_ms for u in normal]) + 1.0
    fastest = {
        name: max(u.mean_rate_hz for u in units) for name, units in (("normal", normal), ("neuro", neuro))
    }
    assert fastest["neuro"] > fastest["normal"]  # the same force needs more drive: survivors fire faster
    assert fastest["neuro"] / len(neuro) > 2.0 * fastest["normal"] / len(normal)  # recruitment ratio rises
    freq = {
        p: np.nanmean(
            [
                simulate_needle(np.random.default_rng(s), pathology=p, severity=0.7, duration_s=0.5).derived[
                    "recruitment_frequency_hz"
                ]
                for s in range(4)
            ]
        )
        for p in ("normal", "neurogenic")
    }
    assert freq["neurogenic"] > freq["normal"] + 1.0


def test_myopathic_units_are_shorter_smaller_more_polyphasic_and_recruited_early() -> None:
    normal, myo = _units("normal"), _units("myopathic")
    norm_seen = [u for u in normal if u.amplitude_uv >= 50.0]
    myo_seen = [u for u in myo if u.amplitude_uv >= 50.0]
    assert len(myo) > 1.3 * len(normal)
    assert np.mean([u.amplitude_uv for u in myo]) < 0.7 * np.mean([u.amplitude_uv for u in normal])
    assert np.mean([u.duration_ms for u in myo_seen]) < np.mean([u.duration_ms for u in norm_seen])
    assert np.mean([u.phases > 4 for u in myo_seen]) > np.mean([u.phases > 4 for u in norm_seen])


def test_maximal_effort_gives_an_interference_pattern_of_dozens_of_fast_units() -> None:
    sim = simulate_needle(
        np.random.default_rng(5), condition="maximal", muscle="first_dorsal_interosseous", duration_s=0.5
    )
    assert len(sim.units) >= 24
    assert np.median([u.mean_rate_hz for u in sim.units if u.firing_times_s.size > 3]) >= 25.0


def test_rest_without_spontaneous_activity_is_noise_only() -> None:
    sim = simulate_needle(np.random.default_rng(6), condition="rest", duration_s=1.0, noise_uv_rms=6.0)
    assert sim.units == () and sim.spontaneous == ()
    assert np.all(sim.clean_uv == 0.0)
    assert np.sqrt(np.mean(sim.waveform.samples**2)) == pytest.approx(6.0, rel=1e-6)
    assert sim.grades == {"fibrillations": "0", "positive_sharp_waves": "0", "fasciculations": "0"}


def test_measures_follow_the_documented_conventions() -> None:
    fs = 10000.0
    t = np.arange(200) / fs * 1000.0
    biphasic = 300.0 * np.sin(2 * np.pi * (t - 5.0) / 4.0) * ((t >= 5.0) & (t < 9.0))
    assert duration_ms(biphasic, fs) == pytest.approx(4.0, abs=0.3)
    assert phases(biphasic) == 2 and turns(biphasic) == 2
    wiggle = biphasic + 20.0 * np.sin(2 * np.pi * t / 0.5) * ((t >= 5.0) & (t < 9.0))
    assert turns(wiggle) == 2  # 20 µV ripples are below the 25 µV turn criterion


def test_unknown_condition_and_bad_severity_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="condition"):
        simulate_needle(np.random.default_rng(0), condition="strong")
    with pytest.raises(ValueError, match="severity"):
        simulate_needle(np.random.default_rng(0), pathology="myopathic", severity=1.5)


def test_ten_seconds_with_about_thirty_units_is_fast() -> None:
    simulate_needle(np.random.default_rng(0), duration_s=0.2)  # warm the SFAP bank
    started = time.perf_counter()
    sim = simulate_needle(
        np.random.default_rng(3), condition="moderate", pathology="neurogenic", severity=0.7, duration_s=10.0
    )
    elapsed = time.perf_counter() - started
    assert len(sim.units) >= 25
    assert elapsed < 6.0


def test_spontaneous_truth_type_is_dischargetruth() -> None:
    sim = simulate_needle(
        np.random.default_rng(9), condition="rest", spontaneous={"fibrillation": "1+"}, duration_s=2.0
    )
    assert len(sim.spontaneous) == 1 and isinstance(sim.spontaneous[0], DischargeTruth)
