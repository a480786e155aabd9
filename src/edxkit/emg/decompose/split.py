"""Splitting templates that mix two units, by the firing pattern (EMGlab / DQEMG idea).

Units whose spikes look alike in the 1 kHz high-passed signal are often gathered into one template, whose
discharge train is then the interleaving of two trains: irregular, with intervals far shorter than the
median. Such a template's discharges are divided in two by 2-means on their residual windows (±1 ms around
the peak, after every accepted template — its own included — has been subtracted: the residual of a
discharge is its difference from the mixed template, free of the other units that overlap it). The split
starts from the sign of the projection on the first principal direction (power iteration, no LAPACK) and is
refined by Lloyd iterations. It is kept when at least one part forms a physiological train (the test of
:func:`.units.plausible` after :func:`.units.prune`) while the whole did not, and both parts have enough
discharges to be templates; the parts become new templates (medians of their aligned discharges), and the
signal is matched again. Using the regularity of the discharge pattern to separate units that shapes cannot
is the approach of DQEMG's firing-pattern-based merging and splitting (Stashuk 2001) and of EMGlab's
interactive editing guided by the firing trains (McGill et al. 2005).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from edxkit.emg.decompose import templates as tpls
from edxkit.emg.decompose.align import aligned_windows
from edxkit.emg.decompose.match import Events, MatchTemplate
from edxkit.emg.decompose.units import MIN_FIRINGS, plausible, prune

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

HALF_MS = 1.0
LLOYD_ITERATIONS = 15
POWER_ITERATIONS = 20


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
    for _ in range(LLOYD_ITERATIONS):
        if labels.min() == labels.max():
            break
        centres = np.stack([w[labels == i].mean(axis=0) for i in range(2)])
        d = np.einsum("ij,ij->i", w, w)[:, None] - 2.0 * w @ centres.T + np.sum(centres**2, axis=1)[None, :]
        new = np.argmin(d, axis=1).astype(np.int64)
        if np.array_equal(new, labels):
            break
        labels = new
    return labels


def _regular(ev: Events, ref: FloatArray, fs_hz: float) -> bool:
    pruned = prune(ev, ref)
    pos = pruned.start + ref[pruned.unit] + pruned.fraction
    return plausible(np.sort(pos) / fs_hz)


def split_mixed(
    x: FloatArray,
    resid: FloatArray,
    templates: list[MatchTemplate],
    events: Events,
    fs_hz: float,
    sigma: float,
) -> tuple[list[MatchTemplate], bool]:
    """Templates with each mixed one replaced by the templates of its two parts; True when any was split."""
    ref = np.array([t.peak for t in templates], dtype=np.float64)
    half = max(2, round(HALF_MS * fs_hz / 1000.0))
    padded = np.pad(resid, half + 3)
    out: list[MatchTemplate] = []
    changed = False
    for k, tpl in enumerate(templates):
        idx = np.flatnonzero(events.unit == k)
        ev = events.select(idx)
        if idx.size < 2 * MIN_FIRINGS or _regular(ev, ref, fs_hz):
            out.append(tpl)
            continue
        pos = ev.start + tpl.peak + ev.fraction
        whole = np.floor(pos).astype(np.int64)
        w = aligned_windows(padded, whole + half + 3, pos - whole, half, half)
        labels = two_means(w)
        parts = [labels == i for i in range(2)]
        if min(int(np.count_nonzero(p)) for p in parts) < MIN_FIRINGS or not any(
            _regular(ev.select(p), ref, fs_hz) for p in parts
        ):
            out.append(tpl)
            continue
        built = [tpls.build(x, whole[p], pos[p] - whole[p], fs_hz, sigma) for p in parts]
        if any(b is None for b in built):
            out.append(tpl)
            continue
        out.extend(b for b in built if b is not None)
        changed = True
    return out, changed
