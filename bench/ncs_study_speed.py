"""Time `analyze_study` on a full 20-nerve NCS study, as a ratio to reading and filtering its sweeps.

The study: the simulator's normal upper- and lower-limb nerve set on the right (median and ulnar motor with
F-waves, median, ulnar and superficial radial sensory; peroneal and tibial motor, tibial F-waves, H-reflex,
sural and superficial peroneal sensory) and the upper-limb set on the left — 20 nerve studies, every sweep a
waveform file (EDF), no needle examination. Issue 4 asks for a full 20-nerve study analysed in < 0.5 s.

Timed, best of ``--repeats`` (wall clock and process CPU, each against the baseline's own): ``analyze_study``
(every marker, segment, F-wave,
H-reflex, the interpretation and the billing; the sweeps are read from the files inside it). Baseline in the
same run: reading every sweep of the study and running a zero-phase 4th-order band-pass over it
(`sosfiltfilt`), the least any analysis must do. Run:  python bench/ncs_study_speed.py [--repeats N]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from scipy import signal  # type: ignore[import-untyped]

from edxkit.analyze import analyze_study
from edxkit.io.study import load_study, read_sweeps
from edxkit.model import Study
from edxkit.simulate import scenarios
from edxkit.simulate.study import simulate_study


def twenty_nerve_study(folder: Path, seed: int) -> Study:
    base = scenarios.normal()
    nerves = (
        scenarios._upper_nerves("right") + scenarios._lower_nerves("right") + scenarios._upper_nerves("left")
    )
    case = replace(base, name="twenty_nerves", nerves=nerves, muscles=())
    scenarios.SCENARIOS["twenty_nerves"] = lambda: case
    try:
        path = simulate_study("twenty_nerves", folder, seed=seed)
    finally:
        del scenarios.SCENARIOS["twenty_nerves"]
    return load_study(path)


def sweeps_of(study: Study) -> list[tuple[np.ndarray, float]]:
    out = []
    for nerve in study.ncs:
        for site in nerve.sites:
            if site.waveform is not None:
                out += [(w.samples, w.fs_hz) for w in read_sweeps(study, site.waveform)]
    return out


def baseline(study: Study) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    for samples, fs in sweeps_of(study):
        sos = signal.butter(2, [20.0, min(3000.0, 0.45 * fs)], btype="band", fs=fs, output="sos")
        signal.sosfiltfilt(sos, samples)
    return time.perf_counter() - wall, time.process_time() - cpu


def timed(study: Study) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    analyze_study(study)
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        study = twenty_nerve_study(Path(tmp), args.seed)
        sweeps = sweeps_of(study)
        samples = sum(s.size for s, _ in sweeps)
        analyze_study(study)  # warm-up: imports, norm tables, caches
        bases = [baseline(study) for _ in range(args.repeats)]
        runs = [timed(study) for _ in range(args.repeats)]
    base_wall, base_cpu = min(b[0] for b in bases), min(b[1] for b in bases)
    wall, cpu = min(r[0] for r in runs), min(r[1] for r in runs)
    print(f"20-nerve NCS study: {len(study.ncs)} nerve studies, {len(sweeps)} sweeps, {samples} samples")
    print(f"{'what':<44}{'best s':>9}{'x baseline':>12}")
    print(f"{'baseline: read + band-pass every sweep, wall':<44}{base_wall:>9.3f}{1.0:>12.1f}")
    print(f"{'baseline: read + band-pass every sweep, CPU':<44}{base_cpu:>9.3f}{1.0:>12.1f}")
    print(f"{'analyze_study, wall clock':<44}{wall:>9.3f}{wall / base_wall:>12.1f}")
    print(f"{'analyze_study, process CPU':<44}{cpu:>9.3f}{cpu / base_cpu:>12.1f}")
    print(
        f"per nerve study: {wall / len(study.ncs) * 1e3:.1f} ms; target < 0.5 s for the study: "
        f"{'met' if wall < 0.5 else 'not met'}"
    )


if __name__ == "__main__":
    main()
