"""Joining the decompositions of consecutive (possibly overlapping) windows of one recording.

Units of different windows (never two of the same window, and at most one per window for each unit) are
the same unit when their templates agree up to a small shift (normalised
residual ≤ :data:`SAME_UNIT_NRMSE` over ±0.5 ms shifts, the sampling rate being the same); the firing times
are joined, a firing within :data:`DUPLICATE_MS` of one already kept (the overlap seen twice) is dropped,
the template becomes the firing-weighted mean, the discharges are pooled (first 100 kept), the rate and ISI
CV are recomputed, and the ids are renumbered 1.. in order of first firing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from edxkit.emg.decompose.result import DecomposedUnit, Decomposition, firing_stats

SAME_UNIT_NRMSE = 0.2
DUPLICATE_MS = 1.0
MAX_SHIFT_MS = 0.5
MAX_DISCHARGES = 100


def _centred(unit: DecomposedUnit, half: int) -> np.ndarray:
    """The template re-cut to ±half samples around its index (zero padded)."""
    t = np.pad(unit.template_uv, half)
    i = unit.template_index + half
    return np.asarray(t[i - half : i + half + 1], dtype=np.float64)


def template_distance(a: DecomposedUnit, b: DecomposedUnit) -> float:
    """Smallest ‖a − b‖² / min(‖a‖², ‖b‖²) over shifts of ±0.5 ms between the peak-centred templates."""
    half = max(a.template_uv.size, b.template_uv.size) // 2
    ta, tb = _centred(a, half), _centred(b, half)
    ea, eb = float(ta @ ta), float(tb @ tb)
    if min(ea, eb) <= 0:
        return float("inf")
    s = max(1, round(MAX_SHIFT_MS * a.fs_hz / 1000.0))
    best = max(float(ta[s:-s] @ tb[s + d : tb.size - s + d]) for d in range(-s, s + 1))
    return (ea + eb - 2.0 * best) / min(ea, eb)


def _join(a: DecomposedUnit, b: DecomposedUnit) -> DecomposedUnit:
    times = np.sort(np.concatenate((a.firing_times_s, b.firing_times_s)))
    if times.size > 1:
        keep = np.concatenate(([True], np.diff(times) > DUPLICATE_MS / 1000.0))
        times = times[keep]
    half = max(a.template_uv.size, b.template_uv.size) // 2
    wa, wb = a.n_firings, b.n_firings
    template = (wa * _centred(a, half) + wb * _centred(b, half)) / max(wa + wb, 1)
    da = _recut(a, half)
    db = _recut(b, half)
    disch = np.concatenate((da, db))[:MAX_DISCHARGES]
    rate, cv = firing_stats(times)
    return DecomposedUnit(a.id, times, template, half, a.fs_hz, disch, rate, cv)


def _recut(unit: DecomposedUnit, half: int) -> np.ndarray:
    d = np.pad(unit.discharges_uv.reshape(-1, unit.template_uv.size), ((0, 0), (half, half)))
    i = unit.template_index + half
    return np.asarray(d[:, i - half : i + half + 1], dtype=np.float64)


def merge_decompositions(parts: Sequence[Decomposition]) -> Decomposition:
    """One decomposition from consecutive windows (see the module docstring)."""
    if not parts:
        return Decomposition((), 0.0, 0.0, 0, 0)
    merged: list[DecomposedUnit] = []
    for part in parts:
        earlier = len(merged)  # units of the same window are distinct by construction: never joined
        taken: set[int] = set()  # a merged unit takes at most one unit of each window
        for unit in part.units:
            if unit.n_firings == 0:
                continue
            dist = [
                template_distance(unit, m) if m.fs_hz == unit.fs_hz and j not in taken else np.inf
                for j, m in enumerate(merged[:earlier])
            ]
            i = int(np.argmin(dist)) if dist else -1
            if i >= 0 and dist[i] <= SAME_UNIT_NRMSE:
                merged[i] = _join(merged[i], unit)
                taken.add(i)
            else:
                rate, cv = firing_stats(unit.firing_times_s)
                merged.append(replace(unit, mean_rate_hz=rate, isi_cv=cv))
    merged.sort(key=lambda u: float(np.min(u.firing_times_s)))
    units = tuple(replace(u, id=i + 1) for i, u in enumerate(merged))
    return Decomposition(
        units,
        parts[0].fs_hz,
        float(sum(p.analysed_s for p in parts)),
        int(sum(p.n_detected for p in parts)),
        int(sum(u.n_firings for u in units)),
    )
