"""Nerve-conduction simulator: normal values, conduction, pathology, recording and truth (motor/sensory)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from edxkit.simulate.ncs import (
    ONSET_FRACTION,
    EvokedSimulation,
    NerveParams,
    Pathology,
    SiteSpec,
    normal_params,
    simulate_motor,
    simulate_sensory,
)

SEEDS = (0, 1, 2)


def motor(nerve: str, seed: int = 0, **kw: object) -> EvokedSimulation:
    return simulate_motor(np.random.default_rng(seed), normal_params(nerve, "motor"), **kw)  # type: ignore[arg-type]


def sensory(nerve: str, seed: int = 0, **kw: object) -> EvokedSimulation:
    return simulate_sensory(np.random.default_rng(seed), normal_params(nerve, "sensory"), **kw)  # type: ignore[arg-type]


# --- reproducibility -------------------------------------------------------------------------------


def test_same_seed_gives_identical_sweeps_and_truth() -> None:
    a, b = motor("ulnar", 7), motor("ulnar", 7)
    assert a.to_dict() == b.to_dict()
    for wa, wb in zip(a.sweeps, b.sweeps, strict=True):
        np.testing.assert_array_equal(wa.samples, wb.samples)


def test_different_seeds_give_different_sweeps_and_truth() -> None:
    a, b = motor("ulnar", 7), motor("ulnar", 8)
    assert not np.array_equal(a.sweeps[0].samples, b.sweeps[0].samples)
    assert a.truth[0]["onset_latency_ms"] != b.truth[0]["onset_latency_ms"]


def test_truth_does_not_depend_on_sampling_rate_or_pre_stimulus_time() -> None:
    fast = motor("median", 3, fs_hz=48000.0, pre_ms=5.0)
    slow = motor("median", 3, fs_hz=3200.0, pre_ms=0.0, sweep_ms=60.0)
    assert fast.truth == slow.truth
    assert fast.segments == slow.segments


# --- normal values (clinical.md §1.1 limits, §1.2 means) ----------------------------------------------

MOTOR_LIMITS = {  # nerve: (DML ULN ms, amplitude LLN mV, CV LLN m/s, mean DML ms, mean DML tolerance)
    "median": (4.4, 4.0, 49.0, 3.7, 0.5),
    "ulnar": (3.3, 6.0, 49.0, 3.0, 0.3),
    "peroneal": (6.5, 2.0, 44.0, 4.8, 0.8),
    "tibial": (5.8, 4.0, 41.0, 4.5, 0.8),
    "radial": (2.9, 2.0, 49.0, 2.4, 0.4),
}
SENSORY_LIMITS = {  # nerve: (peak latency ULN ms, amplitude LLN µV, CV LLN m/s)
    "median": (3.5, 20.0, 50.0),
    "ulnar": (3.1, 17.0, 50.0),
    "radial": (2.9, 15.0, 50.0),
    "sural": (4.4, 6.0, 40.0),
    "superficial_peroneal": (4.4, 6.0, 40.0),
}


@pytest.mark.parametrize("nerve", sorted(MOTOR_LIMITS))
def test_normal_motor_truth_is_inside_clinical_limits_and_near_the_mean(nerve: str) -> None:
    dml_uln, amp_lln, cv_lln, dml_mean, dml_tol = MOTOR_LIMITS[nerve]
    for seed in SEEDS:
        sim = motor(nerve, seed, snr_db=None)
        distal = sim.truth[0]
        assert distal["response"] == "present"
        assert distal["onset_latency_ms"] < dml_uln
        assert abs(distal["onset_latency_ms"] - dml_mean) <= dml_tol
        assert distal["amplitude_mv"] > amp_lln
        assert all(seg["cv_m_s"] > cv_lln for seg in sim.segments)


@pytest.mark.parametrize("nerve", sorted(MOTOR_LIMITS))
def test_drawn_normal_subjects_vary_but_stay_inside_clinical_limits(nerve: str) -> None:
    dml_uln, amp_lln, cv_lln, _, _ = MOTOR_LIMITS[nerve]
    amplitudes = []
    for seed in range(6):
        params = normal_params(nerve, "motor", rng=np.random.default_rng(100 + seed))
        sim = simulate_motor(np.random.default_rng(seed), params, snr_db=None)
        assert sim.truth[0]["onset_latency_ms"] < dml_uln and sim.truth[0]["amplitude_mv"] > amp_lln
        assert all(seg["cv_m_s"] > cv_lln for seg in sim.segments)
        amplitudes.append(sim.truth[0]["amplitude_mv"])
    assert np.std(amplitudes) > 0.05 * np.mean(amplitudes)


@pytest.mark.parametrize("nerve", ["median", "ulnar"])
def test_normal_proximal_to_distal_amplitude_ratio_above_0_85_in_the_arm(nerve: str) -> None:
    for seed in SEEDS:
        truth = motor(nerve, seed, snr_db=None).truth
        assert truth[-1]["amplitude_mv"] / truth[0]["amplitude_mv"] > 0.85


def test_normal_tibial_proximal_drop_is_larger_than_in_the_arm() -> None:
    tibial = motor("tibial", 0).segments[0]["amplitude_drop_pct"]
    median = motor("median", 0).segments[0]["amplitude_drop_pct"]
    assert 5.0 < tibial < 40.0
    assert tibial > median


@pytest.mark.parametrize("nerve", sorted(SENSORY_LIMITS))
def test_normal_sensory_truth_is_inside_clinical_limits(nerve: str) -> None:
    peak_uln, amp_lln, cv_lln = SENSORY_LIMITS[nerve]
    for seed in SEEDS:
        distal = sensory(nerve, seed, snr_db=None).truth[0]
        assert distal["peak_latency_ms"] < peak_uln
        assert distal["amplitude_uv"] > amp_lln
        assert distal["cv_m_s"] > cv_lln
        assert distal["cv_m_s"] == pytest.approx(distal["distance_mm"] / distal["onset_latency_ms"])


def test_sensory_fastest_cv_is_55_to_65_upper_and_45_to_50_lower_limb() -> None:
    assert 55.0 <= normal_params("median", "sensory").cv_m_s <= 65.0
    assert 45.0 <= normal_params("sural", "sensory").cv_m_s <= 50.0


def test_sural_amplitude_falls_with_age() -> None:
    young = sensory("sural", 0, snr_db=None).truth[0]["amplitude_uv"]
    old = simulate_sensory(np.random.default_rng(0), normal_params("sural", "sensory", age_years=75)).truth[0]
    assert old["amplitude_uv"] < 0.8 * young


def test_snap_amplitude_falls_with_distance_by_phase_cancellation() -> None:
    sites = [SiteSpec("wrist", 130.0), SiteSpec("elbow", segment_mm=230.0)]
    truth = simulate_sensory(np.random.default_rng(0), normal_params("median", "sensory"), sites).truth
    assert truth[1]["amplitude_uv"] < 0.8 * truth[0]["amplitude_uv"]
    assert truth[1]["duration_ms"] > truth[0]["duration_ms"]


def test_orthodromic_snap_is_smaller_with_a_larger_initial_positivity() -> None:
    anti = sensory("median", 0, snr_db=None)
    ortho = sensory("median", 0, snr_db=None, orthodromic=True)
    assert ortho.truth[0]["amplitude_uv"] < 0.7 * anti.truth[0]["amplitude_uv"]
    t = np.linspace(0.0, 4.0, 4001)
    assert ortho.responses[0](t).max() > 3 * max(anti.responses[0](t[t < 2.6]).max(), 1e-9)


# --- conduction velocity, pathology ----------------------------------------------------------------


@pytest.mark.parametrize("nerve", ["median", "ulnar", "peroneal", "tibial", "radial"])
def test_segment_cv_from_truth_onsets_is_within_1_m_s_of_the_fastest_axon(nerve: str) -> None:
    for seed in SEEDS:
        sim = motor(nerve, seed, snr_db=None)
        for j, seg in enumerate(sim.segments, start=1):
            delta = sim.truth[j]["onset_latency_ms"] - sim.truth[j - 1]["onset_latency_ms"]
            assert seg["cv_m_s"] == pytest.approx(seg["distance_mm"] / delta)
            assert abs(seg["cv_m_s"] - seg["model_cv_fastest_m_s"]) < 1.0


def test_demyelination_slows_cv_prolongs_dml_and_disperses() -> None:
    normal = motor("median", 1, snr_db=None)
    demyel = motor("median", 1, snr_db=None, pathology=Pathology(demyelination=0.5))
    assert demyel.segments[0]["cv_m_s"] < 0.8 * normal.segments[0]["cv_m_s"]
    assert demyel.truth[0]["onset_latency_ms"] > 1.2 * normal.truth[0]["onset_latency_ms"]
    assert demyel.truth[0]["duration_ms"] > normal.truth[0]["duration_ms"]


def test_uniform_demyelination_slows_without_extra_dispersion() -> None:
    uniform = motor(
        "median", 1, snr_db=None, pathology=Pathology(demyelination=0.4, demyelination_spread=0.0)
    )
    cv = uniform.segments[0]
    assert cv["model_cv_fastest_m_s"] == pytest.approx(
        0.6 * motor("median", 1).segments[0]["model_cv_fastest_m_s"]
    )
    assert cv["amplitude_drop_pct"] < 15.0


def test_conduction_block_60_pct_drops_amplitude_and_area_60_pct_with_under_30_pct_duration_increase() -> (
    None
):
    for seed in SEEDS:
        sim = motor("median", seed, snr_db=None, pathology=Pathology(conduction_block={"elbow": 0.6}))
        seg = sim.segments[0]
        assert seg["amplitude_drop_pct"] == pytest.approx(60.0, abs=10.0)
        assert seg["area_drop_pct"] == pytest.approx(60.0, abs=10.0)
        assert seg["duration_increase_pct"] < 30.0
        assert seg["conduction_block_pct"] == pytest.approx(60.0, abs=1.0)
        assert sim.truth[0]["amplitude_mv"] == pytest.approx(motor("median", seed).truth[0]["amplitude_mv"])


def test_block_in_a_segment_affects_only_sites_proximal_to_it() -> None:
    sim = motor("ulnar", 0, snr_db=None, pathology=Pathology(conduction_block={"above_elbow": 0.5}))
    below, above = sim.segments
    assert below["amplitude_drop_pct"] < 10.0
    assert above["amplitude_drop_pct"] > 40.0


def test_temporal_dispersion_prolongs_duration_over_30_pct_and_loses_more_amplitude_than_area() -> None:
    for seed in SEEDS:
        seg = motor(
            "median", seed, snr_db=None, pathology=Pathology(temporal_dispersion={"elbow": 0.6})
        ).segments[0]
        assert seg["duration_increase_pct"] > 30.0
        assert seg["amplitude_drop_pct"] > 20.0
        assert seg["area_drop_pct"] < seg["amplitude_drop_pct"] - 10.0


def test_axonal_loss_lowers_amplitude_with_near_normal_cv_and_dml() -> None:
    for seed in SEEDS:
        normal = motor("ulnar", seed, snr_db=None)
        lost = motor("ulnar", seed, snr_db=None, pathology=Pathology(axonal_loss=0.7))
        assert lost.truth[0]["amplitude_mv"] == pytest.approx(0.3 * normal.truth[0]["amplitude_mv"], rel=0.3)
        assert abs(lost.truth[0]["onset_latency_ms"] - normal.truth[0]["onset_latency_ms"]) < 0.3
        assert abs(lost.segments[0]["cv_m_s"] - normal.segments[0]["cv_m_s"]) < 3.0


def test_carpal_tunnel_focal_slowing_prolongs_distal_latency_only() -> None:
    cts = Pathology(focal_slowing={"wrist": 0.5}, lesion_length_mm={"wrist": 30.0})
    normal, slowed = motor("median", 2, snr_db=None), motor("median", 2, snr_db=None, pathology=cts)
    assert slowed.truth[0]["onset_latency_ms"] > normal.truth[0]["onset_latency_ms"] + 0.5
    assert slowed.segments[0]["cv_m_s"] == pytest.approx(normal.segments[0]["cv_m_s"], abs=1.0)
    snap = simulate_sensory(np.random.default_rng(2), normal_params("median", "sensory"), pathology=cts)
    assert snap.truth[0]["peak_latency_ms"] > sensory("median", 2).truth[0]["peak_latency_ms"] + 0.3


def test_ulnar_slowing_across_the_elbow_shows_in_the_below_to_above_elbow_segment() -> None:
    une = Pathology(focal_slowing={"above_elbow": 0.4})
    below, across = motor("ulnar", 0, snr_db=None, pathology=une).segments
    assert across["cv_m_s"] < 50.0
    assert below["cv_m_s"] - across["cv_m_s"] > 10.0


def test_peroneal_block_across_the_fibular_head() -> None:
    pfh = Pathology(conduction_block={"above_fibular_head": 0.5}, focal_slowing={"above_fibular_head": 0.3})
    leg, knee = motor("peroneal", 0, snr_db=None, pathology=pfh).segments
    assert knee["amplitude_drop_pct"] > 40.0 > leg["amplitude_drop_pct"]
    assert leg["cv_m_s"] - knee["cv_m_s"] > 10.0


def test_absent_response_has_absent_truth_and_an_all_noise_sweep() -> None:
    sim = motor("median", 0, snr_db=20.0, artifact=False, drift=False, pathology=Pathology(absent=True))
    assert all(t["response"] == "absent" and t["amplitude_mv"] is None for t in sim.truth)
    assert all(seg["cv_m_s"] is None for seg in sim.segments)
    for sweep, clean, noise in zip(sim.sweeps, sim.clean, sim.noises, strict=True):
        assert not clean.samples.any()
        np.testing.assert_array_equal(sweep.samples, noise)
        assert np.sqrt(np.mean(noise**2)) == pytest.approx(normal_params("median").amplitude / 10.0)


def test_full_axonal_loss_is_an_absent_response() -> None:
    assert sensory("sural", 0, pathology=Pathology(axonal_loss=1.0)).truth[0]["response"] == "absent"


# --- temperature --------------------------------------------------------------------------------------


def test_cooling_from_33_to_28_c_slows_cv_1_5_to_2_5_m_s_per_c_and_prolongs_dml() -> None:
    warm, cold = motor("median", 0, temperature_c=33.0), motor("median", 0, temperature_c=28.0)
    per_degree = (warm.segments[0]["cv_m_s"] - cold.segments[0]["cv_m_s"]) / 5.0
    assert 1.5 <= per_degree <= 2.5
    dml_per_degree = (cold.truth[0]["onset_latency_ms"] - warm.truth[0]["onset_latency_ms"]) / 5.0
    assert 0.1 <= dml_per_degree <= 0.35


def test_cold_snap_is_later_and_larger() -> None:
    warm, cold = sensory("ulnar", 0, temperature_c=33.0), sensory("ulnar", 0, temperature_c=27.0)
    assert cold.truth[0]["peak_latency_ms"] > warm.truth[0]["peak_latency_ms"] + 0.3
    assert cold.truth[0]["amplitude_uv"] > warm.truth[0]["amplitude_uv"]


# --- recording: SNR, artifact, drift, waveform contract ---------------------------------------------------


@pytest.mark.parametrize("snr_db", [10.0, 20.0, 35.0])
def test_noise_rms_matches_the_requested_snr_within_10_pct(snr_db: float) -> None:
    sim = motor("tibial", 4, snr_db=snr_db)
    expected = sim.truth[0]["amplitude_mv"] / 10 ** (snr_db / 20.0)
    for k, sweep in enumerate(sim.sweeps):
        residual = sweep.samples - sim.clean[k].samples - sim.artifacts[k] - sim.drifts[k]
        assert np.sqrt(np.mean(residual**2)) == pytest.approx(expected, rel=0.1)
    assert sim.truth[0]["snr_db"] == pytest.approx(snr_db)
    assert sim.truth[1]["snr_db"] < snr_db


def test_noise_per_sweep_gives_every_sweep_the_requested_snr() -> None:
    sim = motor("tibial", 4, snr_db=25.0, noise_per_sweep=True)
    assert [t["snr_db"] for t in sim.truth] == pytest.approx([25.0, 25.0])


def test_stimulus_artifact_is_large_brief_and_can_saturate() -> None:
    sim = motor("median", 0, snr_db=None, drift=False, saturation=8.0)
    art, t = sim.artifacts[0], sim.sweeps[0].times_ms_from_stimulus()
    assert np.abs(art).max() > 1.5 * sim.truth[0]["amplitude_mv"]
    assert np.abs(art[t > 2.0]).max() < 0.02 * sim.truth[0]["amplitude_mv"]
    assert not art[t < 0].any()
    assert np.abs(sim.sweeps[0].samples).max() == pytest.approx(8.0)


def test_artifact_shows_at_3_2_khz_and_drift_is_slow_and_small() -> None:
    sim = motor("median", 0, fs_hz=3200.0, pre_ms=0.0, sweep_ms=60.0, snr_db=None)
    assert np.abs(sim.artifacts[0][:2]).max() > 0.5 * sim.truth[0]["amplitude_mv"]
    drift = sim.drifts[0]
    assert np.ptp(drift) == pytest.approx(0.03 * sim.truth[0]["amplitude_mv"])
    assert np.abs(np.diff(drift)).max() < 0.02 * np.ptp(drift)


def test_sweeps_follow_the_waveform_contract() -> None:
    sim = sensory("median", 0, fs_hz=40000.0, pre_ms=5.0, sweep_ms=20.0)
    sweep = sim.sweeps[0]
    assert sweep.units == "uV" and sweep.channel == "wrist" and sweep.start_s == 0.0
    assert sweep.stimulus_s == pytest.approx(0.005)
    assert sweep.n_samples == 800 and sweep.fs_hz == 40000.0
    assert motor("median").sweeps[1].units == "mV"
    assert sweep.metadata["nerve"] == "median" and sweep.metadata["record"] == "digit_2"


def test_clean_sweep_samples_the_continuous_response_that_truth_is_measured_on() -> None:
    sim = motor("peroneal", 5)
    for clean, fn in zip(sim.clean, sim.responses, strict=True):
        np.testing.assert_allclose(clean.samples, fn(clean.times_ms_from_stimulus()), rtol=0, atol=1e-12)


def test_to_dict_is_json_serialisable_and_names_the_schema() -> None:
    sim = motor("ulnar", 0, pathology=Pathology(conduction_block={"above_elbow": 0.3}))
    data = json.loads(json.dumps(sim.to_dict()))
    assert data["schema"] == "edxkit.simulate.ncs/1"
    assert data["sweeps"][0]["onset_fraction"] == ONSET_FRACTION
    assert data["segments"][1]["from"] == "below_elbow" and data["segments"][1]["to"] == "above_elbow"
    assert [s["distance_mm"] for s in data["sweeps"]] == [80.0, 290.0, 390.0]
    assert [s["segment_mm"] for s in data["sweeps"]] == [None, 210.0, 100.0]
    assert data["pathology"]["conduction_block"] == {"above_elbow": 0.3}


# --- onset definition ---------------------------------------------------------------------------------


def test_onset_is_the_first_1_pct_departure_and_follows_the_fastest_unit_arrival() -> None:
    sim = motor("median", 6, snr_db=None)
    for truth, fn in zip(sim.truth, sim.responses, strict=True):
        onset, level = truth["onset_latency_ms"], ONSET_FRACTION * truth["amplitude_mv"]
        before = np.linspace(truth["arrival_ms"] - 1.0, onset - 1e-4, 5000)
        assert np.abs(fn(before)).max() <= level * (1 + 1e-6)
        assert abs(fn(onset)[0]) == pytest.approx(level, rel=1e-3)
        assert truth["arrival_ms"] < onset < truth["peak_latency_ms"] < truth["negative_end_ms"]
        assert fn(truth["negative_end_ms"])[0] == pytest.approx(0.0, abs=1e-4 * truth["amplitude_mv"])
        assert truth["peak_to_peak_mv"] > truth["amplitude_mv"]


# --- bad input ----------------------------------------------------------------------------------------


def test_bad_inputs_raise_clear_value_errors() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="no normal motor"):
        normal_params("sural", "motor")
    with pytest.raises(ValueError, match="sensory"):
        simulate_motor(rng, normal_params("median", "sensory"))
    with pytest.raises(ValueError, match="unknown segments"):
        simulate_motor(rng, normal_params("median"), pathology=Pathology(conduction_block={"axilla": 0.5}))
    with pytest.raises(ValueError, match="distance_mm"):
        simulate_motor(rng, normal_params("median"), [SiteSpec("wrist")])
    with pytest.raises(ValueError, match="segment"):
        simulate_motor(
            rng, normal_params("median"), [SiteSpec("wrist", 80.0), SiteSpec("elbow", segment_mm=-5)]
        )
    with pytest.raises(ValueError, match="sweep_ms"):
        simulate_motor(rng, normal_params("median"), pre_ms=10.0, sweep_ms=5.0)
    with pytest.raises(ValueError, match="conduction_block"):
        Pathology(conduction_block={"elbow": 1.5})
    with pytest.raises(ValueError, match="temperature"):
        simulate_motor(rng, normal_params("median"), temperature_c=5.0)


def test_normal_params_accepts_aliases_and_is_replaceable() -> None:
    import dataclasses

    params = normal_params("fibular", "motor")
    assert params.nerve == "peroneal" and params.record == "extensor_digitorum_brevis"
    assert normal_params("radial", "sensory").nerve == "superficial_radial"
    faster = dataclasses.replace(params, cv_m_s=55.0)
    assert isinstance(faster, NerveParams) and faster.cv_m_s == 55.0
