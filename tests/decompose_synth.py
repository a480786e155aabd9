"""Synthetic spikes and firing trains shared by the decomposition tests."""

from __future__ import annotations

import numpy as np


def spike(width: float, skew: float, amp_uv: float = 200.0, n: int = 61) -> np.ndarray:
    """A biphasic spike-like template (µV) of ``n`` samples, its largest magnitude in the middle."""
    t = np.arange(n) - n // 2
    w = -t / width * np.exp(-0.5 * (t / width) ** 2) + skew * np.exp(-0.5 * ((t - 2 * width) / width) ** 2)
    return amp_uv * w / np.max(np.abs(w))


def regular_train(rng: np.random.Generator, rate_hz: float, duration_s: float, cv: float = 0.1) -> np.ndarray:
    """Firing times (s) of a Gaussian renewal train, 0.3 s clear of both ends of ``duration_s``."""
    isi = rng.normal(1.0 / rate_hz, cv / rate_hz, int(duration_s * rate_hz * 1.5) + 5)
    t = 0.3 + np.cumsum(np.clip(isi, 0.4 / rate_hz, None))
    return t[t < duration_s - 0.3]
