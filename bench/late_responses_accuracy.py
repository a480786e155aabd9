"""Accuracy and speed of the F-wave, H-reflex and RNS analysis against simulated truth.

* F waves: series of 20 stimuli across nerves (median, ulnar, tibial, peroneal), heights 150–195 cm
  and pathologies (normal, demyelination 0.2–0.4, low persistence 0.15–0.5, axonal loss 0.5), at
  the simulator's default SNR (60 dB re the M wave), 20 kHz. Errors of the minimum latency and
  persistence per series, of every matched F onset and size, and the false-F rate (F reported on
  a stimulus whose simulated sweep has none).
* H reflex: recruitment series (1–7 mA, 0.25 mA steps) across heights and pathologies (normal,
  S1 focal slowing 0.2–0.4, partial proximal block 0.5, axonal loss 0.4) at SNR 30–45 dB, 20 kHz
  and 3.2 kHz (the real recordings' rate, no pre-stimulus baseline). Truth ``H latency`` is the
  onset of the sweep with the largest H; the H-presence check counts simulated H waves with an
  SNR ≥ 12 dB as visible.
* RNS: 10-stimulus 3 Hz trains with a post-exercise response (normal; postsynaptic, decrement
  10–50 %; presynaptic, increment 60–300 %) at SNR 20–40 dB (uniform; noise relative to the healthy
  CMAP, so a presynaptic resting CMAP at 30 % of it is 10 dB noisier).

Speed: analysis time per series and its ratio to a baseline timed in the same run (stacking the
series and one zero-phase Gaussian smoothing of every sweep: the bare "read + filter" cost).
Run:  python bench/late_responses_accuracy.py [--quick]
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from edxkit.ncs.fwave import analyze_f_waves, smooth, stack_sweeps
from edxkit.ncs.hreflex import analyze_h_reflex
from edxkit.ncs.rns import analyze_rns
from edxkit.simulate.ncs import Pathology, normal_params, simulate_f_waves, simulate_h_reflex, simulate_rns
from edxkit.waveform import Waveform

NERVES = ("median", "ulnar", "tibial", "peroneal")


@dataclass
class Timing:
    analysis_s: list[float] = field(default_factory=list)
    baseline_s: list[float] = field(default_factory=list)

    def add(self, sweeps: Sequence[Waveform], run: Callable[[], Any]) -> Any:
        t0 = time.perf_counter()
        _, x, fs_hz = stack_sweeps(sweeps)
        smooth(x, 0.2, fs_hz)
        t1 = time.perf_counter()
        out = run()
        t2 = time.perf_counter()
        self.baseline_s.append(t1 - t0)
        self.analysis_s.append(t2 - t1)
        return out

    def row(self) -> str:
        a, b = 1000.0 * np.mean(self.analysis_s), 1000.0 * np.mean(self.baseline_s)
        return f"{a:8.1f} ms/series (baseline {b:.2f} ms, ratio {a / b:.0f}x)"


def stats(values: Sequence[float]) -> str:
    v = np.asarray([x for x in values if x is not None], dtype=np.float64)
    if v.size == 0:
        return f"{'-':>7s} {'-':>7s}"
    return f"{np.median(v):+7.3f} {np.percentile(np.abs(v), 95):7.3f}"


# --- F waves -------------------------------------------------------------------------------------


def f_case(rng: np.random.Generator, k: int) -> tuple[str, dict[str, Any], str]:
    nerve = NERVES[k % 4]
    kind = ("normal", "demyelination", "low persistence", "axonal loss")[(k // 4) % 4]
    kw: dict[str, Any] = {}
    if kind == "demyelination":
        kw = {"pathology": Pathology(demyelination=float(rng.uniform(0.2, 0.4))), "sweep_ms": 120.0}
    elif kind == "low persistence":
        kw = {"persistence": float(rng.uniform(0.15, 0.5))}
    elif kind == "axonal loss":
        kw = {"pathology": Pathology(axonal_loss=0.5)}
    return nerve, kw, kind


def f_bench(n: int) -> None:
    rows: dict[str, dict[str, list[float]]] = {}
    timing = Timing()
    for k in range(n):
        rng = np.random.default_rng(10_000 + k)
        nerve, kw, kind = f_case(rng, k)
        params = normal_params(nerve, "f_wave", height_cm=float(rng.uniform(150, 195)))
        sim = simulate_f_waves(rng, params, n_stimuli=20, **kw)
        res = timing.add(sim.sweeps, lambda s=sim: analyze_f_waves(s.sweeps))
        for group in (kind, "all"):
            r = rows.setdefault(group, {})
            _f_collect(r, sim, res)
    print(f"F waves: {n} series of 20 stimuli, default SNR (60 dB re M), 20 kHz")
    print(
        f"{'group':16s} {'n':>4s} | {'f_min err ms':>15s} | {'persist err pp':>15s} | {'onset err ms':>15s}"
        f" | {'F ptp rel err':>15s} | {'false F':>11s} | {'missed F':>11s}"
    )
    print(
        f"{'':16s} {'':>4s} | {'median    p95':>15s} | {'median    p95':>15s} | {'median    p95':>15s}"
        f" | {'median    p95':>15s} |"
    )
    for group, r in rows.items():
        print(
            f"{group:16s} {len(r['persist']):4d} | {stats(r['fmin'])} | {stats(r['persist'])} | "
            f"{stats(r['onset'])} | {stats(r['size'])} | {_rate(r['fp'])} | {_rate(r['fn'])}"
        )
    print(f"speed: {timing.row()}")


def _f_collect(r: dict[str, list[float]], sim: Any, res: Any) -> None:
    truth_min = sim.summary["f_min_latency_ms"]
    if truth_min is not None and res.f_min_latency_ms is not None:
        r.setdefault("fmin", []).append(res.f_min_latency_ms - truth_min)
    r.setdefault("persist", []).append(res.persistence_pct - sim.summary["persistence_pct"])
    for s, t in zip(res.stimuli, sim.truth, strict=True):
        if t["f_present"]:
            r.setdefault("fn", []).append(float(not s.f_present))
            if s.f_present:
                r.setdefault("onset", []).append(s.f_onset_latency_ms - t["f_onset_latency_ms"])
                r.setdefault("size", []).append(s.f_peak_to_peak_mv / t["f_amplitude_mv"] - 1.0)
        else:
            r.setdefault("fp", []).append(float(s.f_present))
    for key in ("fmin", "onset", "size", "fp", "fn"):
        r.setdefault(key, [])


def _rate(flags: Sequence[float]) -> str:
    return f"{100.0 * np.mean(flags):5.2f}% /{len(flags):4d}" if flags else f"{'-':>11s}"


# --- H reflex ------------------------------------------------------------------------------------


def h_case(rng: np.random.Generator, k: int) -> tuple[dict[str, Any], str]:
    kind = ("normal", "S1 slowing", "proximal block", "axonal loss")[k % 4]
    pathology = {
        "normal": None,
        "S1 slowing": Pathology(focal_slowing={"proximal": float(rng.uniform(0.2, 0.4))}),
        "proximal block": Pathology(conduction_block={"proximal": 0.5}),
        "axonal loss": Pathology(axonal_loss=0.4),
    }[kind]
    kw: dict[str, Any] = {"pathology": pathology, "snr_db": float(rng.uniform(30, 45))}
    if (k // 4) % 2:
        kw |= {"fs_hz": 3200.0, "pre_ms": 0.0, "sweep_ms": 60.0}
    return kw, kind + (" 3.2k" if (k // 4) % 2 else " 20k")


def _truth_min_latency(sim: Any) -> float | None:
    hmax = sim.summary["hmax_mv"]
    big = [
        t["h_onset_latency_ms"] for t in sim.truth if t["h_present"] and t["h_peak_to_peak_mv"] >= 0.1 * hmax
    ]
    return min(big) if big else None


def h_bench(n: int) -> None:
    rows: dict[str, dict[str, list[float]]] = {}
    timing = Timing()
    for k in range(n):
        rng = np.random.default_rng(20_000 + k)
        kw, kind = h_case(rng, k)
        params = normal_params("tibial", "h_reflex", height_cm=float(rng.uniform(150, 195)))
        sim = simulate_h_reflex(rng, params, **kw)
        res = timing.add(sim.sweeps, lambda s=sim: analyze_h_reflex(s.sweeps))
        for group in (kind.split()[0] if kind.startswith(("normal", "axonal")) else kind, "all"):
            _h_collect(rows.setdefault(group, {}), sim, res)
    print(f"\nH reflex: {n} recruitment series (1-7 mA in 0.25 mA steps), SNR 30-45 dB, 20 kHz and 3.2 kHz")
    print(
        f"{'group':20s} {'n':>4s} | {'H lat@Hmax ms':>15s} | {'H min lat ms':>15s} | {'M lat ms':>15s}"
        f" | {'Hmax/Mmax rel':>15s} | {'Mmax rel':>15s} | {'missed H':>11s} | {'false H':>11s}"
        f" | {'I@Hmax':>6s}"
    )
    for group, r in rows.items():
        print(
            f"{group:20s} {len(r['ratio']):4d} | {stats(r['lat'])} | {stats(r['minlat'])} | "
            f"{stats(r['mlat'])} | "
            f"{stats(r['ratio'])} | {stats(r['mmax'])} | {_rate(r['fn'])} | {_rate(r['fp'])} | "
            f"{100.0 * np.mean(r['ihmax']):5.1f}%"
        )
    print("(I@Hmax: series whose intensity at Hmax is the simulated one or a neighbouring 0.25 mA step)")
    print(f"speed: {timing.row()}")


def _h_collect(r: dict[str, list[float]], sim: Any, res: Any) -> None:
    s = sim.summary
    for key in ("lat", "minlat", "mlat", "ratio", "mmax", "fn", "fp", "ihmax"):
        r.setdefault(key, [])
    if s["h_latency_at_hmax_ms"] is not None and res.h_latency_ms is not None:
        r["lat"].append(res.h_latency_ms - s["h_latency_at_hmax_ms"])
    truth_min = _truth_min_latency(sim)
    if truth_min is not None and res.h_min_latency_ms is not None:
        r["minlat"].append(res.h_min_latency_ms - truth_min)
    if s["m_latency_ms"] is not None and res.m_latency_ms is not None:
        r["mlat"].append(res.m_latency_ms - s["m_latency_ms"])
    r["ratio"].append((res.h_m_ratio or 0.0) / s["hmax_mmax"] - 1.0 if s["hmax_mmax"] else 0.0)
    r["mmax"].append((res.m_max or 0.0) / s["mmax_mv"] - 1.0)
    r["ihmax"].append(float(abs((res.intensity_at_hmax_ma or 0.0) - (s["intensity_hmax_ma"] or 0.0)) <= 0.26))
    for row, t in zip(res.sweeps, sim.truth, strict=True):
        if t["h_present"] and (t["h_snr_db"] or -99.0) >= 12.0:
            r["fn"].append(float(not row.h_present))
        elif not t["h_present"]:
            r["fp"].append(float(row.h_present))


# --- RNS -----------------------------------------------------------------------------------------


def rns_bench(n: int) -> None:
    rows: dict[str, dict[str, list[float]]] = {}
    timing = Timing()
    for k in range(n):
        rng = np.random.default_rng(30_000 + k)
        disorder = ("normal", "postsynaptic", "presynaptic")[k % 3]
        snr = float(rng.uniform(20.0, 40.0))
        dec = float(rng.uniform(10.0, 50.0)) if disorder != "normal" else None
        inc = float(rng.uniform(60.0, 300.0)) if disorder == "presynaptic" else None
        params = normal_params(("ulnar", "median", "peroneal")[(k // 3) % 3], "rns")
        sim = simulate_rns(rng, params, disorder=disorder, snr_db=snr, decrement_pct=dec, increment_pct=inc)
        res = timing.add(sim.sweeps, lambda s=sim: analyze_rns(s.sweeps[:-1], post_exercise=s.sweeps[-1]))
        band = "20-30 dB" if snr < 30.0 else "30-40 dB"
        for group in (f"{disorder} {band}", disorder, band, "all"):
            _rns_collect(rows.setdefault(group, {}), sim.summary, res)
    print(f"\nRNS: {n} trains of 10 stimuli at 3 Hz + a post-exercise response, SNR 20-40 dB (uniform)")
    print(
        f"{'group':26s} {'n':>4s} | {'decrement err pp':>16s} | {'area decr err pp':>16s}"
        f" | {'increment err pp':>16s} | {'incr rel err (>=50 %)':>21s} | {'|dec err|<=2':>12s}"
    )
    for group in sorted(rows, key=lambda g: (g == "all", " " not in g, g)):
        r = rows[group]
        print(
            f"{group:26s} {len(r['dec']):4d} | {stats(r['dec'])}  | {stats(r['area'])}  | "
            f"{stats(r['inc'])}  | "
            f"{stats(r['rel']):>21s} | {100.0 * np.mean(np.abs(r['dec']) <= 2.0):11.1f}%"
        )
    print(f"speed: {timing.row()}")


def _rns_collect(r: dict[str, list[float]], s: dict[str, Any], res: Any) -> None:
    for key in ("dec", "area", "inc", "rel"):
        r.setdefault(key, [])
    r["dec"].append(res.decrement_pct - s["decrement_pct"])
    r["area"].append(res.area_decrement_pct - s["area_decrement_pct"])
    r["inc"].append(res.increment_pct - s["increment_pct"])
    if s["increment_pct"] >= 50.0:
        r["rel"].append(res.increment_pct / s["increment_pct"] - 1.0)


def main() -> None:
    quick = "--quick" in sys.argv
    f_bench(24 if quick else 112)
    h_bench(16 if quick else 104)
    rns_bench(30 if quick else 150)


if __name__ == "__main__":
    main()
