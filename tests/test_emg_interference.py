"""Interference pattern: Willison 100-µV turns per 0.5-s epoch, amplitude per turn, fullness label."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from edxkit.emg.interference import Interference, interference
from edxkit.emg.prepare import Prepared, prepare
from edxkit.simulate.emg import simulate_needle

FS = 10000.0


def _prep(uv: np.ndarray, valid: np.ndarray | None = None) -> Prepared:
    mask = np.ones(uv.size, dtype=bool) if valid is None else valid
    return Prepared(uv, FS, 0.0, mask, 5.0, (2.0, 4500.0))


def test_a_200_uv_sine_at_100_hz_has_200_turns_per_s_of_400_uv_each() -> None:
    t = np.arange(int(2.0 * FS)) / FS
    ip = interference(_prep(200.0 * np.sin(2 * np.pi * 100.0 * t)))
    assert ip.n_epochs == 4
    assert ip.turns_per_s == pytest.approx(200.0, abs=2.0)
    assert ip.mean_amplitude_per_turn_uv == pytest.approx(400.0, rel=0.01)
    assert ip.label != "none"


def test_dense_fast_activity_obscuring_the_baseline_is_a_full_pattern() -> None:
    rng = np.random.default_rng(1)
    ip = interference(_prep(rng.normal(0.0, 300.0, int(1.0 * FS))))
    assert ip.activity_pct >= 80.0 and ip.label == "full"


def test_turns_smaller_than_100_uv_are_not_counted_and_noise_only_is_none() -> None:
    rng = np.random.default_rng(0)
    ip = interference(_prep(rng.normal(0.0, 8.0, int(1.0 * FS))))
    assert ip.turns_per_s == 0.0 and ip.label == "none"


def test_single_spikes_at_10_hz_separated_by_baseline_are_discrete() -> None:
    x = np.zeros(int(1.0 * FS))
    spike = 500.0 * np.sin(2 * np.pi * np.arange(40) / 40)  # 4-ms biphasic spike
    for start in range(100, x.size - 40, 1000):
        x[start : start + 40] += spike
    ip = interference(_prep(x))
    assert ip.activity_pct < 30.0 and ip.label == "discrete"
    assert ip.turns_per_s == pytest.approx(20.0, abs=2.5)


def test_epochs_touching_invalid_samples_are_skipped() -> None:
    t = np.arange(int(2.0 * FS)) / FS
    valid = np.ones(t.size, dtype=bool)
    valid[100:200] = False
    ip = interference(_prep(200.0 * np.sin(2 * np.pi * 100.0 * t), valid))
    assert ip.n_epochs == 3
    empty = interference(_prep(np.zeros(100)))
    assert empty.n_epochs == 0 and empty.label == "none"


@functools.cache
def _simulated(condition: str, pathology: str) -> Interference:
    sim = simulate_needle(
        np.random.default_rng(11),
        condition=condition,
        pathology=pathology,
        severity=0.7,
        chronicity="chronic",
        duration_s=0.5,
        n_variants=2,
    )
    return interference(prepare(sim.waveform))


def test_simulated_maximal_effort_is_full_and_minimal_effort_is_discrete() -> None:
    assert _simulated("maximal", "myopathic").label == "full"
    assert _simulated("minimal", "normal").label == "discrete"


def test_willison_myopathic_maximal_pattern_has_smaller_amplitude_per_turn_than_neurogenic() -> None:
    myo, neuro = _simulated("maximal", "myopathic"), _simulated("maximal", "neurogenic")
    assert myo.mean_amplitude_per_turn_uv < neuro.mean_amplitude_per_turn_uv
    assert myo.envelope_uv < neuro.envelope_uv


@settings(max_examples=30, deadline=None)
@given(
    hnp.arrays(np.float64, st.integers(1, 12000), elements=st.floats(-5000, 5000, allow_nan=False)),
    st.floats(0.0, 1.0),
)
def test_any_signal_gives_a_label_and_non_negative_measures(x: np.ndarray, valid_fraction: float) -> None:
    valid = np.arange(x.size) >= int((1.0 - valid_fraction) * x.size)
    ip = interference(_prep(x, valid))
    assert ip.label in ("full", "reduced", "discrete", "none")
    assert ip.n_epochs == 0 or (ip.turns_per_s >= 0.0 and 0.0 <= ip.activity_pct <= 100.0)
