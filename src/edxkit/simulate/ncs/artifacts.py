"""What the recording adds to the clean response: stimulus artifact, baseline drift and noise.

* Stimulus artifact: a rectangular pulse of ``pulse_ms`` at the stimulus (averaged over each sample
  interval, so it shows at any sampling rate) followed by a two-exponential decaying tail of random
  polarity (time constants 0.15–0.35 ms and 1–3 ms, the slow one 4 % of the tail); its peak is
  ``artifact_scale ×`` a kind-specific multiple of the reference amplitude (motor 2, sensory 10,
  late responses 1) and its tail starts at a quarter of that. Sweeps may be clipped at
  ``saturation`` (amplifier range).
* Baseline drift: a random quadratic plus a slow sinusoid (1–4 Hz) over the sweep, scaled to a
  peak-to-peak size of ``drift_fraction ×`` the reference amplitude.
* Noise: white Gaussian, scaled so that its rms over the whole sweep is exactly the requested value.
  SNR is defined as ``20·log10(|negative-peak amplitude| / noise rms)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class RecordingSpec:
    """How sweeps are recorded.

    Parameters
    ----------
    fs_hz : float
        Sampling rate, Hz.
    pre_ms : float
        Pre-stimulus baseline, ms (0 allowed).
    sweep_ms : float
        Total sweep length including ``pre_ms``, ms.
    snr_db : float or None
        SNR of the reference response (None: no noise).
    artifact, drift : bool
        Add a stimulus artifact / baseline drift.
    artifact_scale : float
        Artifact size relative to the kind's default.
    drift_fraction : float
        Drift peak-to-peak as a fraction of the reference amplitude.
    saturation : float or None
        Amplifier limit in the sweep's units; samples beyond ±saturation are clipped.
    noise_per_sweep : bool
        False (default): one noise level per study, set from the reference (distal) response;
        True: each sweep's noise is set from its own response (every sweep at ``snr_db``).
    """

    fs_hz: float = 20000.0
    pre_ms: float = 5.0
    sweep_ms: float = 50.0
    snr_db: float | None = 30.0
    artifact: bool = True
    drift: bool = True
    artifact_scale: float = 1.0
    drift_fraction: float = 0.03
    saturation: float | None = None
    noise_per_sweep: bool = False

    def __post_init__(self) -> None:
        if not (math.isfinite(self.fs_hz) and 500.0 <= self.fs_hz <= 1e6):
            raise ValueError(f"fs_hz must be within 500 Hz–1 MHz, got {self.fs_hz!r}")
        if not (math.isfinite(self.pre_ms) and self.pre_ms >= 0.0):
            raise ValueError(f"pre_ms must be >= 0 ms, got {self.pre_ms!r}")
        if not (math.isfinite(self.sweep_ms) and self.sweep_ms > self.pre_ms + 1000.0 / self.fs_hz):
            raise ValueError(f"sweep_ms must exceed pre_ms by at least a sample, got {self.sweep_ms!r}")
        if self.snr_db is not None and not math.isfinite(self.snr_db):
            raise ValueError(f"snr_db must be finite or None, got {self.snr_db!r}")
        if self.saturation is not None and not self.saturation > 0:
            raise ValueError(f"saturation must be > 0, got {self.saturation!r}")

    @property
    def n_samples(self) -> int:
        return round(self.sweep_ms * self.fs_hz / 1000.0)

    def times_ms(self) -> FloatArray:
        """Sample times relative to the stimulus, ms."""
        return np.asarray(np.arange(self.n_samples) * (1000.0 / self.fs_hz) - self.pre_ms, dtype=np.float64)

    def noise_rms(self, reference_amplitude: float) -> float:
        """Noise rms giving ``snr_db`` for a response of ``reference_amplitude`` (0 without noise)."""
        if self.snr_db is None:
            return 0.0
        return reference_amplitude / 10.0 ** (self.snr_db / 20.0)


def stimulus_artifact(
    rng: np.random.Generator, t_ms: FloatArray, fs_hz: float, size: float, pulse_ms: float = 0.2
) -> FloatArray:
    """Artifact of peak ``size`` at t = 0: sample-averaged pulse plus a decaying tail."""
    half = 500.0 / fs_hz
    overlap = np.clip(np.minimum(t_ms + half, pulse_ms) - np.maximum(t_ms - half, 0.0), 0.0, None)
    pulse = size * overlap / (2.0 * half)
    polarity = 1.0 if rng.random() < 0.5 else -1.0
    tau_fast, tau_slow = rng.uniform(0.15, 0.35), rng.uniform(1.0, 3.0)
    after = np.clip(t_ms - pulse_ms, 0.0, None)
    tail = polarity * 0.25 * size * (0.96 * np.exp(-after / tau_fast) + 0.04 * np.exp(-after / tau_slow))
    return np.asarray(pulse + np.where(t_ms >= pulse_ms, tail, 0.0), dtype=np.float64)


def baseline_drift(rng: np.random.Generator, t_ms: FloatArray, peak_to_peak: float) -> FloatArray:
    """Slow random baseline wander with the given peak-to-peak size."""
    span = max(float(t_ms[-1] - t_ms[0]), 1e-9)
    s = (t_ms - t_ms[0]) / span * 2.0 - 1.0
    a, b, c = rng.standard_normal(3)
    freq_hz, phase = rng.uniform(1.0, 4.0), rng.uniform(0.0, 2.0 * math.pi)
    wave = a * s + 0.5 * b * s * s + c * np.sin(2.0 * math.pi * freq_hz * t_ms / 1000.0 + phase)
    wave = wave - wave.mean()
    ptp = float(np.ptp(wave))
    return np.asarray(wave * (peak_to_peak / ptp) if ptp > 0 else wave, dtype=np.float64)


def white_noise(rng: np.random.Generator, n: int, rms: float) -> FloatArray:
    """Gaussian noise whose rms over the ``n`` samples is exactly ``rms``."""
    noise = rng.standard_normal(n)
    actual = float(np.sqrt(np.mean(noise * noise)))
    return np.asarray(noise * (rms / actual) if actual > 0 and rms > 0 else noise * 0.0, dtype=np.float64)
