"""Train-guided reassignment of discharges to accepted units (firing-time consistency with a local refit).

After acceptance, an accepted unit's missing firings are mostly held by a template that was rejected — a
template that mixes two or more units alike in the spike signal, whose merged train is irregular — and, less
often, by another accepted unit of similar shape whose train does not need them. Shape alone cannot tell
these discharges apart; the firing pattern can. A discharge is given to an accepted unit when

* it falls where the unit's train has a gap (at least :data:`.absorb.MIN_GAP` median ISIs between the
  neighbouring firings, at least :data:`.absorb.MIN_SIDE` median ISIs from each; at the ends within
  :data:`.absorb.MIN_SIDE`–:data:`.absorb.MAX_SIDE` median ISIs), the expected next discharge of DQEMG's
  firing-time consistency (Stashuk 2001) and of EMGlab's assignment (McGill et al. 2005);
* once the discharge's own template is added back to the residual, one of the unit's templates, fitted at
  the best shift within ±:data:`SEARCH_MS` of the position the template alignment gives, has a least-squares
  amplitude in [:data:`.match.A_MIN`, :data:`.match.A_MAX`] and removes at least :data:`MIN_EXPLAINED` of
  the energy that the discharge's own template removed (and :data:`.match.ETA` of its own energy);
* when the discharge belongs to another accepted unit, that unit's train does not need it (its neighbours
  are at most :data:`REDUNDANT_ISI` median ISIs apart: the firing sits inside one of its intervals, not in
  a slot of its rhythm), and the new fit removes at least :data:`FROM_ACCEPTED` of the energy the old one
  removed. With the rhythm evidence on both sides (a gap in one train, an intruder in the other) the
  shape need not be the better fit: units of similar spike shape fit each other's discharges about
  equally well.

The residual is updated with every reassignment (own template added back, new one subtracted). Rejected
groups that have given discharges away are tested again: what remains of a mixed template after the
accepted units took theirs is often the regular train of a unit not found otherwise.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from edxkit.emg.decompose.absorb import MAX_SIDE, MIN_GAP, MIN_SIDE, fills_gap
from edxkit.emg.decompose.match import A_MAX, A_MIN, ETA, N_FRACTIONS, Events, MatchTemplate
from edxkit.emg.decompose.templates import nrmse_lag

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

SEARCH_MS = 0.3
MIN_EXPLAINED = 0.6
REDUNDANT_ISI = 1.6
FROM_ACCEPTED = 0.6


def _window(r: FloatArray, start: int, size: int) -> FloatArray | None:
    if start < 0 or start + size > r.size:
        return None
    return r[start : start + size]


def _row(tpl: MatchTemplate, frac: float) -> FloatArray:
    """The template delayed by ``frac`` (−0.5…0.5 sample), from its precomputed shifts."""
    q = min(max(round((frac + 0.5) * N_FRACTIONS), 0), N_FRACTIONS)
    return np.asarray(tpl.shifted[q], dtype=np.float64)


def _fit(
    r: FloatArray, tpl: MatchTemplate, nominal: int, search: int
) -> tuple[float, int, float, float] | None:
    """Best fit of ``tpl`` on ``r`` with its start within ±``search`` of ``nominal``: (score, start,
    fraction, amplitude); None when out of range."""
    size = tpl.wave.size
    seg = _window(r, nominal - search - 1, size + 2 * search + 2)
    if seg is None:
        return None
    c = np.correlate(seg, tpl.wave, mode="valid")
    i = int(np.argmax(c[1:-1])) + 1
    ym, y0, yp = float(c[i - 1]), float(c[i]), float(c[i + 1])
    den = ym - 2.0 * y0 + yp
    frac = min(max(0.5 * (ym - yp) / den, -0.5), 0.5) if abs(den) > 1e-12 else 0.0
    start = nominal - search - 1 + i
    placed = _row(tpl, frac)
    corr = float(r[start : start + size] @ placed)
    energy = float(placed @ placed)
    return 2.0 * corr - energy, start, frac, corr / max(energy, 1e-12)


def _own_score(r: FloatArray, tpl: MatchTemplate, start: int, frac: float) -> float:
    w = _window(r, start, tpl.wave.size)
    if w is None:
        return 0.0
    placed = _row(tpl, frac)
    return float(2.0 * (w @ placed) - placed @ placed)


def _add(r: FloatArray, tpl: MatchTemplate, start: int, frac: float, sign: float) -> None:
    size = tpl.wave.size
    lo, hi = max(start, 0), min(start + size, r.size)
    if hi > lo:
        r[lo:hi] += sign * _row(tpl, frac)[lo - start : hi - start]


def _redundant(times: FloatArray, i: int, m: float) -> bool:
    """Whether firing ``i`` of the sorted train could leave it without opening a gap, and is the intruder
    of its closest pair: without it the train's interval is nearer the median ISI ``m`` than without its
    nearer neighbour (of two firings too close, the one off the rhythm)."""
    if i == 0 or i == times.size - 1:
        return False
    if float(times[i + 1] - times[i - 1]) > REDUNDANT_ISI * m:
        return False
    q = i - 1 if times[i] - times[i - 1] < times[i + 1] - times[i] else i + 1
    if q == 0 or q == times.size - 1:
        return True
    without_q = float(times[q + 1] - times[q - 1])
    return abs(float(times[i + 1] - times[i - 1]) - m) <= abs(without_q - m)


def reassign(
    accepted: list[Events],
    rejected: list[Events],
    templates: list[MatchTemplate],
    ref: FloatArray,
    resid: FloatArray,
    fs_hz: float,
) -> tuple[list[Events], list[Events], FloatArray]:
    """Accepted groups with the discharges their trains miss taken from rejected groups and, when not needed
    there, from other accepted groups (see the module docstring); the rejected groups without them; and the
    updated residual (a copy)."""
    r = np.array(resid, dtype=np.float64)
    if not accepted:
        return accepted, rejected, r
    search = max(1, round(SEARCH_MS * fs_hz / 1000.0))
    groups = [Events(g.unit.copy(), g.start.copy(), g.fraction.copy(), g.amplitude.copy()) for g in accepted]
    # pool: every event, with its group (accepted i → i, rejected j → len(accepted) + j)
    pool = Events.empty()
    owner_parts = []
    for gi, g in enumerate(groups + list(rejected)):
        pool = pool.concat(g)
        owner_parts.append(np.full(g.size, gi, dtype=np.int64))
    if pool.size == 0:
        return accepted, rejected, r
    owner = np.concatenate(owner_parts)
    local = np.concatenate([np.arange(g.size) for g in groups + list(rejected)])
    n_acc = len(groups)
    moved = np.zeros(pool.size, dtype=bool)
    pos = pool.start + ref[pool.unit] + pool.fraction
    trains = [np.sort(g.start + ref[g.unit] + g.fraction) for g in groups]
    medians = [float(np.median(np.diff(t))) if t.size >= 3 else 0.0 for t in trains]
    lag_cache: dict[tuple[int, int], tuple[float, int]] = {}
    added: list[list[tuple[int, int, float, float]]] = [[] for _ in groups]
    removed: list[set[int]] = [set() for _ in groups + list(rejected)]

    Fit = tuple[float, int, float, float, int]

    def try_fit(j: int, own_templates: list[int], factor: float) -> Fit | None:
        """Refit pool event ``j`` with the best of ``own_templates``; on success the residual holds the new
        fit instead of the old one."""
        k = int(pool.unit[j])
        tk = templates[k]
        s, f = int(pool.start[j]), float(pool.fraction[j])
        _add(r, tk, s, f, 1.0)
        own = _own_score(r, tk, s, f)
        best: Fit | None = None
        for ta in own_templates:
            key = (ta, k)
            if key not in lag_cache:
                lag_cache[key] = nrmse_lag(templates[ta], tk)
            _, lag = lag_cache[key]
            for nominal in {s - lag, round(float(pos[j]) - float(ref[ta]))}:
                fit = _fit(r, templates[ta], nominal, search)
                if fit is not None and (best is None or fit[0] > best[0]):
                    best = (*fit, ta)
        if (
            best is None
            or not A_MIN <= best[3] <= A_MAX
            or best[0] < max(factor * own, ETA * templates[best[4]].energy)
        ):
            _add(r, tk, s, f, -1.0)
            return None
        _add(r, templates[best[4]], best[1], best[2], -1.0)
        return best

    for a in sorted(range(n_acc), key=lambda i: -groups[i].size):
        m = medians[a]
        if m <= 0:
            continue
        times = trains[a]
        own_templates = np.unique(groups[a].unit).tolist()
        # cheap vectorised screen on the original train, exact test below on the updated one
        i = np.searchsorted(times, pos)
        prev = times[np.clip(i - 1, 0, times.size - 1)]
        nxt = times[np.clip(i, 0, times.size - 1)]
        inner = (i > 0) & (i < times.size) & (nxt - prev >= MIN_GAP * m)
        inner &= (pos - prev >= MIN_SIDE * m) & (nxt - pos >= MIN_SIDE * m)
        before = (i == 0) & (nxt - pos >= MIN_SIDE * m) & (nxt - pos <= MAX_SIDE * m)
        after = (i == times.size) & (pos - prev >= MIN_SIDE * m) & (pos - prev <= MAX_SIDE * m)
        cand = np.flatnonzero((inner | before | after) & ~moved & (owner != a))
        for j in cand.tolist():
            if not fills_gap(times, float(pos[j]), m):
                continue
            g_own = int(owner[j])
            if g_own < n_acc:
                t_own = trains[g_own]
                k_own = int(np.searchsorted(t_own, pos[j] - 0.5))
                if (
                    k_own >= t_own.size
                    or abs(t_own[k_own] - pos[j]) > 0.5
                    or not _redundant(t_own, k_own, medians[g_own])
                ):
                    continue
            best = try_fit(j, own_templates, FROM_ACCEPTED if g_own < n_acc else MIN_EXPLAINED)
            if best is None:
                continue
            _, start, frac, amp, ta = best
            moved[j] = True
            removed[g_own].add(int(local[j]))
            added[a].append((ta, start, frac, amp))
            p = start + float(ref[ta]) + frac
            times = np.sort(np.append(times, p))
            if g_own < n_acc:
                t_own = trains[g_own]
                trains[g_own] = np.delete(t_own, int(np.argmin(np.abs(t_own - pos[j]))))
        trains[a] = times

    def without(g: Events, gone: set[int]) -> Events:
        if not gone:
            return g
        keep = np.ones(g.size, dtype=bool)
        keep[list(gone)] = False
        return g.select(keep)

    out = []
    for a, g in enumerate(groups):
        g = without(g, removed[a])
        if added[a]:
            cols = list(zip(*added[a], strict=True))
            g = g.concat(
                Events(
                    np.asarray(cols[0], dtype=np.int64),
                    np.asarray(cols[1], dtype=np.int64),
                    np.asarray(cols[2], dtype=np.float64),
                    np.asarray(cols[3], dtype=np.float64),
                )
            )
        out.append(g)
    rest = [without(g, removed[n_acc + j]) for j, g in enumerate(rejected)]
    return out, rest, r
