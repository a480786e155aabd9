"""Joining templates that are variants of one unit (jitter and blocking of unstable, reinnervated units).

Two templates are candidates when their shapes agree within a normalised residual of :data:`VARIANT_NRMSE`
(over shifts); they are joined when their firings interleave into one regular train: the joined train has no
more than :data:`MAX_SHORT_FRACTION` of ISIs shorter than 0.3× its median ISI and an ISI CV no higher than
:data:`MAX_JOINED_CV` — the firing-pattern test of DQEMG's merging step (Stashuk 2001).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from edxkit.emg.decompose.match import Events, MatchTemplate
from edxkit.emg.decompose.result import firing_stats
from edxkit.emg.decompose.templates import nrmse_lag

VARIANT_NRMSE = 0.35
MAX_SHORT_FRACTION = 0.06
MAX_JOINED_CV = 0.35
SPARSE_NRMSE = 0.8
COLLISION_FRACTION = 0.5
MIN_SPARSE = 5

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


def join_sparse(
    rejected: list[Events],
    templates: list[MatchTemplate],
    ref: FloatArray,
    fs_hz: float,
    accept: Callable[[Events, FloatArray], bool],
) -> tuple[list[Events], list[Events], FloatArray]:
    """Rejected groups that are parts of one unit's train joined into units.

    A unit whose discharges vary (jitter and blocking of a reinnervated unit, or the spike of a small distant
    unit in the noise) is often matched by several templates, each holding a sparse subset of its train:
    every subset is irregular (missed firings) and rejected, and :func:`group` does not join them because
    each pairwise join is still sparse. Here, starting from the largest rejected group, the rejected groups of
    similar shape (normalised residual ≤ :data:`SPARSE_NRMSE`, closest first) are added while the joined
    train stays free of collisions (no more than :data:`MAX_SHORT_FRACTION` of ISIs shorter than
    :data:`COLLISION_FRACTION` × its median ISI: subsets of one train interleave, two units collide); the
    join is kept when ``accept`` takes it (aligned reference samples given). This is DQEMG's merging of
    MUP trains by shape and firing-pattern consistency (Stashuk 2001), applied to sparse trains.

    Returns the new units, the groups still rejected, and the reference samples (joined templates aligned).
    """
    ref = ref.copy()
    order = sorted(range(len(rejected)), key=lambda i: -rejected[i].size)
    used = np.zeros(len(rejected), dtype=bool)
    units: list[Events] = []
    for seed in order:
        if used[seed] or rejected[seed].size < MIN_SPARSE:
            continue
        ev = rejected[seed]
        anchor = int(np.bincount(ev.unit).argmax())
        dist = []
        for other in order:
            if other == seed or used[other] or rejected[other].size < 3:
                continue
            k = int(np.bincount(rejected[other].unit).argmax())
            d, lag = nrmse_lag(templates[anchor], templates[k])
            if d <= SPARSE_NRMSE:
                dist.append((d, other, k, lag))
        if not dist:
            continue
        moved = ref.copy()
        members = [seed]
        for _, other, k, lag in sorted(dist):
            trial = moved.copy()
            delta = (ref[anchor] - lag) - ref[k]
            for t in np.unique(rejected[other].unit).tolist():
                trial[t] = ref[t] + delta
            joined = ev.concat(rejected[other])
            pos = np.sort(joined.start + trial[joined.unit] + joined.fraction)
            isi = np.diff(pos)
            short = float(np.mean(isi < COLLISION_FRACTION * float(np.median(isi)))) if isi.size else 1.0
            if short <= MAX_SHORT_FRACTION:
                ev, moved = joined, trial
                members.append(other)
        if len(members) > 1 and accept(ev, moved):
            ref = moved
            used[members] = True
            units.append(ev)
    return units, [g for i, g in enumerate(rejected) if not used[i]], ref
