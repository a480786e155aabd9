"""Simulated biceps MUAP features beside the real UCY per-subject features (Pattichis et al. 1995).

Simulates biceps brachii minimal-contraction recordings (20 normal, 10 neurogenic, 10 myopathic; severity 0.5,
neurogenic chronicity ``chronic_active``; one seed per recording). At minimal effort the simulator places the
needle as an examiner does for quantitative analysis (50–300 µm from a fibre of one of the first recruited
units, see edxkit.simulate.emg.placement). Per recording, the MUAPs an analyst would accept are taken — rise
time < 0.5 ms and ≥ 100 µV peak-to-peak (the usual acceptance criteria for quantitative MUAP analysis) — and
their mean duration, amplitude, phases and turns (edxkit.simulate.emg.measures) are averaged. Prints group
mean ± SD of those per-recording means beside the group mean ± SD of the per-subject means in
../shared/data/ucy-muap-features/muap.csv (Cls 1 normal, 2 MND, 3 myopathy), and the difference. Nothing is
fitted: the simulator's parameters are physiological values chosen from the literature, not from this table.

Convention differences (reported, not corrected): UCY measured 20 examiner-selected MUAPs per subject at
several sites on noisy recordings (3 Hz–10 kHz, 20 kHz) with their own duration markers and phase/turn
rules; the simulation measures clean templates with a fixed 10 µV duration threshold, a ±5 µV baseline band
for phases and 25 µV turns, at one needle site (1–4 accepted MUAPs), so per-recording means scatter more than
UCY's 20-MUAP means.
Run:  python bench/sim_vs_ucy.py
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from edxkit.simulate.emg import simulate_needle

ROOT = Path(__file__).resolve().parents[1]
UCY = ROOT.parent / "shared" / "data" / "ucy-muap-features" / "muap.csv"
GROUPS = (("normal", 1, 20), ("neurogenic", 2, 10), ("myopathic", 3, 10))
FEATURES = (
    ("duration ms", "DurMn", 1.0),
    ("amplitude µV", "AmpMn", 1000.0),
    ("phases", "PhMn", 1.0),
    ("turns", "TurMn", 1.0),
)


def ucy_table() -> dict[int, dict[str, list[float]]]:
    out: dict[int, dict[str, list[float]]] = {1: {}, 2: {}, 3: {}}
    with UCY.open() as f:
        for row in csv.DictReader(f):
            group = out[int(row["Cls"])]
            for _, column, scale in FEATURES:
                group.setdefault(column, []).append(float(row[column]) * scale)
    return out


def simulated(pathology: str, n: int) -> tuple[dict[str, list[float]], int, list[int]]:
    per_recording: dict[str, list[float]] = {name: [] for name, _, _ in FEATURES}
    counts, empty = [], 0
    for seed in range(n):
        sim = simulate_needle(
            np.random.default_rng(1000 + seed),
            muscle="biceps_brachii",
            condition="minimal",
            pathology=pathology,
            severity=0.5,
            duration_s=2.0,
        )
        units = [u for u in sim.units if u.rise_time_ms < 0.5 and u.amplitude_uv >= 100.0]
        counts.append(len(units))
        if not units:
            empty += 1
            continue
        per_recording["duration ms"].append(float(np.mean([u.duration_ms for u in units])))
        per_recording["amplitude µV"].append(float(np.mean([u.amplitude_uv for u in units])))
        per_recording["phases"].append(float(np.mean([u.phases for u in units])))
        per_recording["turns"].append(float(np.mean([u.turns for u in units])))
    return per_recording, empty, counts


def main() -> None:
    real = ucy_table()
    print(
        "biceps brachii, minimal contraction: simulated per-recording means vs UCY per-subject means "
        "(mean ± SD)"
    )
    print(
        f"{'group':11s} {'feature':13s} {'simulated':>17s} {'UCY real':>17s} "
        f"{'sim − real':>11s} {'n sim/real':>11s}"
    )
    for pathology, cls, n in GROUPS:
        sim, empty, counts = simulated(pathology, n)
        for name, column, _ in FEATURES:
            s, r = np.asarray(sim[name]), np.asarray(real[cls][column])
            s_txt = f"{s.mean():8.2f} ± {s.std(ddof=1):6.2f}" if s.size > 1 else "n/a"
            diff = f"{s.mean() - r.mean():+11.2f}" if s.size else "n/a"
            print(
                f"{pathology:11s} {name:13s} {s_txt:>17s} {r.mean():8.2f} ± {r.std(ddof=1):6.2f} "
                f"{diff:>11s} {s.size:5d}/{r.size:<5d}"
            )
        print(
            f"{pathology:11s} accepted MUAPs per recording: mean {np.mean(counts):.1f}, "
            f"recordings without any: {empty}"
        )
    print(
        "UCY: 20 examiner-selected MUAPs/subject, noisy signals, their own duration markers; "
        "simulation: clean"
    )
    print(
        "templates of the accepted MUAPs (rise < 0.5 ms, ≥ 100 µV), 10 µV duration threshold, 5 µV baseline"
    )
    print("band for phases, 25 µV turns, one needle site.")


if __name__ == "__main__":
    main()
