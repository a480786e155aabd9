"""Agreement of edxkit's decomposition with the EMGlab reference decompositions of real needle recordings.

Records: the four N2001 biceps records with a reference ``.eaf`` (A01BB01, A01BB02 — ALS; C01BB51, C01BB55 —
control; concentric needle, 23 437.5 Hz) and the EMGlab sample R00108 (monopolar needle, 10 kHz). Read with
``edxkit.io.dispatch.read_waveform``, preprocessed with ``edxkit.emg.prepare.prepare``, decomposed with
``edxkit.emg.decompose.decompose``.

Per reference unit: the decomposed unit that matches most of its firings, after estimating a constant time
offset between the two conventions (edxkit's time = largest-magnitude sample of the template; EMGlab's time
is the annotator's marker): the offset is the median of the differences within ±0.25 ms of the mode of all
differences within ±3 ms. A reference firing is matched when a firing of that unit lies within ``--tol-ms``
(0.5 ms) of it after the offset; each decomposed unit is assigned to at most one reference unit (greedy by
matched firings). ``recall`` = matched / reference firings; ``precision`` = matched / firings of the
decomposed unit within the reference unit's span (first to last reference firing ± 0.1 s: several N2001
references cover only part of the record); ``r`` = correlation of the decomposed template with the reference
template, the latter built by averaging the prepared record at the reference firing times (±5 ms), best over
±0.5 ms shifts. Units found by edxkit that match no reference unit are listed as ``extra``. Speed:
decomposition time and its ratio to read_waveform + prepare of the same record, timed in the same run (one
core).

Run:  python bench/emglab_agreement.py [--tol-ms 0.5] [--quick]
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

from edxkit.emg.decompose import DecomposedUnit, decompose
from edxkit.emg.prepare import Prepared, prepare
from edxkit.io.dispatch import read_waveform
from edxkit.io.eaf import EafAnnotation, read_eaf
from firing_match import n_matched

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
RECORDS = [
    ("emglab-n2001/records/N2001A01BB01.hea", "emglab-n2001/annotations/N2001A01BB01.eaf"),
    ("emglab-n2001/records/N2001A01BB02.hea", "emglab-n2001/annotations/N2001A01BB02.eaf"),
    ("emglab-n2001/records/N2001C01BB51.hea", "emglab-n2001/annotations/N2001C01BB51.eaf"),
    ("emglab-n2001/records/N2001C01BB55.hea", "emglab-n2001/annotations/N2001C01BB55.eaf"),
    ("emglab-r1-sample/R00108.hea", "emglab-r1-sample/R00108.eaf"),
]


@dataclass
class Row:
    record: str
    ref_unit: int
    n_ref: int
    ref_pp_uv: float
    unit: int | None
    n_unit: int
    offset_ms: float
    recall: float
    precision: float
    r: float


def offset_s(ref: np.ndarray, mine: np.ndarray) -> float:
    """Constant offset (mine − ref) from the mode of all differences within ±3 ms."""
    if ref.size == 0 or mine.size == 0:
        return 0.0
    d = (mine[None, :] - ref[:, None]).ravel()
    d = d[np.abs(d) <= 0.003]
    if d.size == 0:
        return 0.0
    hist, edges = np.histogram(d, bins=np.arange(-0.003, 0.0031, 0.0001))
    mode = 0.5 * (edges[np.argmax(hist)] + edges[np.argmax(hist) + 1])
    near = d[np.abs(d - mode) <= 0.00025]
    return float(np.median(near)) if near.size else float(mode)


def reference_template(prep: Prepared, times_s: np.ndarray, half: int) -> np.ndarray:
    idx = np.rint((times_s - prep.start_s) * prep.fs_hz).astype(np.int64)
    idx = idx[(idx - half >= 0) & (idx + half < prep.uv.size)]
    if idx.size == 0:
        return np.zeros(2 * half + 1)
    return np.mean(prep.uv[idx[:, None] + np.arange(-half, half + 1)], axis=0)


def template_r(prep: Prepared, unit: DecomposedUnit, ref_times: np.ndarray, offset: float) -> float:
    half = round(0.005 * prep.fs_hz)
    ref = reference_template(prep, ref_times + offset, half)
    t = np.pad(unit.template_uv, half)
    mine = t[unit.template_index : unit.template_index + 2 * half + 1]
    s = max(1, round(0.0005 * prep.fs_hz))
    best = -1.0
    for d in range(-s, s + 1):
        a, b = ref[s:-s], mine[s + d : mine.size - s + d]
        if a.std() > 0 and b.std() > 0:
            best = max(best, float(np.corrcoef(a, b)[0, 1]))
    return best


def _pair(ref: np.ndarray, unit: DecomposedUnit, tol_s: float) -> tuple[int, int, float]:
    """Matched reference firings, firings of ``unit`` within the reference unit's span, and the offset."""
    mine = np.sort(unit.firing_times_s)
    off = offset_s(ref, mine)
    span = (ref[0] - 0.1, ref[-1] + 0.1)
    inside = mine[(mine - off >= span[0]) & (mine - off <= span[1])]
    return n_matched(ref, mine - off, tol_s), int(inside.size), off


def compare(
    name: str, prep: Prepared, ann: EafAnnotation, units: tuple[DecomposedUnit, ...], tol_s: float
) -> tuple[list[Row], list[DecomposedUnit]]:
    """One-to-one assignment of decomposed to reference units, greedily by matched firings."""
    refs = {i: ann.firing_times(i) for i in ann.unit_ids}
    pairs = {(i, u.id): _pair(refs[i], u, tol_s) for i in refs for u in units}
    by_id = {u.id: u for u in units}
    assigned: dict[int, int] = {}
    for (i, uid), (m, _, _) in sorted(pairs.items(), key=lambda kv: -kv[1][0]):
        if m > 0 and i not in assigned and uid not in assigned.values():
            assigned[i] = uid
    half = round(0.005 * prep.fs_hz)
    rows = []
    for i, ref in refs.items():
        pp = float(np.ptp(reference_template(prep, ref, half)))
        if i not in assigned:
            rows.append(Row(name, i, ref.size, pp, None, 0, float("nan"), 0.0, 0.0, float("nan")))
            continue
        unit = by_id[assigned[i]]
        m, n_in, off = pairs[(i, unit.id)]
        r = template_r(prep, unit, ref, off)
        rows.append(Row(name, i, ref.size, pp, unit.id, n_in, off * 1000, m / ref.size, m / max(n_in, 1), r))
    return rows, [u for u in units if u.id not in assigned.values()]


def run(tol_ms: float, quick: bool) -> None:
    all_rows: list[Row] = []
    speed = []
    records = RECORDS[:2] + RECORDS[-1:] if quick else RECORDS
    for rec, eaf in records:
        rec_path, eaf_path = DATA / rec, DATA / eaf
        t0 = time.perf_counter()
        wave = read_waveform(rec_path)
        prep = prepare(wave)
        t1 = time.perf_counter()
        dec = decompose(prep)
        t2 = time.perf_counter()
        ann = read_eaf(eaf_path)
        name = Path(rec).stem
        rows, extra = compare(name, prep, ann, dec.units, tol_ms / 1000.0)
        all_rows += rows
        speed.append(
            (name, prep.n_samples, prep.fs_hz, t1 - t0, t2 - t1, len(dec.units), len(extra), dec.n_detected)
        )
    print(
        "| record | ref unit | ref firings | ref p-p µV | edxkit unit | its firings in span | offset ms | "
        f"recall (±{tol_ms:g} ms) | precision | template r |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in all_rows:
        unit = "—" if r.unit is None else str(r.unit)
        print(
            f"| {r.record} | {r.ref_unit} | {r.n_ref} | {r.ref_pp_uv:.0f} | {unit} | {r.n_unit} | "
            f"{r.offset_ms:.2f} | {r.recall:.2f} | {r.precision:.2f} | {r.r:.2f} |"
        )
    print()
    print(
        "| record | samples | fs Hz | read+prepare s | decompose s | ratio | units found | "
        "extra units (no reference match) | candidates |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name, n, fs, tp, td, nu, ne, nd in speed:
        print(
            f"| {name} | {n} | {fs:g} | {tp:.3f} | {td:.3f} | {td / max(tp, 1e-9):.0f}× | "
            f"{nu} | {ne} | {nd} |"
        )
    found = [r for r in all_rows if r.unit is not None]
    rec = np.array([r.recall for r in all_rows])
    print()
    print(
        f"reference units: {len(all_rows)}; matched to an edxkit unit: {len(found)}; "
        f"median recall {np.median(rec):.2f}; units with recall ≥ 0.9: {int(np.sum(rec >= 0.9))}; "
        "median precision of matched: "
        f"{np.median([r.precision for r in found]) if found else float('nan'):.2f}; "
        f"median template r: {np.nanmedian([r.r for r in found]) if found else float('nan'):.2f}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tol-ms", type=float, default=0.5)
    ap.add_argument("--quick", action="store_true", help="three records only")
    args = ap.parse_args()
    run(args.tol_ms, args.quick)


if __name__ == "__main__":
    main()
