"""Splitting templates that mix units, by the firing pattern (the EMGlab / DQEMG idea).

Units whose spikes look alike in the 1 kHz high-passed signal are often gathered into one template, whose
discharge train is then the interleaving of two or more trains: irregular, with intervals far shorter than
the median. A template is *mixed* when its discharges (at least :data:`.units.MIN_FIRINGS`) do not form a
physiological train (the test of :func:`.units.plausible` after :func:`.units.prune`). Mixed templates of
similar shape (normalised residual ≤ :data:`POOL_NRMSE`: two units spread over several templates) are pooled,
and the pooled discharges are divided by 2-means on their *cleaned* windows — ±1 ms around the peak of the
residual plus the discharge's own template, i.e. the discharge with every other accepted discharge that
overlaps it removed — repeated on a part that is still irregular (at most :data:`MAX_DEPTH` levels). The
2-means starts from the sign of the projection on the first principal direction (power iteration, no
LAPACK) and is refined by Lloyd iterations. The split is kept when at least one part forms a physiological
train and at least two parts have :data:`.units.MIN_FIRINGS` discharges; those parts become new templates
(medians of their aligned discharges, :func:`.templates.build`) and the signal is matched again (when a pool
cannot be split as a whole, its templates are tried one by one). A template whose train passes as one unit's
but is *loose* — more than :data:`LOOSE_PRUNED` of its firings pruned as implausibly close, or an ISI CV above
:data:`LOOSE_CV` — is tried alone too (with at least :data:`.units.MIN_FIRINGS` × 2 discharges); its split is
kept only when two parts form physiological trains (two similar units whose interleaved train passed the
CV ≤ 0.4 acceptance). Using the regularity of the discharge
pattern to separate units that shapes alone cannot is the approach of DQEMG's firing-pattern-based merging
and splitting (Stashuk 2001) and of EMGlab's editing guided by the firing trains (McGill et al. 2005).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from edxkit.emg.decompose import templates as tpls
from edxkit.emg.decompose.align import delay
from edxkit.emg.decompose.match import Events, MatchTemplate
from edxkit.emg.decompose.result import firing_stats
from edxkit.emg.decompose.units import MIN_FIRINGS, plausible, prune

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

HALF_MS = 1.0
LLOYD_ITERATIONS = 15
POWER_ITERATIONS = 20
POOL_NRMSE = 0.35
MAX_DEPTH = 2
LOOSE_PRUNED = 0.1
LOOSE_CV = 0.3


def two_means(w: FloatArray) -> IntArray:
    """Labels 0/1 of the rows of ``w`` from 2-means (principal-direction start, Lloyd refinement)."""
    n = w.shape[0]
    if n < 2:
        return np.zeros(n, dtype=np.int64)
    c = w - w.mean(axis=0)
    v = c[int(np.argmax(np.einsum("ij,ij->i", c, c)))].copy()
    for _ in range(POWER_ITERATIONS):
        v = c.T @ (c @ v)
        norm = float(np.linalg.norm(v))
        if norm <= 0:
            return np.zeros(n, dtype=np.int64)
        v /= norm
    labels = (c @ v > 0).astype(np.int64)
    norms = np.einsum("ij,ij->i", w, w)[:, None]
    for _ in range(LLOYD_ITERATIONS):
        if labels.min() == labels.max():
            break
        centres = np.stack([w[labels == i].mean(axis=0) for i in range(2)])
        d = norms - 2.0 * w @ centres.T + np.sum(centres**2, axis=1)[None, :]
        new = np.argmin(d, axis=1).astype(np.int64)
        if np.array_equal(new, labels):
            break
        labels = new
    return labels


def _regular(ev: Events, ref: FloatArray, fs_hz: float) -> bool:
    pruned = prune(ev, ref)
    pos = pruned.start + ref[pruned.unit] + pruned.fraction
    return plausible(np.sort(pos) / fs_hz)


def _regular_of(ev: Events, ref: FloatArray, fs_hz: float) -> Callable[[IntArray], bool]:
    """:func:`_regular` of subsets of ``ev`` (by index), each subset tested once."""
    memo: dict[bytes, bool] = {}

    def regular(idx: IntArray) -> bool:
        key = idx.tobytes()
        if key not in memo:
            memo[key] = _regular(ev.select(idx), ref, fs_hz)
        return memo[key]

    return regular


def _loose(ev: Events, ref: FloatArray, fs_hz: float) -> bool:
    """A train that passes as one unit's but looks like two interleaved: more than :data:`LOOSE_PRUNED` of
    its firings pruned as implausibly close, or an ISI CV above :data:`LOOSE_CV` (one unit at steady low
    effort: 0.1–0.3)."""
    pruned = prune(ev, ref)
    if pruned.size < 3:
        return False
    _, cv = firing_stats(np.sort(pruned.start + ref[pruned.unit] + pruned.fraction) / fs_hz)
    return bool(1.0 - pruned.size / ev.size > LOOSE_PRUNED or (np.isfinite(cv) and cv > LOOSE_CV))


def _bisect(w: FloatArray, idx: IntArray, depth: int, regular: Callable[[IntArray], bool]) -> list[IntArray]:
    """``idx`` divided by repeated 2-means while a part is irregular (``regular(idx)`` False; at most
    :data:`MAX_DEPTH` levels)."""
    if depth >= MAX_DEPTH or idx.size < 2 * MIN_FIRINGS or (depth > 0 and regular(idx)):
        return [idx]
    labels = two_means(w[idx])
    parts = [idx[labels == i] for i in range(2)]
    if min(p.size for p in parts) == 0:
        return [idx]
    return [q for p in parts for q in _bisect(w, p, depth + 1, regular)]


def _pools(templates: list[MatchTemplate], mixed: list[int]) -> list[list[int]]:
    """The mixed templates grouped by shape similarity (single linkage at :data:`POOL_NRMSE`)."""
    owner = {k: k for k in mixed}

    def root(k: int) -> int:
        while owner[k] != k:
            k = owner[k]
        return k

    for i, a in enumerate(mixed):
        for b in mixed[i + 1 :]:
            if root(a) != root(b) and not tpls.nrmse_above(templates[a], templates[b], POOL_NRMSE):
                owner[root(b)] = root(a)
    pools: dict[int, list[int]] = {}
    for k in mixed:
        pools.setdefault(root(k), []).append(k)
    return list(pools.values())


def _cleaned(resid: FloatArray, templates: list[MatchTemplate], ev: Events, half: int) -> FloatArray:
    """Windows ±``half`` around each event's peak of the residual plus the event's own template: the
    discharge with every other accepted discharge removed, aligned to a fraction of a sample (samples
    outside the residual count as 0)."""
    peaks = np.array([t.peak for t in templates], dtype=np.int64)[ev.unit]
    pos = ev.start + peaks + ev.fraction
    whole = np.floor(pos).astype(np.int64)
    idx = whole[:, None] + np.arange(-half - 2, half + 3)[None, :]
    inside = (idx >= 0) & (idx < resid.size)
    raw = np.where(inside, resid[np.clip(idx, 0, max(resid.size - 1, 0))], 0.0)
    w = delay(raw, -(pos - whole))[:, 2:-2]
    for k in np.unique(ev.unit):
        t = templates[int(k)]
        seg = np.pad(t.wave, half)[t.peak : t.peak + 2 * half + 1]
        w[ev.unit == k] += seg
    return w


def split_mixed(
    x: FloatArray,
    resid: FloatArray,
    templates: list[MatchTemplate],
    events: Events,
    fs_hz: float,
    sigma: float,
    unsplit: list[MatchTemplate] | None = None,
) -> tuple[list[MatchTemplate], bool]:
    """Templates with each mixed group replaced by the templates of its two parts; True when any was split.

    See the module docstring. ``x`` is the spike signal, ``resid`` the residual after matching ``templates``
    (which gave ``events``), ``sigma`` the background noise (µV). ``unsplit`` (default ``templates``) gives
    the templates returned for those not split (e.g. their refined versions).
    """
    ref = np.array([t.peak for t in templates], dtype=np.float64)
    half = max(2, round(HALF_MS * fs_hz / 1000.0))
    counts = np.bincount(events.unit, minlength=len(templates))
    mixed = [
        k
        for k in range(len(templates))
        if counts[k] >= MIN_FIRINGS and not _regular(events.select(events.unit == k), ref, fs_hz)
    ]
    loose = [
        k
        for k in range(len(templates))
        if counts[k] >= 2 * MIN_FIRINGS
        and k not in mixed
        and _loose(events.select(events.unit == k), ref, fs_hz)
    ]
    replaced: set[int] = set()
    added: list[MatchTemplate] = []
    for pool in _pools(templates, mixed) + [[k] for k in loose]:
        need = 2 if pool[0] in loose else 1
        tries = [pool] + ([[k] for k in pool] if len(pool) > 1 else [])
        for members in tries:
            if replaced.intersection(members):
                continue
            ev = events.select(np.isin(events.unit, members))
            if ev.size < 2 * MIN_FIRINGS:
                continue
            w = _cleaned(resid, templates, ev, half)
            regular = _regular_of(ev, ref, fs_hz)
            parts = [p for p in _bisect(w, np.arange(ev.size), 0, regular) if p.size >= MIN_FIRINGS]
            if len(parts) < 2 or sum(regular(p) for p in parts) < need:
                continue
            pos = ev.start + ref[ev.unit] + ev.fraction
            whole = np.floor(pos).astype(np.int64)
            built = [tpls.build(x, whole[p], pos[p] - whole[p], fs_hz, sigma) for p in parts]
            if any(b is None for b in built):
                continue
            added.extend(b for b in built if b is not None)
            replaced.update(members)
    keep = templates if unsplit is None else unsplit
    out = [t for k, t in enumerate(keep) if k not in replaced] + added
    return out, bool(replaced)
