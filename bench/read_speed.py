"""Reading speed: each N2001 record through edxkit vs numpy.fromfile of the same bytes.

Prints a table of per-record times (best of N repeats, so that the shared machine's noise counts least)
and the ratio edxkit / fromfile, then the time of `info` on a 2 GB sparse EDF+ and of a 10 s window
read from its middle.  Run:  python bench/read_speed.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from edxkit.io import open_recording, read_info, read_waveform  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "emglab-n2001"


def best_of(repeats: int, fn) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def fromfile_physical(binary: Path) -> np.ndarray:
    """The least any reader returning physical units does: read the bytes, scale to float µV."""
    return np.fromfile(binary, dtype="<i2", offset=20, count=262124).astype(np.float64) * (1 / 13.107)


def n2001_table(repeats: int) -> list[tuple[str, float, float, float]]:
    with (DATA / "manifest.csv").open() as f:
        records = [row["record"] for row in csv.DictReader(f)]
    rows = []
    for record in records:
        hea = DATA / "records" / f"{record}.hea"
        binary = hea.with_suffix(".bin")
        t_edx = best_of(repeats, lambda hea=hea: read_waveform(hea))
        t_np = best_of(repeats, lambda b=binary: np.fromfile(b, dtype="<i2", offset=20, count=262124))
        t_phys = best_of(repeats, lambda b=binary: fromfile_physical(b))
        rows.append((record, t_edx, t_np, t_phys))
    return rows


def big_edf_times(repeats: int) -> tuple[float, float, float]:
    from test_lazy_reading import big_edf

    with tempfile.TemporaryDirectory() as tmp:
        path = big_edf(Path(tmp) / "long.edf", plus=True)
        size_gb = path.stat().st_size / 1e9
        t_info = best_of(repeats, lambda: read_info(path))
        with open_recording(path) as rec:
            t_window = best_of(repeats, lambda: rec.read(0, start_s=3 * 3600, stop_s=3 * 3600 + 10))
    return size_gb, t_info, t_window


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    if not DATA.exists():
        sys.exit(f"{DATA} is absent: the N2001 records are needed for this benchmark")
    rows = n2001_table(args.repeats)
    head = f"{'record':<14} {'edxkit ms':>10} {'fromfile ms':>12} {'ratio':>7} {'+float ms':>10} {'ratio':>7}"
    print(head)
    for record, t_edx, t_np, t_phys in rows:
        print(
            f"{record:<14} {t_edx * 1e3:>10.2f} {t_np * 1e3:>12.2f} {t_edx / t_np:>7.1f} "
            f"{t_phys * 1e3:>10.2f} {t_edx / t_phys:>7.1f}"
        )
    med = [statistics.median(r[k] for r in rows) * 1e3 for k in (1, 2, 3)]
    ratios = [r[1] / r[2] for r in rows]
    ratios_phys = [r[1] / r[3] for r in rows]
    print(
        f"{'median':<14} {med[0]:>10.2f} {med[1]:>12.2f} {statistics.median(ratios):>7.1f} "
        f"{med[2]:>10.2f} {statistics.median(ratios_phys):>7.1f}"
    )
    print(
        f"ratio to fromfile {min(ratios):.1f}–{max(ratios):.1f}, to fromfile+float "
        f"{min(ratios_phys):.1f}–{max(ratios_phys):.1f} over {len(rows)} records"
    )
    t_header = best_of(args.repeats, lambda: read_info(DATA / "records" / "N2001A01BB01.hea"))
    print(f"header parse alone (wfdb.rdheader + checks), N2001A01BB01: {t_header * 1e3:.2f} ms")
    size_gb, t_info, t_window = big_edf_times(args.repeats)
    print(
        f"\n{size_gb:.2f} GB EDF+ (48 kHz, 1 channel): info {t_info * 1e3:.0f} ms, "
        f"10 s window {t_window * 1e3:.1f} ms"
    )


if __name__ == "__main__":
    main()
