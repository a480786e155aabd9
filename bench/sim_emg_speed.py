"""Speed of the needle-EMG simulator (edxkit.simulate.emg) against a bare noise+filter baseline.

For each scenario: seconds to simulate (best of N warm runs; the first, cold call of the process is shown
separately because it builds the SFAP bank rows), the number of active voluntary units, and the ratio to the
baseline measured in the same run: generating white noise of the same length and band-pass filtering it with
the same 2nd-order Butterworth 2 Hz–10 kHz zero-phase filter. Single-threaded numpy/scipy.
Run:  python bench/sim_emg_speed.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
from scipy.signal import butter, sosfiltfilt

from edxkit.simulate.emg import simulate_needle

SCENARIOS: list[tuple[str, dict[str, object]]] = [
    (
        "biceps normal rest + fibs 2+ / PSW 1+",
        {"condition": "rest", "spontaneous": {"fibrillation": "2+", "positive_sharp_wave": "1+"}},
    ),
    ("biceps normal minimal", {"condition": "minimal"}),
    ("biceps myopathic minimal", {"condition": "minimal", "pathology": "myopathic", "severity": 0.7}),
    ("biceps neurogenic 0.7 moderate", {"condition": "moderate", "pathology": "neurogenic", "severity": 0.7}),
    ("biceps normal moderate", {"condition": "moderate"}),
    ("biceps normal maximal", {"condition": "maximal"}),
    ("FDI normal maximal", {"condition": "maximal", "muscle": "first_dorsal_interosseous"}),
]


def baseline_s(n: int, fs_hz: float, repeats: int) -> float:
    sos = butter(2, [2.0, 10000.0], btype="bandpass", fs=fs_hz, output="sos")
    best = float("inf")
    for seed in range(repeats):
        started = time.perf_counter()
        sosfiltfilt(sos, np.random.default_rng(seed).standard_normal(n), padtype=None)
        best = min(best, time.perf_counter() - started)
    return best


def timed(kwargs: dict[str, object], duration_s: float, seed: int) -> tuple[float, int]:
    started = time.perf_counter()
    sim = simulate_needle(np.random.default_rng(seed), duration_s=duration_s, fs_hz=48000.0, **kwargs)  # type: ignore[arg-type]
    return time.perf_counter() - started, len(sim.units)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    fs = 48000.0
    cold, cold_units = timed({"condition": "minimal"}, 10.0, 0)
    rows = []
    for duration in (10.0, 60.0):
        base = baseline_s(int(duration * fs), fs, args.repeats)
        for name, kwargs in SCENARIOS if duration == 10.0 else SCENARIOS[1:2]:
            best, units = min(timed(kwargs, duration, 3) for _ in range(args.repeats))
            rows.append((name, units, duration, best, best / base))
    print(
        f"needle-EMG simulator speed, fs 48 kHz, best of {args.repeats} "
        f"(cold first call: {cold:.2f} s, {cold_units} units)"
    )
    print(
        f"baseline = white noise + band-pass filter of the same length: "
        f"10 s {baseline_s(int(10 * fs), fs, args.repeats):.3f} s"
    )
    print(f"{'scenario':42s} {'units':>6s} {'dur s':>6s} {'seconds':>8s} {'× baseline':>11s}")
    for name, units, duration, best, ratio in rows:
        print(f"{name:42s} {units:6d} {duration:6.0f} {best:8.3f} {ratio:11.1f}")


if __name__ == "__main__":
    main()
