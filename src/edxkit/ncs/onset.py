"""Onset (take-off) latency by fitting the response's leading edge and back-extrapolating it.

The onset is where the response first departs from baseline by 1 % of its negative peak, far
below the noise at ordinary SNR, so it is not read off a threshold crossing. Instead the leading
edge — from before the take-off up to where it clearly stands out of the noise — is fitted by the
shape every evoked potential has there, the start of a sum of unit potentials:

``y(t) = s^p·(α + β·s)``, ``s = max(t − t₀, 0)``

with ``p`` on a grid, ``α, β`` linear (an initial positivity is ``α > 0, β < 0``) and ``t₀``
searched on a fine grid by least squares over the unsmoothed samples. The onset is where the
fitted curve first reaches 1 % of the amplitude in either direction; the negative phase starts
at the later of that and the curve's zero crossing (end of an initial positivity).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from edxkit.ncs.phase import crossing_before

FloatArray = NDArray[np.float64]

TWO_TERM = True
#: Onset definition: departure from baseline by this fraction of the negative-peak amplitude.
ONSET_FRACTION = 0.01
#: Powers ``p`` of the take-off tried.
POWERS = (1.5,)
#: The fit runs up to the leading edge's crossing of this multiple of the smoothed noise rms ...
EDGE_SIGMAS = 8.0
#: ... but at least and at most these fractions of the amplitude.
EDGE_LEVELS = (0.3, 0.5)
#: An initial positivity is accepted when it lowers the residual sum of squares by this many σ² ...
LOBE_CHI2 = 16.0
#: ... and when its fitted height exceeds this many smoothed-noise rms.
LOBE_SIGMAS = 3.0


def hidden_lobe_lead_ms(scale_ms: float, hidden_lobe: tuple[float, float, float]) -> float:
    """Expected lead (ms) of an SNAP's initial positivity hidden in the noise.

    An antidromic SNAP starts with a positivity of 1–2 % of its negative peak, which the 1 %
    onset counts but noise hides; it survives only in sharp (undispersed) responses. Calibrated on
    simulated SNAPs: the positivity leads the negative take-off by ``fraction·(t₈₀ − t₃₀)`` when
    that edge time is below ``sharp_ms``, by nothing above ``dispersed_ms``, linearly in between.
    ``hidden_lobe = (fraction, sharp_ms, dispersed_ms)``.
    """
    fraction, sharp, dispersed = hidden_lobe
    weight = min(max((dispersed - scale_ms) / (dispersed - sharp), 0.0), 1.0)
    return fraction * scale_ms * weight


@dataclass(frozen=True, slots=True)
class OnsetFit:
    """Result of the leading-edge fit.

    Parameters
    ----------
    onset_ms : float
        First departure of the fitted edge by 1 % of the amplitude, ms.
    negative_start_ms : float
        Start of the negative phase (after any initial positivity), ms.
    positive_lobe : float
        Height of the fitted initial positivity, in the sweep's units (0 when none).
    t0_ms, power : float
        Fitted take-off time (ms) and power of the edge model.
    fitted_ms : float
        The onset as the edge fit placed it, before a prior (``toe_shrinkage``, ``lead_shrinkage``)
        moved it; ``onset_ms`` when none did.
    """

    onset_ms: float
    negative_start_ms: float
    positive_lobe: float
    t0_ms: float
    power: float
    fitted_ms: float


def _sse_grid(t: FloatArray, y: FloatArray, t0: FloatArray, p: float) -> tuple[FloatArray, FloatArray]:
    """Residual sum of squares and ``(c, α, β)`` of ``c + s^p·(α + β·s)`` for every ``t₀``."""
    s = np.clip(t[None, :] - t0[:, None], 0.0, None)
    x1 = s**p
    cols = (np.ones_like(x1), x1, x1 * s) if TWO_TERM else (np.ones_like(x1), x1, x1 * s * 1e-9)
    gram = np.empty((t0.size, 3, 3))
    rhs = np.empty((t0.size, 3))
    for i in range(3):
        rhs[:, i] = cols[i] @ y
        for j in range(i, 3):
            # products with the column of ones are the other column itself (1·x is exact)
            prod = cols[j] if i == 0 and j > 0 else cols[i] * cols[j]
            gram[:, i, j] = gram[:, j, i] = float(t.size) if i == j == 0 else prod.sum(1)
    diag = np.einsum("kii->ki", gram)
    ok = (diag > 0).all(axis=1)
    scale = np.sqrt(np.where(diag > 0, diag, 1.0))
    norm = gram / (scale[:, :, None] * scale[:, None, :])
    ok &= np.linalg.det(norm) > 1e-12
    coef = np.zeros((t0.size, 3))
    if ok.any():
        sol = np.linalg.solve(norm[ok], (rhs / scale)[ok][:, :, None])[:, :, 0]
        coef[ok] = sol / scale[ok]
    sse = float(y @ y) - np.einsum("ki,ki->k", coef, rhs)
    return np.where(ok, sse, np.inf), coef


@dataclass(frozen=True, slots=True)
class _Edge:
    """One fitted edge model: residual sum of squares, ``t₀`` (ms), power and ``(c, α, β)``."""

    sse: float
    t0: float
    power: float
    coef: FloatArray

    @property
    def lobe(self) -> bool:
        return bool(self.coef[1] > 0 and self.coef[2] < 0)


def _classify(coef: FloatArray, s_max: FloatArray) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Which fits are monotone negative over the window, and which have an initial positivity."""
    alpha, beta = coef[:, 1], coef[:, 2]
    negative = (alpha <= 0) & (alpha + beta * s_max <= 0) & ((alpha < 0) | (beta < 0))
    lobe = (alpha > 0) & (beta < 0)
    return negative, lobe


def _best_fits(t: FloatArray, y: FloatArray, lo: float, hi: float) -> tuple[_Edge | None, _Edge | None]:
    """Best monotone-negative and best initially-positive edge fits (coarse-then-fine ``t₀`` grid)."""
    best: list[_Edge | None] = [None, None]
    coarse = np.linspace(lo, hi, 48)
    for p in POWERS:
        first = _sse_grid(t, y, coarse, p)  # the coarse pass is the same for both kinds of edge
        for which in (0, 1):
            grid = coarse
            for rep in range(2):
                sse, coef = first if rep == 0 else _sse_grid(t, y, grid, p)
                valid = _classify(coef, float(t[-1]) - grid)[which]
                if not valid.any():
                    break
                k = int(np.argmin(np.where(valid, sse, np.inf)))
                current = best[which]
                if current is None or sse[k] < current.sse:
                    best[which] = _Edge(float(sse[k]), float(grid[k]), p, coef[k])
                step = float(grid[1] - grid[0])
                grid = np.linspace(grid[k] - step, grid[k] + step, 25)
    return best[0], best[1]


def _model_times(
    t0: float, p: float, coef: FloatArray, amplitude: float, t_end: float
) -> tuple[float, float]:
    """First time the model reaches ``ONSET_FRACTION·amplitude`` in size, and its zero crossing."""
    alpha, beta = float(coef[1]), float(coef[2])
    s = np.linspace(0.0, max(t_end - t0, 1e-6), 4001)
    y = s**p * (alpha + beta * s)
    big = np.flatnonzero(np.abs(y) >= ONSET_FRACTION * amplitude)
    onset = t0 + float(s[big[0]]) if big.size else t0
    zero = t0 - alpha / beta if alpha > 0 and beta < 0 else t0
    return onset, zero


def fit_onset(
    t_ms: FloatArray,
    centered: FloatArray,
    smooth: FloatArray,
    k_peak: int,
    amplitude: float,
    sigma: float,
    sigma_smooth: float,
    earliest_ms: float,
    toe_range: tuple[float, float],
    hidden_lobe: tuple[float, float, float] | None = None,
    *,
    oversampling: int = 1,
    hidden_lead: tuple[float, float] | None = None,
    toe_shrinkage: tuple[float, float, float] | None = None,
    lead_shrinkage: tuple[float, float, float] | None = None,
    lobes: bool = True,
) -> OnsetFit | None:
    """Onset of the response whose negative peak (of size ``amplitude``) is at sample ``k_peak``.

    Parameters
    ----------
    t_ms, centered, smooth : ndarray
        Times (ms), baseline-corrected sweep and its low-passed version (units).
    k_peak : int
        Index of the negative peak.
    amplitude : float
        Baseline-to-negative-peak amplitude, units (positive).
    sigma, sigma_smooth : float
        Noise rms of ``centered`` and of ``smooth``, units.
    earliest_ms : float
        The fit may not reach before this time (artifact), ms.
    toe_range : (float, float)
        Physiological range of ``(t₃₀ − onset)/(t₈₀ − t₃₀)`` for the kind (``t_L``: the leading
        edge's crossing of ``L`` % of the amplitude); the onset is kept inside it.
    hidden_lobe : (float, float, float), optional
        SNAPs: see :func:`hidden_lobe_lead_ms`; applied when no positivity stands out of the noise.
    oversampling : int, optional
        Samples per recorded sample when ``centered`` is an interpolated (fine) grid: residual sums
        of squares then count every recorded sample ``oversampling`` times, and the threshold
        for an initial positivity is scaled to match.
    hidden_lead : (float, float), optional
        Orthodromic SNAPs: ``(a, b)``; when no initial positivity stands out, the onset is ``t₃₀ − (a +
        b·(t₈₀ − t₃₀))`` (the positivity hidden in the noise leads the negative edge by about that much).
    toe_shrinkage : (float, float, float), optional
        CMAPs: ``(median, sd, c)`` of a prior on the toe; see :func:`shrink_to_prior`.
    lead_shrinkage : (float, float, float), optional
        SNAPs: ``(median, sd, c)`` (ms) of a prior on the lead ``t₃₀ − onset``; see :func:`shrink_to_prior`.
    lobes : bool, optional
        False: an initially positive edge is taken only when no monotone one fits (see
        :attr:`edxkit.ncs.kinds.KindSpec.fine_grid_lobes`).

    Returns
    -------
    OnsetFit or None
        None when the leading edge cannot be found (peak at the start of the search).
    """
    level = min(max(EDGE_SIGMAS * sigma_smooth / amplitude, EDGE_LEVELS[0]), EDGE_LEVELS[1])
    t_top = crossing_before(t_ms, smooth, k_peak, -level * amplitude)
    t30 = crossing_before(t_ms, smooth, k_peak, -0.3 * amplitude)
    t80 = crossing_before(t_ms, smooth, k_peak, -0.8 * amplitude)
    if t_top is None or t30 is None or t80 is None or t30 < earliest_ms:
        return None
    dt = float(t_ms[1] - t_ms[0])
    scale = max(t80 - t30, dt)
    lo_bound, hi_bound = t30 - toe_range[1] * scale, t30 - toe_range[0] * scale
    t0_min = max(lo_bound - 0.5 * scale, earliest_ms)
    t_lo = max(t0_min - 0.5 * scale - 2.0 * dt, earliest_ms)
    sel = (t_ms >= t_lo) & (t_ms <= t_top)
    if sel.sum() < 4:
        return None
    t, y = t_ms[sel], centered[sel]
    negative, lobed = _best_fits(t, y, t0_min, t_top)
    edge = negative
    if lobed is not None and (
        edge is None or (lobes and edge.sse - lobed.sse > oversampling * LOBE_CHI2 * sigma * sigma)
    ):
        edge = lobed if _lobe_height(lobed) > LOBE_SIGMAS * sigma_smooth else edge
    if edge is None:
        return None
    onset, zero = _model_times(edge.t0, edge.power, edge.coef, amplitude, t_top)
    if not edge.lobe and hidden_lead is not None:
        onset = t30 - (hidden_lead[0] + hidden_lead[1] * scale)
    elif not edge.lobe and hidden_lobe is not None:
        onset -= hidden_lobe_lead_ms(scale, hidden_lobe)
    # a visible initial positivity may lead the negative edge by more than the physiological toe
    lowest = lo_bound - (toe_range[1] * scale if edge.lobe else 0.0)
    onset = fitted = min(max(onset, lowest), hi_bound)
    if toe_shrinkage is not None and not edge.lobe:
        onset = t30 - scale * shrink_to_prior((t30 - onset) / scale, sigma_smooth / amplitude, toe_shrinkage)
    elif lead_shrinkage is not None and not edge.lobe:
        # unlike a toe shrunk within the toe range, a shrunk lead can leave it
        onset = t30 - shrink_to_prior(t30 - onset, sigma_smooth / amplitude, lead_shrinkage)
        onset = min(max(onset, lowest), hi_bound)
    return OnsetFit(onset, max(onset, zero), _lobe_height(edge), edge.t0, edge.power, fitted)


def shrink_to_prior(measured: float, noise_ratio: float, prior: tuple[float, float, float]) -> float:
    """A leading-edge measure combined with its prior by inverse-variance weighting.

    The toe ``(t₃₀ − onset)/(t₈₀ − t₃₀)`` (CMAPs) or the lead ``t₃₀ − onset`` (SNAPs, ms) of a fitted
    onset scatters, and more the noisier the edge, while real responses keep it within a narrow
    range: the estimate is the weighted mean of the measurement and the prior median (the posterior
    mean for Gaussian prior and error; e.g. Gelman et al., *Bayesian Data Analysis*, §2.5),
    ``w = 1/(1 + (s_m/s_p)²)``, with the measurement's SD ``s_m = c·√(σ_smooth/A)``.

    Parameters
    ----------
    measured : float
        Toe or lead of the fitted onset.
    noise_ratio : float
        Smoothed noise rms over the negative-peak amplitude.
    prior : (float, float, float)
        ``(median, sd, c)``: the prior median and SD, and the measurement-error coefficient.
    """
    median, prior_sd, coef = prior
    sd = coef * math.sqrt(max(noise_ratio, 0.0))
    w = 1.0 / (1.0 + (sd / prior_sd) ** 2)
    return w * measured + (1.0 - w) * median


def _lobe_height(edge: _Edge) -> float:
    """Height of the fitted initial positivity (0 without one), units."""
    if not edge.lobe:
        return 0.0
    alpha, beta, p = float(edge.coef[1]), float(edge.coef[2]), edge.power
    s = (p * alpha) / (-(p + 1.0) * beta)
    return float(s**p * (alpha + beta * s))
