"""Time `edx simulate` for every scenario and a 20-nerve NCS study, as ratios to a baseline.

Baseline, measured in the same run: generating and band-pass filtering 10 s of 48 kHz white noise
(the least a needle simulator has to do per recording). Run:  python bench/sim_scenarios.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
from scipy import signal

from edxkit.simulate.ncs import SiteSpec, normal_params, simulate_motor, simulate_sensory
from edxkit.simulate.scenarios import SCENARIOS, scenario
from edxkit.simulate.study import simulate_study


def baseline_s() -> float:
    sos = signal.butter(2, [2.0, 10000.0], btype="band", fs=48000.0, output="sos")
    started = time.perf_counter()
    signal.sosfiltfilt(sos, np.random.default_rng(0).normal(size=480000))
    return time.perf_counter() - started


def twenty_nerves_s(seed: int) -> float:
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    for nerve in ("median", "ulnar", "peroneal", "tibial", "radial") * 2:
        simulate_motor(rng, normal_params(nerve, "motor"))
    for nerve in ("median", "ulnar", "superficial_radial", "sural", "superficial_peroneal") * 2:
        simulate_sensory(
            rng,
            normal_params(nerve, "sensory"),
            [SiteSpec("wrist", distance_mm=130)] if nerve == "median" else None,
        )
    return time.perf_counter() - started


def main() -> None:
    base = min(baseline_s() for _ in range(3))
    print(f"baseline (10 s of 48 kHz noise, band-pass 2 Hz-10 kHz): {base * 1e3:.1f} ms\n")
    t20 = min(twenty_nerves_s(s) for s in range(3))
    print(f"20-nerve NCS study (10 motor, 10 sensory): {t20:.3f} s = {t20 / base:.1f} x baseline\n")
    print(f"{'scenario':<34}{'nerves':>7}{'muscles':>8}{'seconds':>9}{'x base':>8}{'MB':>7}")
    for name in SCENARIOS:
        sc = scenario(name)
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            simulate_study(name, tmp, seed=0)
            elapsed = time.perf_counter() - started
            size = sum(p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file()) / 1e6
        print(
            f"{name:<34}{len(sc.nerves):>7}{len(sc.muscles):>8}"
            f"{elapsed:>9.2f}{elapsed / base:>8.0f}{size:>7.1f}"
        )


if __name__ == "__main__":
    main()
