"""From matched discharges to accepted motor units: pruning, acceptance criteria, clean averaged templates.

Acceptance criteria (a unit is reported only when all hold):

* at least :data:`MIN_FIRINGS` (8) firings;
* median ISI between 20 ms and 333 ms (a steady voluntary rate of 3–50 Hz);
* ISI coefficient of variation ≤ :data:`MAX_ISI_CV` (0.4; ISIs > 2× the median left out as missed
  firings): voluntary units fire regularly (CV 0.1–0.3, De Luca 1985), a train of noise or of mixed units
  does not;
* matching template peak-to-peak ≥ :data:`MIN_SNR` (5) × the background noise of the high-passed signal.

Before the criteria, firings closer than 0.3 × the median ISI to the previous one (physiologically implausible
at steady effort, and the usual sign of a wrong assignment) are pruned: of the two, the one whose fitted
amplitude is further from 1 is dropped.

The reported template is the median of up to :data:`MAX_DISCHARGES` clean discharges of the band-passed
signal (not the high-passed one used for matching): those whose matching support no discharge of another unit
overlaps, with the smallest residual, aligned to a fraction of a sample, ±15 ms around the peak (long
neurogenic MUAPs fit; the median removes what other units add to the tails).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from edxkit.emg.decompose.align import aligned_windows, median_of, median_rows
from edxkit.emg.decompose.match import Events, MatchTemplate
from edxkit.emg.decompose.result import DecomposedUnit, firing_stats

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

MIN_FIRINGS = 8
MIN_RATE_HZ, MAX_RATE_HZ = 3.0, 50.0
MAX_ISI_CV = 0.4
PRUNE_FRACTION = 0.3
MIN_SNR = 5.0
HALF_MS = 15.0
MAX_DISCHARGES = 100


@dataclass(frozen=True)
class Signals:
    """What unit building needs of the analysed signal."""

    uv: FloatArray
    resid: FloatArray
    fs_hz: float
    start_s: float
    noise_uv: float

    @cached_property
    def resid_cumsq(self) -> FloatArray:
        """``[0, cumsum(resid²)]``: the residual energy of any span (computed once for all units)."""
        return np.concatenate(([0.0], np.cumsum(self.resid**2)))

    def padded_uv(self, pad: int) -> FloatArray:
        """``uv`` with ``pad`` zeros on both sides (kept for the next unit of the same signal)."""
        cache: dict[int, FloatArray] = self.__dict__.setdefault("_padded_uv", {})
        if pad not in cache:
            cache[pad] = np.pad(self.uv, pad)
        return cache[pad]


def peak_positions(ev: Events, ref: FloatArray) -> FloatArray:
    """Sample position (fractional) of each event's reference sample (``ref[template]``: its peak, or the
    same feature of a joined variant; see :func:`.variants.group`)."""
    return np.asarray(ev.start + ref[ev.unit] + ev.fraction, dtype=np.float64)


def prune(ev: Events, ref: FloatArray) -> Events:
    """Events of one unit in time order, without firings implausibly close to the previous one."""
    pos = peak_positions(ev, ref)
    idx = np.argsort(pos, kind="stable")
    pos, amp = pos[idx], ev.amplitude[idx]
    for _ in range(3):
        if idx.size < 3:
            break
        isi = np.diff(pos)
        short = np.flatnonzero(isi < PRUNE_FRACTION * median_of(isi))
        if short.size == 0:
            break
        worse = np.where(np.abs(amp[short] - 1.0) > np.abs(amp[short + 1] - 1.0), short, short + 1)
        keep = np.ones(idx.size, dtype=bool)
        keep[worse] = False
        idx, pos, amp = idx[keep], pos[keep], amp[keep]
    return ev.select(idx)


def plausible(times_s: FloatArray) -> bool:
    """Firing count, rate and regularity of a voluntary motor unit (see the module docstring)."""
    if times_s.size < MIN_FIRINGS:
        return False
    median_isi = median_of(np.diff(times_s))
    if not (1.0 / MAX_RATE_HZ <= median_isi <= 1.0 / MIN_RATE_HZ):
        return False
    _, cv = firing_stats(times_s)
    return bool(np.isfinite(cv) and cv <= MAX_ISI_CV)


def accepts(
    group: Events, templates: list[MatchTemplate], ref: FloatArray, fs_hz: float, noise_uv: float
) -> bool:
    """Whether ``group`` makes a unit: enough firings, a plausible train, a template above the noise."""
    if group.size < MIN_FIRINGS:
        return False
    biggest = max(float(np.ptp(templates[k].wave)) for k in np.unique(group.unit))
    return plausible(np.sort(peak_positions(group, ref)) / fs_hz) and biggest >= MIN_SNR * noise_uv


def _clean(group: Events, events: Events, templates: list[MatchTemplate]) -> IntArray:
    """Indices of ``group`` whose support no discharge outside the group overlaps."""
    sizes = np.array([t.wave.size for t in templates], dtype=np.int64)
    starts = np.concatenate((group.start, events.start))
    stops = starts + np.concatenate((sizes[group.unit], sizes[events.unit]))
    own = np.concatenate((np.arange(group.size), np.full(events.size, -1)))
    order = np.argsort(starts, kind="stable")
    s, e, o = starts[order], stops[order], own[order]
    # an event overlaps another when the previous ones end after it starts or the next one starts before it
    # ends
    prev_end = np.concatenate(([-1], np.maximum.accumulate(e)[:-1]))
    next_start = np.concatenate((s[1:], [np.iinfo(np.int64).max]))
    lonely = (prev_end <= s) & (next_start >= e)
    mine = o >= 0
    return np.sort(o[mine & lonely])


def build_unit(
    sig: Signals, group: Events, others: Events, templates: list[MatchTemplate], ref: FloatArray
) -> DecomposedUnit | None:
    """The unit made of ``group`` (events of one or more variant templates), or None when it fails the
    criteria.

    ``others`` are the events of every other unit (for the choice of clean discharges).
    """
    if not accepts(group, templates, ref, sig.fs_hz, sig.noise_uv):
        return None
    fs = sig.fs_hz
    pos = peak_positions(group, ref)
    half = round(HALF_MS * fs / 1000.0)
    padded = sig.padded_uv(half + 3)
    clean = _clean(group, others, templates)
    if clean.size < 3:
        clean = np.arange(group.size)
    sq = sig.resid_cumsq
    sizes = np.array([t.wave.size for t in templates], dtype=np.int64)[group.unit[clean]]
    lo = np.clip(group.start[clean], 0, sig.resid.size)
    res = sq[np.clip(lo + sizes, 0, sig.resid.size)] - sq[lo]
    chosen = clean[np.argsort(res, kind="stable")[:MAX_DISCHARGES]]
    whole = np.floor(pos[chosen]).astype(np.int64)
    disch = aligned_windows(padded, whole + half + 3, pos[chosen] - whole, half, half)
    template = median_rows(disch)
    index = int(np.argmax(np.abs(template)))
    times = np.sort(sig.start_s + (pos + index - half) / fs)
    rate, cv = firing_stats(times)
    return DecomposedUnit(0, times, template, index, fs, disch, rate, cv)
