"""Baseline models: a constant or straight line plus up to two decaying exponentials.

A stimulus artifact's tail decays like a sum of exponentials (amplifier recovery and electrode
polarisation) on top of a slowly drifting baseline. :func:`fit_baseline` fits

``b(t) = c₀ [+ c₁·t] + Σₖ aₖ·exp(−(t − t_d)/τₖ)·[t ≥ t_d]``

to the samples a mask marks as response-free, choosing the time constants by variable projection
(the linear coefficients are solved exactly for every candidate pair of τ on a log grid, which is
then refined twice) and the number of exponentials (0, 1 or 2) by the Bayesian information
criterion, so that a clean baseline is not given terms it does not need.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from edxkit.dsp.stats import median_1d

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

#: Candidate decay time constants, ms (log grid, refined around the best pair).
TAU_GRID_MS = np.geomspace(0.06, 5.0, 14)
#: Fits use at most about this many points (weighted block means of the samples) ...
MAX_FIT_POINTS = 400
#: ... except for this stretch after the decay start, kept at full resolution, ms.
FULL_RESOLUTION_MS = 1.0
#: A decay is only fitted if it is still above e^−3 (5 %) of its start value at the first fitted
#: sample after the decay start: τ ≥ gap / this. Otherwise nothing in the data fixes its amplitude under
#: the masked-out stretch, and on a noise-free sweep a huge decay hidden under the response would pass
#: the information criterion.
DECAY_VISIBLE_TAUS = 3.0
_MAD_TO_SD = 1.4826


def noise_rms_from_differences(samples: FloatArray, mask: BoolArray | None = None) -> float:
    """Robust rms of white noise from first differences: ``1.4826·MAD(Δx)/√2``.

    Differences cancel a slowly varying signal, and the median ignores the few large steps of a
    response or artifact. Only pairs of consecutive samples both inside ``mask`` are used.

    Parameters
    ----------
    samples : ndarray
        Signal, in its units.
    mask : ndarray of bool, optional
        Samples to use (default all).

    Returns
    -------
    float
        Noise rms in the units of ``samples`` (0 when fewer than 3 pairs are available).
    """
    x = np.asarray(samples, dtype=np.float64)
    d = np.diff(x)
    if mask is not None:
        d = d[mask[1:] & mask[:-1]]
    if d.size < 3:
        return 0.0
    return float(_MAD_TO_SD * median_1d(np.abs(d - median_1d(d))) / math.sqrt(2.0))


@dataclass(frozen=True, slots=True)
class BaselineFit:
    """A fitted baseline: its value at every sample and its description.

    Parameters
    ----------
    curve : ndarray
        Baseline at every sample of the sweep, in the sweep's units.
    taus_ms : tuple of float
        Time constants of the fitted exponentials, ms (empty for none).
    linear : bool
        Whether a slope term was fitted.
    residual_rms : float
        Rms of the fit residual over the masked samples, in the sweep's units.
    """

    curve: FloatArray
    taus_ms: tuple[float, ...]
    linear: bool
    residual_rms: float


def _decays(t_ms: FloatArray, decay_start_ms: float, taus_ms: FloatArray) -> FloatArray:
    """Columns ``exp(−(t − t_d)/τ)`` (zero before ``t_d``), shape ``len(t) × len(τ)``."""
    cols = np.zeros((t_ms.size, taus_ms.size))
    after = t_ms >= decay_start_ms
    cols[after] = np.exp((decay_start_ms - t_ms[after])[:, None] / taus_ms[None, :])
    return cols


def _project_out(q: FloatArray, col: FloatArray) -> FloatArray:
    """Residual of ``col`` (vector or matrix) after least-squares regression on the orthonormal ``q``."""
    return np.asarray(col - q @ (q.T @ col), dtype=np.float64)


@functools.cache
def _refinement(step: float) -> FloatArray:
    """Five log-spaced factors from 1/step to step (the refinement grid around a time constant)."""
    factors = np.geomspace(1.0 / step, step, 5)
    factors.flags.writeable = False
    return factors


@functools.cache
def _pairs(n: int) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Index pairs (i < j) of ``n`` columns."""
    i, j = np.triu_indices(n, k=1)
    i.flags.writeable = j.flags.writeable = False
    return i, j


def _best_pair(ry: FloatArray, re: FloatArray) -> tuple[float, int, int]:
    """Smallest residual sum of squares over every pair of (residualised) decay columns."""
    gram = re.T @ re
    b = re.T @ ry
    i, j = _pairs(gram.shape[0])
    diag = np.diagonal(gram)
    g_ii, g_jj, g_ij, b_i, b_j = diag[i], diag[j], gram[i, j], b[i], b[j]
    det = g_ii * g_jj - g_ij**2
    ok = det > 1e-12 * np.maximum(g_ii * g_jj, 1e-300)
    safe = np.where(ok, det, 1.0)
    a_i = (g_jj * b_i - g_ij * b_j) / safe
    a_j = (g_ii * b_j - g_ij * b_i) / safe
    ok &= a_i * a_j >= 0.0  # same polarity: a monotone decay, never a bump
    gain = np.where(ok, a_i * b_i + a_j * b_j, -np.inf)
    k = int(np.argmax(gain))
    if not np.isfinite(gain[k]):
        return math.inf, 0, 1
    return float(ry @ ry - gain[k]), int(i[k]), int(j[k])


def _best_single(ry: FloatArray, re: FloatArray) -> tuple[float, int]:
    norms = np.einsum("ij,ij->j", re, re)
    gain = np.where(norms > 1e-300, (re.T @ ry) ** 2 / np.maximum(norms, 1e-300), -np.inf)
    k = int(np.argmax(gain))
    return float(ry @ ry - gain[k]), k


def _search_taus(
    t: FloatArray,
    ry: FloatArray,
    w: FloatArray,
    q: FloatArray,
    decay_start_ms: float,
    n_decays: int,
    coarse: tuple[FloatArray, FloatArray],
) -> tuple[float, tuple[float, ...]]:
    """Residual sum of squares and time constants of the best ``n_decays``-exponential model.

    ``ry`` is the weighted data with the polynomial part projected out (``q`` spans it). The coarse
    log grid (``coarse``: the allowed part of :data:`TAU_GRID_MS` and its weighted, residualised decay
    columns, shared by the one- and two-decay searches) is searched first, then finer grids (±30 %,
    then ±8 %) around the best time constants, never below the smallest allowed τ.
    """
    grid, re = coarse
    shortest = float(grid[0])
    best: tuple[float, tuple[float, ...]] = (math.inf, ())
    for step in (1.3, 1.08, 0.0):
        if n_decays == 1:
            sse, k = _best_single(ry, re)
            taus: tuple[float, ...] = (float(grid[k]),)
        else:
            sse, i, j = _best_pair(ry, re)
            taus = (float(grid[i]), float(grid[j]))
        if sse < best[0]:
            best = (sse, taus)
        if step == 0.0 or not best[1]:
            break
        # sorted, duplicates kept (a repeated column never wins a pair and ties pick the same τ)
        grid = np.sort(
            np.maximum(np.multiply.outer(np.asarray(best[1]), _refinement(step)).ravel(), shortest)
        )
        re = _project_out(q, _decays(t, decay_start_ms, grid) * w[:, None])
    return best


def _reduce(
    t: FloatArray, y: FloatArray, w: FloatArray, index: NDArray[np.intp], decay_start_ms: float | None
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Weighted block means of the fitted samples (at most about :data:`MAX_FIT_POINTS` blocks).

    Blocks never span a gap in the mask; samples within :data:`FULL_RESOLUTION_MS` after the
    decay start stay single, so fast artifact decays are fitted at full resolution. Least squares
    on block means weighted by the blocks' total weights equals least squares on the samples for
    a model that is linear within each block.
    """
    block = max(1, int(np.ceil(t.size / MAX_FIT_POINTS)))
    if block == 1 or t.size == 0:
        return t, y, w
    new_run = np.concatenate(([True], np.diff(index) > 1))
    run_start = np.maximum.accumulate(np.where(new_run, np.arange(t.size), 0))
    starts = new_run | ((np.arange(t.size) - run_start) % block == 0)
    if decay_start_ms is not None:
        starts |= (t >= decay_start_ms) & (t < decay_start_ms + FULL_RESOLUTION_MS)
    first = np.flatnonzero(starts)
    wsum = np.add.reduceat(w, first)
    safe = np.where(wsum > 0, wsum, 1.0)
    tm = np.add.reduceat(w * t, first) / safe
    if not np.all(wsum > 0):  # a block with no weight sits at its plain mean time
        tm = np.where(wsum > 0, tm, np.add.reduceat(t, first) / np.diff(np.append(first, t.size)))
    return tm, np.add.reduceat(w * y, first) / safe, wsum


def _design(
    t_ms: FloatArray,
    linear: bool,
    t_ref_ms: float,
    scale_ms: float,
    decay_start_ms: float,
    taus: tuple[float, ...],
) -> FloatArray:
    n_poly = 2 if linear else 1
    design = np.empty((t_ms.size, n_poly + len(taus)))
    design[:, 0] = 1.0
    if linear:
        design[:, 1] = (t_ms - t_ref_ms) / scale_ms
    if taus:
        design[:, n_poly:] = _decays(t_ms, decay_start_ms, np.asarray(taus))
    return design


def fit_baseline(
    t_ms: FloatArray,
    samples: FloatArray,
    mask: BoolArray,
    *,
    decay_start_ms: float | None = None,
    linear: bool = False,
    max_decays: int = 2,
    weights: FloatArray | None = None,
) -> BaselineFit:
    """Fit a constant (or line) plus 0–2 exponential decays to the masked samples.

    Parameters
    ----------
    t_ms : ndarray
        Sample times, ms.
    samples : ndarray
        Signal, in its units.
    mask : ndarray of bool
        Samples free of response (and of the artifact's pulse) to fit.
    decay_start_ms : float, optional
        Time the artifact tail starts decaying, ms; None fits no exponentials.
    linear : bool
        Fit a slope (use when the mask covers both sides of the response).
    max_decays : int
        Most exponentials to consider (0–2); the number is chosen by BIC.
    weights : ndarray, optional
        Non-negative weight of every sample (robust refits).

    Returns
    -------
    BaselineFit
        The baseline at every sample.
    """
    full_t, full_y = t_ms[mask], samples[mask]
    raw_w = weights[mask] if weights is not None else np.ones_like(full_t)
    t, y, wsum = _reduce(full_t, full_y, raw_w, np.flatnonzero(mask), decay_start_ms)
    w = np.sqrt(wsum)
    t_ref = float(t.mean()) if t.size else 0.0
    scale = max(float(np.ptp(t_ms)), 1e-3)
    n_poly = 2 if linear else 1
    if t.size < n_poly + 2:
        level = float(np.median(y)) if y.size else float(np.median(samples))
        return BaselineFit(np.full_like(t_ms, level), (), False, 0.0)
    poly = _design(t, linear, t_ref, scale, 0.0, ()) * w[:, None]
    yw = y * w
    q, _ = np.linalg.qr(poly)
    ry = _project_out(q, yw)
    floor = 1e-20 * float(yw @ yw) + 1e-300
    options: list[tuple[float, tuple[float, ...]]] = [(float(ry @ ry), ())]
    if decay_start_ms is not None:
        after = t[t >= decay_start_ms]
        gap = float(after[0] - decay_start_ms) if after.size else math.inf
        allowed = TAU_GRID_MS[gap <= TAU_GRID_MS * DECAY_VISIBLE_TAUS]
        wanted = [k for k in range(1, max_decays + 1) if after.size >= 5 * k + 2 and allowed.size >= k]
        if wanted:
            coarse = (allowed, _project_out(q, _decays(t, decay_start_ms, allowed) * w[:, None]))
            for k in wanted:
                options.append(_search_taus(t, ry, w, q, decay_start_ms, k, coarse))
    n = t.size
    bic = [n * math.log(sse / n + floor) + (n_poly + 2 * len(taus)) * math.log(n) for sse, taus in options]
    _, taus = options[int(np.argmin(bic))]
    design = _design(t, linear, t_ref, scale, decay_start_ms or 0.0, taus)
    coef, *_ = np.linalg.lstsq(design * w[:, None], yw, rcond=None)
    curve = _design(t_ms, linear, t_ref, scale, decay_start_ms or 0.0, taus) @ coef
    resid = full_y - curve[mask]
    return BaselineFit(np.asarray(curve, dtype=np.float64), taus, linear, float(np.sqrt(np.mean(resid**2))))
