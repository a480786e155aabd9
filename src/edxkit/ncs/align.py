"""Latency difference of two sweeps of one nerve (distal and proximal stimulation) by alignment.

A segment's conduction velocity is ``segment / (proximal − distal onset latency)``. Measuring the
two onsets separately adds the errors of two back-extrapolations to the toe of a noisy edge; but
the proximal response *is* the distal one arriving later (its units are the same, dispersed a
little more), so the difference is better measured jointly: the leading edge of the proximal sweep
is fitted by the distal sweep shifted by ``Δ``, scaled in size by ``g`` and stretched in time by
``s`` about the distal onset,

``P(t) ≈ c + g·D(t_d + (t − t_d − Δ)/s)``,

by least squares over the whole rising edge (from half an edge-time before the proximal onset
up to :data:`EDGE_LEVEL` of the negative peak; ``c, g`` linear, ``Δ, s`` by Gauss–Newton).
Every sample of the edge then informs ``Δ``, not only the few near the toe. A response stretched
about the onset keeps its 1 % take-off at ``t_d + Δ``, so ``Δ`` is the difference of the onsets
whatever the stretch (and whatever point it is taken about: shift plus stretch is any affine map of
time). Dispersion is not exactly a stretch — the arrival times spread but each unit keeps its
shape, and a few fast axons spared by a lesion keep the toe early — so on dispersed segments a
bias of up to a few tenths of a millisecond remains (see :data:`MODEL_SE_MS`).

The fit runs on both sweeps low-passed by the same filter (same blur on both sides, so no bias),
with the distal template evaluated between samples by a cubic spline, so any sampling rate works.
The stretch is kept at or above 1: a proximal response is never narrower than the distal one
(its fibres' arrival times spread over the longer path), and a compressing fit only lets noise
trade stretch against shift through the lever arm between the distal onset and the fitted edge.

The reported difference combines the aligned ``Δ`` with the difference of the two sites' onsets
(``δ``), weighting each by the inverse of a variance model: the alignment's
``se² + (B·(s − 1)·r_d)²`` — its noise plus a shape-mismatch term that grows with the stretch
``s`` and the distal onset-to-peak time ``r_d`` (a dispersed response's toe is softer than a
stretched copy of the distal one, so its aligned ``Δ`` runs late) — and the onsets'
``K²·(ρ_d² + ρ_p²)``, ``ρ = (σ_smooth / amplitude)·(peak − onset latency)`` (each onset's
back-extrapolation error scales with the noise-to-amplitude ratio times the edge length). The
alignment then carries noisy segments, where it averages the whole edge, and the onsets carry
clean but dispersed ones, where the 1 % take-off is visible and the stretched shape is not the
real one. This is the usual inverse-variance combination of two estimators of one quantity
(e.g. Bevington & Robinson, *Data Reduction and Error Analysis*, 3rd ed., §4.1); ``K`` and ``B``
were tuned on simulated studies (seeds < 100 000) and exceed the raw error scales because the
onset errors are heavy-tailed (the onset is clamped to a physiological toe range).

The fit band narrows with the noise (:data:`FIT_BANDS`): below 28 dB (measured: the smaller of the
two sweeps' amplitude over their noise rms) both sweeps are re-low-passed from their baseline-corrected
samples at 600 Hz, below 25 dB at 420 Hz and below 20 dB at 300 Hz, before the fit. A CMAP's edge
carries little above a few hundred hertz, so the narrower band mostly removes noise — the distal
sweep's noise enters the fit as errors in the template, which least squares does not average out —
while the blur, being the same on both sweeps, biases ``Δ`` only through the stretch, which matters
where noise no longer dominates (above 28 dB the narrower bands were worse, so the sweeps' own 1-kHz
smoothing is kept there). This is the classical trade of a Wiener-type pre-filter for time-delay
estimation, whose best bandwidth falls with the SNR (Knapp & Carter 1976, *IEEE Trans. ASSP* 24:320,
the generalized cross-correlation); the thresholds and cutoffs were chosen on simulated studies
(seeds < 100 000).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy.interpolate import CubicSpline  # type: ignore[import-untyped]

from edxkit.dsp.filters import lowpass, noise_gain
from edxkit.dsp.lsq import bounded_least_squares
from edxkit.ncs.kinds import Kind
from edxkit.ncs.markers import SweepAnalysis, analyse_sweep
from edxkit.ncs.phase import crossing_before
from edxkit.waveform import Waveform

FloatArray = NDArray[np.float64]

#: The fit covers the proximal leading edge up to this fraction of its negative peak ...
EDGE_LEVEL = 0.95
#: ... from this many edge-times (onset to ``EDGE_LEVEL``) before the proximal onset.
PRE_EDGES = 0.5
#: Stretch allowed, proximal time scale / distal (a proximal response is not narrower).
STRETCH_RANGE = (1.0, 3.0)
#: The aligned difference is used when it agrees with the onset difference within this many
#: combined standard errors plus :data:`AGREE_MS` (else the per-site onsets are used).
AGREE_SIGMAS = 6.0
AGREE_MS = 0.5
#: Shape mismatch of the model (a dispersed response is not exactly a stretched one): its rms
#: effect on ``Δ`` on noise-free simulated normal nerves (seeds < 100 000), added to the noise part
#: of the standard error in quadrature, ms.
MODEL_SE_MS = 0.03
#: Weighting of the onset difference against the alignment (see the module docstring): ``K``, the
#: scale of each onset's error in units of ``(σ_smooth / amplitude)·(peak − onset)`` ...
ONSET_ERROR_SCALE = 8.0
#: ... and ``B``, the alignment's shape-mismatch error per unit of ``(s − 1)·(distal peak − onset)``.
STRETCH_MISMATCH = 0.2
#: Low-pass cutoff (Hz) of the fit by measured SNR (dB, the lower of the two sweeps'): the first row
#: whose floor the SNR reaches applies; None keeps each sweep's own smoothing.
FIT_BANDS: tuple[tuple[float, float | None], ...] = (
    (28.0, None),
    (25.0, 600.0),
    (20.0, 420.0),
    (-math.inf, 300.0),
)


@dataclass(frozen=True, slots=True)
class LatencyDifference:
    """Proximal − distal latency difference of a segment.

    Parameters
    ----------
    delta_ms : float or None
        Latency difference (proximal onset − distal onset), ms; None when either response is
        absent. Segment CV = ``segment_mm / delta_ms`` (m/s).
    se_ms : float
        Standard error of the alignment's ``Δ`` from the fit's residuals, ms (``inf`` when not
        aligned).
    method : {"aligned", "onsets", "none"}
        ``"aligned"``: the edge fit, combined with the onset difference by inverse-variance
        weights (``weight``); ``"onsets"``: the difference of the per-site onsets (the fit failed
        or disagreed with them); ``"none"``: a response is missing.
    onset_delta_ms : float or None
        Difference of the per-site onsets (:func:`~edxkit.ncs.markers.measure_sweep`), ms.
    stretch : float
        Time scale of the proximal edge relative to the distal (> 1: dispersed).
    gain : float
        Size of the proximal response relative to the distal.
    r2 : float
        Fraction of the proximal edge's variance the shifted distal edge explains (0–1).
    aligned_ms : float or None
        The alignment's own ``Δ`` before it is combined with ``onset_delta_ms``, ms.
    weight : float
        Weight of ``aligned_ms`` in ``delta_ms`` (the onset difference has ``1 − weight``); 0
        when ``method`` is ``"onsets"``.
    """

    delta_ms: float | None
    se_ms: float
    method: Literal["aligned", "onsets", "none"]
    onset_delta_ms: float | None = None
    stretch: float = 1.0
    gain: float = 1.0
    r2: float = 0.0
    aligned_ms: float | None = None
    weight: float = 0.0

    @property
    def confident(self) -> bool:
        """Aligned, with a standard error below 0.05 ms and a good fit (R² ≥ 0.9)."""
        return self.method == "aligned" and self.se_ms <= 0.05 and self.r2 >= 0.9


def latency_difference_ms(
    distal: Waveform,
    proximal: Waveform,
    kind: Kind = "motor",
    *,
    window_ms: tuple[float, float] | None = None,
) -> LatencyDifference:
    """Latency difference (proximal − distal onset, ms) of two sweeps by aligning their edges.

    Parameters
    ----------
    distal, proximal : Waveform
        Sweeps from the distal and the proximal stimulation site (same recording electrodes).
    kind : {"motor", "sensory"}
        CMAP or SNAP time scales.
    window_ms : (float, float), optional
        Search window passed to :func:`~edxkit.ncs.markers.measure_sweep` for both sweeps.

    Returns
    -------
    LatencyDifference
        ``delta_ms`` None when either sweep has no response.
    """
    d = analyse_sweep(distal, kind, window_ms=window_ms)
    p = analyse_sweep(proximal, kind, window_ms=window_ms)
    return align_analyses(d, p)


def align_analyses(d: SweepAnalysis, p: SweepAnalysis) -> LatencyDifference:
    """:func:`latency_difference_ms` of two already analysed sweeps."""
    md, mp = d.markers, p.markers
    if (
        md.response != "present"
        or mp.response != "present"
        or d.onset_for_alignment is None
        or p.onset_for_alignment is None
        or not md.amplitude
        or not mp.amplitude
    ):
        return LatencyDifference(None, math.inf, "none")
    onset_delta = p.onset_for_alignment - d.onset_for_alignment
    fallback = LatencyDifference(onset_delta, math.inf, "onsets", onset_delta)
    cutoff = fit_band_hz(d, p)
    fit = _fit(d, p) if cutoff is None else _fit(_resmoothed(d, cutoff), _resmoothed(p, cutoff))
    if fit is None:
        return fallback
    aligned, se, stretch, gain, r2 = fit
    if abs(aligned - onset_delta) > AGREE_SIGMAS * se + AGREE_MS:
        return fallback
    weight = alignment_weight(d, p, se, stretch)
    delta = weight * aligned + (1.0 - weight) * onset_delta
    return LatencyDifference(delta, se, "aligned", onset_delta, stretch, gain, r2, aligned, weight)


def measured_snr_db(a: SweepAnalysis) -> float:
    """``20·log10(amplitude / noise rms)`` of an analysed sweep (−inf without a response or noise)."""
    amp = a.markers.amplitude
    if not amp or amp <= 0.0:
        return -math.inf
    return math.inf if a.sigma <= 0.0 else 20.0 * math.log10(amp / a.sigma)


def fit_band_hz(d: SweepAnalysis, p: SweepAnalysis) -> float | None:
    """Low-pass cutoff (Hz) for the edge fit from :data:`FIT_BANDS`, or None for the sweeps' own."""
    snr = min(measured_snr_db(d), measured_snr_db(p))
    return next((cut for floor, cut in FIT_BANDS if snr >= floor), FIT_BANDS[-1][1])


def _resmoothed(a: SweepAnalysis, cutoff_hz: float) -> SweepAnalysis:
    """The analysis with ``smooth`` re-low-passed from ``centered`` at ``cutoff_hz`` (and its noise)."""
    if cutoff_hz >= 0.5 * a.fs_hz:
        return a
    smooth = lowpass(a.centered, a.fs_hz, cutoff_hz)
    return dataclasses.replace(a, smooth=smooth, sigma_smooth=a.sigma * noise_gain(a.fs_hz, cutoff_hz))


def _onset_spread(a: SweepAnalysis) -> float:
    """``(σ_smooth / amplitude)·(peak − onset latency)``: the onset's error scale, ms."""
    m, onset = a.markers, a.onset_for_alignment
    if not m.amplitude or m.peak_latency_ms is None or onset is None:
        return math.inf
    return a.sigma_smooth / m.amplitude * max(m.peak_latency_ms - onset, 0.0)


def alignment_weight(d: SweepAnalysis, p: SweepAnalysis, se_ms: float, stretch: float) -> float:
    """Inverse-variance weight (0–1) of the aligned ``Δ`` against the onset difference.

    Alignment variance ``se² + (STRETCH_MISMATCH·(s − 1)·(distal peak − onset))²``; onset-difference
    variance ``ONSET_ERROR_SCALE²·(ρ_d² + ρ_p²)`` with ``ρ`` from :func:`_onset_spread`.
    """
    md = d.markers
    rise_d = (md.peak_latency_ms or 0.0) - (d.onset_for_alignment or 0.0)
    v_align = se_ms**2 + (STRETCH_MISMATCH * max(stretch - 1.0, 0.0) * max(rise_d, 0.0)) ** 2
    v_onsets = ONSET_ERROR_SCALE**2 * (_onset_spread(d) ** 2 + _onset_spread(p) ** 2)
    if not math.isfinite(v_onsets) or v_align <= 0.0:
        return 1.0
    if not math.isfinite(v_align):
        return 0.0
    return float(v_onsets / (v_onsets + v_align))


def _edge(a: SweepAnalysis, level: float) -> tuple[float, float] | None:
    """Onset (ms) and the leading edge's crossing of ``level`` of the amplitude (ms)."""
    m, onset = a.markers, a.onset_for_alignment
    if onset is None or m.amplitude is None or a.peak_index < 1:
        return None
    top = crossing_before(a.t_ms, a.smooth, a.peak_index, -level * m.amplitude)
    if top is None or top <= onset:
        return None
    return onset, top


def _fit(d: SweepAnalysis, p: SweepAnalysis) -> tuple[float, float, float, float, float] | None:
    """Least-squares ``(Δ, se, s, g, R²)`` of the proximal edge on the shifted, stretched distal."""
    ed, ep = _edge(d, EDGE_LEVEL), _edge(p, EDGE_LEVEL)
    if ed is None or ep is None:
        return None
    t_d = ed[0]
    rise_p = ep[1] - ep[0]
    lo = max(ep[0] - PRE_EDGES * rise_p, p.earliest_ms)
    sel = (p.t_ms >= lo) & (p.t_ms <= ep[1])
    if sel.sum() < 5:
        return None
    t, y = p.t_ms[sel], p.smooth[sel]
    keep = d.t_ms >= d.earliest_ms
    spline = CubicSpline(d.t_ms[keep], d.smooth[keep], extrapolate=False)
    t_first, t_last = float(d.t_ms[keep][0]), float(d.t_ms[keep][-1])

    def template(x: FloatArray) -> FloatArray:
        # the distal sweep, 0 outside the span it was recorded over
        v = np.asarray(spline(np.clip(x, t_first, t_last)), dtype=np.float64)
        v[(x < t_first) | (x > t_last)] = 0.0
        return v

    y_dev = y - y.mean()

    def residual(theta: FloatArray) -> FloatArray:
        # y − (offset + gain·col) at the least-squares offset and gain (simple linear regression in
        # closed form; a flat template gets gain 0, as the minimum-norm least-squares solution would)
        delta, stretch = float(theta[0]), float(theta[1])
        col = template(t_d + (t - t_d - delta) / stretch)
        col_dev = col - col.mean()
        var = float(col_dev @ col_dev)
        gain = float(col_dev @ y_dev) / var if var > 1e-300 else 0.0
        return np.asarray(y_dev - gain * col_dev, dtype=np.float64)

    s0 = min(max(rise_p / (ed[1] - ed[0]), STRETCH_RANGE[0]), STRETCH_RANGE[1])
    delta0 = ep[0] - ed[0]
    sol = bounded_least_squares(
        residual,
        np.array([delta0, s0]),
        np.array([delta0 - 2.0 * rise_p - 1.0, STRETCH_RANGE[0]]),
        np.array([delta0 + 2.0 * rise_p + 1.0, STRETCH_RANGE[1]]),
    )
    if not sol.success:
        return None
    delta, stretch = float(sol.x[0]), float(sol.x[1])
    col = template(t_d + (t - t_d - delta) / stretch)
    design = np.column_stack((np.ones_like(t), col))
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    gain = float(coef[1])
    if gain <= 0:
        return None
    se = _standard_error(sol.jac, p, d, gain)
    total = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - float(resid @ resid) / total if total > 0 else 0.0
    return delta, se, stretch, gain, r2


def _standard_error(jac: FloatArray, p: SweepAnalysis, d: SweepAnalysis, gain: float) -> float:
    """Standard error of ``Δ``: noise of both smoothed sweeps through the fit's Jacobian.

    The smoothed noise is correlated over the low-pass kernel, so the white-noise formula
    ``σ²·(JᵀJ)⁻¹`` is inflated by the kernel's length in samples (``(σ/σ_smooth)²``).
    """
    try:
        cov = np.linalg.inv(jac.T @ jac)
    except np.linalg.LinAlgError:
        return math.inf
    noise = p.sigma_smooth**2 + (gain * d.sigma_smooth) ** 2
    span = (p.sigma / p.sigma_smooth) ** 2 if p.sigma_smooth > 0 else 1.0
    return float(math.sqrt(max(cov[0, 0], 0.0) * noise * span + MODEL_SE_MS**2))
