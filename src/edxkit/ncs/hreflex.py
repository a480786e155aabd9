"""H reflex: M and H waves of a recruitment series, H latency, Hmax/Mmax and the recruitment curves.

Method (sweeps aligned on the stimulus, in mV):

1. **Windows** (when not given) — the activity profile is the 90th percentile over sweeps of the
   smoothed (σ 0.3 ms) rectified sweep; runs above ``max(6 × its 20th percentile, 8 % of its
   peak)`` closer than 1 ms are merged, and each run's end is moved on while the profile stays
   above a third of that level (the slow last phase). The M window is the first run starting at
   least 1.5 ms after the stimulus; the H window is the run with the most activity starting at
   least 2 ms after the M window and at least 15 ms after the stimulus. Each run then ends where
   the slope profile (90th percentile over sweeps of the smoothed sweeps' absolute slope) last
   exceeds 15 % of its steepest value within the run, so a slow wave running on from the M wave
   (on real soleus sweeps, a 16–28 ms wave with a tenth of the M wave's slope) is not taken into
   it. Each is widened by 1 ms.
2. **M wave** — :func:`edxkit.ncs.markers.measure_sweep` inside the M window (onset latency,
   peak-to-peak).
3. **H wave** — on each sweep smoothed with σ = 0.1 ms, relative to its mean level over the
   2.5 ms that end 0.5 ms before the H window (the M wave's slow tail may still be decaying
   further back): present when the departure exceeds 6 noise SDs and stays above 2.5 SDs for
   0.5 ms inside the window (the noise SD is the robust spread of the lightly smoothed sweeps
   about their level over those baseline segments, pooled over sweeps, so coloured noise is
   honoured).
   Onset: the first phase's rising edge extrapolated to the baseline
   (:func:`edxkit.ncs.fwave.take_off_index`); size: peak-to-peak inside the H window.
4. **Summary** — ``h_latency_ms`` is the H onset of the sweep with the largest H (the most
   reliable onset); ``h_min_latency_ms`` the earliest onset among sweeps whose H is at least
   10 % of Hmax. ``m_latency_ms`` is the median M onset of the sweeps whose M is at least half of
   Mmax. Hmax and Mmax are the largest single-sweep peak-to-peak sizes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from edxkit.ncs.fwave import CFG as F_CFG
from edxkit.ncs.fwave import first_event, stack_sweeps, take_off_index
from edxkit.ncs.fwave import smooth as _smooth
from edxkit.ncs.markers import measure_sweep
from edxkit.waveform import Waveform

FloatArray = NDArray[np.float64]
Window = tuple[float, float]

#: Metadata keys read for a sweep's stimulus intensity (mA) when none are given.
INTENSITY_KEYS = ("intensity_ma", "intensity", "stimulus_ma", "current_ma")
_K_HIGH, _K_LOW, _MIN_RUN_MS = 6.0, 2.5, 0.5
_BASE_MS, _GAP_MS = 2.5, 0.5
_TAIL_SLOPE = 0.15


@dataclass(frozen=True, slots=True)
class HSweep:
    """M and H waves of one sweep; H fields are None when no H wave was found.

    Parameters
    ----------
    sweep : int
        1-based sweep number.
    intensity_ma : float or None
        Stimulus intensity, mA.
    m_onset_latency_ms, m_peak_to_peak_mv : float or None
        M-wave onset latency (ms) and peak-to-peak amplitude (mV); None when no M wave.
    h_present : bool
        Whether an H wave was found.
    h_onset_latency_ms, h_peak_to_peak_mv : float or None
        H-wave onset latency (ms) and peak-to-peak amplitude (mV).
    """

    sweep: int
    intensity_ma: float | None
    m_onset_latency_ms: float | None
    m_peak_to_peak_mv: float | None
    h_present: bool
    h_onset_latency_ms: float | None = None
    h_peak_to_peak_mv: float | None = None


@dataclass(frozen=True, slots=True)
class RecruitmentLevel:
    """Mean M and H sizes at one stimulus intensity (absent responses count as 0 mV).

    Parameters
    ----------
    intensity_ma : float
        Stimulus intensity, mA.
    n_sweeps : int
        Sweeps at this intensity.
    m_mean_mv, h_mean_mv : float
        Mean M and H peak-to-peak amplitude, mV.
    h_present_fraction : float
        Fraction (0–1) of the sweeps with an H wave.
    """

    intensity_ma: float
    n_sweeps: int
    m_mean_mv: float
    h_mean_mv: float
    h_present_fraction: float


@dataclass(frozen=True, slots=True)
class HReflexResult:
    """H-reflex recruitment series (see the module docstring for the definitions).

    Parameters
    ----------
    sweeps : tuple of HSweep
        Per-sweep M and H measurements, in sweep order.
    m_window_ms, h_window_ms : (float, float)
        Windows used, ms after the stimulus.
    h_latency_ms : float or None
        H onset latency of the sweep with the largest H, ms.
    h_min_latency_ms : float or None
        Earliest H onset among sweeps with an H of at least 10 % of Hmax, ms.
    m_latency_ms : float or None
        Median M onset latency of the sweeps with an M of at least half of Mmax, ms.
    h_max, m_max : float or None
        Largest H and M peak-to-peak amplitude, mV.
    h_m_ratio : float or None
        ``h_max / m_max``.
    intensity_at_hmax_ma : float or None
        Intensity of the sweep with the largest H, mA.
    h_threshold_ma, m_threshold_ma : float or None
        Lowest intensity at which at least half of the sweeps have an H (an M), mA.
    recruitment : tuple of RecruitmentLevel
        Recruitment curves (intensity → mean M and H size), by rising intensity; empty without
        intensities.
    noise_sd_mv : float
        Noise SD of the lightly smoothed sweeps around the H window, mV.
    notes : tuple of str
        Remarks (windows found automatically, no H, no intensities, ...).
    """

    sweeps: tuple[HSweep, ...]
    m_window_ms: Window
    h_window_ms: Window
    h_latency_ms: float | None
    h_min_latency_ms: float | None
    m_latency_ms: float | None
    h_max: float | None
    m_max: float | None
    h_m_ratio: float | None
    intensity_at_hmax_ma: float | None
    h_threshold_ma: float | None
    m_threshold_ma: float | None
    recruitment: tuple[RecruitmentLevel, ...]
    noise_sd_mv: float
    notes: tuple[str, ...] = ()


# --- windows -------------------------------------------------------------------------------------


def _smoothed(t_ms: FloatArray, x: FloatArray, fs_hz: float) -> FloatArray:
    """The sweeps minus their median level after 2 ms, smoothed (σ 0.3 ms)."""
    base = np.median(x[:, t_ms > 2.0] if np.any(t_ms > 2.0) else x, axis=1, keepdims=True)
    return _smooth(x - base, 0.3, fs_hz)


def _p90(values: FloatArray) -> FloatArray:
    return np.asarray(np.percentile(values, 90, axis=0), dtype=np.float64)


def activity_profile(t_ms: FloatArray, x: FloatArray, fs_hz: float) -> FloatArray:
    """90th percentile over sweeps of the smoothed, rectified, baseline-removed sweeps (mV)."""
    return _p90(np.abs(_smoothed(t_ms, x, fs_hz)))


def _runs(t_ms: FloatArray, active: NDArray[np.bool_], merge_ms: float) -> list[tuple[int, int]]:
    """Index runs ``[start, stop)`` of ``active``, merging runs closer than ``merge_ms``."""
    edges = np.diff(np.concatenate(([0], active.astype(np.int8), [0])))
    runs: list[tuple[int, int]] = []
    for b, e in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
        if runs and t_ms[b] - t_ms[runs[-1][1] - 1] < merge_ms:
            runs[-1] = (runs[-1][0], int(e))
        else:
            runs.append((int(b), int(e)))
    return runs


def find_windows(t_ms: FloatArray, x: FloatArray, fs_hz: float) -> tuple[Window | None, Window | None]:
    """M and H windows (ms) from the activity profile of a recruitment series (None if not found).

    Parameters
    ----------
    t_ms : ndarray
        Time after the stimulus, ms.
    x : ndarray, shape (n_sweeps, n_samples)
        Sweeps, mV.
    fs_hz : float
        Sampling rate.
    """
    smoothed = _smoothed(t_ms, x, fs_hz)
    act = _p90(np.abs(smoothed))
    late = act[t_ms > 2.0] if np.any(t_ms > 2.0) else act
    level = max(6.0 * float(np.percentile(late, 20)), 0.08 * float(late.max(initial=0.0)))
    runs = [r for r in _runs(t_ms, (act > level) & (t_ms >= 1.5), 1.0) if t_ms[r[0]] >= 1.5]
    if not runs:
        return None, None
    highs = [r[0] for r in runs[1:]] + [act.size]
    runs = [(r[0], _extend(act, r[1], level / 3.0, hi)) for r, hi in zip(runs, highs, strict=True)]
    # the slope profile: 90th percentile over sweeps of their absolute slope (mV/ms)
    slope = _p90(np.abs(np.gradient(smoothed, axis=1)) * (fs_hz / 1000.0))
    m_run = _trim_slow_tail(slope, runs[0])
    m_win = (float(t_ms[m_run[0]]) - 1.0, float(t_ms[m_run[1] - 1]) + 1.0)
    later = [r for r in runs[1:] if t_ms[r[0]] >= max(m_win[1] + 2.0, 15.0)]
    if not later:
        return m_win, None
    h_run = _trim_slow_tail(slope, max(later, key=lambda r: float(act[r[0] : r[1]].sum())))
    return m_win, (float(t_ms[h_run[0]]) - 1.0, float(t_ms[h_run[1] - 1]) + 1.0)


def _trim_slow_tail(slope: FloatArray, run: tuple[int, int]) -> tuple[int, int]:
    """End ``run`` where its slope last exceeds :data:`_TAIL_SLOPE` of the run's steepest slope.

    An evoked wave's phases are steep; a slow wave after it (a movement artefact of the twitch, or
    another muscle's slow potential) moves the rectified level as much but with a fraction of the slope,
    and would otherwise be merged into the window and measured as part of the wave.
    """
    a, b = run
    seg = slope[a:b]
    steep = np.flatnonzero(seg > _TAIL_SLOPE * float(seg.max(initial=0.0)))
    return (a, a + int(steep[-1]) + 1) if steep.size else run


def _extend(act: FloatArray, stop: int, level: float, limit: int) -> int:
    """Move a run's end forward, up to ``limit``, while the activity stays above ``level``."""
    below = np.flatnonzero(act[stop:limit] <= level)
    return stop + int(below[0]) if below.size else limit


# --- H waves -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _HWave:
    present: bool
    onset_ms: float | None = None
    peak_to_peak_mv: float | None = None


def _departures_from_baseline(
    t_ms: FloatArray, x: FloatArray, fs_hz: float, start_ms: float
) -> tuple[FloatArray, float]:
    """Lightly smoothed sweeps minus their level just before ``start_ms``, and their noise SD (mV)."""
    ms = fs_hz / 1000.0
    light = _smooth(x, F_CFG.onset_sigma_ms, fs_hz)
    b = max(int(np.searchsorted(t_ms, start_ms)) - round(_GAP_MS * ms), 3)
    a = max(b - max(round(_BASE_MS * ms), 3), 0)
    seg = light[:, a:b]
    level = np.median(seg, axis=1, keepdims=True)
    spread = 1.4826 * float(np.median(np.abs(seg - level)))
    white = float(1.4826 * np.median(np.abs(np.diff(x, 2, axis=1))) / math.sqrt(6.0))
    gain = 1.0 / math.sqrt(max(2.0 * math.sqrt(math.pi) * F_CFG.onset_sigma_ms * ms, 1.0))
    floor = max(white * gain, 1e-9 * float(np.max(np.abs(x), initial=1.0)))
    return np.asarray(light - level, dtype=np.float64), max(spread, floor)


def _h_wave(t_ms: FloatArray, y: FloatArray, sd: float, window: tuple[int, int], fs_hz: float) -> _HWave:
    """H wave of one sweep inside the index window: detection, onset latency and peak-to-peak."""
    ms = fs_hz / 1000.0
    i_h, i_e = window
    if i_e - i_h < 3:
        return _HWave(False)
    z = np.abs(y[:i_e]) / sd
    j = first_event(z, i_h, k_low=_K_LOW, k_high=_K_HIGH, min_n=max(round(_MIN_RUN_MS * ms), 1))
    if j >= i_e:
        return _HWave(False)
    sign = 1.0 if y[j] >= 0 else -1.0
    onset = take_off_index(y, j, sign, sd, round(F_CFG.peak_search_ms * ms))
    seg = y[i_h:i_e]
    return _HWave(True, float(t_ms[0] + onset / ms), float(seg.max() - seg.min()))


# --- series --------------------------------------------------------------------------------------


def _intensities(
    sweeps: Sequence[Waveform], given: Sequence[float] | None, notes: list[str]
) -> list[float | None]:
    """Intensity of every sweep (mA): given, else from the sweep metadata, else None."""
    if given is not None:
        if len(given) != len(sweeps):
            raise ValueError(f"intensities_ma has {len(given)} values for {len(sweeps)} sweeps")
        return [float(v) for v in given]
    found: list[float | None] = []
    for w in sweeps:
        text = next((w.metadata[key] for key in INTENSITY_KEYS if key in w.metadata), None)
        try:
            found.append(float(text) if text is not None else None)
        except ValueError:
            found.append(None)
    if any(v is None for v in found):
        notes.append("stimulus intensities unknown: no recruitment curve or thresholds")
    return found


def _windows(
    t_ms: FloatArray,
    x: FloatArray,
    fs_hz: float,
    m_window_ms: Window | None,
    h_window_ms: Window | None,
    notes: list[str],
) -> tuple[Window, Window]:
    """The M and H windows: given, found from the activity profile, or the textbook defaults."""
    auto_m, auto_h = (None, None)
    if m_window_ms is None or h_window_ms is None:
        auto_m, auto_h = find_windows(t_ms, x, fs_hz)
    m_win = m_window_ms or auto_m
    h_win = h_window_ms or auto_h
    if m_win is None:
        m_win = (2.0, 20.0)
        notes.append("no M wave in the activity profile: M window 2-20 ms assumed")
    if h_win is None:
        h_win = (25.0, 45.0)
        notes.append("no late response in the activity profile: H window 25-45 ms assumed")
    lo, hi = float(t_ms[0]), float(t_ms[-1])
    return (max(m_win[0], lo), min(m_win[1], hi)), (max(h_win[0], lo), min(h_win[1], hi))


def _levels(rows: Sequence[HSweep]) -> tuple[RecruitmentLevel, ...]:
    """Mean M and H size per intensity (rows without intensity are left out)."""
    known = [r for r in rows if r.intensity_ma is not None]
    out = []
    for level in sorted({r.intensity_ma for r in known if r.intensity_ma is not None}):
        at = [r for r in known if r.intensity_ma == level]
        m = np.array([r.m_peak_to_peak_mv or 0.0 for r in at])
        h = np.array([r.h_peak_to_peak_mv or 0.0 for r in at])
        present = float(np.mean([r.h_present for r in at]))
        out.append(RecruitmentLevel(level, len(at), float(m.mean()), float(h.mean()), present))
    return tuple(out)


def _threshold(rows: Sequence[HSweep], levels: Sequence[float], wave: str) -> float | None:
    """Lowest intensity at which at least half of the sweeps have the wave (``"m"`` or ``"h"``)."""
    for level in levels:
        at = [r for r in rows if r.intensity_ma == level]
        have = [(r.m_peak_to_peak_mv is not None) if wave == "m" else r.h_present for r in at]
        if at and 2 * sum(have) >= len(at):
            return level
    return None


def _summarize(
    rows: tuple[HSweep, ...], windows: tuple[Window, Window], noise_sd: float, notes: list[str]
) -> HReflexResult:
    h_rows = [r for r in rows if r.h_peak_to_peak_mv is not None]
    m_rows = [r for r in rows if r.m_peak_to_peak_mv is not None]
    top_h = max(h_rows, key=lambda r: r.h_peak_to_peak_mv or 0.0, default=None)
    h_max = top_h.h_peak_to_peak_mv if top_h is not None else None
    m_max = max((r.m_peak_to_peak_mv or 0.0 for r in m_rows), default=None)
    big_h = [r.h_onset_latency_ms for r in h_rows if h_max and (r.h_peak_to_peak_mv or 0.0) >= 0.1 * h_max]
    big_m = [r.m_onset_latency_ms for r in m_rows if m_max and (r.m_peak_to_peak_mv or 0.0) >= 0.5 * m_max]
    levels = _levels(rows)
    intensities = [lv.intensity_ma for lv in levels]
    if top_h is None:
        notes.append("no H wave in any sweep")
    return HReflexResult(
        sweeps=rows,
        m_window_ms=windows[0],
        h_window_ms=windows[1],
        h_latency_ms=top_h.h_onset_latency_ms if top_h is not None else None,
        h_min_latency_ms=min((v for v in big_h if v is not None), default=None),
        m_latency_ms=float(np.median([v for v in big_m if v is not None])) if big_m else None,
        h_max=h_max,
        m_max=m_max,
        h_m_ratio=h_max / m_max if h_max is not None and m_max else None,
        intensity_at_hmax_ma=top_h.intensity_ma if top_h is not None else None,
        h_threshold_ma=_threshold(rows, intensities, "h"),
        m_threshold_ma=_threshold(rows, intensities, "m"),
        recruitment=levels,
        noise_sd_mv=noise_sd,
        notes=tuple(notes),
    )


def analyze_h_reflex(
    sweeps: Sequence[Waveform],
    *,
    intensities_ma: Sequence[float] | None = None,
    m_window_ms: Window | None = None,
    h_window_ms: Window | None = None,
) -> HReflexResult:
    """Measure the M and H waves of an H-reflex recruitment series.

    Parameters
    ----------
    sweeps : sequence of Waveform
        One sweep per stimulus (mV or µV, physical sign, stimulus time set, same sampling rate).
    intensities_ma : sequence of float, optional
        Stimulus intensity of every sweep, mA (default: the sweeps' ``intensity_ma`` metadata).
    m_window_ms, h_window_ms : (float, float), optional
        M-wave and H-wave windows, ms after the stimulus (default: found from the series).

    Returns
    -------
    HReflexResult
        Per-sweep M and H measurements, H latency, Hmax, Mmax, their ratio and the recruitment
        curves (see the module docstring for the definitions).

    Raises
    ------
    ValueError
        No sweeps, sweeps that cannot be aligned, non-finite samples, or as many intensities as
        sweeps not given.
    """
    t_ms, x, fs_hz = stack_sweeps(sweeps)
    notes: list[str] = []
    intensity = _intensities(sweeps, intensities_ma, notes)
    m_win, h_win = _windows(t_ms, x, fs_hz, m_window_ms, h_window_ms, notes)
    y, noise_sd = _departures_from_baseline(t_ms, x, fs_hz, h_win[0])
    h_idx = (int(np.searchsorted(t_ms, h_win[0])), int(np.searchsorted(t_ms, h_win[1])))
    rows = []
    for k, w in enumerate(sweeps):
        m = measure_sweep(w, "motor", window_ms=m_win)
        to_mv = 0.001 if m.units == "uV" else 1.0
        m_size = m.peak_to_peak if m.peak_to_peak is not None else m.amplitude
        h = _h_wave(t_ms, y[k], noise_sd, h_idx, fs_hz)
        rows.append(
            HSweep(
                k + 1,
                intensity[k],
                m.onset_latency_ms,
                m_size * to_mv if m_size is not None else None,
                h.present,
                h.onset_ms,
                h.peak_to_peak_mv,
            )
        )
    return _summarize(tuple(rows), (m_win, h_win), noise_sd, notes)
