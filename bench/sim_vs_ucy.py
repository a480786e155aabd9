"""Simulated biceps MUAP features beside the real UCY per-subject features (Pattichis et al. 1995).

Simulates biceps brachii minimal-contraction recordings (20 normal, 10 neurogenic, 10 myopathic; severity 0.5,
neurogenic chronicity ``chronic_active``; one seed per recording). At minimal effort the simulator places the
needle as an examiner does for quantitative analysis (230–300 µm from a fibre of one of the first recruited
units, no fibre inside the needle's 0.23 mm track; see edxkit.simulate.emg.placement). Per recording, the
MUAPs an analyst would accept are taken — rise time < 0.5 ms and ≥ 100 µV peak-to-peak (the usual acceptance
criteria for quantitative MUAP analysis) — and their mean duration, amplitude, phases and turns
(edxkit.simulate.emg.measures) are averaged. Prints group mean ± SD of those per-recording means beside the
group mean ± SD of the per-subject means in ../shared/data/ucy-muap-features/muap.csv (Cls 1 normal, 2 MND, 3
myopathy), and the difference. Nothing is
fitted: the simulator's parameters are physiological values chosen from the literature, not from this table.
Also printed per group: the share of accepted MUAPs with > 4 phases (% polyphasic; normal limb muscles
≤ 10–15 %, TA up to 35 %, muap-norms C13–C15) and the mean firing rate of the accepted units; and normal
tibialis anterior beside the TA control values of muap-norms S2 (661.5 ± 92 µV, 9.35 ± 0.93 ms, phases
3.47 ± 0.36, turns 3.35 ± 0.52, polyphasic 5–40 %, upper limit 35 %).

Convention differences (reported, not corrected): UCY measured 20 examiner-selected MUAPs per subject at
several sites on noisy recordings (3 Hz–10 kHz, 20 kHz) with their own duration markers and phase/turn
rules; the simulation measures clean templates with a fixed 10 µV duration threshold, a ±5 µV baseline band
for phases and 25 µV turns, at one needle site (1–4 accepted MUAPs), so per-recording means scatter more than
UCY's 20-MUAP means.
Run:  python bench/sim_vs_ucy.py [--quick]
"""

from __future__ import annotations

import argparse
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


TA_NORMS = {
    "duration ms": (9.35, 0.93),
    "amplitude µV": (661.5, 92.0),
    "phases": (3.47, 0.36),
    "turns": (3.35, 0.52),
}


def ucy_table() -> dict[int, dict[str, list[float]]]:
    out: dict[int, dict[str, list[float]]] = {1: {}, 2: {}, 3: {}}
    with UCY.open() as f:
        for row in csv.DictReader(f):
            group = out[int(row["Cls"])]
            for _, column, scale in FEATURES:
                group.setdefault(column, []).append(float(row[column]) * scale)
    return out


def simulated(
    pathology: str, n: int, muscle: str = "biceps_brachii"
) -> tuple[dict[str, list[float]], int, list[int], list[float], list[float]]:
    """Per-recording means of the accepted MUAPs, recordings without any, counts, phases and rates."""
    per_recording: dict[str, list[float]] = {name: [] for name, _, _ in FEATURES}
    counts, empty, phases, rates = [], 0, [], []
    for seed in range(n):
        sim = simulate_needle(
            np.random.default_rng(1000 + seed),
            muscle=muscle,
            condition="minimal",
            pathology=pathology,
            severity=0.5,
            duration_s=2.0,
        )
        units = [u for u in sim.units if u.rise_time_ms < 0.5 and u.amplitude_uv >= 100.0]
        counts.append(len(units))
        phases += [float(u.phases) for u in units]
        rates += [u.mean_rate_hz for u in units if u.firing_times_s.size >= 3]
        if not units:
            empty += 1
            continue
        per_recording["duration ms"].append(float(np.mean([u.duration_ms for u in units])))
        per_recording["amplitude µV"].append(float(np.mean([u.amplitude_uv for u in units])))
        per_recording["phases"].append(float(np.mean([u.phases for u in units])))
        per_recording["turns"].append(float(np.mean([u.turns for u in units])))
    return per_recording, empty, counts, phases, rates


def _row(group: str, name: str, s: np.ndarray, mean: float, sd: float, n_real: int) -> str:
    s_txt = f"{s.mean():8.2f} ± {s.std(ddof=1):6.2f}" if s.size > 1 else "n/a"
    diff = f"{s.mean() - mean:+11.2f}" if s.size else "n/a"
    return f"{group:11s} {name:13s} {s_txt:>17s} {mean:8.2f} ± {sd:6.2f} {diff:>11s} {s.size:5d}/{n_real:<5d}"


def _summary(group: str, empty: int, counts: list[int], phases: list[float], rates: list[float]) -> str:
    poly = 100.0 * float(np.mean(np.asarray(phases) > 4)) if phases else float("nan")
    return (
        f"{group:11s} accepted MUAPs per recording: mean {np.mean(counts):.1f}, recordings without any: "
        f"{empty}; polyphasic (> 4 phases) {poly:.1f} % of {len(phases)}; "
        f"mean rate {np.mean(rates) if rates else float('nan'):.1f} Hz"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a quarter of the recordings")
    args = parser.parse_args()
    scale = 4 if args.quick else 1
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
        sim, empty, counts, phases, rates = simulated(pathology, max(n // scale, 2))
        for name, column, _ in FEATURES:
            r = np.asarray(real[cls][column])
            print(_row(pathology, name, np.asarray(sim[name]), r.mean(), r.std(ddof=1), r.size))
        print(_summary(pathology, empty, counts, phases, rates))
    print("tibialis anterior, normal, minimal contraction vs TA control values (muap-norms S2, mean ± SD)")
    sim, empty, counts, phases, rates = simulated("normal", max(20 // scale, 2), "tibialis_anterior")
    for name, _, _ in FEATURES:
        mean, sd = TA_NORMS[name]
        print(_row("normal TA", name, np.asarray(sim[name]), mean, sd, 0))
    print(_summary("normal TA", empty, counts, phases, rates))
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
