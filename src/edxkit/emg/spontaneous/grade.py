"""Grades 0–4+ of fibrillations, positive sharp waves and fasciculations from one recording.

The clinical grades (clinical.md §3.1; Preston & Shapiro / Daube) count needle *locations* and the abundance
of potentials; one recording is one location, so the operational definition used here is the number of
independent generators (trains of distinct shape) of that type firing at this site, plus how much of the
baseline their discharges fill. A fibrillation/PSW train counts as a generator when it persists (≥ 5
discharges over ≥ 2 s: the "persistent single trains (> 2–3 s)" of 1+), so a few stray discharges that
formed a small group do not raise the grade:

==========  ==================================================================================
grade       fibrillations / positive sharp waves (each type separately)
==========  ==================================================================================
0           no train
1+          1 generator (a single persistent train)
2+          2–4 generators
3+          5–9 generators
4+          ≥ 10 generators, or discharges of the type cover ≥ 30 % of the analysed baseline
==========  ==================================================================================

The covered baseline is the union of the spans (``SPIKE_SPAN_MS``) of the discharges
(:func:`covered_fraction`): the part of the screen on which a potential of the type is seen; overlapping
potentials cover it once.

Fasciculations (slow, irregular, fewer per site): 1 unit → 1+, 2 → 2+, 3–4 → 3+, ≥ 5 → 4+.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from edxkit.emg.spontaneous.result import GRADED_TYPES, SpontaneousTrain

FIB_LIMITS = (1, 2, 5, 10)
FASC_LIMITS = (1, 2, 3, 5)
FULL_SCREEN_FRACTION = 0.3
MIN_DISCHARGES = 5
MIN_SPAN_S = 2.0
SPIKE_SPAN_MS = {"fibrillation": 3.0, "positive_sharp_wave": 10.0, "fasciculation": 10.0}


def persistent(train: SpontaneousTrain) -> bool:
    """A fibrillation/PSW train counts when it persists: ≥ ``MIN_DISCHARGES`` discharges over ≥ ``MIN_SPAN_S``
    (the "persistent single trains (> 2–3 s)" of grade 1+); fasciculations count from one train."""
    if train.type == "fasciculation":
        return True
    span = float(train.times_s[-1] - train.times_s[0]) if train.count else 0.0
    return train.count >= MIN_DISCHARGES and span >= MIN_SPAN_S


def _grade_from_count(n: int, limits: tuple[int, int, int, int]) -> int:
    return int(np.searchsorted(np.asarray(limits), n, side="right"))


def covered_fraction(times_s: Sequence[np.ndarray], span_s: float, analysed_s: float) -> float:
    """Fraction of ``analysed_s`` covered by the union of ``[t, t + span_s]`` over all the discharge times."""
    if analysed_s <= 0.0 or not times_s:
        return 0.0
    t = np.sort(np.concatenate([np.asarray(x, dtype=np.float64) for x in times_s]))
    if t.size == 0:
        return 0.0
    covered = float(np.minimum(np.diff(t), span_s).sum()) + span_s
    return min(covered / analysed_s, 1.0)


def grade_trains(trains: Sequence[SpontaneousTrain], analysed_s: float) -> dict[str, str]:
    """Grade of each of fibrillation, positive_sharp_wave, fasciculation (see the module docstring)."""
    out: dict[str, str] = {}
    for kind in GRADED_TYPES:
        of_kind = [t for t in trains if t.type == kind and persistent(t)]
        limits = FASC_LIMITS if kind == "fasciculation" else FIB_LIMITS
        level = _grade_from_count(len(of_kind), limits)
        if kind != "fasciculation" and analysed_s > 0:
            covered = covered_fraction([t.times_s for t in of_kind], SPIKE_SPAN_MS[kind] / 1000.0, analysed_s)
            if covered >= FULL_SCREEN_FRACTION:
                level = 4
        out[kind] = "0" if level == 0 else f"{level}+"
    return out
