"""Speed and memory of the needle analysis.

1. Speed: every N2001 record (262 124 samples at 23.4375 kHz, 11.2 s) analysed end to end by
   ``analyze_needle_file(condition="minimal")`` — read, band-pass, decomposition, MUAP measures, stability,
   recruitment, classification — against two baselines measured in the same run: reading the record
   (``read_waveform``) and reading plus band-pass filtering (``prepare``). Best of ``--repeats`` per record;
   one core (the process is pinned to CPU 0 where the OS allows it).
2. Memory: a 10-minute 48 kHz recording (28.8 M samples; a simulated 20 s biceps recording at minimal effort
   tiled 30 times, written as EDF+) analysed in windows in a fresh process; its peak RSS beside that of a
   process that only imports edxkit and reads 20 s of the file.

Run:  python bench/emg_speed.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from edxkit.emg.analysis import analyze_needle_file
from edxkit.emg.prepare import prepare
from edxkit.io.dispatch import read_waveform, write_waveforms
from edxkit.simulate.emg import simulate_needle
from edxkit.waveform import Waveform

ROOT = Path(__file__).resolve().parents[1]
N2001 = ROOT.parent / "shared" / "data" / "emglab-n2001" / "records"
SCRATCH = Path(os.environ.get("TMPDIR", "/tmp")) / "edxkit-bench-emg"
LONG_MIN = 10
LONG_FS = 48000.0

CHILD = """
import sys, time
mode, path = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
if mode == "analyze":
    from edxkit.emg.analysis import analyze_needle_file
    res = analyze_needle_file(path, condition="minimal")
    extra = f"{len(res.motor_units)} units ({len(res.accepted_units)} accepted), {res.duration_s:.0f} s"
else:
    from edxkit.emg.analysis import analyze_needle_file  # same imports as the analysis
    from edxkit.io.dispatch import read_waveform
    read_waveform(path, start_s=0.0, stop_s=20.0)
    extra = "read 20 s"
# VmHWM: this process's own peak RSS (ru_maxrss would include the parent's peak, inherited at fork)
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(hwm / 1024.0, time.perf_counter() - t0, extra)
"""


def best(fn, repeats: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def speed(records: list[Path], repeats: int) -> None:
    rows = []
    for path in records:
        t_read = best(lambda p=path: read_waveform(p), repeats)
        t_prep = best(lambda p=path: prepare(read_waveform(p)), repeats)
        t_all = best(lambda p=path: analyze_needle_file(p, condition="minimal"), repeats)
        res = analyze_needle_file(path, condition="minimal")
        rows.append((path.stem, t_read, t_prep, t_all, len(res.accepted_units), res.timing_s))
    print(
        "| record | read ms | read+filter ms | full analysis s | ratio to read+filter | units | decompose s |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, t_read, t_prep, t_all, n_units, timing in rows:
        print(
            f"| {name} | {t_read * 1e3:.1f} | {t_prep * 1e3:.1f} | {t_all:.3f} | {t_all / t_prep:.1f} |"
            f" {n_units} |"
            f" {timing.get('decompose', 0.0):.3f} |"
        )
    alls = [r[3] for r in rows]
    ratios = [r[3] / r[2] for r in rows]
    print(
        f"\nfull analysis per record: median {statistics.median(alls):.3f} s, max {max(alls):.3f} s "
        f"(target < 2 s); ratio to read+filter: median {statistics.median(ratios):.1f}, "
        f"range {min(ratios):.1f}–{max(ratios):.1f}"
    )


def long_recording(minutes: int) -> Path:
    SCRATCH.mkdir(parents=True, exist_ok=True)
    path = SCRATCH / f"biceps_minimal_{minutes}min_48k.edf"
    if path.exists():
        return path
    sim = simulate_needle(np.random.default_rng(7), condition="minimal", duration_s=20.0, fs_hz=LONG_FS)
    reps = round(minutes * 60 / 20.0)
    samples = np.tile(sim.waveform.samples, reps)
    write_waveforms(path, [Waveform(samples, LONG_FS, "uV", channel="needle", source="simulated")])
    return path


def child(mode: str, path: Path) -> tuple[float, float, str]:
    cmd = [sys.executable, "-c", CHILD, mode, str(path)]
    if sys.platform.startswith("linux"):
        cmd = ["taskset", "-c", "0", *cmd]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.split(maxsplit=2)
    return float(out[0]), float(out[1]), out[2].strip()


def memory(minutes: int) -> None:
    path = long_recording(minutes)
    base_mb, base_s, _ = child("read", path)
    peak_mb, peak_s, extra = child("analyze", path)
    print(f"\n{minutes}-minute {LONG_FS / 1000:g} kHz recording ({path.stat().st_size / 1e6:.0f} MB EDF+):")
    print("| process | peak RSS MB | wall s | note |")
    print("|---|---|---|---|")
    print(f"| import + read 20 s | {base_mb:.0f} | {base_s:.1f} | baseline |")
    print(f"| windowed analysis | {peak_mb:.0f} | {peak_s:.1f} | {extra} (target < 1024 MB) |")


def main() -> int:
    parser = argparse.ArgumentParser(description="needle analysis speed and memory")
    parser.add_argument("--quick", action="store_true", help="4 records, 2 repeats, 2-minute long recording")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
    records = sorted(N2001.glob("*.hea")) if N2001.exists() else []
    if args.quick:
        records = records[::7]
    if records:
        speed(records, 2 if args.quick else args.repeats)
    else:
        print(f"speed part skipped: {N2001} is absent")
    memory(2 if args.quick else LONG_MIN)
    return 0


if __name__ == "__main__":
    sys.exit(main())
