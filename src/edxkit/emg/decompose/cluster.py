"""Shape clustering of aligned candidate windows into provisional motor units.

A density-seeded leader clustering in the spirit of DQEMG's shape-based stage (Stashuk 1999, 2001) and of
EMGlab's template building (McGill et al. 2005): windows are reduced to 20 bin features (no
eigen-decomposition: threaded LAPACK is very slow on small matrices on a loaded machine); the candidate
with the most neighbours (distance within a noise term plus a fraction of the windows' energy) seeds a
cluster; its median shape gathers every window whose mean squared difference from it is within
``NOISE_K``·σ² + ``REL_TOL``²·mean(template²); the median is recomputed twice, the members are removed, and
the next densest candidate seeds the next cluster. A cluster whose amplitudes (relative to its median)
split cleanly in two is divided (:func:`split_by_amplitude`: neighbouring units often share a spike shape and
differ in size). Superimposed discharges fit no shape and stay unassigned — they are resolved later by
template subtraction (:mod:`.match`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from edxkit.emg.decompose.align import median_rows

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

N_BINS = 20
MAX_SEEDS = 1500
NOISE_K = 2.5
REL_TOL = 0.1
MAX_CLUSTERS = 40
SPLIT_EXPLAINED = 0.6
NEIGHBOUR_ROWS = 128


def features(w: FloatArray) -> FloatArray:
    """Windows reduced to ``N_BINS`` bin sums / √(bin size): distances and energies are kept for smooth
    shapes, the noise term of a squared distance becomes 2·N_BINS·σ², and the rate no longer matters."""
    m = w.shape[1]
    edges = np.linspace(0, m, min(N_BINS, m) + 1).astype(np.int64)
    sums = np.add.reduceat(w, edges[:-1], axis=1)
    return np.asarray(sums / np.sqrt(np.diff(edges))[None, :], dtype=np.float64)


def _neighbours(f: FloatArray, sigma: float) -> NDArray[np.bool_]:
    n2 = np.einsum("ij,ij->i", f, f)
    gram = f @ f.T
    noise = NOISE_K * 2.0 * f.shape[1] * sigma**2
    near = np.empty(gram.shape, dtype=bool)
    # d2 = ‖fi‖² + ‖fj‖² − 2 fi·fj against tol = noise + REL_TOL²/2 (‖fi‖² + ‖fj‖²), a block of rows at a
    # time (the same values, fewer passes over memory)
    for i in range(0, n2.size, NEIGHBOUR_ROWS):
        pair = n2[i : i + NEIGHBOUR_ROWS, None] + n2[None, :]
        tol = pair * (REL_TOL**2 * 0.5)
        tol += noise
        pair -= 2.0 * gram[i : i + NEIGHBOUR_ROWS]
        np.less(pair, tol, out=near[i : i + NEIGHBOUR_ROWS])
    return near


def _gather(w: FloatArray, template: FloatArray, free: NDArray[np.bool_], sigma: float) -> NDArray[np.bool_]:
    """Free windows close enough to ``template``, after two median refinements (only the free windows are
    compared: taken ones can never be members)."""
    members = np.zeros(w.shape[0], dtype=bool)
    idx = np.flatnonzero(free)
    wf = w[idx]
    for _ in range(3):
        err = np.mean((wf - template) ** 2, axis=1)
        near = err < NOISE_K * sigma**2 + REL_TOL**2 * float(np.mean(template**2))
        members = np.zeros(w.shape[0], dtype=bool)
        members[idx[near]] = True
        if np.count_nonzero(near) < 2:
            return members
        template = median_rows(wf[near])
    return members


def otsu_split(a: FloatArray) -> tuple[float, float]:
    """Threshold of ``a`` maximising the between-class variance (Otsu 1979) and the share of the total
    variance that the two classes explain."""
    s = np.sort(a)
    n = s.size
    total = float(np.var(s)) * n
    if n < 4 or total <= 0:
        return float(s[-1]) if n else 0.0, 0.0
    csum = np.cumsum(s)
    k = np.arange(1, n)
    m1 = csum[:-1] / k
    m2 = (csum[-1] - csum[:-1]) / (n - k)
    between = k * (n - k) / n * (m1 - m2) ** 2
    i = int(np.argmax(between))
    return float(0.5 * (s[i] + s[i + 1])), float(between[i] / total)


def split_by_amplitude(
    w: FloatArray, members: IntArray, sigma: float, min_count: int, depth: int = 0
) -> list[IntArray]:
    """Members of one shape cluster split into units of different size.

    Neighbouring units often share their spike shape and differ mostly in amplitude (their distance from the
    electrode); a cluster whose least-squares amplitudes relative to its median spread more than noise allows
    (SD > max(3 σ/‖T‖, 4 %)) and split cleanly in two (Otsu threshold explaining ≥ SPLIT_EXPLAINED of the
    variance, both parts ≥ ``min_count``) is split, recursively (at most 3 levels).
    """
    if depth >= 3 or members.size < 2 * min_count:
        return [members]
    t = median_rows(w[members])
    energy = float(t @ t)
    if energy <= 0:
        return [members]
    a = (w[members] @ t) / energy
    if float(np.std(a)) <= max(3.0 * sigma / np.sqrt(energy), 0.04):
        return [members]
    cut, explained = otsu_split(a)
    low, high = members[a <= cut], members[a > cut]
    if explained < SPLIT_EXPLAINED or min(low.size, high.size) < min_count:
        return [members]
    return split_by_amplitude(w, low, sigma, min_count, depth + 1) + split_by_amplitude(
        w, high, sigma, min_count, depth + 1
    )


def cluster(w: FloatArray, sigma: float, min_count: int) -> tuple[IntArray, list[FloatArray]]:
    """Cluster aligned windows ``w`` (n, m); returns labels (−1 unassigned) and each cluster's median.

    Parameters
    ----------
    w : ndarray
        Candidate windows (µV), each aligned on its peak.
    sigma : float
        Background rms (µV) that two discharges of one unit differ by per sample.
    min_count : int
        Fewest members a cluster must gather to be kept.
    """
    n = w.shape[0]
    labels = np.full(n, -1, dtype=np.int64)
    templates: list[FloatArray] = []
    if n < max(2, min_count) or w.shape[1] < 3:
        return labels, templates
    sigma = max(float(sigma), 1e-6)
    seeds = np.unique(np.linspace(0, n - 1, min(n, MAX_SEEDS)).astype(np.int64))
    near = _neighbours(features(w)[seeds], sigma)
    active = np.ones(seeds.size, dtype=bool)
    seed_min = max(3, int(min_count * seeds.size / n))
    # active neighbours of each seed, updated as seeds leave (integer counts: exact)
    n_near = near.sum(axis=1)
    while len(templates) < MAX_CLUSTERS:
        counts = n_near * active
        i = int(np.argmax(counts))
        if counts[i] < seed_min:
            break
        seed_members = near[i] & active
        members = _gather(w, median_rows(w[seeds[seed_members]]), labels < 0, sigma)
        was = active.copy()
        active &= ~seed_members
        if np.count_nonzero(members) >= min_count:
            for part in split_by_amplitude(w, np.flatnonzero(members), sigma, min_count):
                labels[part] = len(templates)
                templates.append(median_rows(w[part]))
            active &= labels[seeds] < 0
        n_near = n_near - near[:, np.flatnonzero(was & ~active)].sum(axis=1)
    return labels, templates
