"""Train-guided search of the residual for the discharges an accepted unit misses (expected-firing search).

Greedy subtraction (:mod:`.match`) accepts a discharge only when it removes ``Z`` (5) standard deviations of
the noise term of the score. That bar keeps noise and the tails of other units out of every template's
train, but a small unit whose template energy is near the bar is matched only where noise happens to
enlarge it: its train keeps the discharges with an amplitude above about 1.1 and misses the others, and a
discharge superimposed on another unit's is often lost the same way. Once a unit is accepted, its firing
pattern says *where* the missing discharges are: a gap of the train (two firings at least
:data:`.absorb.MIN_GAP` median ISIs apart) holds one expected discharge about one median ISI after the
firing before it and one before the firing after it (and the train may continue one median ISI beyond its
first and last firings). Each expected position is searched, within ±:data:`WINDOW` median ISIs and no
closer than :data:`.absorb.MIN_SIDE` median ISIs to a neighbour, for the best fit of the unit's templates
on the residual; the fit is taken when its least-squares amplitude lies in [:data:`.match.A_MIN`,
:data:`.match.A_MAX`], it removes at least :data:`.match.ETA` of the template's energy and
:data:`Z_EXPECTED` standard deviations of the noise term (instead of ``Z``), and what it leaves over the
template's support is no more than :data:`MAX_LEFT` times the noise energy of that support. The residual is
updated and the search repeated until a pass adds nothing (at most :data:`PASSES`).

Looking for a unit's next discharge where its firing pattern predicts it, with a detection bar lowered
there, is the "expected firing time" of EMGlab's assignment (McGill et al. 2005) and the firing-time
consistency of DQEMG (Stashuk 2001); with a known template and a bounded search window the lower bar costs
little: pure noise reaches an amplitude of :data:`.match.A_MIN` only when the template stands well above
it, which the acceptance of the unit already requires.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from edxkit.emg.decompose.absorb import MAX_SIDE, MIN_GAP, MIN_SIDE
from edxkit.emg.decompose.match import A_MAX, A_MIN, ETA, N_FRACTIONS, Events, MatchTemplate

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

WINDOW = 0.3
Z_EXPECTED = 2.0
MAX_LEFT = 3.0
PASSES = 4
MIN_TEMPLATE_SHARE = 0.1


def template_row(tpl: MatchTemplate, frac: float) -> FloatArray:
    """The template shifted by ``frac`` of a sample (the nearest of its precomputed sub-sample shifts)."""
    q = min(max(round((frac + 0.5) * N_FRACTIONS), 0), N_FRACTIONS)
    return np.asarray(tpl.shifted[q], dtype=np.float64)


def _windows(times: FloatArray, m: float, n: int) -> list[tuple[float, float]]:
    """Search spans (sample positions) of the discharges the sorted train ``times`` (median ISI ``m``)
    misses, within a signal of ``n`` samples."""
    out: list[tuple[float, float]] = []
    half = WINDOW * m
    gaps = np.flatnonzero(np.diff(times) >= MIN_GAP * m)
    for i in gaps.tolist():
        prev, nxt = float(times[i]), float(times[i + 1])
        lo_ok, hi_ok = prev + MIN_SIDE * m, nxt - MIN_SIDE * m
        for centre in (prev + m, nxt - m):
            lo, hi = max(centre - half, lo_ok), min(centre + half, hi_ok)
            if hi > lo:
                out.append((lo, hi))
    first, last = float(times[0]), float(times[-1])
    for lo, hi in ((first - MAX_SIDE * m, first - MIN_SIDE * m), (last + MIN_SIDE * m, last + MAX_SIDE * m)):
        lo, hi = max(lo, 0.0), min(hi, float(n - 1))
        if hi > lo:
            out.append((lo, hi))
    return out


def peak_fit(r: FloatArray, tpl: MatchTemplate, s_lo: int, s_hi: int) -> tuple[int, float, FloatArray]:
    """Start (``s_lo`` < start < ``s_hi``) and sub-sample fraction where ``tpl`` correlates best with ``r``
    (parabolic interpolation of the correlation peak), and the template shifted by that fraction."""
    c = np.correlate(r[s_lo : s_hi + tpl.wave.size], tpl.wave, mode="valid")
    i = int(np.argmax(c[1:-1])) + 1
    ym, y0, yp = float(c[i - 1]), float(c[i]), float(c[i + 1])
    den = ym - 2.0 * y0 + yp
    frac = min(max(0.5 * (ym - yp) / den, -0.5), 0.5) if abs(den) > 1e-12 else 0.0
    return s_lo + i, frac, template_row(tpl, frac)


def best_fit(
    r: FloatArray, tpl: MatchTemplate, ref: float, lo: float, hi: float, noise: float
) -> tuple[float, int, float, float] | None:
    """Best acceptable fit of ``tpl`` whose reference sample lies in [lo, hi]: (score, start, fraction,
    amplitude), or None."""
    size = tpl.wave.size
    s_lo = int(np.ceil(lo - ref)) - 1
    s_hi = int(np.floor(hi - ref)) + 1
    if s_lo < 0 or s_hi + size >= r.size or s_hi <= s_lo + 1:
        return None
    start, frac, placed = peak_fit(r, tpl, s_lo, s_hi)
    seg = r[start : start + size]
    energy = float(placed @ placed)
    corr = float(seg @ placed)
    amp = corr / max(energy, 1e-12)
    score = 2.0 * corr - energy
    floor = max(ETA * energy, Z_EXPECTED * 2.0 * noise * np.sqrt(energy))
    if not (A_MIN <= amp <= A_MAX) or score < floor:
        return None
    left = float(np.sum((seg - placed) ** 2))
    if left > MAX_LEFT * size * noise**2:
        return None
    return score, start, frac, amp


def best_of(
    r: FloatArray,
    templates: list[MatchTemplate],
    own: list[int],
    ref: FloatArray,
    lo: float,
    hi: float,
    noise: float,
) -> tuple[float, int, float, float, int] | None:
    """The best acceptable fit (:func:`best_fit`) among the templates ``own``: (score, start, fraction,
    amplitude, template), or None."""
    best: tuple[float, int, float, float, int] | None = None
    for k in own:
        fit = best_fit(r, templates[k], float(ref[k]), lo, hi, noise)
        if fit is not None and (best is None or fit[0] > best[0]):
            best = (*fit, k)
    return best


def place(r: FloatArray, tpl: MatchTemplate, start: int, frac: float, sign: float) -> None:
    """Add (``sign`` +1) or subtract (−1) the template placed at ``start`` + ``frac`` to ``r`` in place."""
    size = tpl.wave.size
    lo, hi = max(start, 0), min(start + size, r.size)
    if hi > lo:
        r[lo:hi] += sign * template_row(tpl, frac)[lo - start : hi - start]


def fill_gaps(
    accepted: list[Events], templates: list[MatchTemplate], ref: FloatArray, resid: FloatArray, noise: float
) -> tuple[list[Events], FloatArray]:
    """The accepted groups with the expected discharges found in the residual added, and the residual with
    them subtracted (a copy). See the module docstring; ``noise`` is the background noise (µV rms) of the
    signal the templates were matched on."""
    r = np.array(resid, dtype=np.float64)
    if noise <= 0 or not np.isfinite(noise):
        return accepted, r
    out = list(accepted)
    for a in sorted(range(len(accepted)), key=lambda i: -accepted[i].size):
        g = accepted[a]
        if g.size < 3:
            continue
        counts = np.bincount(g.unit, minlength=len(templates))
        own = [int(k) for k in np.flatnonzero(counts >= MIN_TEMPLATE_SHARE * g.size)]
        times = np.sort(g.start + ref[g.unit] + g.fraction)
        m = float(np.median(np.diff(times)))
        if m <= 0:
            continue
        new: list[tuple[int, int, float, float]] = []
        for _ in range(PASSES):
            added = 0
            for lo, hi in _windows(times, m, r.size):
                # the train may have gained a firing in this span during this pass
                j = int(np.searchsorted(times, lo))
                if j < times.size and times[j] <= hi:
                    continue
                best = best_of(r, templates, own, ref, lo, hi, noise)
                if best is None:
                    continue
                _, start, frac, amp, k = best
                p = start + float(ref[k]) + frac
                i = int(np.searchsorted(times, p))
                near_prev = i > 0 and p - times[i - 1] < MIN_SIDE * m
                if near_prev or (i < times.size and times[i] - p < MIN_SIDE * m):
                    continue
                place(r, templates[k], start, frac, -1.0)
                new.append((k, start, frac, amp))
                times = np.insert(times, i, p)
                added += 1
            if not added:
                break
        if new:
            cols = list(zip(*new, strict=True))
            out[a] = g.concat(
                Events(
                    np.asarray(cols[0], dtype=np.int64),
                    np.asarray(cols[1], dtype=np.int64),
                    np.asarray(cols[2], dtype=np.float64),
                    np.asarray(cols[3], dtype=np.float64),
                )
            )
    return out, r
