"""Templates for matching: built from a cluster's discharges, refined from the residual, de-duplicated."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from edxkit.emg.decompose.align import aligned_windows, median_rows
from edxkit.emg.decompose.match import Events, MatchTemplate

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

LEFT_MS = 8.0
RIGHT_MS = 10.0
EDGE_FRACTION = 0.04
MARGIN_MS = 0.4
MIN_HALF_MS = 1.0
DUPLICATE_NRMSE = 0.09
MAX_AVERAGED = 150


def span(fs_hz: float) -> tuple[int, int]:
    """Samples before and after the peak that a matching template may cover."""
    return round(LEFT_MS * fs_hz / 1000.0), round(RIGHT_MS * fs_hz / 1000.0)


def build(
    x: FloatArray, peaks: IntArray, offsets: FloatArray, fs_hz: float, sigma: float
) -> MatchTemplate | None:
    """Median of the aligned windows of ``x`` at ``peaks`` (at most 150, evenly spread), trimmed to where it
    stands above the noise.

    The template keeps the samples from the first to the last one whose magnitude exceeds
    max(4 % of its peak, 3 × the noise of a median of ``len(peaks)`` windows), plus 0.4 ms, and at least ±1
    ms.
    """
    left, right = span(fs_hz)
    inside = np.flatnonzero((peaks - left - 3 >= 0) & (peaks + right + 3 < x.size))
    if inside.size < 2:
        return None
    inside = inside[
        np.unique(np.linspace(0, inside.size - 1, min(inside.size, MAX_AVERAGED)).astype(np.int64))
    ]
    med = median_rows(aligned_windows(x, peaks[inside], offsets[inside], left, right))
    noise = 3.0 * 1.25 * sigma / np.sqrt(inside.size)
    big = np.flatnonzero(np.abs(med) > max(EDGE_FRACTION * float(np.max(np.abs(med))), noise))
    if big.size == 0:
        return None
    margin = round(MARGIN_MS * fs_hz / 1000.0)
    min_half = round(MIN_HALF_MS * fs_hz / 1000.0)
    lo = max(0, min(int(big[0]) - margin, left - min_half))
    hi = min(med.size, max(int(big[-1]) + margin + 1, left + min_half + 1))
    wave = med[lo:hi]
    return MatchTemplate(wave, int(np.argmax(np.abs(wave))))


def refine(templates: list[MatchTemplate], events: Events, resid: FloatArray) -> list[MatchTemplate]:
    """Each template plus the median residual of its aligned discharges (keeps its support)."""
    out = []
    for k, tpl in enumerate(templates):
        ev = events.select(events.unit == k)
        size = tpl.wave.size
        ok = np.flatnonzero((ev.start - 3 >= 0) & (ev.start + size + 3 < resid.size))
        if ok.size < 3:
            out.append(tpl)
            continue
        ok = ok[np.unique(np.linspace(0, ok.size - 1, min(ok.size, MAX_AVERAGED)).astype(np.int64))]
        w = aligned_windows(resid, ev.start[ok], ev.fraction[ok], 0, size - 1)
        wave = tpl.wave + median_rows(w)
        out.append(MatchTemplate(wave, int(np.argmax(np.abs(wave)))))
    return out


def nrmse_lag(a: MatchTemplate, b: MatchTemplate) -> tuple[float, int]:
    """Smallest ‖a − b‖² / min(‖a‖², ‖b‖²) over all relative shifts, and the shift ``d``: sample ``j`` of
    ``b``
    lies on sample ``j + d`` of ``a``."""
    hit = a.lag_cache.get(id(b))
    if hit is not None and hit[0] is b:
        return hit[1]
    corr = np.correlate(a.wave, b.wave, mode="full")
    i = int(np.argmax(corr))
    out = (
        (a.energy + b.energy - 2.0 * float(corr[i])) / max(min(a.energy, b.energy), 1e-12),
        i - (b.wave.size - 1),
    )
    # templates are immutable: the result is kept on ``a`` (with ``b`` itself, so its id stays unique)
    a.lag_cache[id(b)] = (b, out)
    return out


def nrmse_above(a: MatchTemplate, b: MatchTemplate, limit: float) -> bool:
    """``nrmse(a, b) > limit``, without the correlation when the energies alone decide it: by
    Cauchy–Schwarz ‖a − b‖² ≥ (‖a‖ − ‖b‖)² at every shift (a margin of 1e-9 keeps rounding out of it)."""
    low = min(a.energy, b.energy)
    if low > 1e-12 and (np.sqrt(a.energy) - np.sqrt(b.energy)) ** 2 / low > limit + 1e-9:
        return True
    return nrmse(a, b) > limit


def nrmse(a: MatchTemplate, b: MatchTemplate) -> float:
    """Smallest ‖a − b‖² / min(‖a‖², ‖b‖²) over all relative shifts (peaks aligned or not)."""
    return nrmse_lag(a, b)[0]


def deduplicate(templates: list[MatchTemplate]) -> list[MatchTemplate]:
    """Drop templates that equal an earlier (denser) one up to a shift (a unit split on two peaks)."""
    kept: list[MatchTemplate] = []
    for tpl in templates:
        if all(nrmse_above(tpl, k, DUPLICATE_NRMSE) for k in kept):
            kept.append(tpl)
    return kept
