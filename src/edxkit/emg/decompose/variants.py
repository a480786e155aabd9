"""Joining templates that are variants of one unit (jitter and blocking of unstable, reinnervated units).

Two templates are candidates when their shapes agree within a normalised residual of :data:`VARIANT_NRMSE`
(over shifts); they are joined when their firings interleave into one regular train: the joined train has no
more than :data:`MAX_SHORT_FRACTION` of ISIs shorter than 0.3× its median ISI and an ISI CV no higher than
:data:`MAX_JOINED_CV` — the firing-pattern test of DQEMG's merging step (Stashuk 2001).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from edxkit.emg.decompose.match import Events, MatchTemplate
from edxkit.emg.decompose.result import firing_stats
from edxkit.emg.decompose.templates import nrmse_lag

VARIANT_NRMSE = 0.35
MAX_SHORT_FRACTION = 0.06
MAX_JOINED_CV = 0.35

FloatArray = NDArray[np.float64]


def _regular(times: FloatArray) -> bool:
    if times.size < 4:
        return False
    isi = np.diff(np.sort(times))
    short = float(np.mean(isi < 0.3 * float(np.median(isi))))
    _, cv = firing_stats(times)
    return short <= MAX_SHORT_FRACTION and np.isfinite(cv) and cv <= MAX_JOINED_CV


def group(templates: list[MatchTemplate], events: Events, fs_hz: float) -> tuple[list[Events], FloatArray]:
    """Events grouped into units (each template alone, or joined with its variants), and for each template the
    sample that marks its group's firing time (its own peak, or the sample of the same feature as the peak of
    the template it was joined to: variants may have their largest peak on different phases)."""
    ref = np.array([t.peak for t in templates], dtype=np.float64)
    pos = events.start + events.fraction

    members: list[list[int]] = [[k] for k in range(len(templates))]
    counts = np.bincount(events.unit, minlength=len(templates))
    order = sorted(range(len(templates)), key=lambda k: -counts[k])
    owner = list(range(len(templates)))
    for a in order:
        for b in order:
            ra, rb = owner[a], owner[b]
            if ra == rb or counts[b] == 0:
                continue
            dist, lag = nrmse_lag(templates[a], templates[b])
            if dist > VARIANT_NRMSE:
                continue
            delta = (ref[a] - lag) - ref[b]
            moved = ref.copy()
            moved[members[rb]] += delta
            sel = np.isin(events.unit, members[ra] + members[rb])
            joined = np.asarray((pos[sel] + moved[events.unit[sel]]) / fs_hz, dtype=np.float64)
            if _regular(joined):
                ref = moved
                members[ra] += members[rb]
                for m in members[rb]:
                    owner[m] = ra
                members[rb] = []
    groups = [events.select(np.isin(events.unit, m)) for m in members if m]
    return groups, ref
