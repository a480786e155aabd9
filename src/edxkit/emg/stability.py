"""MUAP shape stability across consecutive discharges ("jiggle"; Stålberg & Sonoo 1994, Muscle Nerve 17:1135).

Stålberg & Sonoo quantified jiggle from the amplitude differences between consecutive discharges at each
point in time, and from the cross-correlation of consecutive discharges. Here, for aligned discharges
``x_1 … x_n`` of one unit and their mean ``x̄``, within the duration markers of ``x̄``
(:func:`edxkit.emg.muap.duration_markers`):

* ``cad_pct`` (consecutive amplitude difference) = 100 · mean over consecutive pairs of
  Σ_t |x_{i+1}(t) − x_i(t)|, divided by Σ_t |x̄(t)| (the rectified area of the mean, same window);
* ``ccc`` (consecutive cross-correlation coefficient) = mean Pearson correlation of consecutive discharges
  within the window;
* ``noise_cad_pct`` = the CAD that background noise alone would give, 100 · (2σ/√π)·N / Σ_t |x̄(t)|, with σ the
  robust rms of the residuals ``x_i − x̄`` outside the markers (0 when there is no outside window);
* ``unstable`` when ``cad_pct − noise_cad_pct`` exceeds :data:`UNSTABLE_CAD_PCT` or ``ccc`` is below
  :data:`UNSTABLE_CCC`.

The limits are provisional (status TB): the published normal jiggle values (Stålberg & Sonoo 1994 tables)
were not available here; they are set at CAD 15 % above the noise floor and CCC 0.90, and a lab should
replace them with its own. At least :data:`MIN_DISCHARGES` discharges are needed; with fewer the result is
``assessed = False`` and never counts as unstable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from edxkit.emg.muap import duration_markers

FloatArray = NDArray[np.float64]

MIN_DISCHARGES = 5
UNSTABLE_CAD_PCT = 15.0
UNSTABLE_CCC = 0.90
LIMIT_TEXT = (
    f"unstable when CAD exceeds its noise floor by > {UNSTABLE_CAD_PCT:g} % or CCC < {UNSTABLE_CCC:g} "
    "(provisional limits, TB; Stålberg & Sonoo 1994 method)"
)


@dataclass(frozen=True, slots=True)
class Stability:
    """Jiggle of one unit (module docstring: definitions and limits)."""

    n_discharges: int
    cad_pct: float
    ccc: float
    noise_cad_pct: float
    unstable: bool
    limit: str = LIMIT_TEXT

    @property
    def assessed(self) -> bool:
        """Enough discharges and a finite CAD."""
        return self.n_discharges >= MIN_DISCHARGES and math.isfinite(self.cad_pct)


def _not_assessed(n: int) -> Stability:
    return Stability(n, math.nan, math.nan, math.nan, False)


def _consecutive_ccc(w: FloatArray) -> float:
    a, b = w[:-1], w[1:]
    a = a - a.mean(axis=1, keepdims=True)
    b = b - b.mean(axis=1, keepdims=True)
    den = np.sqrt(np.sum(a * a, axis=1) * np.sum(b * b, axis=1))
    ok = den > 0
    return float(np.mean(np.sum(a * b, axis=1)[ok] / den[ok])) if ok.any() else math.nan


def stability(discharges_uv: FloatArray, fs_hz: float, *, template_index: int) -> Stability:
    """Jiggle of aligned discharges (rows, µV at ``fs_hz``; sample ``template_index`` = the main peak)."""
    x = np.asarray(discharges_uv, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"discharges_uv must be 2-D (discharges × samples); got shape {x.shape}")
    n, m = x.shape
    if not 0 <= template_index < max(m, 1):
        raise ValueError(f"template_index {template_index} is outside the discharge window (0..{m - 1})")
    finite = np.all(np.isfinite(x), axis=1)
    x = x[finite]
    n = x.shape[0]
    if n < MIN_DISCHARGES:
        return _not_assessed(n)
    mean = x.mean(axis=0)
    residual = x - mean
    mk = duration_markers(mean, fs_hz, template_index)
    inside = np.zeros(m, dtype=bool)
    inside[mk.onset : mk.end + 1] = True
    outside = residual[:, ~inside]
    sigma = float(np.median(np.abs(outside)) / 0.6745) if outside.size >= 2 * n else 0.0
    if outside.size >= 2 * n:  # the mean's own noise: re-place the markers with it
        mk = duration_markers(mean, fs_hz, template_index, sigma / math.sqrt(n))
        inside[:] = False
        inside[mk.onset : mk.end + 1] = True
    w = x[:, inside]
    area = float(np.sum(np.abs(mean[inside])))
    if area <= 0.0 or w.shape[1] < 2:
        return _not_assessed(n)
    cad = 100.0 * float(np.mean(np.sum(np.abs(np.diff(w, axis=0)), axis=1))) / area
    floor = 100.0 * (2.0 * sigma / math.sqrt(math.pi)) * w.shape[1] / area
    ccc = _consecutive_ccc(w)
    unstable = (cad - floor > UNSTABLE_CAD_PCT) or (math.isfinite(ccc) and ccc < UNSTABLE_CCC)
    return Stability(n, cad, ccc, floor, bool(unstable))
