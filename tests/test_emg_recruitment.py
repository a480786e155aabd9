"""Recruitment measures and the label rule (muap-norms §4: R01/R02, R06, R09–R12)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edxkit.emg.recruitment import recruitment
from edxkit.simulate.emg import simulate_needle


def _train(rate_hz: float, start_s: float = 0.0, stop_s: float = 2.0) -> np.ndarray:
    return np.arange(start_s, stop_s, 1.0 / rate_hz)


def test_one_unit_firing_at_20_hz_is_reduced_by_rate_over_15_hz_and_ratio_over_10() -> None:
    r = recruitment([_train(20.0)], 2.0)
    assert r.n_units == 1 and r.fastest_rate_hz == pytest.approx(20.0)
    assert r.ratio == pytest.approx(20.0) and r.label == "reduced"
    assert any("R02" in text and "R10" in text for text in r.reasons)


def test_three_units_at_10_hz_are_normal_fastest_rate_at_most_15_hz() -> None:
    r = recruitment([_train(10.0), _train(9.0, 0.01), _train(8.0, 0.02)], 2.0)
    assert r.label == "normal" and r.ratio == pytest.approx(10.0 / 3)


def test_two_units_at_18_hz_ratio_9_is_borderline_undetermined() -> None:
    r = recruitment([_train(18.0), _train(17.0, 0.01)], 2.0)
    assert r.ratio == pytest.approx(9.0) and r.label == "undetermined"


def test_four_units_with_fastest_18_hz_ratio_4_5_is_normal_by_ratio_at_most_5() -> None:
    r = recruitment([_train(18.0), _train(12.0, 0.01), _train(10.0, 0.02), _train(9.0, 0.03)], 2.0)
    assert r.ratio == pytest.approx(4.5) and r.label == "normal"


def test_recruitment_frequency_is_the_first_units_rate_when_the_second_starts() -> None:
    r = recruitment([_train(10.0), _train(8.0, start_s=0.55)], 2.0)
    assert r.recruitment_frequency_hz == pytest.approx(10.0)
    assert r.onset_rate_hz == pytest.approx(10.0)


def test_second_unit_recruited_at_first_unit_rate_25_hz_is_reduced_by_recruitment_frequency_over_20() -> None:
    r = recruitment([_train(25.0), _train(9.0, start_s=0.5)], 2.0)
    assert r.recruitment_frequency_hz == pytest.approx(25.0) and r.label == "reduced"
    assert any("R11" in text for text in r.reasons)


def test_units_already_firing_together_have_no_recruitment_frequency() -> None:
    r = recruitment([_train(10.0), _train(11.0, start_s=0.02)], 2.0)
    assert r.recruitment_frequency_hz is None


def test_three_units_with_the_second_recruited_below_5_hz_is_early_recruitment() -> None:
    r = recruitment([_train(4.0), _train(6.0, start_s=0.9), _train(6.0, start_s=1.0)], 3.0)
    assert r.recruitment_frequency_hz == pytest.approx(4.0) and r.label == "early"


def test_no_units_or_too_few_discharges_are_undetermined() -> None:
    assert recruitment([], 1.0).label == "undetermined"
    assert recruitment([np.array([0.1, 0.2])], 1.0).label == "undetermined"
    with pytest.raises(ValueError, match="duration_s"):
        recruitment([_train(10.0)], 0.0)


def test_a_missed_discharge_does_not_change_the_median_interval_rate() -> None:
    times = np.delete(_train(12.0), 7)
    assert recruitment([times], 2.0).fastest_rate_hz == pytest.approx(12.0)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.floats(0.0, 10.0), max_size=40), max_size=8))
def test_any_firing_times_give_a_label_and_a_consistent_ratio(trains: list[list[float]]) -> None:
    r = recruitment([np.asarray(t) for t in trains], 10.0)
    assert r.label in ("normal", "reduced", "early", "undetermined")
    assert r.n_units == sum(1 for t in trains if t)
    if r.ratio is not None and r.fastest_rate_hz is not None:
        assert r.ratio == pytest.approx(r.fastest_rate_hz / r.n_units)


def test_simulated_minimal_effort_of_normal_muscle_is_normal_recruitment() -> None:
    sim = simulate_needle(np.random.default_rng(3), condition="minimal", duration_s=1.0, n_variants=2)
    r = recruitment([u.firing_times_s for u in sim.units if u.amplitude_uv >= 50.0], 1.0)
    assert r.n_units >= 1 and r.label == "normal"
