"""Matching detected firing times to reference firing times, shared by the decomposition benches."""

from __future__ import annotations

import numpy as np


def n_matched(ref: np.ndarray, mine: np.ndarray, tol_s: float) -> int:
    """Firings of ``ref`` with a firing of ``mine`` within ``tol_s`` (one-to-one, greedy in time)."""
    if ref.size == 0 or mine.size == 0:
        return 0
    ref, mine = np.sort(ref), np.sort(mine)
    used = np.zeros(mine.size, dtype=bool)
    j = np.searchsorted(mine, ref)
    count = 0
    for i, t in enumerate(ref):
        best, best_d = -1, tol_s
        for k in (j[i] - 1, j[i]):
            if 0 <= k < mine.size and not used[k] and abs(mine[k] - t) <= best_d:
                best, best_d = k, abs(mine[k] - t)
        if best >= 0:
            used[best] = True
            count += 1
    return count
