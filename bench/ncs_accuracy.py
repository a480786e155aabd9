"""Accuracy and speed of the NCS marker engine (edxkit.ncs.markers) against simulated truth.

Studies are drawn at random (seeded) from: motor median/ulnar/peroneal/tibial and sensory
median/ulnar/sural (20 % of sensory studies orthodromic); pathology normal, axonal loss,
demyelination, conduction block or temporal dispersion; study SNR uniform in 10–40 dB (the
per-sweep SNR is lower at proximal sites with block or dispersion); sampling rate 3.2–50 kHz;
pre-stimulus time 0–10 ms; artifact scale 0.5–3; in a third of studies the amplifier saturates at
1.5–3× (motor) or 2–6× (sensory) the healthy amplitude, clipping the artifact but not the response;
baseline drift always. Response-free studies (``Pathology(absent=True)``) are drawn the same way.

Rows are grouped by kind and the sweep's own SNR band (truth ``snr_db``; absent sweeps by the
study SNR). Errors are |measured − truth|: onset and peak latency (ms), amplitude, duration and
area (% of truth), segment CV (m/s, motor segments, banded by the lower-SNR sweep; sensory rows
show distance/onset CV) from the two sites' onsets and, in the next column, from the latency
difference of the two sweeps aligned by :func:`edxkit.ncs.align.latency_difference_ms` (sensory
rows: the same distance/onset CV). ``miss`` is the fraction of present sweeps called absent, ``false`` the
fraction of response-free sweeps given markers. Speed: mean time per sweep and its ratio to a
4th-order Butterworth ``scipy.signal.filtfilt`` low-pass of the same sweep, timed in the same run.

The default seeds (900 000 +) are disjoint from the seeds the engine was tuned on (< 100 000).
Run:  python bench/ncs_accuracy.py [--studies 700] [--absent 500] [--seed 900000]
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import time
from dataclasses import dataclass, field
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
from scipy.signal import butter, filtfilt

from edxkit.ncs.align import latency_difference_ms
from edxkit.ncs.markers import SweepMarkers, measure_sweep
from edxkit.simulate.ncs import EvokedSimulation, Pathology, normal_params, simulate_motor, simulate_sensory

MOTOR = ("median", "ulnar", "peroneal", "tibial")
SENSORY = ("median", "ulnar", "sural")
BANDS = ((-math.inf, 10.0, "<10"), (10.0, 15.0, "10-15"), (15.0, 20.0, "15-20"), (20.0, 30.0, "20-30"))
BANDS += ((30.0, math.inf, "30-40"),)
FS_MOTOR = (3200.0, 5000.0, 10000.0, 20000.0, 25000.0, 48000.0, 50000.0)
FS_SENSORY = (3200.0, 10000.0, 20000.0, 40000.0, 48000.0, 50000.0)
PRE_MS = (0.0, 0.0, 1.0, 2.0, 5.0, 10.0)


@dataclass
class Record:
    """One measured sweep with its truth."""

    kind: str
    present: bool
    snr_db: float
    fs_hz: float
    pathology: str
    truth: dict[str, Any]
    markers: SweepMarkers
    seconds: float
    baseline_seconds: float
    distance_mm: float | None = None
    segment: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _pathology(rng: np.random.Generator, kind: str, sites: list[str]) -> tuple[str, Pathology]:
    name = str(rng.choice(["normal", "axonal", "demyelinating", "block", "dispersion"]))
    seg = str(rng.choice(sites[1:])) if len(sites) > 1 else sites[0]
    if name == "axonal":
        return name, Pathology(axonal_loss=float(rng.uniform(0.4, 0.95)))
    if name == "demyelinating":
        return name, Pathology(demyelination=float(rng.uniform(0.15, 0.5)))
    if name == "block" and kind == "motor":
        return name, Pathology(conduction_block={seg: float(rng.uniform(0.3, 0.8))})
    if name in ("block", "dispersion"):
        return "dispersion", Pathology(temporal_dispersion={seg: float(rng.uniform(0.2, 0.6))})
    return name, Pathology()


def draw_study(rng: np.random.Generator, *, absent: bool) -> tuple[str, str, EvokedSimulation]:
    """Simulate one randomly configured study; returns (kind, pathology name, simulation)."""
    kind = "motor" if rng.random() < 0.6 else "sensory"
    nerve = str(rng.choice(MOTOR if kind == "motor" else SENSORY))
    params = normal_params(nerve, kind, rng=rng, age_years=float(rng.uniform(20, 80)))
    sites = [s.name for s in params.sites]
    name, pathology = ("absent", Pathology(absent=True)) if absent else _pathology(rng, kind, sites)
    fs = float(rng.choice(FS_MOTOR if kind == "motor" else FS_SENSORY))
    scale = float(rng.uniform(0.5, 3.0))
    headroom = rng.uniform(1.5, 3.0) if kind == "motor" else rng.uniform(2.0, 6.0)
    saturation = float(params.amplitude * headroom) if rng.random() < 1 / 3 else None
    kw: dict[str, Any] = {
        "pathology": pathology,
        "snr_db": float(rng.uniform(10.0, 40.0)),
        "fs_hz": fs,
        "pre_ms": float(rng.choice(PRE_MS)),
        "artifact_scale": scale,
        "saturation": saturation,
        "temperature_c": float(params.reference_temp_c + rng.uniform(-3.0, 1.0)),
    }
    if kind == "motor":
        return kind, name, simulate_motor(rng, params, **kw)
    return kind, name, simulate_sensory(rng, params, orthodromic=bool(rng.random() < 0.2), **kw)


def _filtfilt_seconds(samples: np.ndarray, fs_hz: float, repeats: int = 3) -> float:
    b, a = butter(4, min(2500.0, 0.45 * fs_hz), fs=fs_hz)
    best = math.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        filtfilt(b, a, samples)
        best = min(best, time.perf_counter() - t0)
    return best


def _timed(sim: EvokedSimulation, k: int, kind: str) -> tuple[SweepMarkers, float]:
    best, out = math.inf, None
    ortho = bool(sim.summary.get("orthodromic", False))  # as a study file's ``direction`` says
    for _ in range(2):
        t0 = time.perf_counter()
        out = measure_sweep(sim.sweeps[k], kind, orthodromic=ortho)  # type: ignore[arg-type]
        best = min(best, time.perf_counter() - t0)
    assert out is not None
    return out, best


def collect(seed: int, studies: int, absent: int) -> list[Record]:
    """Measure every sweep of ``studies`` present and ``absent`` response-free random studies."""
    records: list[Record] = []
    for i in range(studies + absent):
        rng = np.random.default_rng(seed + i)
        is_absent = i >= studies
        kind, name, sim = draw_study(rng, absent=is_absent)
        for k, truth in enumerate(sim.truth):
            markers, seconds = _timed(sim, k, kind)
            present = bool(truth["response"] == "present")
            snr = truth["snr_db"] if present else sim.recording.snr_db
            rec = Record(
                kind,
                present,
                float(snr),
                sim.recording.fs_hz,
                name,
                truth,
                markers,
                seconds,
                _filtfilt_seconds(sim.sweeps[k].samples, sim.recording.fs_hz),
                distance_mm=truth["distance_mm"],
            )
            rec.extra["orthodromic"] = bool(sim.summary.get("orthodromic", False))
            rec.extra["study"] = i
            if k > 0 and sim.segments:
                rec.segment = sim.segments[k - 1]
                aligned = latency_difference_ms(sim.sweeps[k - 1], sim.sweeps[k], kind)  # type: ignore[arg-type]
                rec.extra["aligned_delta_ms"] = aligned.delta_ms
            records.append(rec)
    return records


def band_of(snr_db: float) -> str:
    return next(name for lo, hi, name in BANDS if lo <= snr_db < hi)


def sweep_errors(rec: Record) -> dict[str, float]:
    """|error| of each marker of a present sweep measured as present (NaN when not comparable)."""
    m, t = rec.markers, rec.truth
    u = m.units.lower()
    nan = float("nan")

    def pct(value: float | None, truth: float | None) -> float:
        return abs(value - truth) / truth * 100.0 if value is not None and truth else nan

    def diff(value: float | None, truth: float | None) -> float:
        return abs(value - truth) if value is not None and truth is not None else nan

    whole = bool(t.get("within_sweep"))
    return {
        "onset": diff(m.onset_latency_ms, t["onset_latency_ms"]),
        "onset_signed": (m.onset_latency_ms or nan) - t["onset_latency_ms"],
        "peak": diff(m.peak_latency_ms, t["peak_latency_ms"]),
        "amp": pct(m.amplitude, t[f"amplitude_{u}"]),
        "dur": pct(m.duration_ms, t["duration_ms"]) if whole else nan,
        "area": pct(m.area, t[f"area_{u}_ms"]) if whole else nan,
    }


def cv_errors(records: list[Record], method: str = "onsets") -> list[tuple[str, str, float]]:
    """(kind, band, |CV error| m/s): motor segments from two sites, sensory distance/onset.

    ``method="onsets"``: the segment's latency difference is the difference of the two sites'
    onsets; ``"aligned"``: :func:`edxkit.ncs.align.latency_difference_ms` of the two sweeps.
    """
    out: list[tuple[str, str, float]] = []
    for prev, rec in itertools.pairwise(records):
        seg = rec.segment
        same = prev.extra.get("study") == rec.extra.get("study")
        if seg is None or not same or seg.get("cv_m_s") is None or not (prev.present and rec.present):
            continue
        band = band_of(min(prev.snr_db, rec.snr_db))
        if method == "aligned":
            delta = rec.extra.get("aligned_delta_ms")
        else:
            a, b = prev.markers.onset_latency_ms, rec.markers.onset_latency_ms
            delta = b - a if a is not None and b is not None else None
        if delta is None or delta <= 0:
            out.append((rec.kind, band, math.inf))
            continue
        out.append((rec.kind, band, abs(seg["distance_mm"] / delta - seg["cv_m_s"])))
    for rec in records:
        cv = rec.truth.get("cv_m_s")
        if rec.kind == "sensory" and cv and rec.markers.onset_latency_ms and rec.distance_mm:
            out.append(
                (rec.kind, band_of(rec.snr_db), abs(rec.distance_mm / rec.markers.onset_latency_ms - cv))
            )
    return out


def _q(values: list[float], q: float) -> float:
    arr = np.asarray([v for v in values if not math.isnan(v)])
    return float(np.quantile(arr, q)) if arr.size else float("nan")


def table(records: list[Record]) -> str:
    """The accuracy table (markdown) by kind and SNR band."""
    cvs = cv_errors(records)
    cvs_aligned = cv_errors(records, "aligned")
    head = (
        "| kind | SNR dB | n | miss % | onset med | onset p95 | peak p95 | amp med % | amp p95 % "
        "| dur med % | dur p95 % | area med % | area p95 % | CV n | CV p95 m/s | CV aligned p95 m/s "
        "| absent n | false % |"
    )
    lines = [head, "|" + "---|" * 18]
    for kind in ("motor", "sensory"):
        for _, _, band in BANDS:
            rows = [r for r in records if r.kind == kind and band_of(r.snr_db) == band]
            pres = [r for r in rows if r.present]
            found = [r for r in pres if r.markers.response == "present"]
            absent = [r for r in rows if not r.present]
            errs = [sweep_errors(r) for r in found]
            col = {k: [e[k] for e in errs] for k in ("onset", "peak", "amp", "dur", "area")}
            cv = [e for kd, b, e in cvs if kd == kind and b == band]
            cv_al = [e for kd, b, e in cvs_aligned if kd == kind and b == band]
            if not pres and not absent:
                continue
            miss = 100.0 * (len(pres) - len(found)) / len(pres) if pres else float("nan")
            false = (
                100.0 * sum(r.markers.response == "present" for r in absent) / len(absent)
                if absent
                else float("nan")
            )
            cells = [
                kind,
                band,
                str(len(pres)),
                f"{miss:.1f}",
                f"{_q(col['onset'], 0.5):.3f}",
                f"{_q(col['onset'], 0.95):.3f}",
                f"{_q(col['peak'], 0.95):.3f}",
                f"{_q(col['amp'], 0.5):.2f}",
                f"{_q(col['amp'], 0.95):.2f}",
                f"{_q(col['dur'], 0.5):.1f}",
                f"{_q(col['dur'], 0.95):.1f}",
                f"{_q(col['area'], 0.5):.1f}",
                f"{_q(col['area'], 0.95):.1f}",
                str(len(cv)),
                f"{_q(cv, 0.95):.2f}",
                f"{_q(cv_al, 0.95):.2f}",
                str(len(absent)),
                f"{false:.2f}",
            ]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def fs_table(records: list[Record]) -> str:
    """Onset |error| p95 (ms) at sweep SNR ≥ 20 dB by kind and sampling rate."""
    lines = [
        "| kind | fs kHz | n (SNR ≥ 20) | onset med | onset p95 | amp p95 % |",
        "|---|---|---|---|---|---|",
    ]
    for kind in ("motor", "sensory"):
        for fs in sorted({r.fs_hz for r in records if r.kind == kind}):
            rows = [r for r in records if r.kind == kind and r.fs_hz == fs and r.present and r.snr_db >= 20]
            errs = [sweep_errors(r) for r in rows if r.markers.response == "present"]
            on, amp = [e["onset"] for e in errs], [e["amp"] for e in errs]
            lines.append(
                f"| {kind} | {fs / 1000:g} | {len(rows)} | {_q(on, 0.5):.3f} | {_q(on, 0.95):.3f} "
                f"| {_q(amp, 0.95):.2f} |"
            )
    return "\n".join(lines)


def fs_band_table(records: list[Record]) -> str:
    """Onset and amplitude |error| by kind, sampling rate and sweep SNR band (20–30, 30–40 dB)."""
    lines = [
        "| kind | fs kHz | SNR dB | n | onset med | onset p95 | amp med % | amp p95 % |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for kind in ("motor", "sensory"):
        for fs in sorted({r.fs_hz for r in records if r.kind == kind}):
            for band in ("20-30", "30-40"):
                rows = [
                    r
                    for r in records
                    if r.kind == kind and r.fs_hz == fs and r.present and band_of(r.snr_db) == band
                ]
                errs = [sweep_errors(r) for r in rows if r.markers.response == "present"]
                on, amp = [e["onset"] for e in errs], [e["amp"] for e in errs]
                lines.append(
                    f"| {kind} | {fs / 1000:g} | {band} | {len(rows)} | {_q(on, 0.5):.3f} "
                    f"| {_q(on, 0.95):.3f} | {_q(amp, 0.5):.2f} | {_q(amp, 0.95):.2f} |"
                )
    return "\n".join(lines)


def speed(records: list[Record]) -> str:
    ms = np.array([r.seconds for r in records]) * 1000.0
    base = np.array([r.baseline_seconds for r in records]) * 1000.0
    return (
        f"speed: {ms.mean():.2f} ms per sweep (median {np.median(ms):.2f}, max {ms.max():.2f}); "
        f"filtfilt low-pass of the same sweep {base.mean():.3f} ms; ratio {ms.mean() / base.mean():.0f} "
        f"(median of per-sweep ratios {np.median(ms / base):.0f}); 50 sweeps ≈ {50 * ms.mean():.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=700, help="studies with responses")
    parser.add_argument("--absent", type=int, default=500, help="response-free studies")
    parser.add_argument("--seed", type=int, default=900_000, help="first seed (one per study)")
    parser.add_argument(
        "--by-fs-band", action="store_true", help="also print onset/amplitude by sampling rate and SNR band"
    )
    args = parser.parse_args()
    t0 = time.perf_counter()
    records = collect(args.seed, args.studies, args.absent)
    n_present = sum(r.present for r in records)
    print(
        f"{len(records)} sweeps ({n_present} with a response, {len(records) - n_present} response-free), "
        f"seeds {args.seed}–{args.seed + args.studies + args.absent - 1}, {time.perf_counter() - t0:.0f} s\n"
    )
    print(table(records))
    print("\nOnset at SNR ≥ 20 dB by sampling rate:\n")
    print(fs_table(records))
    if args.by_fs_band:
        print("\nOnset and amplitude by sampling rate and SNR band:\n")
        print(fs_band_table(records))
    print("\n" + speed(records))


if __name__ == "__main__":
    main()
