"""Shared signal primitives: zero-phase filters, baseline models, artifact location."""

from __future__ import annotations

import numpy as np
import pytest

from edxkit.dsp.artifact import clipped_mask, locate_artifact
from edxkit.dsp.baseline import fit_baseline, noise_rms_from_differences
from edxkit.dsp.filters import gaussian_kernel, lowpass, moving_mean, noise_gain


def test_lowpass_keeps_dc_and_has_no_phase_shift() -> None:
    t = np.arange(2000) / 20000.0
    x = 3.0 + np.sin(2 * np.pi * 100 * t)
    y = lowpass(x, 20000.0, 1000.0)
    inner = slice(200, -200)
    assert np.allclose(y[inner], x[inner], atol=0.01)


def test_lowpass_is_identity_when_the_cutoff_is_above_the_sampling_limit() -> None:
    assert gaussian_kernel(3200.0, 20000.0).size == 1
    x = np.random.default_rng(0).normal(size=50)
    assert np.array_equal(lowpass(x, 3200.0, 20000.0), x)


def test_noise_gain_matches_filtered_white_noise_rms() -> None:
    x = np.random.default_rng(1).normal(size=200_000)
    measured = np.std(lowpass(x, 20000.0, 1000.0)[100:-100])
    assert measured == pytest.approx(noise_gain(20000.0, 1000.0), rel=0.03)


def test_moving_mean_matches_direct_means() -> None:
    x = np.arange(10.0)
    assert np.allclose(moving_mean(x, 3), [1, 2, 3, 4, 5, 6, 7, 8])
    assert moving_mean(x, 11).size == 0


def test_noise_rms_from_differences_ignores_slow_signal_and_a_step() -> None:
    rng = np.random.default_rng(2)
    t = np.arange(5000) / 20000.0
    x = 5 * np.sin(2 * np.pi * 2 * t) + rng.normal(0, 0.3, t.size)
    x[2500:] += 10.0
    assert noise_rms_from_differences(x) == pytest.approx(0.3, rel=0.05)


def test_fit_baseline_recovers_a_two_exponential_tail_on_a_line() -> None:
    t = np.linspace(-5, 30, 3500)
    tail = np.where(t >= 0.3, 4.0 * np.exp(-(t - 0.3) / 0.25) + 0.3 * np.exp(-(t - 0.3) / 2.0), 0.0)
    x = 0.5 + 0.01 * t + tail + np.random.default_rng(3).normal(0, 0.01, t.size)
    mask = (t < 0) | (t >= 0.3)
    fit = fit_baseline(t, x, mask, decay_start_ms=0.3, linear=True)
    assert len(fit.taus_ms) == 2
    truth = 0.5 + 0.01 * t + tail
    assert np.max(np.abs(fit.curve - truth)[t > 0.6]) < 0.01


def test_fit_baseline_without_decay_is_a_level() -> None:
    t = np.linspace(0, 10, 500)
    x = np.full_like(t, 2.0)
    fit = fit_baseline(t, x, np.ones(t.size, bool))
    assert fit.taus_ms == () and np.allclose(fit.curve, 2.0)


def test_locate_artifact_finds_the_pulse_and_its_saturation() -> None:
    fs = 20000.0
    t = np.arange(1000) / fs * 1000.0 - 5.0
    x = np.where((t >= 0) & (t < 0.2), 50.0, 0.0) + np.where(t >= 0.2, 5 * np.exp(-(t - 0.2) / 0.2), 0.0)
    x = np.clip(x, -20.0, 20.0)
    assert clipped_mask(x).sum() == 4
    info = locate_artifact(t, x, fs, 0.0)
    assert info.saturated_until_ms == pytest.approx(0.2, abs=0.06)
    assert 0.2 <= info.pulse_end_ms <= 0.4
