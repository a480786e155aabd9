"""Recovering a unit's firings that were matched by a rejected template (firing-pattern gap filling).

A unit's discharges are sometimes matched by another template of similar shape — a variant that did not
join it, or a template mixing it with another unit — which is then rejected for its irregular train, so the
unit misses those firings. A discharge of a rejected template whose shape agrees with one of an accepted
unit's templates (normalised residual ≤ :data:`ABSORB_NRMSE` over shifts) is given to that unit
when it falls where the unit's train has a gap: at least :data:`MIN_GAP` median ISIs between the
neighbouring firings, and at least :data:`MIN_SIDE` median ISIs from each of them (at the ends of the train:
within :data:`MIN_SIDE`–:data:`MAX_SIDE` median ISIs of the first/last firing). This is the firing-pattern
consistency used by DQEMG to assign discharges that shape alone leaves ambiguous (Stashuk 2001; the
"expected firing time" of McGill et al. 2005).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from edxkit.emg.decompose.match import Events, MatchTemplate
from edxkit.emg.decompose.templates import nrmse_lag

FloatArray = NDArray[np.float64]

MIN_GAP = 1.5
ABSORB_NRMSE = 0.6
MIN_SIDE = 0.6
MAX_SIDE = 1.4


def fills_gap(times: FloatArray, p: float, m: float) -> bool:
    """Whether a firing at ``p`` fills a gap of the sorted train ``times`` (median ISI ``m``)."""
    i = int(np.searchsorted(times, p))
    prev = float(times[i - 1]) if i > 0 else None
    nxt = float(times[i]) if i < times.size else None
    if prev is None and nxt is None:
        return False
    if prev is None:
        return nxt is not None and MIN_SIDE * m <= nxt - p <= MAX_SIDE * m
    if nxt is None:
        return MIN_SIDE * m <= p - prev <= MAX_SIDE * m
    return nxt - prev >= MIN_GAP * m and p - prev >= MIN_SIDE * m and nxt - p >= MIN_SIDE * m


def absorb(
    accepted: list[Events], rejected: list[Events], templates: list[MatchTemplate], ref: FloatArray
) -> list[Events]:
    """The accepted groups with the gap-filling discharges of the rejected groups added (see the module
    docstring); an absorbed event is re-labelled with the accepted template it resembles, its start moved so
    that its reference sample is that template's."""
    if not accepted or not rejected:
        return accepted
    pool = Events.empty()
    for r in rejected:
        pool = pool.concat(r)
    if pool.size == 0:
        return accepted
    taken = np.zeros(pool.size, dtype=bool)
    out = []
    for group in sorted(range(len(accepted)), key=lambda i: -accepted[i].size):
        g = accepted[group]
        times = np.sort(g.start + ref[g.unit] + g.fraction)
        if times.size < 3:
            out.append((group, g))
            continue
        m = float(np.median(np.diff(times)))
        extra_unit: list[int] = []
        extra_start: list[int] = []
        extra_idx: list[int] = []
        for a in np.unique(g.unit).tolist():
            for b in np.unique(pool.unit[~taken]).tolist():
                dist, lag = nrmse_lag(templates[a], templates[b])
                if dist > ABSORB_NRMSE:
                    continue
                for j in np.flatnonzero((pool.unit == b) & ~taken).tolist():
                    start = int(pool.start[j]) - lag
                    p = start + float(ref[a]) + float(pool.fraction[j])
                    if fills_gap(times, p, m):
                        times = np.sort(np.append(times, p))
                        taken[j] = True
                        extra_unit.append(a)
                        extra_start.append(start)
                        extra_idx.append(j)
        if extra_idx:
            idx = np.asarray(extra_idx, dtype=np.int64)
            g = g.concat(
                Events(
                    np.asarray(extra_unit, dtype=np.int64),
                    np.asarray(extra_start, dtype=np.int64),
                    pool.fraction[idx],
                    pool.amplitude[idx],
                )
            )
        out.append((group, g))
    return [g for _, g in sorted(out, key=lambda t: t[0])]
