"""Most regular train of an accepted unit among its own, pruned and expected discharges (dynamic programming).

The train-guided steps before this one (:mod:`.absorb`, :mod:`.reassign`) and after it (:mod:`.gapfill`)
only *add* a discharge where the unit's train has a gap, and :func:`.units.prune` settles two discharges that
are implausibly close by their fitted amplitudes alone. When the slot of a missing discharge already holds
a wrong one — a discharge of a look-alike unit that greedy subtraction gave to this unit, a little off the
rhythm — there is no gap: the wrong discharge shortens one interval and lengthens the next, and the right
one was either pruned (matched, subtracted, then dropped for the wrong one) or is still in the residual at
the expected time. Deciding such a slot needs the firing pattern on both sides at once: which *set* of
candidate discharges forms the most regular train?

Candidates of an accepted unit are

* its own discharges (leaving one out costs :data:`DROP_OWN`);
* discharges :func:`.units.prune` dropped from any group whose template is alike (normalised residual ≤
  :data:`SHAPE_NRMSE`) and that one of the unit's templates fits once their own template is added back to
  the residual (best shift within ±:data:`SEARCH_MS`, least-squares amplitude in [:data:`.match.A_MIN`,
  :data:`.match.A_MAX`], removing ≥ :data:`MIN_EXPLAINED` of the energy their own fit removed and
  :data:`.match.ETA` of the template's energy) — taking one costs :data:`TAKE_PRUNED`;
* the best fit of the unit's templates in the residual one median ISI (±:data:`EXPECT_WINDOW`) after a
  firing whose next interval is irregular (outside :data:`IRREGULAR` median ISIs) and before a firing whose
  previous interval is, when it passes the expected-firing bar of :mod:`.gapfill` — taking one costs
  :data:`TAKE_RESID`.

A subset is chosen by dynamic programming over the time-ordered candidates (state: the last discharge
kept) that minimises the sum of those costs and the interval costs of the kept train,
:func:`interval_cost`: a Gaussian renewal model around 1, 2 or 3 median ISIs with :data:`MISS_COST` per
missed discharge, :data:`SHORT_COST` below :data:`.units.PRUNE_FRACTION` median ISIs and :data:`FAR_COST`
beyond :data:`MAX_ISIS` median ISIs. This is a hidden-renewal-process reading of the firing-time
consistency of DQEMG (Stashuk 2001) and of the expected firing times of EMGlab's assignment (McGill et al.
2005); LeFever & De Luca (1982) similarly resolved firings by a joint shape and firing-statistics score.
The train's median ISI and spread (1.4826 × MAD of its intervals, bounded to [:data:`MIN_SPREAD`,
:data:`MAX_SPREAD`] median ISIs) come from the unit's own train. The choice is kept when it lowers the cost
by ≥ :data:`MIN_GAIN` and the new train still passes :func:`.units.accepts` after pruning. Taken discharges
are refitted with the unit's template in the residual; dropped own discharges stay subtracted (they form no
new group: a set of off-rhythm leftovers must not become a unit).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from edxkit.emg.decompose.gapfill import best_of, peak_fit, place
from edxkit.emg.decompose.match import A_MAX, A_MIN, ETA, Events, MatchTemplate
from edxkit.emg.decompose.templates import nrmse_lag
from edxkit.emg.decompose.units import PRUNE_FRACTION, accepts, prune

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

MISS_COST = 2.5
SHORT_COST = 25.0
FAR_COST = 3.0 * MISS_COST
MAX_ISIS = 3.5
MIN_SPREAD, MAX_SPREAD = 0.1, 0.3
DROP_OWN = 4.0
TAKE_PRUNED = 0.5
TAKE_RESID = 1.0
MIN_GAIN = 2.0
SEARCH_MS = 0.3
MIN_EXPLAINED = 0.6
SHAPE_NRMSE = 1.0
IRREGULAR = (0.75, 1.3)
EXPECT_WINDOW = 0.3
MIN_TEMPLATE_SHARE = 0.1

Candidate = tuple[float, int, int, float, float, int]
"""(position, template, start, fraction, amplitude, index in the pruned pool or −1 for the residual)."""


def interval_cost(d: FloatArray | float, m: float, s: float) -> FloatArray:
    """Cost (negative log-likelihood up to a constant) of intervals ``d`` of a train with median ISI ``m``
    and spread ``s``: a Gaussian around 1, 2 or 3 median ISIs (0, 1 or 2 missed discharges, each costing
    :data:`MISS_COST`), plus :data:`SHORT_COST` below :data:`.units.PRUNE_FRACTION` median ISIs and
    :data:`FAR_COST` instead beyond :data:`MAX_ISIS` median ISIs."""
    d = np.asarray(d, dtype=np.float64)
    k = np.arange(1, 4, dtype=np.float64)
    c = np.min((d[..., None] - k * m) ** 2 / (2.0 * k * s * s) + (k - 1.0) * MISS_COST, axis=-1)
    c = c + np.where(d < PRUNE_FRACTION * m, SHORT_COST, 0.0)
    return np.asarray(np.where(d > MAX_ISIS * m, FAR_COST, c), dtype=np.float64)


def train_params(p: FloatArray) -> tuple[float, float]:
    """Median ISI of the sorted positions ``p`` and a robust spread: 1.4826 × the MAD of the intervals under
    1.5 median ISIs, bounded to [:data:`MIN_SPREAD`, :data:`MAX_SPREAD`] median ISIs."""
    isi = np.diff(p)
    m = float(np.median(isi))
    core = isi[isi < 1.5 * m]
    s = 1.4826 * float(np.median(np.abs(core - np.median(core)))) if core.size >= 3 else MAX_SPREAD * m
    return m, min(max(s, MIN_SPREAD * m), MAX_SPREAD * m)


def best_subset(q: FloatArray, c_in: FloatArray, c_out: FloatArray, m: float, s: float) -> IntArray:
    """Indices of the sorted positions ``q`` that minimise the kept train's :func:`interval_cost` +
    ``c_in`` of the kept + ``c_out`` of the left-out candidates (exact dynamic programme; the state is the
    last kept candidate, predecessors further back than :data:`MAX_ISIS` median ISIs share one running
    minimum since their interval cost is the constant :data:`FAR_COST`)."""
    n = q.size
    if n == 0:
        return np.empty(0, np.int64)
    C = np.concatenate(([0.0], np.cumsum(c_out)))  # C[k]: sum of c_out[:k]
    # predecessors within MAX_ISIS median ISIs: j in [lo[i], i), their interval costs computed at once
    lo = np.searchsorted(q, q - MAX_ISIS * m, side="left")
    width = np.arange(n) - lo
    off = np.concatenate(([0], np.cumsum(width)))
    i_rep = np.repeat(np.arange(n), width)
    j_all = i_rep - (np.arange(int(off[-1])) - off[i_rep]) - 1
    costs = interval_cost(q[i_rep] - q[j_all], m, s)
    D = np.full(n, np.inf)
    prev = np.full(n, -1, dtype=np.int64)
    E = np.full(n, np.inf)  # D[j] − C[j + 1]: cost up to j with everything after j left out so far
    far_min, far_arg, gone = np.inf, -1, 0
    for i in range(n):
        while gone < lo[i]:
            if E[gone] < far_min:
                far_min, far_arg = float(E[gone]), gone
            gone += 1
        best, arg = 0.0, -1  # the train starts at i: every candidate before i left out
        if width[i] > 0:
            # j_all runs from i − 1 down to lo[i]
            cand = E[i - 1 : lo[i] - 1 if lo[i] > 0 else None : -1] + costs[off[i] : off[i + 1]]
            w = int(np.argmin(cand))
            if cand[w] < best:
                best, arg = float(cand[w]), i - 1 - w
        if far_min + FAR_COST < best:
            best, arg = far_min + FAR_COST, far_arg
        D[i] = c_in[i] + C[i] + best
        prev[i] = arg
        E[i] = D[i] - C[i + 1]
    total = D + (C[n] - C[1:])
    i = int(np.argmin(total))
    if C[n] < total[i]:
        return np.empty(0, np.int64)
    out = []
    while i >= 0:
        out.append(i)
        i = int(prev[i])
    return np.asarray(out[::-1], dtype=np.int64)


def subset_cost(
    q: FloatArray, keep: IntArray, c_in: FloatArray, c_out: FloatArray, m: float, s: float
) -> float:
    """Cost of keeping ``keep`` of the sorted positions ``q`` (the quantity :func:`best_subset` minimises)."""
    mask = np.zeros(q.size, dtype=bool)
    mask[keep] = True
    d = np.diff(q[mask])
    return float(np.sum(c_in[mask]) + np.sum(c_out[~mask]) + np.sum(interval_cost(d, m, s)))


def _fit(
    r: FloatArray, tpl: MatchTemplate, nominal: int, search: int
) -> tuple[float, int, float, float] | None:
    """Best fit of ``tpl`` on ``r`` with its start within ±``search`` of ``nominal``: (energy removed
    ``2<r, T> − ‖T‖²``, start, fraction, amplitude); None when out of range."""
    size = tpl.wave.size
    lo = nominal - search - 1
    if lo < 0 or lo + size + 2 * search + 2 > r.size:
        return None
    start, frac, placed = peak_fit(r, tpl, lo, lo + 2 * search + 2)
    corr = float(r[start : start + size] @ placed)
    energy = float(placed @ placed)
    return 2.0 * corr - energy, start, frac, corr / max(energy, 1e-12)


def _pruned_candidates(
    r: FloatArray,
    pool: Events,
    free: np.ndarray,
    own_t: list[int],
    templates: list[MatchTemplate],
    ref: FloatArray,
    search: int,
    lags: dict[tuple[int, int], tuple[float, int]],
) -> list[Candidate]:
    """Pruned discharges (``pool`` where ``free``) that one of the unit's templates fits (see the module
    docstring)."""
    out: list[Candidate] = []
    kinds = np.unique(pool.unit[free]).tolist()
    near = []
    for k in kinds:
        for ta in own_t:
            if (ta, k) not in lags:
                lags[(ta, k)] = nrmse_lag(templates[ta], templates[k])
        if min(lags[(ta, k)][0] for ta in own_t) <= SHAPE_NRMSE:
            near.append(k)
    for j in np.flatnonzero(free & np.isin(pool.unit, near)).tolist():
        k = int(pool.unit[j])
        st, fr = int(pool.start[j]), float(pool.fraction[j])
        p = st + float(ref[k]) + fr
        place(r, templates[k], st, fr, 1.0)
        own = _fit(r, templates[k], st, 0)
        best: tuple[float, int, float, float, int] | None = None
        for ta in own_t:
            for nominal in {st - lags[(ta, k)][1], round(p - float(ref[ta]))}:
                fit = _fit(r, templates[ta], nominal, search)
                if fit is not None and (best is None or fit[0] > best[0]):
                    best = (*fit, ta)
        place(r, templates[k], st, fr, -1.0)
        own_score = own[0] if own is not None else 0.0
        if (
            best is None
            or not A_MIN <= best[3] <= A_MAX
            or best[0] < max(MIN_EXPLAINED * own_score, ETA * templates[best[4]].energy)
        ):
            continue
        _, bs, bf, ba, bt = best
        out.append((bs + float(ref[bt]) + bf, bt, bs, bf, ba, j))
    return out


def _residual_candidates(
    r: FloatArray,
    times: FloatArray,
    own_t: list[int],
    templates: list[MatchTemplate],
    ref: FloatArray,
    m: float,
    noise_uv: float,
) -> list[Candidate]:
    """Fits of the unit's templates in the residual where its rhythm expects a discharge next to an
    irregular interval (module docstring), at least 0.1 median ISIs from every firing and from each other."""
    d = np.diff(times)
    odd = (d < IRREGULAR[0] * m) | (d > IRREGULAR[1] * m)
    centres = np.concatenate((times[:-1][odd] + m, times[1:][odd] - m))
    out: list[Candidate] = []
    for c in np.sort(centres).tolist():
        best = best_of(r, templates, own_t, ref, c - EXPECT_WINDOW * m, c + EXPECT_WINDOW * m, noise_uv)
        if best is None:
            continue
        _, st, fr, amp, k = best
        p = st + float(ref[k]) + fr
        j = int(np.searchsorted(times, p))
        gaps = [abs(p - float(times[i])) for i in (j - 1, j) if 0 <= i < times.size]
        gaps += [abs(p - x[0]) for x in out]
        if gaps and min(gaps) < 0.1 * m:
            continue
        out.append((p, k, st, fr, amp, -1))
    return out


def select_trains(
    accepted: list[Events],
    templates: list[MatchTemplate],
    ref: FloatArray,
    resid: FloatArray,
    fs_hz: float,
    noise_uv: float,
    pruned: Events,
) -> tuple[list[Events], FloatArray, Events]:
    """Accepted groups re-chosen as the most regular trains of their own discharges, fitting pruned ones and
    expected ones found in the residual (see the module docstring); the updated residual (a copy); and the
    pruned discharges not taken. ``noise_uv`` is the background noise of the matched signal."""
    r = np.array(resid, dtype=np.float64)
    out = list(accepted)
    free = np.ones(pruned.size, dtype=bool)
    if not out or noise_uv <= 0 or not np.isfinite(noise_uv):
        return out, r, pruned
    search = max(1, round(SEARCH_MS * fs_hz / 1000.0))
    lags: dict[tuple[int, int], tuple[float, int]] = {}
    for a in sorted(range(len(out)), key=lambda i: -out[i].size):
        g = out[a]
        if g.size < 4:
            continue
        pos_own = g.start + ref[g.unit] + g.fraction
        m, s = train_params(np.sort(pos_own))
        if not m > 0:
            continue
        counts = np.bincount(g.unit, minlength=len(templates))
        own_t = [int(k) for k in np.flatnonzero(counts >= MIN_TEMPLATE_SHARE * g.size)]
        cands = _pruned_candidates(r, pruned, free, own_t, templates, ref, search, lags) if free.any() else []
        cands += _residual_candidates(r, np.sort(pos_own), own_t, templates, ref, m, noise_uv)
        if not cands:
            continue
        n_own = g.size
        q = np.concatenate((pos_own, np.array([c[0] for c in cands])))
        from_pool = np.array([c[5] >= 0 for c in cands], dtype=bool)
        c_in = np.concatenate((np.zeros(n_own), np.where(from_pool, TAKE_PRUNED, TAKE_RESID)))
        c_out = np.concatenate((np.full(n_own, DROP_OWN), np.zeros(len(cands))))
        order = np.argsort(q, kind="stable")
        keep = best_subset(q[order], c_in[order], c_out[order], m, s)
        chosen = np.zeros(q.size, dtype=bool)
        chosen[order[keep]] = True
        if chosen[:n_own].all() and not chosen[n_own:].any():
            continue
        gain = subset_cost(q[order], np.flatnonzero(order < n_own), c_in[order], c_out[order], m, s) - (
            subset_cost(q[order], keep, c_in[order], c_out[order], m, s)
        )
        if gain < MIN_GAIN:
            continue
        take = [cands[i] for i in np.flatnonzero(chosen[n_own:]).tolist()]
        new_g = g.select(chosen[:n_own])
        if take:
            new_g = new_g.concat(
                Events(
                    np.array([c[1] for c in take], dtype=np.int64),
                    np.array([c[2] for c in take], dtype=np.int64),
                    np.array([c[3] for c in take], dtype=np.float64),
                    np.array([c[4] for c in take], dtype=np.float64),
                )
            )
        if not accepts(prune(new_g, ref), templates, ref, fs_hz, noise_uv):
            continue
        for _, k, st, fr, _, j in take:
            if j >= 0:
                place(r, templates[int(pruned.unit[j])], int(pruned.start[j]), float(pruned.fraction[j]), 1.0)
                free[j] = False
            place(r, templates[k], st, fr, -1.0)
        out[a] = new_g
    return out, r, pruned.select(free)
