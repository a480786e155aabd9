"""Needle-EMG simulator: determinism, exact truth, sampling rates, and normal/diseased MUAP physiology."""

from __future__ import annotations

import dataclasses
import functools
import json
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edxkit.simulate.emg import DischargeTruth, NeedleSimulation, UnitTruth, disease, firing, simulate_needle
from edxkit.simulate.emg.bank import get_bank
from edxkit.simulate.emg.conductor import (
    ANISOTROPY,
    NeedleGeometry,
    _electrode_points,
    direct_fibre_potential_mv,
    iap_mv,
    needle_weighting_value,
)
from edxkit.simulate.emg.instrument import finish_templates, make_instrument
from edxkit.simulate.emg.measures import duration_ms, measure, phases, turns
from edxkit.simulate.emg.params import muscle_params
from edxkit.simulate.emg.pool import local_units, make_pool, place_fibres

SEVERITY = 0.6


@functools.cache
def _minimal(pathology: str, muscle: str = "biceps_brachii", seeds: int = 14) -> tuple[NeedleSimulation, ...]:
    """Minimal-contraction recordings (0.3 s, chronic disease at severity 0.6), shared between tests.

    Two discharge variants per unit are enough here (the nominal templates, which carry the measures, do not
    depend on the number of variants) and keep the many recordings cheap.
    """
    return tuple(
        simulate_needle(
            np.random.default_rng(100 + seed),
            muscle=muscle,
            condition="minimal",
            pathology=pathology,
            severity=SEVERITY,
            chronicity="chronic",
            duration_s=0.3,
            n_variants=2,
        )
        for seed in range(seeds)
    )


def _placed(sims: tuple[NeedleSimulation, ...]) -> list[UnitTruth]:
    """The unit the needle was placed for in each recording."""
    return [u for sim in sims for u in sim.units if u.id == sim.derived["placed_unit"]]


def _seen(sims: tuple[NeedleSimulation, ...]) -> list[UnitTruth]:
    """Every unit of >= 50 uV peak-to-peak (what an analyser would pick out of the recording)."""
    return [u for sim in sims for u in sim.units if u.amplitude_uv >= 50.0]


def _mean(units: list[UnitTruth], field: str) -> float:
    return float(np.mean([getattr(u, field) for u in units]))


def _polyphasic(units: list[UnitTruth]) -> float:
    return float(np.mean([u.phases > 4 for u in units]))


def _envelope_uv(samples: np.ndarray, fs_hz: float) -> float:
    """Interference-pattern envelope: median over 100-ms sweeps of the 1st-to-99th-percentile band."""
    n = int(0.1 * fs_hz)
    sweeps = samples[: samples.size // n * n].reshape(-1, n)
    return float(np.median(np.percentile(sweeps, 99, axis=1) - np.percentile(sweeps, 1, axis=1)))


def test_same_seed_gives_identical_samples_and_truth_and_other_seeds_differ() -> None:
    kwargs = {"condition": "minimal", "duration_s": 0.5, "spontaneous": {"fibrillation": "1+"}}
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
    s = np.arange(0.0, 90.0, 0.8)  # past the table's end (64 mm): the exponential repolarisation tail
    for r_mm, d_mm in [(0.05, 5.0), (0.3, -8.0), (1.5, 0.0)]:
        z = np.arange(d_mm - 60.0, d_mm + 60.0 + 1e-9, 0.005)
        v = iap_mv(s[:, None] - np.abs(z[None, :] - d_mm))
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


def test_iap_keeps_rosenfalck_peak_and_width_with_a_fast_upstroke() -> None:
    lam = np.arange(0.0, 40.0, 0.001)
    v = iap_mv(lam)
    peak, top = float(v.max()), int(v.argmax())
    half = lam[top + np.argmax(v[top:] <= peak / 2)] - lam[np.argmax(v >= peak / 2)]
    upstroke = lam[np.argmax(v >= 0.9 * peak)] - lam[np.argmax(v >= 0.1 * peak)]
    assert peak == pytest.approx(129.0, abs=1.0) and half == pytest.approx(4.13, abs=0.1)
    assert upstroke < 0.7  # mm: 0.18 ms at 3.7 m/s (Rosenfalck's 1.64 mm is 0.44 ms)
    assert iap_mv(np.array([-1.0, 0.0]))[0] == 0.0 and iap_mv(np.array([60.0]))[0] < 0.01


def test_direction_averaged_weighting_matches_brute_force_average_over_directions() -> None:
    """The elliptic-integral weighting equals the mean over the fibre's direction around the tip."""
    needle = NeedleGeometry()
    z = np.linspace(-3.0, 3.0, 61)
    phi = (np.arange(4000) + 0.5) / 4000 * 2.0 * np.pi
    for r in (0.12, 0.6, 3.0):
        brute = np.zeros_like(z)
        for u, w, a, weight in _electrode_points(needle):
            d2 = r * r + u * u - 2.0 * r * u * np.cos(phi)[:, None]
            brute += weight * np.mean((ANISOTROPY * (d2 + a * a) + (z - w) ** 2) ** -0.5, axis=0)
        assert np.allclose(needle_weighting_value(z, r, needle), brute, rtol=1e-6, atol=1e-9)


def test_close_fibres_give_crisp_spikes_and_far_ones_blunt_small_potentials() -> None:
    """A fibre within 0.3 mm of the core gives a spike rising in <= 0.35 ms; at 1 mm it is small and slow."""
    bank = get_bank(60.0)
    t = np.arange(0.0, 40.0, 1.0 / 48.0)
    inst = make_instrument(48000.0)
    for r_mm, (amp_lo, amp_hi), (rise_lo, rise_hi) in [
        (0.1, (700.0, 2000.0), (0.1, 0.3)),
        (0.3, (200.0, 600.0), (0.2, 0.35)),
        (1.0, (10.0, 60.0), (0.6, 1.5)),
    ]:
        templates, _ = finish_templates(bank.sfap_uv(r_mm, 8.0, 3.7 * t)[None, :], inst)
        m = measure(templates[0], 48000.0)
        assert amp_lo <= m.amplitude_uv <= amp_hi and rise_lo <= m.rise_time_ms <= rise_hi


def test_minimal_effort_needle_is_placed_close_to_a_unit_that_fires() -> None:
    for sim in _minimal("normal") + _minimal("neurogenic"):
        placed = [u for u in sim.units if u.id == sim.derived["placed_unit"]]
        # no intact fibre inside the needle's 0.23 mm track; the tip 0.23-0.3 mm from a fibre of the unit
        assert len(placed) == 1 and 0.23 - 1e-9 <= placed[0].nearest_fibre_mm <= 0.3 + 1e-9
        assert 0.23 - 1e-4 <= sim.derived["placed_distance_mm"] <= 0.3 + 1e-4
    rest = simulate_needle(np.random.default_rng(1), condition="rest", duration_s=0.2)
    assert rest.derived["placed_unit"] is None and rest.derived["placed_distance_mm"] is None


def test_normal_minimal_contraction_muaps_of_biceps_and_ta_are_in_the_clinical_ranges() -> None:
    """clinical.md §3.2, muap-norms: crisp spikes, 0.2-2 mV, 7-13 ms, mostly <= 4 phases, rates 5-20 Hz."""
    seen_all: list[UnitTruth] = []
    rise_all: list[float] = []
    for muscle in ("biceps_brachii", "tibialis_anterior"):
        sims = _minimal("normal", muscle)
        placed, seen = _placed(sims), _seen(sims)
        seen_all += seen
        rise = [u.rise_time_ms for u in placed]  # the accepted spikes are sharp (criterion < 0.5 ms)
        rise_all += rise
        # with no fibre inside the needle's track (model version 3) some crisp-looking units rise in > 0.5 ms,
        # as real ones often do ("is the rise time criterion too restrictive?", Muscle Nerve); version 2 kept
        # fibres down to 20 µm from the core and asked for >= 65 % per muscle and >= 80 % overall
        assert np.median(rise) < 0.4 and np.mean(np.array(rise) < 0.5) >= 0.6
        assert 300.0 <= _mean(placed, "amplitude_uv") <= 1500.0
        assert 200.0 <= _mean(seen, "amplitude_uv") <= 1000.0
        assert 7.0 <= _mean(seen, "duration_ms") <= 13.0 and 7.0 <= _mean(placed, "duration_ms") <= 13.0
        steady = [u for sim in sims for u in sim.units if u.firing_times_s.size >= 3]
        assert all(5.0 <= u.mean_rate_hz <= 20.0 for u in steady)
    assert np.mean(np.array(rise_all) < 0.5) >= 0.7
    accepted = [u for u in seen_all if u.rise_time_ms < 0.5 and u.amplitude_uv >= 100.0]
    assert _mean(seen_all, "phases") <= 4.0 and _polyphasic(seen_all) <= 0.35  # ≈0.2 over many sites
    # the accepted (crisp) MUAPs: <= 10-15 % polyphasic in limb muscles, up to 25-35 % in TA (muap-norms C14,
    # C15); model version 2 gave 35-45 % here (the old bound was 0.55)
    assert _mean(accepted, "phases") <= 3.6 and _polyphasic(accepted) <= 0.2


def test_normal_recruitment_frequency_is_about_ten_hz() -> None:
    """clinical.md §3.3: the second unit appears when the first fires at ~10 Hz (Petajan 1969: 11 Hz)."""
    freq = [sim.derived["recruitment_frequency_hz"] for sim in _minimal("normal")]
    assert 8.0 <= np.nanmean(freq) <= 12.0 and all(5.0 <= f <= 15.0 for f in freq)


def test_immature_adopted_fibres_add_0_45_of_the_force_of_mature_ones_so_the_drive_rises() -> None:
    """Dengler et al. 1990: in ALS, single units grow more in size than in twitch force (atrophic sprouts)."""
    assert pytest.approx(0.531 * 0.84, abs=0.002) == disease.IMMATURE_FORCE
    rng = np.random.default_rng(3)
    pool = make_pool(rng, muscle_params("biceps_brachii"))
    fibres = place_fibres(rng, pool, local_units(pool), 8.0)
    sick, _ = disease.neurogenic(np.random.default_rng(4), pool, fibres, 0.5, "chronic_active")
    grown = sick.alive & (sick.n_fibres > 1.05 * pool.n_fibres)
    factor = sick.n_fibres[grown] / pool.n_fibres[grown]
    gain = sick.force_weight[grown] / pool.force_weight[grown]
    immature = ~sick.stable[grown]
    assert 0.4 <= immature.mean() <= 0.8
    assert np.allclose(gain[immature], 1.0 + (factor[immature] - 1.0) * disease.IMMATURE_FORCE)
    assert np.allclose(gain[~immature], factor[~immature])
    # for the same (normal low) force the drive must rise above what full-force sprouts would need
    full = dataclasses.replace(
        sick, force_weight=np.where(sick.alive, pool.force_weight * sick.n_fibres, 0.0)
    )
    full = dataclasses.replace(full, force_weight=full.force_weight / np.maximum(pool.n_fibres, 1e-9))
    target = firing.force(pool, 0.05)
    e_sick, e_full = firing.excitation_for_force(sick, target), firing.excitation_for_force(full, target)
    assert e_sick > 1.05 * e_full
    first = int(np.flatnonzero(sick.alive)[0])
    # (by only ≈0.2 Hz with the version-3 rate coding, whose first unit saturates at onset + 4 Hz)
    assert firing.firing_rates_hz(sick, e_sick)[first] > firing.firing_rates_hz(full, e_full)[first]


def test_reinnervation_raises_the_local_fibre_density_of_surviving_units() -> None:
    """SFEMG fibre density (same-unit fibres within 300 um, one side of the electrode) 1.5 -> 3-5."""

    def fibre_density(pathology: str) -> float:
        values = []
        for seed in range(3):
            rng = np.random.default_rng(seed)
            pool = make_pool(rng, muscle_params("biceps_brachii"))
            fibres = place_fibres(rng, pool, local_units(pool), 8.0)
            if pathology == "neurogenic":
                pool, fibres = disease.neurogenic(rng, pool, fibres, SEVERITY, "chronic")
            xy = np.column_stack([fibres.x_mm, fibres.y_mm])
            near = np.flatnonzero(fibres.r_mm < 1.0)
            d = np.hypot(*(xy[near, None, :] - xy[None, near, :]).transpose(2, 0, 1))
            same = fibres.unit[near, None] == fibres.unit[None, near]
            values.append(1.0 + 0.5 * float(np.mean(np.sum((d < 0.3) & same, axis=1) - 1)))
        return float(np.mean(values))

    normal, neuro = fibre_density("normal"), fibre_density("neurogenic")
    assert 1.2 <= normal <= 1.7 and 2.5 <= neuro <= 5.0


def test_neurogenic_units_are_larger_longer_more_polyphasic_and_recruitment_is_reduced() -> None:
    normal, neuro = _minimal("normal"), _minimal("neurogenic")
    amp_ratio = _mean(_placed(neuro), "amplitude_uv") / _mean(_placed(normal), "amplitude_uv")
    assert 1.5 <= amp_ratio <= 3.5
    dur_ratio = _mean(_placed(neuro), "duration_ms") / _mean(_placed(normal), "duration_ms")
    assert 1.15 <= dur_ratio <= 1.6
    assert _mean(_seen(neuro), "duration_ms") > 1.15 * _mean(_seen(normal), "duration_ms")
    # over every unit an analyser picks out (≥ 50 µV: ≈60-140 units) rather than the 14 placed ones: with
    # crisp normal MUAPs now ≈5-8 % polyphasic (version 2: ≈38 %) one placed unit decides that comparison
    assert _polyphasic(_seen(neuro)) > 1.5 * _polyphasic(_seen(normal))
    assert _mean(_placed(neuro), "turns") > 1.3 * _mean(_placed(normal), "turns")
    assert sum(len(s.units) for s in neuro) < 0.6 * sum(len(s.units) for s in normal)  # fewer units
    freq = {
        name: np.nanmean([s.derived["recruitment_frequency_hz"] for s in sims])
        for name, sims in (("normal", normal), ("neuro", neuro))
    }
    assert freq["neuro"] > freq["normal"]  # the first unit fires faster before the next one appears
    acute = [
        simulate_needle(
            np.random.default_rng(s), pathology="neurogenic", severity=0.7, chronicity="acute", duration_s=0.2
        ).derived["recruitment_frequency_hz"]
        for s in range(4)
    ]
    assert np.nanmean(acute) > freq["normal"] + 1.0


def test_myopathic_units_are_shorter_smaller_more_polyphasic_and_recruited_early() -> None:
    normal, myo = _minimal("normal"), _minimal("myopathic")
    assert _mean(_placed(myo), "amplitude_uv") < 0.85 * _mean(_placed(normal), "amplitude_uv")
    assert _mean(_seen(myo), "amplitude_uv") < 0.85 * _mean(_seen(normal), "amplitude_uv")
    assert _mean(_placed(myo), "duration_ms") < 0.85 * _mean(_placed(normal), "duration_ms")
    assert _mean(_seen(myo), "duration_ms") < 0.85 * _mean(_seen(normal), "duration_ms")
    # as complex as normal units in a much shorter time (UCY myopathy: phases 2.73 vs normal 2.60)
    assert _polyphasic(_seen(myo)) >= 0.5 * _polyphasic(_seen(normal))
    complexity = {
        name: np.mean([u.phases / u.duration_ms for u in _seen(sims)])
        for name, sims in (("normal", normal), ("myo", myo))
    }
    assert complexity["myo"] > complexity["normal"]
    assert sum(len(s.units) for s in myo) > 1.3 * sum(len(s.units) for s in normal)  # early recruitment


def test_normal_maximal_interference_pattern_envelope_is_a_few_millivolts() -> None:
    """clinical.md §3.4: envelope ~2-4 mV at maximal effort."""
    sim = simulate_needle(np.random.default_rng(1), condition="maximal", duration_s=0.3, noise_uv_rms=0.0)
    assert len(sim.units) > 150  # every unit whose territory reaches the tip
    assert 1500.0 <= _envelope_uv(sim.clean_uv, 48000.0) <= 5000.0


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


def test_no_intact_fibre_runs_inside_the_needle_track_of_0_23_mm() -> None:
    """placement: the 0.46 mm cannula cut or pushed aside the fibres in its track, at every effort level."""
    sims = _minimal("normal") + _minimal("neurogenic") + _minimal("myopathic")
    sims += (
        simulate_needle(
            np.random.default_rng(5), muscle="FDI", condition="maximal", duration_s=0.05, n_variants=1
        ),
    )
    nearest = [u.nearest_fibre_mm for sim in sims for u in sim.units]
    assert len(nearest) > 100 and min(nearest) >= 0.23 - 1e-9
    # yet crisp units remain: every minimal recording has a unit with a fibre within 0.38 mm
    assert all(min(u.nearest_fibre_mm for u in sim.units) <= 0.38 for sim in sims[:42])


def test_fibres_of_one_unit_reach_the_needle_with_an_arrival_time_sd_of_about_0_25_ms() -> None:
    """params: end-plates within a unit SD 0.7 mm, branch delays SD 0.1 ms, diameters CV 6 %.

    Version 2 had 1.4 mm, 0.2 ms and 12 % (≈0.47 ms), which split crisp normal MUAPs into > 4 phases 30-45 %
    of the time.
    """
    rng = np.random.default_rng(3)
    pool = make_pool(rng, muscle_params("biceps_brachii"))
    fibres = place_fibres(rng, pool, local_units(pool), 8.0)
    cv = 2.2 + 0.05 * (fibres.diameter_um - 25.0)
    arrival = fibres.delay_ms + np.abs(fibres.endplate_mm) / cv
    sds = [float(np.std(arrival[fibres.rows_of(int(u))])) for u in np.unique(fibres.unit)]
    sizes = [fibres.rows_of(int(u)).size for u in np.unique(fibres.unit)]
    typical = float(np.median([s for s, n in zip(sds, sizes, strict=True) if n >= 20]))
    assert 0.18 <= typical <= 0.32


def test_crisp_normal_muaps_are_rarely_polyphasic_while_disease_stays_abnormal() -> None:
    """muap-norms C13-C15: <= 10-15 % of normal MUAPs > 4 phases (TA up to 35 %); neurogenic MUAPs are
    larger, longer and more polyphasic; myopathic ones smaller, shorter and as polyphasic."""

    def accepted(pathology: str, muscle: str = "biceps_brachii") -> list[UnitTruth]:
        return [
            u
            for sim in _minimal(pathology, muscle)
            for u in sim.units
            if u.rise_time_ms < 0.5 and u.amplitude_uv >= 100.0
        ]

    normal, ta = accepted("normal"), accepted("normal", "tibialis_anterior")
    myo = accepted("myopathic")
    active = [  # ongoing reinnervation (immature sprouts), as in the UCY MND group and bench/sim_vs_ucy.py
        simulate_needle(
            np.random.default_rng(100 + seed),
            condition="minimal",
            pathology="neurogenic",
            severity=0.5,
            chronicity="chronic_active",
            duration_s=0.3,
            n_variants=2,
        )
        for seed in range(14)
    ]
    neuro = [u for sim in active for u in sim.units if u.rise_time_ms < 0.5 and u.amplitude_uv >= 100.0]
    # ≈8 % over 60 biceps recordings (version 2: 38 %); 14 recordings here, so a margin for sampling
    assert _polyphasic(normal) <= 0.25 and _polyphasic(ta) <= 0.35
    assert 300.0 <= _mean(normal, "amplitude_uv") <= 750.0 and 450.0 <= _mean(ta, "amplitude_uv") <= 850.0
    assert _polyphasic(neuro) >= _polyphasic(normal) + 0.15
    assert _mean(neuro, "amplitude_uv") > 1.15 * _mean(normal, "amplitude_uv")
    assert _mean(neuro, "duration_ms") > 1.2 * _mean(normal, "duration_ms")
    assert _mean(myo, "amplitude_uv") < 0.85 * _mean(normal, "amplitude_uv")
    assert _mean(myo, "duration_ms") < 0.9 * _mean(normal, "duration_ms")
    # myopathic MUAPs are as complex as normal ones in a much shorter time (UCY: phases 2.73 vs 2.60)
    assert _polyphasic(myo) >= 0.8 * _polyphasic(normal)
    per_ms = {k: np.mean([u.phases / u.duration_ms for u in v]) for k, v in (("n", normal), ("m", myo))}
    assert per_ms["m"] > 1.2 * per_ms["n"]
