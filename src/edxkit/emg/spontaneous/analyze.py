"""Spontaneous activity of a rest recording: detect → group into generators → measure → type → grade.

Stages: candidates above a robust threshold (:mod:`.detect`); leader clustering by shape, removal of
time-locked secondary peaks and joining of the size classes of one waxing/waning generator (:mod:`.trains`);
median template, shape features and typing of each group (:mod:`.features`, :mod:`.classify`); joining of
groups of one generator, removal of superimpositions, second-pass assignment of left-over candidates
(:mod:`.assign`) and retyping from the completed firing pattern; grades (:mod:`.grade`).

:func:`analyze_spontaneous` runs the stages of this package on one prepared signal;
:func:`merge_spontaneous` joins the results of consecutive analysis windows of one recording, joining the
trains of one generator (same type, same template shape and size) across windows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from edxkit.emg.prepare import Prepared
from edxkit.emg.spontaneous.assign import assign_leftovers
from edxkit.emg.spontaneous.classify import classify_train
from edxkit.emg.spontaneous.detect import detect_candidates, quiet_noise_uv
from edxkit.emg.spontaneous.features import SEARCH_POST_MS, template_shape
from edxkit.emg.spontaneous.grade import grade_trains
from edxkit.emg.spontaneous.result import (
    OTHER_TYPES,
    TYPES,
    SpontaneousResult,
    SpontaneousTrain,
    rate_and_cv,
)
from edxkit.emg.spontaneous.trains import (
    Cluster,
    cluster_shapes,
    drop_time_locked,
    firing_pattern,
    median_template,
    merge_families,
)

FloatArray = NDArray[np.float64]

MIN_DISCHARGES = 3
MIN_FASCICULATIONS = 3
MIN_PEAK_SD = 3.5
NEXT_FRACTION = 0.5
REGULARITY_DROP = 0.1
SUPERIMPOSED_MS = 5.0
SUPERIMPOSED_FRACTION = 0.9
FRAGMENT_REGULAR = 0.5
FRAGMENT_FAST = 0.2
MATCH_CORRELATION = 0.9
MATCH_SCALE = (0.7, 1.43)
MATCH_SHIFT_MS = 0.5
DUPLICATE_MS = 0.3
ANY_SIZE = {("myotonic", "spike_like"), ("myotonic", "psw_like"), ("end_plate", "end_plate_noise")}


def analyze_spontaneous(prep: Prepared) -> SpontaneousResult:
    """Find, type and grade the spontaneous activity of a rest recording (see the package docstring)."""
    analysed = prep.valid_s
    cand = detect_candidates(prep)
    if cand.peaks.size == 0:
        return _result([], analysed, cand.noise_uv, cand.threshold_uv)
    clusters = [c for c in cluster_shapes(cand.detection_uv, cand.peaks, prep.fs_hz, cand.noise_uv)]
    clusters = drop_time_locked([c for c in clusters if c.positions.size >= 2], prep.fs_hz)
    clusters = merge_families(clusters, prep.fs_hz, cand.noise_uv)
    raw_noise = quiet_noise_uv(prep.uv, prep.valid, prep.fs_hz)
    trains = [t for c in clusters if (t := _train(prep, c, raw_noise)) is not None]
    trains = drop_superimposed(_join_same(trains, same_window=True))
    d, fs = cand.detection_uv, prep.fs_hz
    trains = assign_leftovers(trains, d, cand.peaks, fs, prep.start_s, cand.noise_uv)
    trains = _myotonic_context([_retyped(t, raw_noise) for t in trains])
    return _result(trains, analysed, cand.noise_uv, cand.threshold_uv)


def _train(prep: Prepared, cluster: Cluster, noise_uv: float) -> SpontaneousTrain | None:
    """Measure and type one cluster; None when it has too few discharges or its template peak is below
    ``MIN_PEAK_SD`` × the baseline noise (µV, wide band). The shape is measured within ``NEXT_FRACTION`` of
    the shortest (10th percentile) interval on either side of the peak, so the neighbouring discharges of a
    fast train are not read as part of the potential."""
    tmpl, align = median_template(prep.uv, prep.valid, cluster.positions, prep.fs_hz)
    isi_ms = np.diff(cluster.positions) * 1000.0 / prep.fs_hz
    span_ms = NEXT_FRACTION * float(np.percentile(isi_ms, 10.0)) if isi_ms.size >= 2 else SEARCH_POST_MS
    noise_t = 1.25 * noise_uv / np.sqrt(cluster.positions.size)
    shape = template_shape(tmpl, align, prep.fs_hz, noise_t, span_ms=max(span_ms, 2.0))
    times = prep.start_s + (cluster.positions + (shape.peak_index - align)) / prep.fs_hz
    firing = firing_pattern(times, cluster.scales)
    kind, sub = classify_train(shape, firing)
    if not kind:
        return None
    needed = MIN_FASCICULATIONS if kind == "fasciculation" else MIN_DISCHARGES
    if times.size < needed or abs(tmpl[shape.peak_index]) < MIN_PEAK_SD * noise_uv:
        return None
    rate, cv = rate_and_cv(times)
    return SpontaneousTrain(
        type=kind,
        kind=sub,
        times_s=times,
        template_uv=tmpl,
        template_index=int(shape.peak_index),
        fs_hz=prep.fs_hz,
        amplitude_uv=shape.amplitude_uv,
        rate_hz=rate,
        isi_cv=cv,
    )


def _myotonic_context(trains: list[SpontaneousTrain]) -> list[SpontaneousTrain]:
    """Where myotonic discharges are found, irregular fibrillation/PSW trains with fast intervals are
    fragments of myotonic fibres (a fibrillating fibre fires regularly and no faster than ≈30 Hz): fewer than
    ``FRAGMENT_REGULAR`` of their intervals at whole multiples of the median and ≥ ``FRAGMENT_FAST`` of them
    < 50 ms → retyped myotonic."""
    if not any(t.type == "myotonic" for t in trains):
        return trains
    out = []
    for t in trains:
        if t.type in ("fibrillation", "positive_sharp_wave"):
            f = firing_pattern(t.times_s, np.ones(t.count))
            if f.regular_fraction < FRAGMENT_REGULAR and f.fast_fraction >= FRAGMENT_FAST:
                kind = "psw_like" if t.type == "positive_sharp_wave" else "spike_like"
                t = replace(t, type="myotonic", kind=kind)
        out.append(t)
    return out


def _retyped(train: SpontaneousTrain, noise_uv: float) -> SpontaneousTrain:
    """``train`` typed again from its template and its firing once the left-over discharges are added
    (the firing pattern of the completed train is the better evidence); unchanged when the rules then
    find no type."""
    isi_ms = np.diff(train.times_s) * 1000.0
    span_ms = NEXT_FRACTION * float(np.percentile(isi_ms, 10.0)) if isi_ms.size >= 2 else SEARCH_POST_MS
    noise_t = 1.25 * noise_uv / np.sqrt(max(train.count, 1))
    shape = template_shape(
        train.template_uv, train.template_index, train.fs_hz, noise_t, span_ms=max(span_ms, 2.0)
    )
    kind, sub = classify_train(shape, firing_pattern(train.times_s, np.ones(train.count)))
    return replace(train, type=kind, kind=sub) if kind else train


def drop_superimposed(trains: Sequence[SpontaneousTrain]) -> list[SpontaneousTrain]:
    """Drop trains whose discharges are superimpositions of other trains' potentials.

    A train C is dropped when ≥ ``SUPERIMPOSED_FRACTION`` of its discharges lie within ±``SUPERIMPOSED_MS``
    of a discharge of a train B that has at least twice as many discharges, while B fires slowly enough that
    chance would put only ≤ 50 % of C's discharges there (2·window·rate_B ≤ 0.5): the coincidence is then
    the recurring overlap of B with another potential (e.g. the beat of two complex repetitive discharges),
    not a generator of its own.
    """
    window = SUPERIMPOSED_MS / 1000.0
    kept: list[SpontaneousTrain] = []
    for c in trains:
        for b in trains:
            if b is c or b.count < 2 * c.count or 2.0 * window * b.rate_hz > 0.5:
                continue
            j = np.clip(np.searchsorted(b.times_s, c.times_s), 1, b.count - 1)
            gap = np.minimum(np.abs(b.times_s[j] - c.times_s), np.abs(b.times_s[j - 1] - c.times_s))
            if np.mean(gap <= window) >= SUPERIMPOSED_FRACTION:
                break
        else:
            kept.append(c)
    return kept


def _similar(a: SpontaneousTrain, b: SpontaneousTrain, any_size: bool) -> bool:
    """Same shape (correlation ≥ 0.9 at the best shift within ±0.5 ms) and, unless ``any_size``, size."""
    if a.fs_hz != b.fs_hz:
        return False
    ms = a.fs_hz / 1000.0
    pre, post, shift = round(2.0 * ms), round(8.0 * ms), max(1, round(MATCH_SHIFT_MS * ms))
    x = _segment(a, pre + shift, post + shift)
    y = _segment(b, pre, post)
    windows = np.lib.stride_tricks.sliding_window_view(x, y.size)
    xc = windows - windows.mean(axis=1, keepdims=True)
    yc = y - y.mean()
    den = np.sqrt(np.einsum("sl,sl->s", xc, xc) * float(yc @ yc))
    corr = (xc @ yc) / np.maximum(den, 1e-12)
    if float(corr.max()) < MATCH_CORRELATION:
        return False
    ratio = b.amplitude_uv / max(a.amplitude_uv, 1e-12)
    return any_size or MATCH_SCALE[0] <= ratio <= MATCH_SCALE[1]


def _segment(train: SpontaneousTrain, pre: int, post: int) -> FloatArray:
    t = train.template_uv
    idx = np.arange(train.template_index - pre, train.template_index + post + 1)
    return np.where((idx >= 0) & (idx < t.size), t[np.clip(idx, 0, t.size - 1)], 0.0)


def _join(a: SpontaneousTrain, b: SpontaneousTrain) -> SpontaneousTrain:
    """One train from two of the same generator (the template of the one with more discharges)."""
    big = a if a.count >= b.count else b
    times = np.sort(np.concatenate([a.times_s, b.times_s]))
    if times.size > 1:
        times = times[np.concatenate([[True], np.diff(times) > DUPLICATE_MS / 1000.0])]
    rate, cv = rate_and_cv(times)
    return SpontaneousTrain(
        big.type, big.kind, times, big.template_uv, big.template_index, big.fs_hz, big.amplitude_uv, rate, cv
    )


def _join_same(trains: Sequence[SpontaneousTrain], *, same_window: bool) -> list[SpontaneousTrain]:
    """Join the trains of one generator (same type, kind, shape and — unless its size varies by nature, as
    for myotonic discharges and end-plate noise — size). Within one window a fixed-size train is joined only
    when the joined train is as regular as the larger one (``regular_fraction`` drops by < 0.1): the smaller
    one then holds discharges the larger one missed, not another fibre firing at its own rate."""
    out: list[SpontaneousTrain] = []
    for train in sorted(trains, key=lambda t: -t.count):
        any_size = (train.type, train.kind) in ANY_SIZE
        for i, kept in enumerate(out):
            if (kept.type, kept.kind) != (train.type, train.kind) or not _similar(kept, train, any_size):
                continue
            joined = _join(kept, train)
            if same_window and not any_size and not _as_regular(kept, joined):
                continue
            out[i] = joined
            break
        else:
            out.append(train)
    return out


def _as_regular(kept: SpontaneousTrain, joined: SpontaneousTrain) -> bool:
    before = firing_pattern(kept.times_s, np.ones(kept.count)).regular_fraction
    after = firing_pattern(joined.times_s, np.ones(joined.count)).regular_fraction
    return after >= before - REGULARITY_DROP


def _result(
    trains: Sequence[SpontaneousTrain], analysed_s: float, noise_uv: float, threshold_uv: float
) -> SpontaneousResult:
    ordered = sorted(trains, key=lambda t: (TYPES.index(t.type), float(t.times_s[0]) if t.count else 0.0))
    present = {t.type for t in ordered}
    return SpontaneousResult(
        trains=tuple(ordered),
        grades=grade_trains(ordered, analysed_s),
        other_discharges=tuple(t for t in OTHER_TYPES if t in present),
        analysed_s=float(analysed_s),
        noise_uv=float(noise_uv),
        threshold_uv=float(threshold_uv),
    )


def _refreshed(train: SpontaneousTrain) -> SpontaneousTrain:
    """``train`` with rate and interval CV recomputed from its times (a caller may have trimmed them)."""
    times = np.sort(np.asarray(train.times_s, dtype=np.float64))
    rate, cv = rate_and_cv(times)
    return replace(train, times_s=times, rate_hz=rate, isi_cv=cv)


def merge_spontaneous(parts: Sequence[SpontaneousResult]) -> SpontaneousResult:
    """Join the results of consecutive analysis windows of one recording.

    Trains of the same type whose templates match (correlation ≥ 0.9 within ±0.5 ms and peak-to-peak within
    0.7–1.43×; any size for myotonic discharges and end-plate noise) are one generator and are joined; rates
    and interval CVs are recomputed from the times (windows may have been trimmed to their cores) and grades
    over the summed analysed time (``analysed_s`` of the parts is summed: parts should not overlap, or their
    ``analysed_s`` should be that of their cores).
    """
    if not parts:
        return _result([], 0.0, 0.0, 0.0)
    trains = [_refreshed(t) for p in parts for t in p.trains]
    analysed = float(sum(p.analysed_s for p in parts))
    noise = float(np.mean([p.noise_uv for p in parts]))
    threshold = float(np.mean([p.threshold_uv for p in parts]))
    return _result(_join_same(trains, same_window=False), analysed, noise, threshold)
