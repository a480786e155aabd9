"""Is there a response? A multi-width matched-filter (boxcar) detector of the negative phase.

A response's negative phase is a run of samples below the baseline lasting at least a few tenths
of a millisecond (SNAP) or millisecond (CMAP). For white noise of rms ``σ`` the mean of ``w``
samples has rms ``σ/√w``; the detector compares the mean of a run of ``w`` samples with the
means of the ``w/2`` samples on either side (a zero-mean matched filter, blind to a residual
offset or linear drift of the baseline) and standardises the difference, which is then a standard
normal variable on a response-free sweep. The run must also lie below the baseline itself. The
largest statistic over all positions and widths is compared with :data:`Z_THRESHOLD`, which
keeps the chance that noise alone (a few hundred nearly independent windows per sweep) crosses it
well below 1 %, with margin for baseline misfit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

#: Detection threshold on the flank-contrast statistic (standard normal units) ...
Z_THRESHOLD = 6.0
#: ... and on the plain statistic (the centre must also lie below the baseline).
PLAIN_THRESHOLD = 3.0


@dataclass(frozen=True, slots=True)
class Detection:
    """The strongest negative run: its statistic, centre (ms) and matched width (ms)."""

    z: float
    center_ms: float
    width_ms: float

    @property
    def present(self) -> bool:
        return self.z >= Z_THRESHOLD


def detect_negative_phase(
    t_ms: FloatArray,
    centered: FloatArray,
    sigma: float,
    widths_ms: tuple[float, ...],
    search_ms: tuple[float, float],
) -> Detection:
    """Largest matched-filter statistic of a negative run inside ``search_ms``.

    Parameters
    ----------
    t_ms : ndarray
        Sample times, ms.
    centered : ndarray
        Baseline-corrected sweep, in its units.
    sigma : float
        Noise rms per sample, in the sweep's units.
    widths_ms : tuple of float
        Boxcar widths to try, ms (at least two samples each).
    search_ms : (float, float)
        Windows must lie entirely inside this interval, ms.

    Returns
    -------
    Detection
        ``z = 0`` when no window fits.
    """
    dt_ms = float(t_ms[1] - t_ms[0]) if t_ms.size > 1 else 1.0
    inside = np.flatnonzero((t_ms >= search_ms[0]) & (t_ms <= search_ms[1]))
    best = Detection(0.0, float("nan"), float("nan"))
    if inside.size < 2 or not sigma > 0:
        return best
    seg = centered[inside[0] : inside[-1] + 1]
    csum = np.concatenate(([0.0], np.cumsum(seg)))  # shared by every width
    for width_ms in widths_ms:
        w = max(2, round(width_ms / dt_ms))
        h = max(1, w // 2)
        if seg.size < w + 2 * h:
            continue
        z_plain, contrast = _statistics(csum, w, h, sigma)
        z = np.minimum(contrast, z_plain * (Z_THRESHOLD / PLAIN_THRESHOLD))
        k = int(np.argmax(z))
        if z[k] > best.z:
            center = float(t_ms[inside[0] + h + k]) + 0.5 * (w - 1) * dt_ms
            best = Detection(float(z[k]), center, w * dt_ms)
    return best


def _statistics(csum: FloatArray, w: int, h: int, sigma: float) -> tuple[FloatArray, FloatArray]:
    """Plain and flank-contrast matched-filter statistics of every window position.

    ``csum`` is ``[0, cumsum(seg)]``. Position ``i`` has its centre run at ``seg[h + i : h + i + w]``
    and flanks of ``h`` samples on either side. Plain: ``−mean(centre)·√w/σ``. Contrast:
    ``−(mean(centre) − mean of the two flank means)/(σ·√(1/w + 1/(2h)))``, blind to any offset or
    linear drift of the baseline.
    """
    n = csum.size - 1 - w - 2 * h + 1
    centre = (csum[h + w : h + w + n] - csum[h : h + n]) / w
    left = (csum[h : h + n] - csum[:n]) / h
    right = (csum[2 * h + w : 2 * h + w + n] - csum[h + w : h + w + n]) / h
    plain = -centre * math.sqrt(w) / sigma
    contrast = -(centre - 0.5 * (left + right)) / (sigma * math.sqrt(1.0 / w + 0.5 / h))
    return plain, contrast
