"""Peak, return to baseline, positive peak and area of the negative phase of a response."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

#: Samples within this fraction of an extremum (of the smoothed sweep) are fitted by a parabola.
PEAK_TOP_FRACTION = 0.25


def crossing_before(t_ms: FloatArray, y: FloatArray, k: int, level: float) -> float | None:
    """Last time before sample ``k`` at which ``y`` (below ``level`` at ``k``) rises to ``level``, ms.

    Where ``y`` is not below ``level`` at ``k`` after all (a noisy peak whose smoothed value stays above a
    level set from its fitted amplitude), the last two samples lie on the same side of the level and their
    line is extrapolated; the time is kept at or before ``t_ms[k]``, which the extrapolation could otherwise
    carry far past the peak, even off the sweep."""
    above = np.flatnonzero(y[:k] >= level)
    if above.size == 0:
        return None
    i = int(above[-1])
    y0, y1 = float(y[i]), float(y[i + 1])
    frac = (y0 - level) / (y0 - y1) if y0 != y1 else 0.0
    return min(float(t_ms[i] + frac * (t_ms[i + 1] - t_ms[i])), float(t_ms[min(k, t_ms.size - 1)]))


def crossing_after(t_ms: FloatArray, y: FloatArray, k: int, level: float) -> float | None:
    """First time after sample ``k`` at which ``y`` (below ``level`` at ``k``) rises to ``level``, ms."""
    above = np.flatnonzero(y[k:] >= level)
    if above.size == 0:
        return None
    i = k + int(above[0])
    if i == 0:
        return float(t_ms[0])
    y0, y1 = float(y[i - 1]), float(y[i])
    frac = (level - y0) / (y1 - y0) if y1 != y0 else 1.0
    return float(t_ms[i - 1] + frac * (t_ms[i] - t_ms[i - 1]))


def refine_extremum(
    t_ms: FloatArray, centered: FloatArray, smooth: FloatArray, k: int, *, top_fraction: float | None = None
) -> tuple[float, float]:
    """Time (ms) and value of the extremum near sample ``k`` by a least-squares parabola.

    The parabola is fitted to the unsmoothed samples whose smoothed value lies within
    ``top_fraction`` (default :data:`PEAK_TOP_FRACTION`) of the extremum (at least the three
    samples around ``k``), so noise averages out without the low-pass flattening the peak; with
    seven samples or more an asymmetric peak gets a cubic instead.
    """
    fraction = PEAK_TOP_FRACTION if top_fraction is None else top_fraction
    sign = 1.0 if smooth[k] >= 0 else -1.0
    level = (1.0 - fraction) * sign * float(smooth[k])
    inside = sign * smooth >= level
    left = np.flatnonzero(~inside[: k + 1])
    right = np.flatnonzero(~inside[k:])
    lo = int(left[-1]) + 1 if left.size else 0
    hi = k + int(right[0]) - 1 if right.size else inside.size - 1
    lo, hi = max(min(lo, k - 1), 0), min(max(hi, k + 1), inside.size - 1)
    if hi - lo < 2:
        return float(t_ms[k]), float(smooth[k])
    x = t_ms[lo : hi + 1] - t_ms[k]
    y = centered[lo : hi + 1]
    if x.size >= 7:
        cubic = _cubic_extremum(x, y, sign)
        if cubic is not None:
            return float(t_ms[k] + cubic[0]), cubic[1]
    c2, c1, c0 = np.polyfit(x, y, 2)
    if sign * c2 >= 0:
        return float(t_ms[k]), float(centered[k])
    xv = -c1 / (2.0 * c2)
    if not x[0] <= xv <= x[-1]:
        return float(t_ms[k]), float(np.polyval([c2, c1, c0], 0.0))
    return float(t_ms[k] + xv), float(c0 - c1 * c1 / (4.0 * c2))


def _cubic_extremum(x: FloatArray, y: FloatArray, sign: float) -> tuple[float, float] | None:
    """Extremum (offset, value) of a least-squares cubic inside ``[x₀, x₋₁]`` (an asymmetric peak).

    The stationary points are the roots of the derivative, a quadratic, solved in closed form
    (the numerically stable form of the quadratic formula).
    """
    coef = np.polyfit(x, y, 3)
    a, b, c = 3.0 * float(coef[0]), 2.0 * float(coef[1]), float(coef[2])
    if a != 0.0:
        disc = b * b - 4.0 * a * c
        if disc < 0.0:
            return None
        q = -0.5 * (b + math.copysign(math.sqrt(disc), b))
        roots = [q / a, c / q] if q != 0.0 else [0.0]
    elif b != 0.0:
        roots = [-c / b]
    else:
        return None
    ok = [
        r
        for r in roots
        if x[0] <= r <= x[-1] and sign * (6.0 * float(coef[0]) * r + 2.0 * float(coef[1])) < 0
    ]
    if not ok:
        return None
    xv = float(min(ok, key=abs))
    return xv, float(np.polyval(coef, xv))


def zero_crossing_after(
    t_ms: FloatArray, centered: FloatArray, smooth: FloatArray, k: int, amplitude: float
) -> float | None:
    """Return to baseline after the negative peak at sample ``k``, ms (None past the sweep end).

    A straight line is fitted to the unsmoothed samples between the smoothed sweep's crossings of
    −30 % and +15 % of the amplitude (its steep stretch through zero) and solved for zero; when the
    sweep does not reach +15 %, the smoothed sweep's own zero crossing is used.
    """
    t_lo = crossing_after(t_ms, smooth, k, -0.3 * amplitude)
    t0 = crossing_after(t_ms, smooth, k, 0.0)
    if t_lo is None or t0 is None:
        return t0
    i0 = int(np.searchsorted(t_ms, t0))
    t_hi = crossing_after(t_ms, smooth, i0, 0.15 * amplitude) if i0 < t_ms.size else None
    if t_hi is None or t_hi - t_lo > 3.0 * (t0 - t_lo) + 4.0 * float(t_ms[1] - t_ms[0]):
        return t0
    sel = (t_ms >= t_lo) & (t_ms <= t_hi)
    if sel.sum() < 3:
        return t0
    slope, icpt = np.polyfit(t_ms[sel] - t0, centered[sel], 1)
    if slope <= 0:
        return t0
    t_zero = t0 - icpt / slope
    return float(t_zero) if t_lo <= t_zero <= t_hi else t0


def negative_area(t_ms: FloatArray, centered: FloatArray, start_ms: float, end_ms: float) -> float:
    """``∫ −y dt`` from ``start_ms`` to ``end_ms`` (trapezoids, ends linearly interpolated), units·ms."""
    if end_ms <= start_ms:
        return 0.0
    inner = (t_ms > start_ms) & (t_ms < end_ms)
    tt = np.concatenate(([start_ms], t_ms[inner], [end_ms]))
    yy = np.concatenate(
        (np.interp([start_ms], t_ms, centered), centered[inner], np.interp([end_ms], t_ms, centered))
    )
    return float(-np.sum(0.5 * (yy[1:] + yy[:-1]) * np.diff(tt)))


@dataclass(frozen=True, slots=True)
class PositivePeak:
    """The positive peak after the negative phase: time (ms) and height (units, positive)."""

    latency_ms: float
    height: float


def positive_peak_after(
    t_ms: FloatArray, centered: FloatArray, smooth: FloatArray, end_ms: float, span_ms: float
) -> PositivePeak | None:
    """Largest positive value within ``span_ms`` after the return to baseline at ``end_ms``."""
    sel = np.flatnonzero((t_ms >= end_ms) & (t_ms <= end_ms + span_ms))
    if sel.size == 0:
        return None
    k = int(sel[np.argmax(smooth[sel])])
    if smooth[k] <= 0:
        return None
    t_pk, value = refine_extremum(t_ms, centered, smooth, k)
    return PositivePeak(t_pk, max(value, 0.0))
