"""Shape features of a spontaneous potential (a train's median template), as read on the EMG screen.

Definitions follow clinical.md §3.1–3.2 (AANEM glossary; Daube & Rubin, Muscle Nerve 2009; Preston &
Shapiro): the *initial polarity* is the sign of the first deflection from baseline (positive — downward on
the screen — for fibrillations and PSWs, which are recorded from a wave approaching the needle; negative for
end-plate spikes and end-plate noise, which start under it); the *spike* is the main fast component;
a *slow phase* is the long negative phase that follows the sharp positive deflection of a PSW; duration is
from the first to the last departure from baseline (``DURATION_FRACTION`` of the peak); rise time is the
time from the preceding opposite peak to the main peak.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.signal import find_peaks  # type: ignore[import-untyped]

FloatArray = NDArray[np.float64]

INITIAL_FRACTION = 0.2
DURATION_FRACTION = 0.05
SEARCH_PRE_MS = 5.0
SEARCH_POST_MS = 20.0
PEAK_SEARCH_MS = 1.5
GAP_MS = 1.0
EDGE_MS = 2.5


@dataclass(frozen=True, slots=True)
class Shape:
    """Shape of one template (µV, ms).

    Attributes
    ----------
    peak_index : int
        Sample of largest magnitude of the potential (the run of samples around the alignment sample that
        departs from baseline).
    peak_sign : int
        +1 when the largest-magnitude sample is positive.
    amplitude_uv : float
        Peak-to-peak within the potential (µV).
    positive_uv, negative_uv : float
        Largest positive value and largest negative magnitude within the potential.
    initial_sign : int
        Sign of the first deflection exceeding ``INITIAL_FRACTION`` of the peak (and the template noise).
    duration_ms : float
        First to last sample above ``DURATION_FRACTION`` of the peak magnitude (and 4× the template noise)
        in the run around the peak, bridging gaps shorter than ``GAP_MS``.
    spike_ms : float
        Width of the main peak at half its magnitude.
    negative_width_ms : float
        Width at half depth of the largest negative phase (long for the slow phase of a PSW).
    rise_time_ms : float
        From the preceding opposite-signed extreme (or the onset) to the main peak.
    slow_fraction : float
        Mean of the template 1.5–8 ms after the main peak, negated, over the peak magnitude (about 0.1–0.4
        for the slow negative phase of a PSW; ≈0 for a fibrillation spike, which is over by then).
    phases : int
        Baseline crossings (beyond ``DURATION_FRACTION`` of the peak) + 1 within the duration.
    turns : int
        Peaks and troughs with a prominence of at least 10 % of the amplitude within the duration.
    """

    peak_index: int
    peak_sign: int
    amplitude_uv: float
    positive_uv: float
    negative_uv: float
    initial_sign: int
    duration_ms: float
    spike_ms: float
    negative_width_ms: float
    rise_time_ms: float
    slow_fraction: float
    phases: int
    turns: int


def _width(x: FloatArray, at: int, level: float) -> int:
    """Samples around ``at`` where ``x`` stays ≥ ``level`` (``x[at]`` ≥ level assumed)."""
    below = x < level
    left = np.flatnonzero(below[:at])
    right = np.flatnonzero(below[at:])
    lo = int(left[-1]) + 1 if left.size else 0
    hi = at + int(right[0]) if right.size else x.size
    return hi - lo


def _extent(above: NDArray[np.bool_], at: int, gap: int) -> tuple[int, int]:
    """First and last sample of the run of ``above`` around ``at``, bridging gaps shorter than ``gap``."""
    idx = np.flatnonzero(above)
    if idx.size == 0:
        return at, at
    breaks = np.flatnonzero(np.diff(idx) > gap)
    starts = np.concatenate([[idx[0]], idx[breaks + 1]])
    stops = np.concatenate([idx[breaks], [idx[-1]]])
    k = int(np.clip(np.searchsorted(starts, at, side="right") - 1, 0, starts.size - 1))
    return int(starts[k]), int(stops[k])


def _turns(x: FloatArray, min_step: float) -> int:
    """Peaks and troughs of ``x`` with a prominence of at least ``min_step`` (µV)."""
    if x.size < 3 or min_step <= 0:
        return 0
    up, _ = find_peaks(x, prominence=min_step)
    down, _ = find_peaks(-x, prominence=min_step)
    return int(up.size + down.size)


def template_shape(
    template_uv: FloatArray, align: int, fs_hz: float, noise_uv: float, *, span_ms: float = SEARCH_POST_MS
) -> Shape:
    """Shape features of ``template_uv`` whose discharges are aligned at sample ``align``.

    ``noise_uv`` is the noise rms left in the template (µV). When the template's first ``EDGE_MS`` lie
    before the potential, their median is taken as the baseline and their rms raises ``noise_uv``
    (background activity that does not average out, e.g. a barrage of end-plate noise); deflections below
    3–4× it are not counted.
    ``span_ms`` limits the measurement on both sides of the peak (for fast trains: to between discharges).
    """
    t = np.asarray(template_uv, dtype=np.float64)
    ms = fs_hz / 1000.0
    edge = t[: max(0, min(align - round(SEARCH_PRE_MS * ms), round(EDGE_MS * ms)))]
    if edge.size >= 8:  # baseline and background left in the template (other activity, noise)
        t = t - float(np.median(edge))
        noise_uv = max(noise_uv, float(np.std(edge)))
    half = max(1, round(PEAK_SEARCH_MS * ms))
    lo0, hi0 = max(0, align - half), min(t.size, align + half + 1)
    peak = lo0 + int(np.argmax(np.abs(t[lo0:hi0])))
    lo = max(0, peak - round(min(span_ms, SEARCH_PRE_MS) * ms))
    hi = min(t.size, peak + round(min(span_ms, SEARCH_POST_MS) * ms) + 1)
    seg = t[lo:hi]
    p = peak - lo
    mag = float(abs(t[peak]))
    sign = 1 if t[peak] >= 0 else -1
    floor = max(DURATION_FRACTION * mag, 4.0 * noise_uv)
    first, last = _extent(np.abs(seg) > floor, p, max(1, round(GAP_MS * ms)))
    core = seg[first : last + 1]
    p = first + int(np.argmax(np.abs(core)))  # the largest phase of the whole potential
    peak, mag, sign = lo + p, float(abs(seg[p])), 1 if seg[p] >= 0 else -1
    init_level = max(INITIAL_FRACTION * mag, 3.0 * noise_uv)
    init = np.flatnonzero(np.abs(seg[: p + 1]) > init_level)
    initial = int(np.sign(seg[init[0]])) if init.size else sign
    spike = _width(sign * seg, p, 0.5 * mag)
    neg_at = int(np.argmin(core)) + first
    neg_w = _width(-seg, neg_at, -0.5 * float(seg[neg_at])) if seg[neg_at] < 0 else 0
    opp = np.flatnonzero(-sign * seg[first : p + 1] >= 0.5 * floor)
    rise_from = first + (int(np.argmax(-sign * seg[first : p + 1])) if opp.size else 0)
    after = t[min(t.size, peak + round(1.5 * ms)) : min(t.size, peak + round(8.0 * ms))]
    slow = float(-np.mean(after) / mag) if after.size and mag > 0 else 0.0
    crossings = np.count_nonzero(np.diff(np.sign(core[np.abs(core) > floor])) != 0) if core.size else 0
    return Shape(
        peak_index=peak,
        peak_sign=sign,
        amplitude_uv=float(core.max() - core.min()) if core.size else 0.0,
        positive_uv=float(max(core.max(), 0.0)) if core.size else 0.0,
        negative_uv=float(max(-core.min(), 0.0)) if core.size else 0.0,
        initial_sign=initial,
        duration_ms=(last - first + 1) / ms,
        spike_ms=spike / ms,
        negative_width_ms=neg_w / ms,
        rise_time_ms=(p - rise_from) / ms,
        slow_fraction=slow,
        phases=int(crossings) + 1,
        turns=_turns(core, 0.1 * float(np.ptp(core)) if core.size else 0.0),
    )
