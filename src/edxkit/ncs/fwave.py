"""F waves: per-stimulus detection, onset latency and size; study-level latency, persistence, ratio.

Method (all sweeps aligned on the stimulus, in mV):

1. **M wave** — :func:`edxkit.ncs.markers.measure_sweep` inside ``m_window_ms`` on the median sweep
   (study-level M latency, amplitude, peak-to-peak). Per stimulus, the M onset is the median sweep's
   onset plus the sweep's lag behind the median sweep: the shift (sub-sample, parabolic peak) that best
   correlates the sweep's M wave — 1 ms before the onset to the negative peak — with the median sweep's,
   within ±0.5 ms. A latency *difference* is measured more precisely by aligning the whole rising edge
   than by two independent take-off estimates. A sweep whose M wave is not a copy of the median one
   (correlation < 0.9 or size ratio outside 0.8–1.25: a submaximal stimulus, a moved electrode) is
   measured on its own with the marker engine.
   The F search starts where the median sweep's M wave has fallen for good below 10 % of its
   negative-peak amplitude.
2. **Stimulus-locked part** — what every sweep shares (the M-wave tail, which in the arm still
   curves when the F waves arrive) is estimated at each latency from the sweeps that have *not
   yet* produced an F wave: the median of the sweeps whose F onset (minus 1 ms) is later, each
   freed of its own slow drift (a robust straight line fitted to its F-free part). F onsets are
   confirmed in time order, so that the estimate at a latency never contains an F wave already
   found. When most of the remaining sweeps start an F wave at the same moment (often the same
   motor neuron firing again), the median would follow them; a batch of onsets larger than a
   third of the remaining sweeps is therefore only accepted for sweeps that also depart from
   their own extrapolated trajectory (a quadratic fitted to the 3 ms before). Once fewer than
   three F-free sweeps are left, the shared part is extrapolated with ``a + b·exp(−t/τ) + c·t``
   fitted to its last 6 ms.
3. **Detection** — in each sweep's residual (sweep − shared part − drift, Gaussian-smoothed with
   σ = 0.2 ms) an F wave is the first departure from the straight line fitted to the 12 ms that
   end 1.5 ms earlier: more than 6 noise SDs at its peak, above 2.5 SDs for at least 0.5 ms. The
   noise SD comes from second differences (white noise) through the exact gain of that operator.
4. **Onset** — on the residual smoothed with σ = 0.1 ms, relative to the same baseline line: the
   rising edge of the first phase is extrapolated to the baseline through its crossings of
   max(5 % of the first peak, 3 noise SDs) and 50 % of it. **Size** — peak-to-peak of that
   residual over the 12 ms after the onset.

Validated against :func:`edxkit.simulate.ncs.simulate_f_waves` (bench/late_responses_accuracy.py).
The shared helpers (:func:`stack_sweeps`, :func:`take_off_index`, :func:`white_noise_sd`) are
also used by :mod:`edxkit.ncs.hreflex` and :mod:`edxkit.ncs.rns`.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.ndimage import gaussian_filter1d  # type: ignore[import-untyped]

from edxkit.dsp.peaks import parabolic_offset
from edxkit.ncs.markers import SweepMarkers, measure_sweep
from edxkit.waveform import Waveform

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]
BoolArray = NDArray[np.bool_]

#: M tail level (fraction of the M negative-peak amplitude) after which F waves are searched.
TAIL_FRACTION = 0.10


@dataclass(frozen=True, slots=True)
class FStimulus:
    """One stimulus of an F-wave series.

    Parameters
    ----------
    stimulus : int
        1-based stimulus number (order of the sweeps).
    m_onset_latency_ms : float or None
        M-wave onset latency of this sweep, ms (None when no M wave was found).
    f_present : bool
        Whether an F wave was found.
    f_onset_latency_ms : float or None
        F-wave onset latency, ms after the stimulus.
    f_peak_to_peak_mv : float or None
        F-wave peak-to-peak amplitude, mV.
    """

    stimulus: int
    m_onset_latency_ms: float | None
    f_present: bool
    f_onset_latency_ms: float | None = None
    f_peak_to_peak_mv: float | None = None


@dataclass(frozen=True, slots=True)
class FWaveResult:
    """F-wave series summary; latency fields are None when no F wave was found.

    Parameters
    ----------
    stimuli : tuple of FStimulus
        Per-stimulus results, in sweep order.
    n_stimuli, n_f : int
        Number of stimuli and of stimuli with an F wave.
    persistence_pct : float
        ``n_f / n_stimuli · 100``.
    f_min_latency_ms, f_mean_latency_ms, f_max_latency_ms : float or None
        Minimum, mean and maximum F onset latency, ms.
    chronodispersion_ms : float or None
        ``f_max_latency_ms − f_min_latency_ms``.
    f_mean_amplitude_mv, f_max_amplitude_mv : float or None
        Mean and largest F peak-to-peak amplitude, mV.
    m_latency_ms, m_amplitude_mv, m_peak_to_peak_mv : float or None
        M wave of the median sweep: onset latency (ms), baseline-to-negative-peak and
        peak-to-peak amplitude (mV).
    f_m_ratio_pct : float or None
        ``f_mean_amplitude_mv / m_peak_to_peak_mv · 100`` (both peak-to-peak).
    search_start_ms : float
        Latency from which F waves were searched, ms.
    noise_sd_mv : float
        White-noise SD per sample estimated from the sweeps, mV.
    notes : tuple of str
        Remarks on the series (absent M wave, few stimuli, extrapolated M tail, ...).
    """

    stimuli: tuple[FStimulus, ...]
    n_stimuli: int
    n_f: int
    persistence_pct: float
    f_min_latency_ms: float | None
    f_mean_latency_ms: float | None
    f_max_latency_ms: float | None
    chronodispersion_ms: float | None
    f_mean_amplitude_mv: float | None
    f_max_amplitude_mv: float | None
    m_latency_ms: float | None
    m_amplitude_mv: float | None
    m_peak_to_peak_mv: float | None
    f_m_ratio_pct: float | None
    search_start_ms: float
    noise_sd_mv: float
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Cfg:
    """Detector settings (times in ms, thresholds in noise SDs); see the module docstring."""

    detect_sigma_ms: float = 0.2
    onset_sigma_ms: float = 0.1
    gap_ms: float = 1.5
    fit_ms: float = 12.0
    k_high: float = 6.0
    k_low: float = 2.5
    min_run_ms: float = 0.5
    pad_ms: float = 1.0
    batch_ms: float = 0.5
    minority: float = 0.34
    own_gap_ms: float = 0.2
    own_fit_ms: float = 3.0
    own_window_ms: float = 1.5
    k_own: float = 4.0
    k_own_alone: float = 6.0
    min_free: int = 3
    extrapolate_ms: float = 6.0
    drift_lead_ms: float = 5.0
    peak_search_ms: float = 4.0
    size_span_ms: float = 12.0


CFG = _Cfg()


# --- shared helpers ------------------------------------------------------------------------------


def stack_sweeps(sweeps: Sequence[Waveform]) -> tuple[FloatArray, FloatArray, float]:
    """Align sweeps on their stimulus and stack them (mV), cropped to the common time span.

    Parameters
    ----------
    sweeps : sequence of Waveform
        Sweeps with the same sampling rate and a stimulus time; units mV or µV.

    Returns
    -------
    t_ms : ndarray, shape (n_samples,)
        Time after the stimulus, ms.
    samples_mv : ndarray, shape (n_sweeps, n_samples)
        The sweeps in mV.
    fs_hz : float
        Sampling rate.

    Raises
    ------
    ValueError
        No sweeps, a sweep without stimulus time, different sampling rates, non-finite samples,
        or no common time span.
    """
    if len(sweeps) == 0:
        raise ValueError("no sweeps given")
    fs_hz = float(sweeps[0].fs_hz)
    starts = []
    for k, w in enumerate(sweeps):
        if w.stimulus_s is None:
            raise ValueError(f"sweep {k + 1} ({w.source or w.channel!r}) has no stimulus time")
        if not math.isclose(w.fs_hz, fs_hz, rel_tol=1e-9):
            raise ValueError(f"sweep {k + 1} is sampled at {w.fs_hz} Hz, sweep 1 at {fs_hz} Hz")
        if not np.all(np.isfinite(w.samples)):
            raise ValueError(f"sweep {k + 1} ({w.source or w.channel!r}) has non-finite samples")
        starts.append(float(w.times_ms_from_stimulus()[0]) if w.n_samples else math.inf)
    t0 = max(starts)
    step_ms = 1000.0 / fs_hz
    offsets = [round((t0 - s) / step_ms) for s in starts]
    n = min(w.n_samples - o for w, o in zip(sweeps, offsets, strict=True))
    if n < 8:
        raise ValueError("the sweeps share fewer than 8 samples after alignment on the stimulus")
    rows = [w.in_units("mV")[o : o + n] for w, o in zip(sweeps, offsets, strict=True)]
    t_ms = np.asarray(t0 + step_ms * np.arange(n), dtype=np.float64)
    return t_ms, np.vstack(rows).astype(np.float64), fs_hz


def white_noise_sd(residual: FloatArray) -> float:
    """Robust SD of white noise from second differences: ``1.4826·MAD(Δ²x)/√6`` (any shape)."""
    d2 = np.diff(np.asarray(residual, dtype=np.float64), 2, axis=-1)
    if d2.size == 0:
        return 0.0
    return float(1.4826 * np.median(np.abs(d2)) / math.sqrt(6.0))


def smooth(x: FloatArray, sigma_ms: float, fs_hz: float) -> FloatArray:
    """Zero-phase Gaussian smoothing along the last axis (σ in ms)."""
    sigma = sigma_ms * fs_hz / 1000.0
    if sigma < 0.2:
        return np.asarray(x, dtype=np.float64).copy()
    return np.asarray(gaussian_filter1d(np.asarray(x, dtype=np.float64), sigma, axis=-1, mode="nearest"))


def take_off_index(y: FloatArray, j: int, sign: float, noise_sd: float, peak_n: int) -> float:
    """Fractional sample index where a deflection leaves its baseline (0).

    The rising edge of the first phase (direction ``sign``, detected at index ``j``) is
    extrapolated to 0 through its last crossings of ``max(0.05·P, 3·noise_sd)`` and ``0.5·P``
    before the first peak ``P`` (searched over ``peak_n`` samples after ``j``).

    Parameters
    ----------
    y : ndarray
        Baseline-corrected, smoothed signal in its units.
    j : int
        An index inside the rising edge.
    sign : float
        +1 or −1, the direction of the first phase.
    noise_sd : float
        SD of the noise of ``y``, in its units.
    peak_n : int
        Samples after ``j`` in which the first peak is looked for.

    Returns
    -------
    float
        Fractional index of the take-off (``j`` when the edge cannot be measured).
    """
    z = sign * np.asarray(y[: min(j + max(peak_n, 1), y.size)], dtype=np.float64)
    if j >= z.size:
        return float(j)
    k = j + int(np.argmax(z[j:]))
    peak = float(z[k])
    low = max(0.05 * peak, 3.0 * noise_sd)
    high = max(0.5 * peak, low + 0.2 * peak)
    if peak <= 0 or high >= peak:
        return float(j)
    xa, xb = _last_crossing(z, k, low), _last_crossing(z, k, high)
    if xa is None or xb is None or xb <= xa:
        return float(j)
    return max(xa - low * (xb - xa) / (high - low), 0.0)


def _last_crossing(z: FloatArray, k: int, level: float) -> float | None:
    """Fractional index of the last upward crossing of ``level`` before index ``k``."""
    below = np.flatnonzero(z[: k + 1] <= level)
    if below.size == 0:
        return None
    i = int(below[-1])
    if i >= k:
        return float(i)
    return i + (level - z[i]) / (z[i + 1] - z[i])


def _noise_gain(op: Callable[[FloatArray], FloatArray], n: int) -> float:
    """rms gain of a linear, shift-invariant operator on white noise (from its impulse response)."""
    impulse = np.zeros((1, 2 * n + 1))
    impulse[0, n] = 1.0
    response = op(impulse)[0]
    return float(np.sqrt(np.nansum(response * response)))


class _Operator:
    """``x ↦ smooth(x) − line predicted from the samples [t − gap − fit, t − gap)`` (per row)."""

    def __init__(self, sigma_ms: float, fit_n: int, gap_n: int, fs_hz: float) -> None:
        self.sigma_ms, self.fit_n, self.gap_n, self.fs_hz = sigma_ms, fit_n, gap_n, fs_hz
        self._sums: dict[int, tuple[FloatArray, ...]] = {}

    def __call__(self, x: FloatArray) -> FloatArray:
        y = smooth(x, self.sigma_ms, self.fs_hz)
        return y - moving_line(y, self.fit_n, self.gap_n)

    def tail(self, x: FloatArray, c0: int) -> FloatArray:
        """``self(x)[:, c0:]``, bit for bit, without the columns before ``c0`` (see :func:`_line_tail`)."""
        y = smooth(x, self.sigma_ms, self.fs_hz)
        n = y.shape[1]
        if n not in self._sums:
            self._sums[n] = _line_sums(n, self.fit_n, self.gap_n)
        return y[:, c0:] - _line_tail(y, self.fit_n, self.gap_n, c0, self._sums[n])


def moving_line(y: FloatArray, fit_n: int, gap_n: int) -> FloatArray:
    """Value at every sample of the line fitted to the ``fit_n`` samples ending ``gap_n`` before it.

    Parameters
    ----------
    y : ndarray, shape (n_rows, n_samples)
        Signals.
    fit_n, gap_n : int
        Fit length and gap, samples.

    Returns
    -------
    ndarray
        Predictions, NaN where the fit window would start before the first sample.
    """
    rows, n = y.shape
    x = np.arange(n, dtype=np.float64)
    zero = np.zeros((rows, 1))
    cy = np.concatenate([zero, np.cumsum(y, axis=1)], axis=1)
    cxy = np.concatenate([zero, np.cumsum(y * x, axis=1)], axis=1)
    cx, cxx = np.concatenate([[0.0], np.cumsum(x)]), np.concatenate([[0.0], np.cumsum(x * x)])
    end = np.clip(np.arange(n) - gap_n, 0, n)
    start = np.clip(end - fit_n, 0, n)
    s1, s2 = cx[end] - cx[start], cxx[end] - cxx[start]
    sy, sxy = cy[:, end] - cy[:, start], cxy[:, end] - cxy[:, start]
    den = fit_n * s2 - s1 * s1
    ok = (np.arange(n) - gap_n - fit_n >= 0) & (den > 0)
    slope = (fit_n * sxy - s1 * sy) / np.where(ok, den, 1.0)
    pred = (sy - slope * s1) / fit_n + slope * x
    return np.where(ok, pred, np.nan)


def _line_sums(n: int, fit_n: int, gap_n: int) -> tuple[FloatArray, ...]:
    """The row-independent sums of :func:`moving_line` for ``n`` samples: x, Σx, Σx², den, ok."""
    x = np.arange(n, dtype=np.float64)
    cx, cxx = np.concatenate([[0.0], np.cumsum(x)]), np.concatenate([[0.0], np.cumsum(x * x)])
    end = np.clip(np.arange(n) - gap_n, 0, n)
    start = np.clip(end - fit_n, 0, n)
    s1, s2 = cx[end] - cx[start], cxx[end] - cxx[start]
    den = fit_n * s2 - s1 * s1
    ok = (np.arange(n) - gap_n - fit_n >= 0) & (den > 0)
    return x, s1, s2, np.where(ok, den, 1.0), ok.astype(np.float64)


def _line_tail(y: FloatArray, fit_n: int, gap_n: int, c0: int, sums: tuple[FloatArray, ...]) -> FloatArray:
    """``moving_line(y, fit_n, gap_n)[:, c0:]`` with the same floating-point operations.

    The running sums still start at sample 0 (so every value is bit-identical); only the
    predictions before ``c0`` are skipped, and the fit windows are taken as slices of the running
    sums instead of by fancy indexing (``c0 ≥ gap_n`` makes every window end a plain index).
    """
    rows, n = y.shape
    if c0 < gap_n + fit_n:
        return moving_line(y, fit_n, gap_n)[:, c0:]
    x, s1, _, den, ok = (v[c0:] for v in sums)
    cy = np.empty((rows, n + 1))
    cxy = np.empty((rows, n + 1))
    cy[:, 0] = 0.0
    cxy[:, 0] = 0.0
    np.cumsum(y, axis=1, out=cy[:, 1:])
    np.cumsum(y * sums[0], axis=1, out=cxy[:, 1:])
    e0, e1 = c0 - gap_n, n - gap_n
    sy = cy[:, e0:e1] - cy[:, e0 - fit_n : e1 - fit_n]
    sxy = cxy[:, e0:e1] - cxy[:, e0 - fit_n : e1 - fit_n]
    slope = (fit_n * sxy - s1 * sy) / den
    pred = (sy - slope * s1) / fit_n + slope * x
    return np.where(ok > 0, pred, np.nan)


# --- detection -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Detector:
    """The departure detector of a series: operator, its noise SD and sample counts."""

    op: _Operator
    sd: float
    noise_sd: float
    fs_hz: float
    gap_n: int
    fit_n: int
    min_n: int

    @classmethod
    def build(cls, noise_sd: float, fs_hz: float, cfg: _Cfg) -> _Detector:
        ms = fs_hz / 1000.0
        gap_n, fit_n = max(round(cfg.gap_ms * ms), 1), max(round(cfg.fit_ms * ms), 3)
        op = _Operator(cfg.detect_sigma_ms, fit_n, gap_n, fs_hz)
        sd = noise_sd * _noise_gain(op, gap_n + fit_n + round(5 * cfg.detect_sigma_ms * ms) + 2)
        return cls(op, sd, noise_sd, fs_hz, gap_n, fit_n, max(round(cfg.min_run_ms * ms), 1))


def first_event(z: FloatArray, start: int, *, k_low: float, k_high: float, min_n: int) -> int:
    """First index ≥ ``start`` where ``z > k_high`` inside a run of ``z > k_low`` of ≥ ``min_n`` samples.

    Parameters
    ----------
    z : ndarray
        A detection statistic (e.g. a departure in noise SDs), 1-D.
    start : int
        First index searched.
    k_low, k_high : float
        Run and peak thresholds, in the units of ``z``.
    min_n : int
        Shortest run, samples.

    Returns
    -------
    int
        The index, or ``z.size`` when there is none.
    """
    above = z[start:] > k_low
    edges = np.diff(np.concatenate(([0], above.astype(np.int8), [0])))
    begins, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    for b, e in zip(begins, ends, strict=True):
        if e - b < min_n:
            continue
        hit = np.flatnonzero(z[start + b : start + e] > k_high)
        if hit.size:
            return int(start + b + hit[0])
    return int(z.size)


def first_events(z: FloatArray, start: IntArray, *, k_low: float, k_high: float, min_n: int) -> IntArray:
    """:func:`first_event` of every row of ``z`` (2-D) from its own ``start``, all rows at once.

    A sample qualifies when ``z > k_high`` inside a run of ``z > k_low`` (cut at ``start``) of at
    least ``min_n`` samples; the first qualifying sample of a row is the first high sample of its
    first run that has one, which is what :func:`first_event` returns. ``z.shape[1]`` where none.
    ``start`` is clipped to ≥ 0 (:func:`first_event` expects ``start ≥ 0`` too).
    """
    rows, n = z.shape
    start = np.maximum(np.asarray(start, dtype=np.intp), 0)
    if rows == 0:
        return np.zeros(0, dtype=np.intp)
    c0 = int(min(start.min(), n))
    if c0 >= n:
        return np.full(rows, n, dtype=np.intp)
    zz = z[:, c0:]
    cols = np.arange(c0, n)
    above = (zz > k_low) & (cols[None, :] >= start[:, None])
    m = n - c0
    pos = np.arange(m)
    starts_run, ends_run = above.copy(), above.copy()  # first and last sample of every run
    starts_run[:, 1:] &= ~above[:, :-1]
    ends_run[:, :-1] &= ~above[:, 1:]
    # first index of the run holding each sample, and its last index + 1
    begin = np.maximum.accumulate(np.where(starts_run, pos, -1), axis=1)
    end = np.minimum.accumulate(np.where(ends_run, pos, m)[:, ::-1], axis=1)[:, ::-1] + 1
    good = above & (zz > k_high) & (end - begin >= min_n)
    has = good.any(axis=1)
    return np.where(has, c0 + np.argmax(good, axis=1), n).astype(np.intp)


def _departure_z(residual: FloatArray, c0: int, det: _Detector) -> FloatArray:
    """The detection statistic ``|op(residual)| / sd`` (NaN → 0) from column ``c0`` on."""
    return np.abs(np.nan_to_num(det.op.tail(residual, c0), nan=0.0)) / det.sd


def _events_from(z: FloatArray, c0: int, start: IntArray, det: _Detector, cfg: _Cfg) -> IntArray:
    """:func:`first_events` on a statistic that starts at column ``c0`` (``start ≥ c0``)."""
    found = first_events(z, np.asarray(start) - c0, k_low=cfg.k_low, k_high=cfg.k_high, min_n=det.min_n)
    return np.asarray(found + c0, dtype=np.intp)


def _own_departure(lightly_smoothed: FloatArray, j: int, fs_hz: float, cfg: _Cfg) -> FloatArray:
    """Largest departure of every sweep from its own quadratic trend over ``own_window_ms`` after ``j``."""
    ms = fs_hz / 1000.0
    n = lightly_smoothed.shape[1]
    b = max(j - round(cfg.own_gap_ms * ms), 0)
    a = max(b - round(cfg.own_fit_ms * ms), 0)
    e = min(j + max(round(cfg.own_window_ms * ms), 1), n)
    if b - a < 5 or e <= j:
        return np.zeros(lightly_smoothed.shape[0])
    x = (np.arange(a, e) - b) / ms
    coef = np.polyfit(x[: b - a], lightly_smoothed[:, a:b].T, 2)
    pred = (np.vander(x[j - a :], 3) @ coef).T
    return np.asarray(np.abs(lightly_smoothed[:, j:e] - pred).max(axis=1), dtype=np.float64)


def _own_sd(noise_sd: float, fs_hz: float, cfg: _Cfg) -> float:
    """Noise SD of the own-trend departure at the end of its window (exact, white noise)."""
    ms = fs_hz / 1000.0
    gap, win = round(cfg.own_gap_ms * ms), round(cfg.own_window_ms * ms)
    fit = max(round(cfg.own_fit_ms * ms), 5)
    x = (np.arange(-fit, gap + win + 1)) / ms
    v = np.vander(x[:fit], 3)
    weights = np.zeros(x.size)
    weights[-1] = 1.0
    weights[:fit] -= np.linalg.pinv(v).T @ np.vander(x[-1:], 3)[0]
    pad = round(5 * cfg.onset_sigma_ms * ms) + 2
    kernel = smooth(np.pad(weights, pad)[None, :], cfg.onset_sigma_ms, fs_hz)[0]
    return noise_sd * float(np.sqrt(np.sum(kernel * kernel)))


# --- the stimulus-locked part --------------------------------------------------------------------


def _exp_continuation(c: FloatArray, a: int, b: int, fs_hz: float) -> FloatArray:
    """``c`` from ``b`` on, continued by ``p + q·exp(−t/τ) + r·t`` fitted to ``c[a:b]`` (τ on a grid).

    The design matrices (1, exp(−t/τ), t) over the fitted samples, and their pseudo-inverses, only
    depend on ``b − a`` and the sampling rate (t is counted from ``b``): they are computed once
    (:func:`_exp_design`). The continuation is built for the best τ only; every element is the
    same as in the full (τ × samples × 3) design.
    """
    taus, design, inverse = _exp_design(b - a, fs_hz)
    coef = inverse @ c[a:b]
    sse = np.sum((np.einsum("kij,kj->ki", design, coef) - c[a:b]) ** 2, axis=1)
    best = int(np.argmin(sse))
    x = (np.arange(b, c.size) - b) * (1000.0 / fs_hz)
    start = -(b - a) * (1000.0 / fs_hz)
    tail = np.stack(np.broadcast_arrays(1.0, np.exp(-(x - start) / taus[best]), x), axis=-1)
    out = c.copy()
    out[b:] = tail @ coef[best]
    return out


@functools.lru_cache(maxsize=16)
def _exp_design(length: int, fs_hz: float) -> tuple[FloatArray, FloatArray, FloatArray]:
    """τ grid, design matrices (τ × ``length`` × 3) over t = −length … −1 samples, and their pinv.

    The decay column is ``exp(−(t − t₀)/τ)`` with ``t₀`` the first fitted sample (1 there, falling): the
    same model as ``exp(−t/τ)``, whose values at ``t₀`` overflow a float for long windows at short τ
    (``exp(710)``: a 355-ms window at τ = 0.5 ms) and made the continuation NaN.
    """
    x = (np.arange(length) - length) * (1000.0 / fs_hz)
    taus = np.geomspace(0.5, 30.0, 30)
    decay = np.exp(-(x[None, :] - x[0]) / taus[:, None])
    design = np.stack(np.broadcast_arrays(1.0, decay, x[None, :]), axis=-1)
    inverse = np.linalg.pinv(design)
    for v in (taus, design, inverse):
        v.flags.writeable = False
    return taus, design, inverse


def _smooth_span(y: FloatArray, sigma_ms: float, fs_hz: float, lo: int, hi: int) -> FloatArray:
    """``smooth(y)[:, lo:hi]``, bit for bit, smoothing only ``y[:, lo − r : hi + r]`` (r > kernel radius).

    The Gaussian filter computes every output sample from the kernel's span of input samples in the
    same order, and ``mode="nearest"`` only extends the signal beyond its true ends.
    """
    n = y.shape[1]
    sigma = sigma_ms * fs_hz / 1000.0
    r = int(4.0 * sigma + 0.5) + 2  # scipy's radius for truncate=4, plus a margin
    a, b = max(lo - r, 0), min(hi + r, n)
    return smooth(y[:, a:b], sigma_ms, fs_hz)[:, lo - a : hi - a]


def _shared_part(
    y: FloatArray, free_until: IntArray, i0: int, fs_hz: float, cfg: _Cfg
) -> tuple[FloatArray, int | None]:
    """Median over the sweeps still F-free at each sample; extrapolated where < ``min_free`` remain.

    With fewer than ``min_free`` sweeps in all, the plain median is returned (it cannot be
    extrapolated from the steep M tail). Returns the shared part and the index from which it was
    extrapolated (None if never).

    The set of F-free sweeps only changes where a sweep's ``free_until`` falls, so the median of the
    smoothed sweeps is taken segment by segment over that set (one small sort per segment), as
    ``np.nanmedian`` would take it column by column: ``(lower + upper middle) / 2``. Samples that
    the extrapolation replaces are not computed.
    """
    k, n = y.shape
    if k >= 600:  # np.nanmedian takes another route for large sets: keep it
        return _shared_part_columns(y, free_until, i0, fs_hz, cfg)
    fu = np.clip(np.asarray(free_until), 0, n)
    count = k - np.searchsorted(np.sort(fu), np.arange(n), side="right")  # sweeps with fu > column
    short = np.flatnonzero((count < cfg.min_free) & (np.arange(n) >= i0))
    j = int(short[0]) if short.size else n
    a = max(j - round(cfg.extrapolate_ms * fs_hz / 1000.0), 0)
    extrapolate = short.size > 0 and k >= cfg.min_free and j - a >= 5
    end = j if extrapolate else n
    hi = min(end, max(int(fu.max()), i0))  # columns [i0, hi) have at least one F-free sweep
    c = np.zeros(n)
    plain = np.concatenate((np.arange(min(i0, end)), np.arange(hi, end)))
    if plain.size:  # np.median's (lower + upper middle) / 2, by one sort of the few sweeps
        ordered = np.sort(y[:, plain], axis=0)
        c[plain] = (ordered[(k - 1) // 2] + ordered[k // 2]) / 2.0
    if hi > i0:
        ys = _smooth_span(y, cfg.onset_sigma_ms, fs_hz, i0, hi)
        cuts = np.unique(np.concatenate(([i0, hi], fu[(fu > i0) & (fu < hi)])))
        for s0, s1 in itertools.pairwise(cuts.tolist()):
            block = np.sort(ys[fu > s0, s0 - i0 : s1 - i0], axis=0)
            m = block.shape[0]
            c[s0:s1] = (block[(m - 1) // 2] + block[m // 2]) / 2.0
    if not extrapolate:
        return c, None
    return _exp_continuation(c, a, j, fs_hz), j


def _shared_part_columns(
    y: FloatArray, free_until: IntArray, i0: int, fs_hz: float, cfg: _Cfg
) -> tuple[FloatArray, int | None]:
    """:func:`_shared_part` column by column with ``np.nanmedian`` (the reference formulation)."""
    k, n = y.shape
    ys = smooth(y, cfg.onset_sigma_ms, fs_hz)
    free = np.arange(n)[None, :] < free_until[:, None]
    count = free.sum(axis=0)
    c = np.median(y, axis=0)
    cols = np.flatnonzero((count >= 1) & (np.arange(n) >= i0))
    if cols.size:
        masked = np.where(free[:, cols], ys[:, cols], np.nan)
        c[cols] = np.nanmedian(masked, axis=0)
    short = np.flatnonzero((count < cfg.min_free) & (np.arange(n) >= i0))
    if short.size == 0 or k < cfg.min_free:
        return c, None
    j = int(short[0])
    a = max(j - round(cfg.extrapolate_ms * fs_hz / 1000.0), 0)
    if j - a < 5:
        return c, None
    return _exp_continuation(c, a, j, fs_hz), j


def _drift_lines(t_ms: FloatArray, r: FloatArray, valid: BoolArray) -> FloatArray:
    """Per-sweep straight line fitted to ``r`` where ``valid`` (two Huber-like reweightings).

    The weights are zero outside the columns that hold valid samples, so the deviations, their row
    medians and the new weights are only computed over those columns; the weighted sums still run
    over whole rows (same summation order).
    """
    x = (t_ms - t_ms.mean()) / 10.0
    w = valid.astype(np.float64)
    cols = np.flatnonzero(valid.any(axis=0))
    lo, hi = (int(cols[0]), int(cols[-1]) + 1) if cols.size else (0, r.shape[1])
    xs, rs, vs = x[lo:hi], r[:, lo:hi], valid[:, lo:hi]
    for it in range(3):
        wx, wr = w * x, w * r  # (w·x)·x and (w·r)·x: the same products as w * x * x and w * r * x
        s0, s1, s2 = w.sum(1), wx.sum(1), (wx * x).sum(1)
        sy, sxy = wr.sum(1), (wr * x).sum(1)
        den = s0 * s2 - s1 * s1
        ok = (s0 > 8) & (den > 1e-12)
        slope = np.where(ok, (s0 * sxy - s1 * sy) / np.where(ok, den, 1.0), 0.0)
        level = np.where(ok, (sy - slope * s1) / np.where(ok, s0, 1.0), 0.0)
        if it == 2:  # the weights after the last fit are not used
            break
        dev = np.abs(rs - (level[:, None] + slope[:, None] * xs[None, :]))
        w = np.zeros_like(r)
        w[:, lo:hi] = vs * np.minimum(
            1.0, 2.0 * 1.4826 * _row_medians(dev, vs)[:, None] / np.maximum(dev, 1e-12)
        )
    return np.asarray(level[:, None] + slope[:, None] * x[None, :], dtype=np.float64)


def _row_medians(values: FloatArray, valid: BoolArray) -> FloatArray:
    """Median of every row's ``valid`` entries (1.0 for a row with none), by one sort of all rows."""
    count = valid.sum(axis=1)
    ordered = np.sort(np.where(valid, values, np.inf), axis=1)
    rows = np.arange(values.shape[0])
    lo = ordered[rows, np.maximum(count - 1, 0) // 2]
    hi = ordered[rows, np.maximum(count, 1) // 2 if values.shape[1] > 1 else 0]
    return np.where(count > 0, 0.5 * (lo + hi), 1.0)


# --- separation of F waves from the shared part --------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Separation:
    """Residual sweeps (mV), first-departure index per sweep, and where the shared part was extrapolated."""

    residual: FloatArray
    found: IntArray
    extrapolated_from: int | None


def _batch(
    found: IntArray, open_: BoolArray, n_free: int, first: int, own: FloatArray, cfg: _Cfg, fs_hz: float
) -> tuple[BoolArray, BoolArray]:
    """The batch of detections at ``first`` and which sweeps to confirm there.

    ``open_`` marks unconfirmed sweeps, ``n_free`` is the number of sweeps the shared part was
    the median of at ``first``, and ``own`` each sweep's departure from its own quadratic trend,
    in noise SDs. The median is suspect when fewer than ``cfg.min_free`` sweeps were free (it is
    then extrapolated) or when more than ``cfg.minority`` of them depart together (it may have
    followed them, and the sweeps that then look like departing are the quiet ones): a suspect
    batch is only accepted where ``own`` exceeds ``cfg.k_own``, and the open sweeps departing from
    their own trend by more than ``cfg.k_own_alone`` are accepted with it.
    """
    batch = open_ & (found <= first + round(cfg.batch_ms * fs_hz / 1000.0))
    own_dep = open_ & (own > cfg.k_own)
    crowd = max(int(batch.sum()), int(own_dep.sum()))
    suspect = n_free < cfg.min_free or crowd > cfg.minority * n_free
    if not suspect:
        return batch, batch
    return batch, (batch & own_dep) | (open_ & (own > cfg.k_own_alone))


def _separate(t_ms: FloatArray, x: FloatArray, i0: int, det: _Detector, cfg: _Cfg) -> _Separation:
    """Confirm F onsets in time order, re-estimating the shared part from the sweeps still F-free."""
    k, n = x.shape
    ms = det.fs_hz / 1000.0
    pad, idx = round(cfg.pad_ms * ms), np.arange(n)
    i_lo = max(i0 - round(cfg.drift_lead_ms * ms), 0)
    confirmed, search_from = np.full(k, n, dtype=np.intp), np.full(k, i0, dtype=np.intp)
    drift = np.zeros_like(x)
    shared, extra = _shared_part(x, confirmed, i0, det.fs_hz, cfg)
    light = smooth(x, cfg.onset_sigma_ms, det.fs_hz)
    own_sd = max(_own_sd(det.noise_sd, det.fs_hz, cfg), 1e-300)
    residual = x - shared
    z: FloatArray | None = None  # detection statistic of ``residual`` from column i0 (None: stale)
    for _ in range(6 * k + 40):
        if z is None:
            residual = x - drift - shared
            z = _departure_z(residual, i0, det)
        open_ = confirmed == n
        found = _events_from(z, i0, search_from, det, cfg)
        if not (open_ & (found < n)).any():
            break
        first = int(found[open_].min())
        own = _own_departure(light, first, det.fs_hz, cfg) / own_sd
        n_free = int(np.sum(confirmed - pad > first))
        batch, take = _batch(found, open_, n_free, first, own, cfg, det.fs_hz)
        search_from = np.where(batch & ~take, found + max(round(cfg.batch_ms * ms), 1), search_from)
        if not take.any():
            continue
        z = None  # drift and shared part change: the residual is recomputed
        confirmed[take] = np.where(batch, found, first)[take]
        valid = (idx >= i_lo)[None, :] & (idx[None, :] < (np.minimum(confirmed, found) - pad)[:, None])
        drift = drift + _drift_lines(t_ms, residual, valid)
        shared, extra = _shared_part(x - drift, confirmed - pad, i0, det.fs_hz, cfg)
    if z is None:  # the loop ran out after a confirmation: ``residual`` is still the last one tested
        z = _departure_z(residual, i0, det)
    final = _events_from(z, i0, np.full(k, i0, dtype=np.intp), det, cfg)
    found = np.where(confirmed < n, np.where(final < n, final, confirmed), n).astype(np.intp)
    return _Separation(residual, found, extra)


def _measure_f(
    t_ms: FloatArray, light: FloatArray, j: int, det: _Detector, light_sd: float, cfg: _Cfg
) -> tuple[float, float]:
    """Onset latency (ms) and peak-to-peak amplitude (mV) of the F wave detected at index ``j``."""
    ms = det.fs_hz / 1000.0
    b = max(j - det.gap_n, 2)
    a = max(b - det.fit_n, 0)
    coef = np.polyfit(np.arange(a, b), light[a:b], 1) if b - a >= 3 else np.array([0.0, light[a]])
    y = light - np.polyval(coef, np.arange(light.size))
    sign = 1.0 if y[j] >= 0 else -1.0
    x = take_off_index(y, j, sign, light_sd, round(cfg.peak_search_ms * ms))
    start = min(math.floor(x), light.size - 1)
    span = light[start : start + max(round(cfg.size_span_ms * ms), 2)]
    return float(t_ms[0] + x / ms), float(span.max() - span.min())


# --- M wave and the public function --------------------------------------------------------------


def _median_waveform(t_ms: FloatArray, x: FloatArray, fs_hz: float) -> Waveform:
    return Waveform(np.median(x, axis=0), fs_hz, "mV", channel="median sweep", stimulus_s=-t_ms[0] / 1000.0)


def _search_start(t_ms: FloatArray, median: FloatArray, m: SweepMarkers, notes: list[str]) -> int:
    """Index after which the median sweep stays within ``TAIL_FRACTION`` of the M amplitude."""
    if m.response != "present" or m.amplitude is None or m.peak_latency_ms is None:
        notes.append("no M wave found: F waves searched from 10 ms and cannot be related to the M wave")
        return int(np.searchsorted(t_ms, 10.0))
    base = m.baseline if m.baseline is not None else 0.0
    after = t_ms > m.peak_latency_ms
    loud = np.flatnonzero(after & (np.abs(median - base) > TAIL_FRACTION * m.amplitude))
    i0 = int(loud[-1]) + 1 if loud.size else int(np.searchsorted(t_ms, m.peak_latency_ms + 1.0))
    return min(i0, t_ms.size - 1)


def _m_window(
    t_ms: FloatArray, m_window_ms: tuple[float, float] | None, end_ms: float
) -> tuple[float, float]:
    if m_window_ms is not None:
        return float(m_window_ms[0]), float(m_window_ms[1])
    return max(float(t_ms[0]), 0.0), end_ms


#: Per-stimulus M onset by alignment with the median sweep (module docstring, step 1).
M_LAG_MS = 0.5
M_MIN_CORRELATION = 0.9
M_SIZE_RATIO = (0.8, 1.25)


def _m_lags(t_ms: FloatArray, x: FloatArray, median: FloatArray, m: SweepMarkers, fs_hz: float) -> FloatArray:
    """Lag (ms) of every sweep's M wave behind the median sweep's; NaN where the M wave is not a copy."""
    n, size = x.shape
    if m.onset_latency_ms is None or m.peak_latency_ms is None:
        return np.full(n, np.nan)
    max_lag = max(1, round(M_LAG_MS * fs_hz / 1000.0))
    lo = int(np.searchsorted(t_ms, m.onset_latency_ms - 1.0))
    hi = int(np.searchsorted(t_ms, m.peak_latency_ms)) + 1
    if lo - max_lag < 0 or hi + max_lag > size or hi - lo < 4:
        return np.full(n, np.nan)
    ref = median[lo:hi] - median[lo:hi].mean()
    ref_norm = float(np.sqrt(ref @ ref))
    lags = np.arange(-max_lag, max_lag + 1)
    windows = np.stack([x[:, lo + d : hi + d] for d in lags], axis=1)  # sweeps × lags × samples
    windows = windows - windows.mean(axis=2, keepdims=True)
    cov = windows @ ref
    norms = np.sqrt(np.einsum("kls,kls->kl", windows, windows))
    r = cov / np.maximum(norms * ref_norm, 1e-300)
    best = np.argmax(r, axis=1)
    rows = np.arange(n)
    inner = (best > 0) & (best < lags.size - 1)
    b = np.clip(best, 1, lags.size - 2)
    frac = np.where(inner, parabolic_offset(r[rows, b - 1], r[rows, b], r[rows, b + 1]), 0.0)
    gain = cov[rows, best] / max(ref_norm**2, 1e-300)
    good = (
        inner & (r[rows, best] >= M_MIN_CORRELATION) & (gain >= M_SIZE_RATIO[0]) & (gain <= M_SIZE_RATIO[1])
    )
    return np.where(good, (lags[best] + frac) * 1000.0 / fs_hz, np.nan)


def _m_onsets(
    sweeps: Sequence[Waveform],
    window_ms: tuple[float, float],
    lags_ms: FloatArray,
    m: SweepMarkers,
) -> list[float | None]:
    """M onset latency of every sweep, ms (None when absent): median onset + lag, else the marker engine."""
    out: list[float | None] = []
    for w, lag in zip(sweeps, lags_ms, strict=True):
        if np.isfinite(lag) and m.onset_latency_ms is not None:
            out.append(float(m.onset_latency_ms + lag))
        else:
            out.append(measure_sweep(w, "motor", window_ms=window_ms).onset_latency_ms)
    return out


def analyze_f_waves(
    sweeps: Sequence[Waveform], *, m_window_ms: tuple[float, float] | None = None
) -> FWaveResult:
    """Detect and measure the F waves of a series of supramaximal stimuli.

    Parameters
    ----------
    sweeps : sequence of Waveform
        One sweep per stimulus (mV or µV, physical sign, stimulus time set, same sampling rate).
    m_window_ms : (float, float), optional
        Interval (ms after the stimulus) holding the M wave; by default the M wave is found on the
        median sweep and its window ends where the F search starts.

    Returns
    -------
    FWaveResult
        Per-stimulus M onset, F presence, F onset latency and peak-to-peak amplitude, and the
        series summary (see the module docstring for the method).

    Raises
    ------
    ValueError
        No sweeps, sweeps that cannot be aligned on the stimulus, or non-finite samples.
    """
    t_ms, x, fs_hz = stack_sweeps(sweeps)
    notes: list[str] = []
    median_wave = _median_waveform(t_ms, x, fs_hz)
    m = measure_sweep(median_wave, "motor", window_ms=m_window_ms)
    i0 = _search_start(t_ms, median_wave.samples, m, notes)
    if m_window_ms is not None:
        i0 = max(i0, min(int(np.searchsorted(t_ms, m_window_ms[1])), t_ms.size - 1))
    lags = _m_lags(t_ms, x, median_wave.samples, m, fs_hz)
    m_onsets = _m_onsets(sweeps, _m_window(t_ms, m_window_ms, float(t_ms[i0])), lags, m)
    scale = m.amplitude if m.amplitude else float(np.max(np.abs(median_wave.samples)))
    noise_sd = max(white_noise_sd((x - median_wave.samples)[:, i0:]), 1e-6 * max(scale, 1e-9))
    det = _Detector.build(noise_sd, fs_hz, CFG)
    if len(sweeps) < 2:
        sep = _Separation(x - median_wave.samples, np.full(1, t_ms.size, dtype=np.intp), None)
    else:
        sep = _separate(t_ms, x, i0, det, CFG)
    light = smooth(sep.residual, CFG.onset_sigma_ms, fs_hz)
    light_sd = noise_sd * _noise_gain(
        lambda y: smooth(y, CFG.onset_sigma_ms, fs_hz), round(CFG.onset_sigma_ms * fs_hz / 200.0) + 2
    )
    stimuli = []
    for k, j in enumerate(sep.found):
        if j >= t_ms.size:
            stimuli.append(FStimulus(k + 1, m_onsets[k], False))
            continue
        onset, size = _measure_f(t_ms, light[k], int(j), det, light_sd, CFG)
        stimuli.append(FStimulus(k + 1, m_onsets[k], True, onset, size))
    _series_notes(notes, len(sweeps), sep, t_ms, i0)
    return _summarize(tuple(stimuli), m, float(t_ms[i0]), noise_sd, notes)


def _series_notes(notes: list[str], n: int, sep: _Separation, t_ms: FloatArray, i0: int) -> None:
    if n == 1:
        notes.append("a single stimulus: F waves cannot be told from the M-wave tail; none reported")
    elif n < CFG.min_free:
        notes.append(
            f"only {n} stimul{'us' if n == 1 else 'i'}: the M-wave tail cannot be told from F waves "
            "(an F wave is only found where one sweep departs from its own trend; 10-20 stimuli "
            "are usual)"
        )
    elif sep.extrapolated_from is not None and sep.extrapolated_from < t_ms.size:
        notes.append(
            f"fewer than {CFG.min_free} stimuli without an F wave after "
            f"{t_ms[sep.extrapolated_from]:.1f} ms: the M-wave tail is extrapolated from there"
        )
    if t_ms[-1] - t_ms[i0] < 20.0:
        notes.append(f"sweep ends {t_ms[-1] - t_ms[i0]:.1f} ms after the M wave: late F waves may be missed")


def _summarize(
    stimuli: tuple[FStimulus, ...], m: SweepMarkers, start_ms: float, noise_sd: float, notes: list[str]
) -> FWaveResult:
    lat = np.array([s.f_onset_latency_ms for s in stimuli if s.f_onset_latency_ms is not None])
    amp = np.array([s.f_peak_to_peak_mv for s in stimuli if s.f_peak_to_peak_mv is not None])
    to_mv = 1000.0 if m.units == "uV" else 1.0
    m_ptp = m.peak_to_peak / to_mv if m.peak_to_peak is not None else None
    has = lat.size > 0
    return FWaveResult(
        stimuli=stimuli,
        n_stimuli=len(stimuli),
        n_f=int(lat.size),
        persistence_pct=100.0 * lat.size / len(stimuli),
        f_min_latency_ms=float(lat.min()) if has else None,
        f_mean_latency_ms=float(lat.mean()) if has else None,
        f_max_latency_ms=float(lat.max()) if has else None,
        chronodispersion_ms=float(lat.max() - lat.min()) if has else None,
        f_mean_amplitude_mv=float(amp.mean()) if amp.size else None,
        f_max_amplitude_mv=float(amp.max()) if amp.size else None,
        m_latency_ms=m.onset_latency_ms,
        m_amplitude_mv=m.amplitude / to_mv if m.amplitude is not None else None,
        m_peak_to_peak_mv=m_ptp,
        f_m_ratio_pct=100.0 * float(amp.mean()) / m_ptp if amp.size and m_ptp else None,
        search_start_ms=start_ms,
        noise_sd_mv=noise_sd,
        notes=tuple(notes),
    )
