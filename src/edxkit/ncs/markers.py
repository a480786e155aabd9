"""Markers of an evoked NCS sweep (CMAP or SNAP), measured as an electromyographer would.

:func:`measure_sweep` finds the stimulus artifact (and any saturation), models the baseline
(a level or line plus the artifact's exponential tail) outside the response, decides whether a
response is present with a matched-filter detector (:mod:`edxkit.ncs.detect`), and measures:

* onset latency — take-off of the leading edge by least-squares back-extrapolation
  (:mod:`edxkit.ncs.onset`), the first 1 % departure from baseline in either direction;
* peak latency and amplitude — the negative peak (baseline to peak, a positive number), by a
  parabola (or, with seven samples or more, a cubic) fitted to the samples of its top quarter;
* end latency — the return to baseline of the negative phase; duration = end − start of the
  negative phase (onset, or the end of an initial positivity); area = ``∫ −y dt`` over it;
* peak-to-peak — negative peak to the following positive peak.

Sweeps sampled slowly (SNAPs below 12 kHz, CMAPs below 9 kHz) have too few samples on the
leading edge for the onset fit, which then runs on a band-limited interpolation of the sweep
around the response (:mod:`edxkit.ncs.fine`); below 9 kHz the peak is refined on it too, a CMAP
peak over its top half, where more recorded samples average the noise.

Markers the user dragged (``onset_ms``, ``peak_ms``) replace the automatic ones and the
dependent values are recomputed from them (``source="edited"``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from edxkit.dsp.baseline import noise_rms_from_differences
from edxkit.dsp.filters import lowpass, noise_gain
from edxkit.ncs.detect import Detection, detect_negative_phase
from edxkit.ncs.fine import FineGrid, fine_grid
from edxkit.ncs.kinds import Kind, KindSpec, spec_for
from edxkit.ncs.onset import OnsetFit, fit_onset
from edxkit.ncs.phase import (
    crossing_after,
    crossing_before,
    negative_area,
    positive_peak_after,
    refine_extremum,
    zero_crossing_after,
)
from edxkit.ncs.prepare import Prepared, prepare, refit_baseline, robust_baseline
from edxkit.waveform import Units, Waveform

FloatArray = NDArray[np.float64]
Source = Literal["auto", "edited"]


@dataclass(frozen=True, slots=True)
class SweepMarkers:
    """Markers and measurements of one sweep; every marker is None when the response is absent.

    Parameters
    ----------
    response : {"present", "absent"}
        Whether a response was found (or marked).
    units : {"mV", "uV"}
        Units of ``amplitude``, ``peak_to_peak``, ``baseline``, ``noise_rms`` (and ``area``·ms).
    onset_latency_ms, peak_latency_ms, end_latency_ms : float or None
        Take-off, negative peak and return to baseline of the negative phase, ms after stimulus.
    amplitude : float or None
        Baseline to negative peak, positive, in ``units``.
    peak_to_peak : float or None
        Negative peak to the following positive peak, in ``units``.
    duration_ms : float or None
        Negative-phase duration, ms.
    area : float or None
        Negative-phase area, ``units``·ms, positive.
    baseline : float or None
        Baseline level under the negative peak (or mean baseline when absent), in ``units``.
    noise_rms : float
        Noise rms per sample, in ``units``.
    snr_db : float or None
        ``20·log10(amplitude / noise_rms)``.
    notes : tuple of str
        Remarks (saturated artifact, initial positivity, response past the sweep end, ...).
    source : {"auto", "edited"}
        Whether any marker was placed by the user.
    negative_start_ms : float or None
        Start of the negative phase (onset, or the end of an initial positivity), ms.
    detection_z : float
        Matched-filter statistic of the strongest negative run (noise-rms units).
    """

    response: Literal["present", "absent"]
    units: Units
    onset_latency_ms: float | None = None
    peak_latency_ms: float | None = None
    amplitude: float | None = None
    peak_to_peak: float | None = None
    duration_ms: float | None = None
    area: float | None = None
    end_latency_ms: float | None = None
    baseline: float | None = None
    noise_rms: float = 0.0
    snr_db: float | None = None
    notes: tuple[str, ...] = ()
    source: Source = "auto"
    negative_start_ms: float | None = None
    detection_z: float = 0.0


@dataclass(frozen=True, slots=True)
class _Signals:
    """The baseline-corrected sweep, its smoothed version, noise levels and the detection."""

    centered: FloatArray
    smooth: FloatArray
    baseline: FloatArray
    sigma: float
    sigma_smooth: float
    detection: Detection


def _extent(prep: Prepared, smooth: FloatArray, det: Detection) -> tuple[float, float]:
    """Time span (ms) the candidate response (with its tail) occupies, to keep out of the baseline."""
    t = prep.t_ms
    if not math.isfinite(det.center_ms):
        return (math.inf, math.inf)
    k = _peak_index(t, smooth, det, prep.search_ms)
    amp = max(-float(smooth[k]), 0.0)
    t50 = crossing_before(t, smooth, k, -0.5 * amp)
    t50b = crossing_after(t, smooth, k, -0.5 * amp)
    lead = float(t[k]) - t50 if t50 is not None else 0.5 * det.width_ms
    fwhm = (t50b if t50b is not None else float(t[k]) + 0.5 * det.width_ms) - (float(t[k]) - lead)
    start = float(t[k]) - 2.75 * lead - 2.0 * prep.dt_ms
    return start, float(t[k]) - lead + 7.0 * fwhm


def _peak_index(t: FloatArray, smooth: FloatArray, det: Detection, search: tuple[float, float]) -> int:
    lo = max(det.center_ms - 1.5 * det.width_ms, search[0])
    hi = min(det.center_ms + 1.5 * det.width_ms, search[1])
    idx = np.flatnonzero((t >= lo) & (t <= hi))
    if idx.size == 0:
        idx = np.flatnonzero((t >= search[0]) & (t <= search[1]))
    return int(idx[np.argmin(smooth[idx])])


def _signals(prep: Prepared, spec: KindSpec) -> _Signals:
    """Two-pass baseline, noise estimate and detection (see :mod:`edxkit.ncs.prepare`)."""
    t, raw = prep.t_ms, prep.raw
    gain = noise_gain(prep.fs_hz, spec.cutoff_hz)
    fit1 = robust_baseline(prep)
    centered1 = raw - fit1.curve
    sigma1 = noise_rms_from_differences(centered1, prep.base_mask())
    det1 = detect_negative_phase(t, centered1, sigma1, spec.widths_ms, prep.search_ms)
    smooth1 = lowpass(centered1, prep.fs_hz, spec.cutoff_hz)
    fit2, mask = refit_baseline(prep, _extent(prep, smooth1, det1))
    centered = raw - fit2.curve
    sigma = noise_rms_from_differences(centered, mask) if mask.sum() >= 16 else sigma1
    floor = 1e-9 * max(float(np.max(np.abs(centered))), 1e-300)
    sigma = max(sigma if sigma > 0 else sigma1, floor)
    det = detect_negative_phase(t, centered, sigma, spec.widths_ms, prep.search_ms)
    smooth = lowpass(centered, prep.fs_hz, spec.cutoff_hz)
    return _Signals(centered, smooth, fit2.curve, sigma, sigma * gain, det)


def measure_sweep(
    waveform: Waveform,
    kind: Kind = "motor",
    *,
    onset_ms: float | None = None,
    peak_ms: float | None = None,
    window_ms: tuple[float, float] | None = None,
    orthodromic: bool = False,
) -> SweepMarkers:
    """Measure the markers of one evoked sweep.

    Parameters
    ----------
    waveform : Waveform
        The sweep (physical units and sign; ``stimulus_s`` marks the stimulus).
    kind : {"motor", "sensory"}
        CMAP (mV) or SNAP (µV) time scales.
    onset_ms, peak_ms : float, optional
        Markers placed by the user, ms after the stimulus; amplitude, duration and area are
        recomputed from them and ``source`` is ``"edited"``. One alone keeps the other automatic.
    window_ms : (float, float), optional
        Search only this interval (ms after the stimulus), e.g. the M wave of an F-wave sweep.
    orthodromic : bool
        Sensory: the SNAP was recorded orthodromically (over the nerve trunk, stimulated distally),
        so it starts with a larger initial positivity (:data:`edxkit.ncs.kinds.ORTHODROMIC`).

    Returns
    -------
    SweepMarkers
        ``response="absent"`` with no markers when nothing exceeds the detection threshold and
        no marker was placed by the user.

    Raises
    ------
    ValueError
        Unknown ``kind``, ``orthodromic`` for a motor sweep, fewer than 8 finite samples, or a
        window outside the sweep.
    """
    return analyse_sweep(
        waveform, kind, onset_ms=onset_ms, peak_ms=peak_ms, window_ms=window_ms, orthodromic=orthodromic
    ).markers


@dataclass(frozen=True, slots=True)
class SweepAnalysis:
    """The markers of a sweep together with the signals they were measured on.

    Parameters
    ----------
    markers : SweepMarkers
        What :func:`measure_sweep` returns.
    t_ms : ndarray
        Sample times from the stimulus, ms.
    centered, smooth : ndarray
        Baseline-corrected sweep and its low-passed version (units).
    sigma, sigma_smooth : float
        Noise rms of ``centered`` and ``smooth`` (units).
    fs_hz : float
        Sampling rate, Hz.
    earliest_ms : float
        Start of the searched interval (after the artifact pulse), ms.
    peak_index : int
        Sample of the negative peak (-1 when absent).
    fitted_onset_ms : float, optional
        The onset as the leading-edge fit placed it, before a toe prior moved it (CMAPs,
        :data:`edxkit.ncs.kinds.SPECS`); the segment alignment (:mod:`edxkit.ncs.align`) is
        calibrated on it. None when the response is absent.
    """

    markers: SweepMarkers
    t_ms: FloatArray
    centered: FloatArray
    smooth: FloatArray
    sigma: float
    sigma_smooth: float
    fs_hz: float
    earliest_ms: float
    peak_index: int
    fitted_onset_ms: float | None = None

    @property
    def onset_for_alignment(self) -> float | None:
        """:attr:`fitted_onset_ms`, or the marker's onset when there is none."""
        return self.fitted_onset_ms if self.fitted_onset_ms is not None else self.markers.onset_latency_ms


def analyse_sweep(
    waveform: Waveform,
    kind: Kind = "motor",
    *,
    onset_ms: float | None = None,
    peak_ms: float | None = None,
    window_ms: tuple[float, float] | None = None,
    orthodromic: bool = False,
) -> SweepAnalysis:
    """:func:`measure_sweep` that also returns the baseline-corrected signals (for alignment)."""
    spec = spec_for(kind, orthodromic)
    prep = prepare(waveform, spec, window_ms)
    sig = _signals(prep, spec)
    units: Units = waveform.units
    edited = onset_ms is not None or peak_ms is not None
    k, fitted = -1, None  # the sample of the peak and the fitted onset, when a response is measured
    if not sig.detection.present and not edited:
        markers = SweepMarkers(
            "absent",
            units,
            baseline=float(np.mean(sig.baseline)),
            noise_rms=sig.sigma,
            notes=prep.notes,
            detection_z=sig.detection.z,
        )
    else:
        markers, k, fitted = _measure(prep, spec, sig, units, onset_ms, peak_ms)
    return SweepAnalysis(
        markers,
        prep.t_ms,
        sig.centered,
        sig.smooth,
        sig.sigma,
        sig.sigma_smooth,
        prep.fs_hz,
        prep.search_ms[0],
        k,
        fitted,
    )


def _choose_peak(
    prep: Prepared, spec: KindSpec, sig: _Signals, onset_ms: float | None, peak_ms: float | None
) -> tuple[int, float, float, FineGrid | None]:
    """Index, time (ms) and value (units) of the negative peak: the user's, or the automatic one.

    Also returns the interpolated grid around an automatic peak of a slowly sampled sweep (None
    otherwise), on which the onset is fitted and, below ``spec.fine_peak_below_hz``, the peak was
    refined.
    """
    t = prep.t_ms
    if peak_ms is not None:
        k = int(np.clip(np.searchsorted(t, peak_ms), 0, t.size - 1))
        return k, float(peak_ms), float(np.interp(peak_ms, t, sig.smooth)), None
    if sig.detection.present:
        k = _peak_index(t, sig.smooth, sig.detection, prep.search_ms)
    else:
        lo = max(prep.search_ms[0], onset_ms if onset_ms is not None else -math.inf)
        idx = np.flatnonzero((t >= lo) & (t <= prep.search_ms[1]))
        k = int(idx[np.argmin(sig.smooth[idx])]) if idx.size else t.size - 1
    fine = fine_grid(
        t, sig.centered, sig.smooth, prep.fs_hz, prep.search_ms[0], k, below_hz=spec.fine_below_hz
    )
    if fine is None or prep.fs_hz >= spec.fine_peak_below_hz:
        t_pk, value = refine_extremum(t, sig.centered, sig.smooth, k)
    else:
        kf = fine.extremum_near(float(t[k]), prep.dt_ms)
        t_pk, value = refine_extremum(
            fine.t_ms, fine.centered, fine.smooth, kf, top_fraction=spec.fine_peak_fraction
        )
    return k, t_pk, value, fine


def _onset(
    prep: Prepared,
    spec: KindSpec,
    sig: _Signals,
    k: int,
    amplitude: float,
    onset_ms: float | None,
    fine: FineGrid | None,
) -> tuple[float, float, float, float]:
    """Onset (ms), negative-phase start (ms), initial-positivity height (units) and the fitted onset
    before any toe prior (ms; :attr:`SweepAnalysis.fitted_onset_ms`).

    The leading edge is fitted on ``fine`` (the interpolated grid of a slow sweep) when given.
    """
    t = prep.t_ms
    fit: OnsetFit | None = None
    if amplitude > 0:
        tt, centered, smooth, kk, factor = t, sig.centered, sig.smooth, k, 1
        if fine is not None:
            tt, centered, smooth, factor = fine.t_ms, fine.centered, fine.smooth, fine.factor
            kk = fine.extremum_near(float(t[k]), prep.dt_ms)
        fit = fit_onset(
            tt,
            centered,
            smooth,
            kk,
            amplitude,
            sig.sigma,
            sig.sigma_smooth,
            prep.search_ms[0],
            spec.toe_range,
            spec.hidden_lobe,
            oversampling=factor,
            hidden_lead=spec.hidden_lead,
            toe_shrinkage=spec.toe_shrinkage,
            lead_shrinkage=spec.lead_shrinkage,
            lobes=factor == 1 or spec.fine_grid_lobes,
        )
    if fit is None:
        fallback = crossing_before(t, sig.smooth, k, -0.1 * abs(amplitude))
        auto = fallback if fallback is not None else float(t[max(k - 1, 0)])
        fit = OnsetFit(auto, auto, 0.0, auto, 1.0, auto)
    if onset_ms is None:
        return fit.onset_ms, fit.negative_start_ms, fit.positive_lobe, fit.fitted_ms
    start = onset_ms if fit.negative_start_ms <= fit.onset_ms else max(onset_ms, fit.negative_start_ms)
    return float(onset_ms), float(start), fit.positive_lobe, float(onset_ms)


def _initially_positive(prep: Prepared, sig: _Signals, onset: float, start: float, amplitude: float) -> bool:
    """A positive deflection before the negative phase, larger than 3 noise rms and 5 % of amplitude."""
    sel = (prep.t_ms >= onset) & (prep.t_ms <= start)
    if not sel.any():
        return False
    top = float(sig.smooth[sel].max())
    return top > max(3.0 * sig.sigma_smooth, 0.05 * amplitude)


def _measure(
    prep: Prepared,
    spec: KindSpec,
    sig: _Signals,
    units: Units,
    onset_ms: float | None,
    peak_ms: float | None,
) -> tuple[SweepMarkers, int, float]:
    """Markers of a present (or user-marked) response, the sample of its negative peak and the fitted
    onset before any toe prior (ms)."""
    t = prep.t_ms
    notes = list(prep.notes)
    k, t_peak, value, fine = _choose_peak(prep, spec, sig, onset_ms, peak_ms)
    amplitude = -value
    k_on, amp_on = k, amplitude
    if peak_ms is not None and onset_ms is None and sig.detection.present:
        # an edited peak keeps the auto onset
        k_on, _, auto_value, fine = _choose_peak(prep, spec, sig, None, None)
        amp_on = -auto_value
    onset, start, _lobe, fitted = _onset(prep, spec, sig, k_on, amp_on, onset_ms, fine)
    if onset_ms is None:  # an automatic onset lies before the peak, as fitted or not
        fitted = min(fitted, float(t_peak - prep.dt_ms))
        if onset >= t_peak:
            onset = start = float(t_peak - prep.dt_ms)
    if _initially_positive(prep, sig, onset, start, amplitude):
        notes.append("initial positive deflection")
    end = zero_crossing_after(t, sig.centered, sig.smooth, k, max(amplitude, 0.0))
    if end is None:
        notes.append("response may continue past the sweep end")
        end = float(t[-1])
    duration = end - start
    area = negative_area(t, sig.centered, start, end)
    # the positive phase is looked for within the search window (an H or F wave may follow it)
    span = min(max(3.0 * duration, 1.0), prep.search_ms[1] - end)
    ppk = positive_peak_after(t, sig.centered, sig.smooth, end, span) if span > 0 else None
    snr = 20.0 * math.log10(amplitude / sig.sigma) if amplitude > 0 and sig.sigma > 0 else None
    edited = onset_ms is not None or peak_ms is not None
    markers = SweepMarkers(
        "present",
        units,
        onset_latency_ms=onset,
        peak_latency_ms=t_peak,
        amplitude=amplitude,
        peak_to_peak=amplitude + ppk.height if ppk is not None else None,
        duration_ms=duration,
        area=area,
        end_latency_ms=end,
        baseline=float(sig.baseline[k]),
        noise_rms=sig.sigma,
        snr_db=snr,
        notes=tuple(notes),
        source="edited" if edited else "auto",
        negative_start_ms=start,
        detection_z=sig.detection.z,
    )
    return markers, k, fitted
