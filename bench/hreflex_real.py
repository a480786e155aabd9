"""H-reflex analysis of the 41 real soleus sweeps in ../shared/data/rcf-soleus-hreflex.

Reads ``example-waveforms.csv`` (row 0: stimulus intensity per sweep; rows 1–193: time in ms and
the sweeps, 3.2 kHz, 0–60 ms, stimulus at 0, units taken as mV as SOURCE.md argues), runs
:func:`edxkit.ncs.hreflex.analyze_h_reflex` with automatic windows and prints, per sweep, the
intensity, M onset latency and peak-to-peak, H onset latency and peak-to-peak, beside the
peak-to-peak in the package's documented windows (M 8.1–15.9 ms, H 34.6–42.4 ms) of the same sweep;
then the recruitment curve summary (H threshold, intensity at Hmax, Hmax/Mmax), the correlation
of our sizes with the documented-window sizes, and the same analysis with the documented windows.

``example-data1.txt`` / ``example-data2.txt`` are per-trial M/H magnitude tables of other sessions
(subject A, days 1 and 2; SOURCE.md: "these trials are not the same ones as in the waveform
file"), so they cannot be compared trial by trial; their per-intensity means are printed only as
context. Run:  python bench/hreflex_real.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from edxkit.ncs.hreflex import HReflexResult, analyze_h_reflex
from edxkit.waveform import Waveform

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "rcf-soleus-hreflex"
M_DOC, H_DOC = (8.1, 15.9), (34.6, 42.4)


def load() -> tuple[list[Waveform], np.ndarray, np.ndarray]:
    data = np.loadtxt(DATA / "example-waveforms.csv", delimiter=",")
    t_ms, x = data[1:, 0], data[1:, 1:].T
    fs_hz = 1000.0 / float(t_ms[1] - t_ms[0])
    sweeps = [
        Waveform(row.copy(), fs_hz, "mV", channel=f"sweep {k + 1}", source=str(DATA), stimulus_s=0.0)
        for k, row in enumerate(x)
    ]
    return sweeps, data[0, 1:], t_ms


def window_ptp(sweeps: list[Waveform], t_ms: np.ndarray, window: tuple[float, float]) -> np.ndarray:
    sel = (t_ms >= window[0]) & (t_ms <= window[1])
    return np.array([float(np.ptp(w.samples[sel])) for w in sweeps])


def fmt(value: float | None, spec: str = "6.2f") -> str:
    return format(value, spec) if value is not None else format("-", ">" + spec.split(".")[0])


def print_sweeps(res: HReflexResult, m_doc: np.ndarray, h_doc: np.ndarray) -> None:
    print(
        f"{'sweep':>5s} {'mA':>4s} | {'M onset ms':>10s} {'M ptp mV':>8s} | "
        f"{'H onset ms':>10s} {'H ptp mV':>8s}"
        f" | {'M ptp doc':>9s} {'H ptp doc':>9s}"
    )
    for s, m, h in zip(res.sweeps, m_doc, h_doc, strict=True):
        print(
            f"{s.sweep:5d} {s.intensity_ma or 0.0:4.1f} | {fmt(s.m_onset_latency_ms, '10.2f')} "
            f"{fmt(s.m_peak_to_peak_mv, '8.3f')} | {fmt(s.h_onset_latency_ms, '10.2f')} "
            f"{fmt(s.h_peak_to_peak_mv, '8.3f')} | {m:9.3f} {h:9.3f}"
        )


def print_summary(label: str, res: HReflexResult, m_doc: np.ndarray, h_doc: np.ndarray) -> None:
    m = np.array([s.m_peak_to_peak_mv or 0.0 for s in res.sweeps])
    h = np.array([s.h_peak_to_peak_mv or 0.0 for s in res.sweeps])
    print(
        f"\n{label}: M window {res.m_window_ms[0]:.1f}-{res.m_window_ms[1]:.1f} ms, "
        f"H window {res.h_window_ms[0]:.1f}-{res.h_window_ms[1]:.1f} ms"
    )
    print(
        f"  H threshold {fmt(res.h_threshold_ma, '.1f')} mA, "
        f"M threshold {fmt(res.m_threshold_ma, '.1f')} mA, "
        f"intensity at Hmax {fmt(res.intensity_at_hmax_ma, '.1f')} mA"
    )
    print(
        f"  Hmax {fmt(res.h_max, '.3f')} mV, Mmax {fmt(res.m_max, '.3f')} mV, "
        f"Hmax/Mmax {fmt(res.h_m_ratio, '.3f')}; H latency (at Hmax) {fmt(res.h_latency_ms, '.2f')} ms, "
        f"earliest reliable {fmt(res.h_min_latency_ms, '.2f')} ms, "
        f"M latency {fmt(res.m_latency_ms, '.2f')} ms"
    )
    print(
        "  same sweeps, our size vs documented-window peak-to-peak: "
        f"Pearson r M {np.corrcoef(m, m_doc)[0, 1]:.3f}, "
        f"H {np.corrcoef(h, h_doc)[0, 1]:.3f}; median ratio M {np.median(m / m_doc):.2f}, "
        f"H {np.median(h[h > 0] / h_doc[h > 0]):.2f}"
    )
    if res.notes:
        print("  notes: " + "; ".join(res.notes))


def print_curve(res: HReflexResult, m_doc: np.ndarray, h_doc: np.ndarray, intensity: np.ndarray) -> None:
    print("\nrecruitment curve (means per intensity):")
    print(f"{'mA':>4s} {'n':>2s} | {'M ptp':>6s} {'H ptp':>6s} {'H %':>4s} | {'M doc':>6s} {'H doc':>6s}")
    for lv in res.recruitment:
        at = intensity == lv.intensity_ma
        print(
            f"{lv.intensity_ma:4.1f} {lv.n_sweeps:2d} | {lv.m_mean_mv:6.3f} {lv.h_mean_mv:6.3f} "
            f"{100 * lv.h_present_fraction:4.0f} | {m_doc[at].mean():6.3f} {h_doc[at].mean():6.3f}"
        )


def print_tables() -> None:
    print("\nexample-data1/2.txt: per-trial M/H magnitudes of other sessions (SOURCE.md: not the same trials")
    print("as the waveform file) -> not comparable trial by trial; no correlation computed.")
    print("Per-intensity means, for context only:")
    for name in ("example-data1.txt", "example-data2.txt"):
        rows = np.array(
            [
                [float(v) for v in line.split(",")[2:]]
                for line in (DATA / name).read_text().splitlines()
                if line.strip() and not line.startswith("#")
            ]
        )
        levels = np.unique(rows[:, 0])
        text = ", ".join(
            f"{lv:g}: M {rows[rows[:, 0] == lv, 1].mean():.2f} H {rows[rows[:, 0] == lv, 2].mean():.2f}"
            for lv in levels
        )
        print(f"  {name} ({len(rows)} trials): {text}")


def main() -> None:
    sweeps, intensity, t_ms = load()
    m_doc, h_doc = window_ptp(sweeps, t_ms, M_DOC), window_ptp(sweeps, t_ms, H_DOC)
    auto = analyze_h_reflex(sweeps, intensities_ma=intensity.tolist())
    print(f"rcf-soleus-hreflex: {len(sweeps)} sweeps, {sweeps[0].fs_hz:.0f} Hz, windows found automatically")
    print_sweeps(auto, m_doc, h_doc)
    print_curve(auto, m_doc, h_doc, intensity)
    print_summary("automatic windows", auto, m_doc, h_doc)
    documented = analyze_h_reflex(
        sweeps, intensities_ma=intensity.tolist(), m_window_ms=M_DOC, h_window_ms=H_DOC
    )
    print_summary("documented windows (M 8.1-15.9, H 34.6-42.4 ms)", documented, m_doc, h_doc)
    print_tables()


if __name__ == "__main__":
    main()
