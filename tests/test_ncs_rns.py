"""Repetitive nerve stimulation: decrement, envelope and post-exercise increment (clinical.md §2.7)."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edxkit.ncs.rns import analyze_rns, decrement_pct, envelope_note
from edxkit.simulate.ncs import EvokedSimulation, normal_params, simulate_rns
from edxkit.simulate.ncs.rns import SAUCER


@cache
def _train(disorder: str = "normal", seed: int = 0, snr_db: float = 40.0, **kw: float) -> EvokedSimulation:
    return simulate_rns(
        np.random.default_rng(seed), normal_params("ulnar", "rns"), disorder=disorder, snr_db=snr_db, **kw
    )


def test_decrement_is_first_vs_smallest_of_fourth_and_fifth_response() -> None:
    assert decrement_pct([10.0, 9.0, 8.0, 7.0, 7.5, 6.0]) == pytest.approx(30.0)
    assert decrement_pct([10.0, 9.0, 8.0, 7.5, 7.0, 6.0]) == pytest.approx(30.0)
    assert decrement_pct([10.0, 10.5, 10.0, 10.2, 10.4]) == pytest.approx(-2.0)


def test_decrement_of_a_short_train_uses_its_2nd_to_last_response() -> None:
    assert decrement_pct([10.0, 9.0, 9.5]) == pytest.approx(10.0)
    assert decrement_pct([10.0]) is None
    assert decrement_pct([0.0, 1.0]) is None


def test_postsynaptic_decrement_matches_the_simulated_one_within_2_points() -> None:
    sim = _train("postsynaptic", seed=1, decrement_pct=30.0)
    res = analyze_rns(sim.sweeps[:-1], post_exercise=sim.sweeps[-1])
    assert res.decrement_pct == pytest.approx(sim.summary["decrement_pct"], abs=2.0)
    assert res.area_decrement_pct == pytest.approx(sim.summary["area_decrement_pct"], abs=3.0)
    assert res.decrement_pct >= 10.0 and any("abnormal" in note for note in res.notes)
    assert res.max_decrement_pct is not None and res.max_decrement_pct >= res.decrement_pct


def test_myasthenic_envelope_is_maximal_at_the_4th_to_5th_response_with_partial_recovery() -> None:
    amplitudes = [10.0 * (1.0 - 0.3 * g) for g in SAUCER]
    assert "partial recovery" in envelope_note(amplitudes)
    sim = _train("postsynaptic", seed=2, decrement_pct=35.0)
    assert "partial recovery" in analyze_rns(sim.sweeps[:-1]).envelope


def test_envelope_words_for_stable_progressive_and_incrementing_trains() -> None:
    assert envelope_note([10.0, 9.9, 10.1, 9.8, 10.0]).startswith("stable")
    assert envelope_note([10.0, 9.0, 8.0, 7.0, 6.0, 5.0]).startswith("progressive")
    assert envelope_note([10.0, 12.0, 15.0, 18.0]).startswith("incrementing")


def test_normal_train_has_no_decrement() -> None:
    sim = _train("normal", seed=3)
    res = analyze_rns(sim.sweeps[:-1], post_exercise=sim.sweeps[-1:])
    assert abs(res.decrement_pct or 0.0) < 2.0 and res.envelope.startswith("stable")
    assert len(res.responses) == 11 and res.responses[-1].condition == "post_exercise"
    assert res.increment_pct == pytest.approx(sim.summary["increment_pct"], abs=2.0)


def test_post_exercise_increment_is_post_vs_first_resting_response() -> None:
    sim = _train("presynaptic", seed=4, increment_pct=150.0)
    res = analyze_rns(sim.sweeps[:-1], post_exercise=sim.sweeps[-1])
    assert res.increment_pct == pytest.approx(sim.summary["increment_pct"], rel=0.05)
    first, post = res.responses[0], res.responses[-1]
    assert post.condition == "post_exercise" and post.change_pct == pytest.approx(res.increment_pct)
    assert post.amplitude_mv / first.amplitude_mv == pytest.approx(1.0 + res.increment_pct / 100.0, rel=0.03)
    assert any("presynaptic" in note for note in res.notes)


def test_missing_post_exercise_response_gives_no_increment() -> None:
    res = analyze_rns(_train("normal", seed=5).sweeps[:-1])
    assert res.increment_pct is None and res.area_increment_pct is None
    assert any("no post-exercise" in note for note in res.notes)


def test_amplitude_and_area_are_those_of_each_simulated_response() -> None:
    sim = _train("postsynaptic", seed=6)
    res = analyze_rns(sim.sweeps[:-1], post_exercise=sim.sweeps[-1])
    for r, t in zip(res.responses, sim.truth, strict=True):
        assert r.amplitude_mv == pytest.approx(t["amplitude_mv"], rel=0.03)
        assert r.area_mv_ms == pytest.approx(t["area_mv_ms"], rel=0.06)


def test_high_rate_train_is_judged_by_its_overall_change() -> None:
    sim = _train("presynaptic", seed=7, rate_hz=30.0, n_stimuli=20, increment_pct=200.0)
    res = analyze_rns(sim.sweeps[:-1], rate_hz=30.0)
    assert res.train_change_pct is not None and res.train_change_pct > 60.0
    assert res.envelope.startswith("incrementing") and any("high-rate" in n for n in res.notes)


def test_an_empty_train_is_an_error() -> None:
    with pytest.raises(ValueError, match="no sweeps"):
        analyze_rns([])


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    snr_db=st.floats(25.0, 50.0),
    fs_hz=st.sampled_from([5000.0, 10000.0, 20000.0]),
    n=st.integers(2, 10),
    disorder=st.sampled_from(["normal", "postsynaptic", "presynaptic"]),
    seed=st.integers(0, 1000),
)
def test_any_snr_rate_and_train_length_gives_sane_ranges(
    snr_db: float, fs_hz: float, n: int, disorder: str, seed: int
) -> None:
    sim = simulate_rns(
        np.random.default_rng(seed),
        normal_params("median", "rns"),
        disorder=disorder,  # type: ignore[arg-type]
        n_stimuli=n,
        snr_db=snr_db,
        fs_hz=fs_hz,
    )
    res = analyze_rns(sim.sweeps[:-1], post_exercise=sim.sweeps[-1])
    assert len(res.responses) == n + 1 and res.denoising_rank >= 1
    assert all(r.amplitude_mv > 0 and r.area_mv_ms > 0 for r in res.responses)
    assert res.decrement_pct is not None and -100.0 < res.decrement_pct < 100.0
    assert res.increment_pct is not None and res.increment_pct > -100.0
