"""Nerve-conduction simulator: F waves, H reflex and repetitive nerve stimulation."""

from __future__ import annotations

import json

import numpy as np
import pytest

from edxkit.simulate.ncs import (
    Pathology,
    normal_params,
    simulate_f_waves,
    simulate_h_reflex,
    simulate_rns,
)

# --- F waves --------------------------------------------------------------------------------------


@pytest.mark.parametrize("nerve", ["median", "ulnar"])
def test_f_minimum_latency_is_26_to_31_ms_in_the_arm_at_170_cm(nerve: str) -> None:
    for seed in (0, 1):
        sim = simulate_f_waves(np.random.default_rng(seed), normal_params(nerve, "f_wave", height_cm=170))
        assert 24.5 <= sim.summary["f_min_latency_ms"] <= 31.0


def test_tibial_f_minimum_latency_is_near_47_ms_and_below_56() -> None:
    sim = simulate_f_waves(np.random.default_rng(0), normal_params("tibial", "f_wave", height_cm=170))
    assert 42.0 <= sim.summary["f_min_latency_ms"] < 56.0


def test_f_latency_grows_with_height() -> None:
    def f_min(height: float) -> float:
        params = normal_params("ulnar", "f_wave", height_cm=height)
        return simulate_f_waves(np.random.default_rng(2), params, snr_db=None).summary["f_min_latency_ms"]

    assert f_min(190.0) > f_min(155.0) + 2.5


def test_f_persistence_matches_the_parameter_within_sampling_error() -> None:
    n, p = 100, 0.6
    sim = simulate_f_waves(
        np.random.default_rng(3), normal_params("median", "f_wave"), n_stimuli=n, persistence=p
    )
    sd_pct = 100.0 * np.sqrt(p * (1 - p) / n)
    assert abs(sim.summary["persistence_pct"] - 100 * p) < 3.5 * sd_pct
    assert sim.summary["persistence_pct"] == 100.0 * sum(t["f_present"] for t in sim.truth) / n


def test_f_waves_are_small_variable_late_responses_after_an_identical_m_response() -> None:
    sim = simulate_f_waves(np.random.default_rng(4), normal_params("ulnar", "f_wave"), persistence=1.0)
    present = [t for t in sim.truth if t["f_present"]]
    m_ptp = sim.summary["m_peak_to_peak_mv"]
    assert len(present) == 20
    assert all(0.002 * m_ptp < t["f_amplitude_mv"] < 0.1 * m_ptp for t in present)
    assert 1.0 <= sim.summary["f_m_ratio_pct"] <= 5.0
    assert len({round(t["f_amplitude_mv"], 6) for t in present}) > 10
    assert sim.summary["chronodispersion_ms"] > 0.5
    assert len({t["onset_latency_ms"] for t in sim.truth}) == 1
    assert all(t["f_onset_latency_ms"] > t["onset_latency_ms"] + 15 for t in present)


def test_f_latency_is_m_latency_plus_twice_the_cord_time_plus_turnaround() -> None:
    sim = simulate_f_waves(np.random.default_rng(5), normal_params("median", "f_wave"), snr_db=None)
    fwcv = sim.summary["fwcv_m_s"]
    assert 50.0 < fwcv < 75.0
    d = sim.summary["cord_distance_mm"]
    m = sim.truth[0]["onset_latency_ms"]
    assert sim.summary["f_min_latency_ms"] == pytest.approx(m + 1.0 + 2.0 * d / fwcv)


def test_zero_persistence_and_proximal_block_remove_f_waves() -> None:
    rng = np.random.default_rng(6)
    none = simulate_f_waves(rng, normal_params("ulnar", "f_wave"), persistence=0.0)
    assert none.summary["persistence_pct"] == 0.0 and none.summary["f_min_latency_ms"] is None
    blocked = simulate_f_waves(
        rng, normal_params("ulnar", "f_wave"), pathology=Pathology(conduction_block={"proximal": 1.0})
    )
    assert blocked.summary["n_f"] == 0
    assert blocked.truth[0]["response"] == "present"


def test_demyelination_prolongs_f_latency() -> None:
    params = normal_params("tibial", "f_wave")
    normal = simulate_f_waves(np.random.default_rng(7), params, snr_db=None)
    slow = simulate_f_waves(
        np.random.default_rng(7), params, snr_db=None, pathology=Pathology(demyelination=0.4)
    )
    assert slow.summary["f_min_latency_ms"] > 1.2 * normal.summary["f_min_latency_ms"]


def test_f_sweeps_are_long_enough_and_json_serialisable() -> None:
    arm = simulate_f_waves(np.random.default_rng(8), normal_params("median", "f_wave"), n_stimuli=3)
    leg = simulate_f_waves(np.random.default_rng(8), normal_params("tibial", "f_wave"), n_stimuli=3)
    assert arm.sweeps[0].duration_s == pytest.approx(0.060) and leg.sweeps[0].duration_s == pytest.approx(
        0.100
    )
    assert [w.channel for w in arm.sweeps] == ["wrist#1", "wrist#2", "wrist#3"]
    json.dumps(leg.to_dict())


# --- H reflex --------------------------------------------------------------------------------------


def test_h_latency_is_28_to_34_ms_and_m_latency_5_to_8_ms() -> None:
    for seed in (0, 1):
        summary = simulate_h_reflex(np.random.default_rng(seed)).summary
        assert 28.0 <= summary["h_latency_ms"] <= 34.0
        assert 5.0 <= summary["m_latency_ms"] <= 8.0


def test_h_latency_grows_with_height_and_age() -> None:
    def latency(height: float, age: float) -> float:
        params = normal_params("tibial", "h_reflex", height_cm=height, age_years=age)
        return simulate_h_reflex(np.random.default_rng(1), params, snr_db=None).summary["h_latency_ms"]

    assert latency(190.0, 40.0) > latency(160.0, 40.0) + 2.0
    assert latency(170.0, 80.0) > latency(170.0, 30.0) + 0.8


def test_h_rises_then_falls_with_intensity_while_m_rises_monotonically() -> None:
    for seed in (0, 1, 2):
        sim = simulate_h_reflex(np.random.default_rng(seed), snr_db=None)
        h = np.array([t["h_peak_to_peak_mv"] or 0.0 for t in sim.truth])
        m = np.array([t["m_peak_to_peak_mv"] or 0.0 for t in sim.truth])
        peak = int(np.argmax(h))
        assert 0 < peak < len(h) - 1
        assert h[0] < 0.3 * h[peak] and h[-1] < 0.1 * h[peak]
        assert np.diff(m).min() > -0.05 * m.max()
        assert m[peak] < 0.5 * m.max()
        assert 0.3 <= sim.summary["hmax_mmax"] <= 0.9


def test_h_reflex_sweeps_like_the_real_3_2_khz_recordings() -> None:
    sim = simulate_h_reflex(
        np.random.default_rng(0), intensities_ma=[2.0, 3.5, 6.5], fs_hz=3200.0, pre_ms=0.0, sweep_ms=60.0
    )
    assert all(w.n_samples == 192 and w.units == "mV" for w in sim.sweeps)
    assert all(np.isfinite(w.samples).all() for w in sim.sweeps)
    assert sim.truth[2]["m_present"] and sim.truth[1]["h_present"]
    assert sim.sweeps[1].metadata["intensity_ma"] == "3.5"


def test_s1_root_slowing_delays_h() -> None:
    s1 = Pathology(focal_slowing={"proximal": 0.5}, lesion_length_mm={"proximal": 60.0})
    normal = simulate_h_reflex(np.random.default_rng(3), snr_db=None).summary["h_latency_ms"]
    slowed = simulate_h_reflex(np.random.default_rng(3), snr_db=None, pathology=s1).summary["h_latency_ms"]
    assert slowed > normal + 1.5


# --- repetitive nerve stimulation ------------------------------------------------------------------------


@pytest.mark.parametrize("requested", [12.0, 25.0, 40.0])
def test_postsynaptic_decrement_at_4th_5th_matches_the_request_within_2_pct(requested: float) -> None:
    for seed in (0, 1):
        sim = simulate_rns(
            np.random.default_rng(seed),
            normal_params("ulnar", "rns"),
            disorder="postsynaptic",
            decrement_pct=requested,
        )
        assert sim.summary["decrement_pct"] == pytest.approx(requested, abs=2.0)


def test_postsynaptic_train_is_saucer_shaped() -> None:
    sim = simulate_rns(np.random.default_rng(2), normal_params("median", "rns"), disorder="postsynaptic")
    amps = np.array(sim.summary["amplitudes_mv"])
    assert int(np.argmin(amps)) in (3, 4)
    assert amps[-1] > amps.min() + 0.03 * amps[0]
    assert np.all(np.diff(amps[:4]) < 0)
    assert sim.truth[0]["amplitude_mv"] == pytest.approx(normal_params("median").amplitude, rel=0.05)


def test_normal_rns_changes_less_than_5_pct() -> None:
    sim = simulate_rns(np.random.default_rng(3), normal_params("ulnar", "rns"))
    amps = np.array(sim.summary["amplitudes_mv"])
    assert abs(sim.summary["decrement_pct"]) < 5.0
    assert np.ptp(amps) / amps[0] < 0.05


@pytest.mark.parametrize("requested", [100.0, 200.0])
def test_presynaptic_low_cmap_low_rate_decrement_and_post_exercise_increment(requested: float) -> None:
    params = normal_params("ulnar", "rns")
    sim = simulate_rns(np.random.default_rng(4), params, disorder="presynaptic", increment_pct=requested)
    assert sim.truth[0]["amplitude_mv"] < 0.5 * params.amplitude
    assert sim.summary["decrement_pct"] > 10.0
    assert sim.summary["increment_pct"] == pytest.approx(requested, abs=12.0)
    assert sim.truth[-1]["condition"] == "post_exercise"


def test_presynaptic_high_rate_train_increments() -> None:
    sim = simulate_rns(
        np.random.default_rng(5), normal_params("ulnar", "rns"), disorder="presynaptic", rate_hz=30.0
    )
    assert sim.summary["train_change_pct"] > 60.0


def test_rns_units_drop_out_so_area_follows_amplitude() -> None:
    sim = simulate_rns(np.random.default_rng(6), normal_params("ulnar", "rns"), disorder="postsynaptic")
    assert sim.summary["area_decrement_pct"] == pytest.approx(sim.summary["decrement_pct"], abs=5.0)
    assert sim.truth[3]["n_units"] < sim.truth[0]["n_units"]


def test_rns_rejects_bad_protocols() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="disorder"):
        simulate_rns(rng, normal_params("ulnar", "rns"), rate_hz=0.0)
    with pytest.raises(ValueError, match="decrement_pct"):
        simulate_rns(rng, normal_params("ulnar", "rns"), disorder="postsynaptic", decrement_pct=120.0)
    with pytest.raises(ValueError, match="motor"):
        simulate_rns(rng, normal_params("median", "sensory"))
