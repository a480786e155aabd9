"""Spontaneous activity of a rest recording: detect → group into generators → measure → type → grade.

Stages: candidates above a robust threshold (:mod:`.detect`); leader clustering by shape, removal of
time-locked secondary peaks and joining of the size classes of one waxing/waning generator (:mod:`.trains`);
median template, shape features and typing of each group (:mod:`.features`, :mod:`.classify`); joining of
groups of one generator, removal of superimpositions, second-pass assignment of left-over candidates
(:mod:`.assign`; two fasciculation trains are joined only when their discharges fit one unit's potential)
and retyping from the completed firing pattern; then, on the typed trains: time-locked
duplicates joined/dropped (times on the largest-magnitude sample), peel-off of overlaps, complex
repetitive discharges completed on their constant-interval grid, myotonic fragments rejoined, merged
regular fibres split by their intervals (fibrillation trains with a PSW's slow phase retyped first where
PSWs are found; a regular fibre's chain kept out of an irregular end-plate-spike group),
fasciculations joined to a much larger train of another type when shaped like it, a discharge claimed by two
fasciculation trains given to the unit it fits, fasciculations explained by other trains removed, units
seen only twice added when their two discharges are one isolated potential of no unit already found,
fasciculations shorter than a motor-unit potential removed, fasciculation and
myokymic trains whose discharges are not one repeating potential removed, fibre discharges hidden in
overlaps matched on their spike on the residual of the final trains, spikes of a complex repetitive
discharge's complex removed from the other trains (time-locked to it), end-plate noise completed below
the blind threshold in the end-plate zone (:mod:`.mepp`); grades (:mod:`.grade`).

:func:`analyze_spontaneous` runs the stages of this package on one prepared signal;
:func:`merge_spontaneous` joins the results of consecutive analysis windows of one recording, joining the
trains of one generator (same type, same template shape and size) across windows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
from numpy.typing import NDArray
from scipy.stats import binom  # type: ignore[import-untyped]

from edxkit.emg.prepare import Prepared
from edxkit.emg.spontaneous.assign import assign_leftovers, assign_overlapped_spikes, peel
from edxkit.emg.spontaneous.classify import classify_train, shape_class
from edxkit.emg.spontaneous.detect import (
    Candidates,
    detect_candidates,
    peaks_above,
    quiet_noise_uv,
    window_ok,
)
from edxkit.emg.spontaneous.features import SEARCH_POST_MS, template_shape
from edxkit.emg.spontaneous.grade import grade_trains, persistent
from edxkit.emg.spontaneous.mepp import detect_mepp_passes, is_mepp_shape
from edxkit.emg.spontaneous.result import (
    OTHER_TYPES,
    TYPES,
    SpontaneousResult,
    SpontaneousTrain,
    rate_and_cv,
)
from edxkit.emg.spontaneous.trains import (
    PART_MIN,
    SPLIT_TOL,
    Cluster,
    cluster_shapes,
    drop_time_locked,
    firing_pattern,
    locked_part,
    median_template,
    merge_families,
    nearest_gap,
    nearest_lag,
    regular_chains,
    split_regular,
)

FloatArray = NDArray[np.float64]

MIN_DISCHARGES = 3
MIN_FASCICULATIONS = 3
FASCICULATION_PAIR = 2
JOIN_MISFIT_RATIO = 4.0
PAIR_CORRELATION = 0.95
PAIR_SIZE = (0.8, 1.25)
PAIR_ALONE_MS = 5.0
MIN_PEAK_SD = 3.5
NEXT_FRACTION = 0.5
REGULARITY_DROP = 0.1
SUPERIMPOSED_MS = 5.0
SUPERIMPOSED_FRACTION = 0.9
FRAGMENT_REGULAR = 0.5
FIB_MIN_MEDIAN_ISI_S = 0.05
MATCH_CORRELATION = 0.9
MATCH_SCALE = (0.7, 1.43)
MATCH_SHIFT_MS = 0.5
DUPLICATE_MS = 0.3
PEEL_EXCLUSION_MS = 0.3
LOCK_WINDOW_MS = 15.0
LOCK_JITTER_MS = 0.3
LOCK_FRACTION = 0.8
SAME_PHASE_MS = 0.5
FRAGMENT_EMBEDDED = 0.7
FRAGMENT_CORRELATION = 0.7
FRAGMENT_MAX_REGULAR = 0.6
RUN_GAP_S = 0.06
CRD_GRID_MS = 0.5
CRD_GRID_PERIODS = 40
FILL_PERIODS = 10
FILL_SCALE = (0.5, 2.0)
FILL_PRE_MS = 1.0
FILL_POST_MS = 4.0
CRD_GRID_FRACTION = 0.8
SPLIT_TYPES = ("fibrillation", "positive_sharp_wave")
SPLIT_BELOW_REGULAR = 0.8
IRREGULAR_FRACTION = 0.5
LEFTOVER_PER_FIBRE = 16
LEFTOVER_CHAIN_SIGNIFICANCE = 1e-8
LEFTOVER_MAX_CV = 2.0
CRD_LOCK_MS = 1.0
LEFTOVER_MAX_DURATION_MS = 5.0
CRD_LOCK_CHANCE = 1e-6
LOOK_ALIKE_CORRELATION = 0.8
LOOK_ALIKE_RATIO = 5
LOOK_ALIKE_HOSTS = ("myotonic", "complex_repetitive", "myokymic", "end_plate")
EXPLAINED_MS = 5.0
EXPLAINED_FRACTION = 0.6
REGULAR_FILL_FRACTION = 0.8
REGULAR_FILL_TOL = 0.1
REGULAR_FILL_PERIODS = 20
REGULAR_FILL_JITTER = 0.1
REGULAR_FILL_MIN_MS = 1.0
REGULAR_FILL_CORRELATION = 0.5
REGULAR_FILL_Z = 5.0
REGULAR_FILL_EXCLUDE_MS = 1.0
FASCICULATION_MIN_MS = 5.0
MEPP_EXCLUDE_MS = 1.0
MEPP_SAME_MS = 0.5
MEPP_MIN_RATE_HZ = 20.0
MEPP_TEMPLATE_MAX = 2000
MEPP_TEMPLATE_MS = (8.0, 12.0)
CONSISTENT_WINDOW_MS = (2.0, 8.0)
CONSISTENT_CORRELATION = 0.9
UNIT_TYPES = ("fasciculation", "myokymic")
RUN_TYPES = ("myotonic", "complex_repetitive", "myokymic")
CHAIN_SIGNIFICANCE = 1e-6
CRD_PHASE_MIN = 5
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
    typed = [t for c in clusters if (t := _train(prep, c, raw_noise)) is not None]
    pairs = [t for t in typed if t.type == "fasciculation" and t.count < MIN_FASCICULATIONS]
    trains = [t for t in typed if not (t.type == "fasciculation" and t.count < MIN_FASCICULATIONS)]
    trains = drop_superimposed(_join_same(trains, same_window=True, prep=prep))
    d, fs = cand.detection_uv, prep.fs_hz
    trains = assign_leftovers(trains, d, cand.peaks, fs, prep.start_s, cand.noise_uv)
    trains = _join_locked([_retyped(t, raw_noise) for t in trains], fs)
    trains = _peeled(trains, cand, prep)
    trains = _join_locked(_join_crd_fragments(trains), fs)
    trains = [_fill_crd_run(t, prep) if t.type == "complex_repetitive" else t for t in trains]
    trains = _join_locked(trains, fs)  # two phases of one CRD complex, each completed on its grid
    trains = _join_myotonic_fragments(_myotonic_context(trains))
    trains = _split_merged(_psw_context(trains, raw_noise), raw_noise, prep)
    for i in sorted(range(len(trains)), key=lambda i: -trains[i].count):
        if trains[i].type in SPLIT_TYPES:  # in turn, so a discharge found for one is not taken again
            trains[i] = _fill_regular(trains[i], trains, prep)
    trains = _join_look_alike_fasciculations(trains)
    trains = drop_explained_fasciculations(share_fasciculation_discharges(trains, prep))
    trains = confirmed_pairs(pairs, trains, prep) + trains
    trains = drop_inconsistent_units(drop_brief_fasciculations(trains, raw_noise), prep)
    trains = _drop_crd_components(_overlapped(trains, cand, prep), fs)
    trains = _with_mepps(trains, prep, raw_noise)
    return _result(trains, analysed, cand.noise_uv, cand.threshold_uv)


def _with_mepps(trains: list[SpontaneousTrain], prep: Prepared, noise_uv: float) -> list[SpontaneousTrain]:
    """End-plate noise completed below the blind threshold where the needle is in the end-plate zone.

    Only where end-plate activity was found (an end-plate train, noise or spikes: the needle is at the
    end-plate zone, where miniature end-plate potentials fire at hundreds per second), the MEPPs are
    searched with a matched filter (:func:`~edxkit.emg.spontaneous.mepp.detect_mepp_passes`). Those within
    ±``MEPP_EXCLUDE_MS`` of a discharge of another train (a phase of that potential) or within
    ±``MEPP_SAME_MS`` of an end-plate noise discharge already found are left out. The rest are accepted as
    end-plate noise only when they are what end-plate noise is: frequent (≥ ``MEPP_MIN_RATE_HZ``) and with
    a median potential (−8 … +12 ms, of at most ``MEPP_TEMPLATE_MAX`` of them evenly spread) of end-plate
    noise (:func:`~edxkit.emg.spontaneous.mepp.is_mepp_shape`). Both tests are made on the first
    detections of the filter; the MEPPs its residual pass finds next to them
    (:func:`~edxkit.emg.spontaneous.mepp.residual_mepps`) are added only once the first detections are
    accepted, so the residual of something else (myotonic or fibre potentials taken for MEPPs) never
    decides that end-plate noise is present. They join the largest end-plate noise train (or form one)."""
    if not any(t.type == "end_plate" for t in trains):
        return trains
    fs = prep.fs_hz
    first, hidden = detect_mepp_passes(prep.uv, prep.valid, fs)
    if first.size == 0:
        return trains
    epn = [t for t in trains if (t.type, t.kind) == ("end_plate", "end_plate_noise")]
    others = [t.times_s for t in trains if (t.type, t.kind) != ("end_plate", "end_plate_noise")]
    own = [t.times_s for t in epn]
    other_s = np.sort(np.concatenate(others)) if others else np.empty(0)
    own_s = np.sort(np.concatenate(own)) if own else np.empty(0)

    def free(p: NDArray[np.int64]) -> NDArray[np.int64]:
        t = prep.start_s + p / fs
        keep = nearest_gap(t, other_s) > MEPP_EXCLUDE_MS / 1000.0
        return p[keep & (nearest_gap(t, own_s) > MEPP_SAME_MS / 1000.0)]

    peaks, hidden = free(first), free(hidden)
    if peaks.size < max(MIN_DISCHARGES, MEPP_MIN_RATE_HZ * prep.valid_s):
        return trains
    times = prep.start_s + peaks / fs
    pre, post = round(MEPP_TEMPLATE_MS[0] * fs / 1000.0), round(MEPP_TEMPLATE_MS[1] * fs / 1000.0)
    inside = peaks[window_ok(prep.valid, peaks, pre, post)]
    some = inside[np.linspace(0, inside.size - 1, min(inside.size, MEPP_TEMPLATE_MAX)).astype(np.int64)]
    if some.size < MIN_DISCHARGES:
        return trains
    tmpl = np.median(prep.uv[some[:, None] + np.arange(-pre, post + 1)[None, :]], axis=0)
    align = pre
    isi_ms = np.diff(times) * 1000.0
    span_ms = max(NEXT_FRACTION * float(np.percentile(isi_ms, 10.0)), 2.0)
    shape = template_shape(tmpl, align, fs, 1.25 * noise_uv / np.sqrt(some.size), span_ms=span_ms)
    if not is_mepp_shape(shape):
        return trains
    times = np.sort(np.concatenate([times, prep.start_s + hidden / fs]))
    found = SpontaneousTrain(
        type="end_plate",
        kind="end_plate_noise",
        times_s=times,
        template_uv=tmpl,
        template_index=int(shape.peak_index),
        fs_hz=fs,
        amplitude_uv=shape.amplitude_uv,
        rate_hz=0.0,
        isi_cv=0.0,
    )
    if not epn:
        rate, cv = rate_and_cv(times)
        return [*trains, replace(found, rate_hz=rate, isi_cv=cv)]
    host = max(epn, key=lambda t: t.count)
    return [_join(t, found) if t is host else t for t in trains]


def _overlapped(trains: list[SpontaneousTrain], cand: Candidates, prep: Prepared) -> list[SpontaneousTrain]:
    """Fibre discharges hidden in overlaps, matched on their spike on the residual of all the trains
    (:func:`~edxkit.emg.spontaneous.assign.assign_overlapped_spikes`). Done last, on the final trains, so the
    added discharges change no grouping, split or typing (only the counts and coverage of the trains)."""
    if not trains:
        return trains
    fs = prep.fs_hz
    residual = peel(trains, cand.detection_uv, fs, prep.start_s)
    peaks = peaks_above(residual, cand.threshold_uv, fs, prep.valid)
    return assign_overlapped_spikes(trains, cand.detection_uv, residual, peaks, fs, prep.start_s)


def _peeled(trains: list[SpontaneousTrain], cand: Candidates, prep: Prepared) -> list[SpontaneousTrain]:
    """Peel-off (:func:`~edxkit.emg.spontaneous.assign.peel`): every train's potential is subtracted from
    the detection signal and the candidates of the residual are matched to the trains' templates, so a
    discharge hidden under another potential joins its train. Done once the trains are typed (the added
    discharges do not retype them); complex repetitive discharges are completed on their interval grid
    instead (:func:`_fill_crd_run`)."""
    if not trains:
        return trains
    d, fs = cand.detection_uv, prep.fs_hz
    residual = peel(trains, d, fs, prep.start_s)
    res_peaks = peaks_above(residual, cand.threshold_uv, fs, prep.valid)
    takers = [t for t in trains if t.type != "complex_repetitive"]
    grown = assign_leftovers(
        takers,
        d,
        res_peaks,
        fs,
        prep.start_s,
        cand.noise_uv,
        residual=residual,
        exclusion_ms=PEEL_EXCLUSION_MS,
    )
    return grown + [t for t in trains if t.type == "complex_repetitive"]


def _train(prep: Prepared, cluster: Cluster, noise_uv: float) -> SpontaneousTrain | None:
    """Measure and type one cluster; None when it has too few discharges (``MIN_DISCHARGES``; a
    fasciculation from ``FASCICULATION_PAIR``) or its template peak is below
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
    needed = FASCICULATION_PAIR if kind == "fasciculation" else MIN_DISCHARGES
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
    """Where myotonic discharges are found, fibrillation/PSW trains that are not the regular train of one
    fibre are fragments of myotonic fibres (a fibrillating fibre fires regularly at 0.5–15 Hz, at most
    ≈30 Hz; a myotonic fibre in waxing/waning runs at 20–150 Hz; clinical.md §3.1): a train with no regular
    sub-trains (:func:`~edxkit.emg.spontaneous.trains.split_regular`) that is irregular (fewer than
    ``FRAGMENT_REGULAR`` of its intervals at whole multiples of the median) or whose median interval is
    below ``FIB_MIN_MEDIAN_ISI_S`` (the median rate of the runs, above that of one fibrillating fibre)
    → retyped myotonic."""
    if not any(t.type == "myotonic" for t in trains):
        return trains
    out = []
    for t in trains:
        if t.type in ("fibrillation", "positive_sharp_wave"):
            f = firing_pattern(t.times_s, np.ones(t.count))
            fragment = f.regular_fraction < FRAGMENT_REGULAR or f.median_isi_s < FIB_MIN_MEDIAN_ISI_S
            if fragment and not split_regular(t.times_s):
                kind = "psw_like" if t.type == "positive_sharp_wave" else "spike_like"
                t = replace(t, type="myotonic", kind=kind)
        out.append(t)
    return out


def drop_brief_fasciculations(trains: Sequence[SpontaneousTrain], noise_uv: float) -> list[SpontaneousTrain]:
    """Drop fasciculation trains whose potential lasts less than ``FASCICULATION_MIN_MS``.

    A fasciculation is the discharge of a whole motor unit, whose potential lasts 5–15 ms (clinical.md §3.1;
    muap-norms.md); a brief serrated potential of MUAP size is the superimposition of fibre potentials
    (overlapping fibrillations, myotonic or end-plate spikes). The duration is measured over the whole
    ``SEARCH_POST_MS`` after the peak (the typing measured it within half the shortest interval, which
    for a slow unit's train merged with stray discharges can cut the potential short)."""
    out = []
    for t in trains:
        if t.type == "fasciculation":
            noise_t = 1.25 * noise_uv / np.sqrt(max(t.count, 1))
            if (
                template_shape(t.template_uv, t.template_index, t.fs_hz, noise_t).duration_ms
                < FASCICULATION_MIN_MS
            ):
                continue
        out.append(t)
    return out


def unit_consistency(train: SpontaneousTrain, prep: Prepared) -> tuple[float, float]:
    """Median, over the discharges of ``train``, of the correlation of the prepared signal with the train's
    template over −2 … +8 ms (``CONSISTENT_WINDOW_MS``) of its peak, and median rms (µV) of the residual
    once the least-squares scaled template is subtracted; (nan, nan) when no discharge has a whole valid
    window (see :func:`drop_inconsistent_units`)."""
    fs = prep.fs_hz
    pre, post = round(CONSISTENT_WINDOW_MS[0] * fs / 1000.0), round(CONSISTENT_WINDOW_MS[1] * fs / 1000.0)
    lo, hi = train.template_index - pre, train.template_index + post + 1
    if lo < 0 or hi > train.template_uv.size or train.count == 0:
        return float("nan"), float("nan")
    tm = train.template_uv[lo:hi] - float(np.mean(train.template_uv[lo:hi]))
    tt = float(tm @ tm)
    s = np.rint((train.times_s - prep.start_s) * fs).astype(np.int64)
    s = s[window_ok(prep.valid, s, pre, post)]
    if s.size == 0 or not tt > 0.0:
        return float("nan"), float("nan")
    x = prep.uv[s[:, None] + np.arange(-pre, post + 1)[None, :]]
    x = x - x.mean(axis=1, keepdims=True)
    dot = x @ tm
    energy = np.einsum("ij,ij->i", x, x)
    corr = np.clip(dot / np.sqrt(np.maximum(energy * tt, 1e-24)), -1.0, 1.0)
    resid = np.maximum(energy - dot * dot / tt, 0.0) / tm.size
    return float(np.median(corr)), float(np.sqrt(np.median(resid)))


def drop_inconsistent_units(trains: Sequence[SpontaneousTrain], prep: Prepared) -> list[SpontaneousTrain]:
    """Drop fasciculation/myokymic trains whose discharges are not one repeating potential.

    A fasciculation or myokymic discharge is the potential of one motor unit, which repeats identically
    from discharge to discharge (the shape-consistency check of motor-unit potential trains in
    decomposition: Parsaei & Stashuk, IEEE Trans Neural Syst Rehabil Eng 2013; Stashuk, J Electromyogr
    Kinesiol 2001). A group of MUAP size and length made of fibrillations, end-plate spikes or myotonic
    discharges that overlap at changing lags has a median template that none of its discharges
    resembles. A train is kept when the median correlation of its discharges with its template over
    −2 … +8 ms (:func:`unit_consistency`) is ≥ ``CONSISTENT_CORRELATION``: a MUAP of 100–200 µV in the
    15 µV noise of the noisiest recordings stays above it; superimposition groups mostly fall to 0.3–0.85.
    Trains of other types, and trains with no discharge on a whole valid window, are kept."""
    out = []
    for t in trains:
        if t.type in UNIT_TYPES:
            corr, _ = unit_consistency(t, prep)
            if corr < CONSISTENT_CORRELATION:
                continue
        out.append(t)
    return out


def confirmed_pairs(
    pairs: Sequence[SpontaneousTrain], trains: Sequence[SpontaneousTrain], prep: Prepared
) -> list[SpontaneousTrain]:
    """The fasciculations seen only twice (``pairs``: groups of ``FASCICULATION_PAIR`` discharges, kept out
    of the joining, assignment and splitting of the trains) that count next to the final ``trains``.

    Fasciculating units fire at 0.1–2 Hz, irregularly (clinical.md §3.1; Mills, Clin Neurophysiol 2010), so
    in a recording of a few seconds a unit may discharge only twice; each discharge is a fasciculation
    potential (a single one is reported as such on the screen). Two discharges give a weak template, so a
    pair counts only when the prepared signal over −2 … +8 ms of the two peaks (``CONSISTENT_WINDOW_MS``)
    correlates ≥ ``PAIR_CORRELATION`` between them, their peak-to-peak sizes agree within ``PAIR_SIZE``
    (a unit's potential keeps its size), no discharge of a train lies within ``PAIR_ALONE_MS`` of either (a
    recurring component or superimposition of other generators is near them), neither lies within
    ``RUN_GAP_S`` of a discharge of a generator firing in runs or bursts (``RUN_TYPES``: myotonic, complex
    repetitive, myokymic — a discharge their trains missed), and neither is a discharge of a unit already
    found (a fasciculation or myokymic train whose template, unscaled, leaves a residual within
    ``JOIN_MISFIT_RATIO`` × the noise power, :func:`_misfit`). Pairs are checked in order of size, each
    against the trains and the pairs already kept."""
    fs = prep.fs_hz
    pre, post = round(CONSISTENT_WINDOW_MS[0] * fs / 1000.0), round(CONSISTENT_WINDOW_MS[1] * fs / 1000.0)
    kept: list[SpontaneousTrain] = []
    for t in sorted(pairs, key=lambda t: -t.amplitude_uv):
        if t.type != "fasciculation" or t.count != FASCICULATION_PAIR:
            continue
        rest = [o.times_s for o in [*trains, *kept]]
        ref = np.sort(np.concatenate(rest)) if rest else np.empty(0)
        if not np.all(nearest_gap(t.times_s, ref) > PAIR_ALONE_MS / 1000.0):
            continue
        runs = [o.times_s for o in trains if o.type in RUN_TYPES]
        ref = np.sort(np.concatenate(runs)) if runs else np.empty(0)
        if np.any(nearest_gap(t.times_s, ref) <= RUN_GAP_S):
            continue
        s = np.rint((t.times_s - prep.start_s) * fs).astype(np.int64)
        if not window_ok(prep.valid, s, pre, post).all():
            continue
        x = prep.uv[s[:, None] + np.arange(-pre, post + 1)[None, :]]
        x = x - x.mean(axis=1, keepdims=True)
        den = float(np.sqrt((x[0] @ x[0]) * (x[1] @ x[1])))
        corr = float(x[0] @ x[1]) / den if den > 0.0 else 0.0
        size = float(np.ptp(x[0])) / max(float(np.ptp(x[1])), 1e-12)
        if corr < PAIR_CORRELATION or not PAIR_SIZE[0] <= size <= PAIR_SIZE[1]:
            continue
        floor = JOIN_MISFIT_RATIO * max(prep.noise_uv, 1e-6) ** 2
        units = [o for o in [*trains, *kept] if o.type in UNIT_TYPES]
        if any(float(np.median(_misfit(o, prep, t.times_s))) <= floor for o in units):
            continue
        kept.append(t)
    return kept


def _psw_context(trains: list[SpontaneousTrain], noise_uv: float) -> list[SpontaneousTrain]:
    """Where positive sharp waves are found, a fibrillation train whose template, measured over the whole
    ``SEARCH_POST_MS`` after its peak, is PSW-shaped (initial positive sharp deflection followed by the slow
    negative phase; :func:`~edxkit.emg.spontaneous.classify.shape_class`) is retyped PSW: its shape was
    first measured within half its shortest interval, which for discharges of several PSW generators
    merged in one group is too short to see the slow phase."""
    if not any(t.type == "positive_sharp_wave" for t in trains):
        return trains
    out = []
    for t in trains:
        if t.type == "fibrillation":
            noise_t = 1.25 * noise_uv / np.sqrt(max(t.count, 1))
            full = template_shape(t.template_uv, t.template_index, t.fs_hz, noise_t)
            if shape_class(full) == "psw":
                t = replace(t, type="positive_sharp_wave", kind="")
        out.append(t)
    return out


def _locked_lag(a: FloatArray, b: FloatArray) -> float | None:
    """Lag (s) at which ≥ ``LOCK_FRACTION`` of the discharges ``b`` follow one of ``a`` within
    ±``LOCK_JITTER_MS`` of a constant lag (at most ``LOCK_WINDOW_MS``), else None."""
    if a.size == 0 or b.size == 0:
        return None
    lag = nearest_lag(a, b)[0]
    near = lag[np.abs(lag) <= LOCK_WINDOW_MS / 1000.0]
    if near.size < LOCK_FRACTION * b.size:
        return None
    centre = float(np.median(near))
    locked = np.count_nonzero(np.abs(near - centre) <= LOCK_JITTER_MS / 1000.0)
    return centre if locked >= LOCK_FRACTION * b.size else None


def _peak_uv(train: SpontaneousTrain) -> float:
    i = int(np.clip(train.template_index, 0, max(train.template_uv.size - 1, 0)))
    return float(abs(train.template_uv[i])) if train.template_uv.size else 0.0


def _join_locked(trains: Sequence[SpontaneousTrain], fs_hz: float) -> list[SpontaneousTrain]:
    """Join or drop trains that are one generator seen twice.

    A train whose discharges are time-locked to those of a train with a larger reference peak
    (|template at its index|; ``_locked_lag``) is
    the same potential: at a lag ≤ ``SAME_PHASE_MS`` it is the same phase (two size or alignment classes
    of one generator) and its discharges are added; at a longer lag it is another phase of the potential
    (a late component of a complex, the slow phase of a PSW) and is dropped, so the times stay on the
    largest-magnitude sample of the potential. The check of
    :func:`~edxkit.emg.spontaneous.trains.drop_time_locked` on the shape clusters, repeated on the trains
    once left-over discharges are assigned."""
    order = sorted(trains, key=lambda t: (-_peak_uv(t), -t.count))
    kept: list[SpontaneousTrain] = []
    for b in order:
        for i, a in enumerate(kept):
            if b.count > 2 * a.count:
                continue
            lag = _locked_lag(a.times_s, b.times_s)
            if lag is None:
                continue
            if abs(lag) <= SAME_PHASE_MS / 1000.0:
                kept[i] = _join(a, b)
            break
        else:
            kept.append(b)
    return kept


def _drop_crd_components(trains: Sequence[SpontaneousTrain], fs_hz: float) -> list[SpontaneousTrain]:
    """Remove from every other train the discharges that are a late (or early) spike of a complex
    repetitive discharge's complex.

    A CRD is one complex of fibres firing in a fixed sequence (ephaptic activation), so each of its spikes
    follows the main one at a constant lag in every discharge; a spike of the complex whose shape matches
    no other of the CRD's becomes a group of its own and, mixed with other discharges of that shape, is
    typed fibrillation or end-plate spike, adding a generator that is not there. Run once the CRDs are
    completed on their interval grid (:func:`_fill_crd_run`) and the trains completed from the residual
    (:func:`_overlapped`); each locked part (one per spike of the complex) is found by
    :func:`~edxkit.emg.spontaneous.trains.locked_part` (one lag, most of the CRD's discharges, beyond
    chance). A train left with fewer than ``MIN_DISCHARGES`` discharges is dropped."""
    crds = [t for t in trains if t.type == "complex_repetitive" and t.count >= PART_MIN]
    if not crds:
        return list(trains)
    window, jitter = LOCK_WINDOW_MS * fs_hz / 1000.0, LOCK_JITTER_MS * fs_hz / 1000.0
    out: list[SpontaneousTrain] = []
    for b in trains:
        times = np.sort(b.times_s)
        for a in crds:
            if a is b or times.size < PART_MIN:
                continue
            lead = np.rint(a.times_s * fs_hz).astype(np.int64)
            while times.size >= PART_MIN:  # each spike of the complex in turn
                part = locked_part(lead, np.rint(times * fs_hz).astype(np.int64), window, jitter)
                if part is None:
                    break
                times = times[~part]
        if times.size == b.count:
            out.append(b)
        elif times.size >= MIN_DISCHARGES:
            rate, cv = rate_and_cv(times)
            out.append(replace(b, times_s=times, rate_hz=rate, isi_cv=cv))
    return out


def _join_crd_fragments(trains: Sequence[SpontaneousTrain]) -> list[SpontaneousTrain]:
    """Join to a complex repetitive discharge the groups of its discharges typed otherwise.

    A CRD fires at a constant interval P (to within tens of µs), so every discharge of it lies a whole
    number of intervals from any other. Discharges that overlap others or vary in shape form small
    groups of their own (typed fibrillation, fasciculation, end-plate…). A train of which
    ≥ ``CRD_GRID_FRACTION`` of the discharges lie within ±``CRD_GRID_MS`` of a whole multiple of P
    (≤ ``CRD_GRID_PERIODS``) from the CRD's nearest discharge is that generator and is joined to it;
    for another generator this happens by chance in ≈ (2·0.5 ms / P)^n of cases. The joined discharges are
    moved onto the grid (the CRD's reference point of its complex)."""
    crds = sorted(
        (t for t in trains if t.type == "complex_repetitive" and t.count >= 5), key=lambda t: -t.count
    )
    if not crds:
        return list(trains)
    tol = CRD_GRID_MS / 1000.0
    periods = [_base_interval(c.times_s, tol) for c in crds]
    current = list(crds)
    absorbed = [False] * len(crds)
    others = [t for t in trains if not any(t is c for c in crds)]
    kept: list[SpontaneousTrain] = []
    for item in [(-1, t) for t in others] + [(k, crds[k]) for k in range(len(crds) - 1, 0, -1)]:
        own, t = item
        if own >= 0:
            t = current[own]
        home, snapped = None, t.times_s
        for k in range(len(crds) if own < 0 else own):
            c, p = current[k], periods[k]
            if absorbed[k] or p <= 2.0 * tol or (own >= 0 and c.count < t.count):
                continue
            j = np.clip(np.searchsorted(c.times_s, t.times_s), 1, max(c.count - 1, 1))
            left = t.times_s - c.times_s[j - 1]
            right = t.times_s - c.times_s[np.minimum(j, c.count - 1)]
            d = np.where(np.abs(left) < np.abs(right), left, right)
            n = np.rint(d / p)
            on = (np.abs(d - n * p) <= tol) & (np.abs(n) <= CRD_GRID_PERIODS)
            if float(np.mean(on)) >= CRD_GRID_FRACTION:
                home, snapped = k, np.where(on, t.times_s - (d - n * p), t.times_s)
                break
        if home is not None:  # discharges on the grid are put on the CRD's own reference point
            current[home] = _join(current[home], replace(t, times_s=np.sort(snapped)))
            if own >= 0:
                absorbed[own] = True
        elif own < 0:
            kept.append(t)
    kept = [t for t in kept if not _crd_phase(t, periods, tol)]
    return kept + [c for c, gone in zip(current, absorbed, strict=True) if not gone]


def _crd_phase(train: SpontaneousTrain, periods: Sequence[float], tol_s: float) -> bool:
    """True for a fibrillation/PSW train of ≥ ``CRD_PHASE_MIN`` discharges every interval of which is a
    whole multiple of the interval P of a complex repetitive discharge of the recording (±``tol_s``): a
    peak of that CRD's complex other than its reference point, left over where the grid test of
    :func:`_join_crd_fragments` (offsets from the CRD's own discharges) fails. A fibrillating fibre's
    intervals vary by ≈ 3 % (milliseconds), so each falls within ±0.5 ms of a multiple of P ≥ 12.5 ms with
    odds ≤ 8 %, and all of ≥ 4 together with odds < 10⁻⁴."""
    if train.type not in SPLIT_TYPES or train.count < CRD_PHASE_MIN:
        return False
    isi = np.diff(train.times_s)
    return any(p > 2.0 * tol_s and bool(np.all(np.abs(isi - np.rint(isi / p) * p) <= tol_s)) for p in periods)


def _fill_crd_run(train: SpontaneousTrain, prep: Prepared) -> SpontaneousTrain:
    """Complete a complex repetitive discharge on its constant-interval grid.

    A CRD fires at an exactly constant interval P with abrupt onset and cessation (clinical.md §3.1), so
    within a run (gaps of ≤ ``FILL_PERIODS`` intervals between found discharges) every grid point is a
    discharge; those not found were overlapped by other potentials. A grid point is added when the
    least-squares amplitude of the template on the signal there (−``FILL_PRE_MS`` … +``FILL_POST_MS``,
    at most 0.45·P after the peak) is within ``FILL_SCALE`` of the template's — the potential is present
    under the overlap (noise alone gives ≈ 0)."""
    tol = CRD_GRID_MS / 1000.0
    p = _base_interval(train.times_s, tol)
    if train.count < 5 or p <= 2.0 * tol:
        return train
    t = train.times_s
    gaps = np.diff(t)
    n = np.rint(gaps / p).astype(np.int64)
    fill = (n >= 2) & (n <= FILL_PERIODS) & (np.abs(gaps - n * p) <= tol * n)
    if not fill.any():
        return train
    reps = n[fill] - 1
    starts = np.repeat(t[:-1][fill], reps)
    steps = np.repeat(gaps[fill] / n[fill], reps)
    k = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps) + 1
    grid = starts + k * steps
    fs = prep.fs_hz
    pre = round(FILL_PRE_MS * fs / 1000.0)
    post = round(min(FILL_POST_MS / 1000.0, 0.45 * p) * fs)
    lo, hi = max(0, train.template_index - pre), min(train.template_uv.size, train.template_index + post + 1)
    tm = train.template_uv[lo:hi] - float(np.mean(train.template_uv[lo:hi]))
    tt = float(tm @ tm)
    if tt <= 0.0:
        return train
    centre = np.rint((grid - prep.start_s) * fs).astype(np.int64)
    idx = centre[:, None] + np.arange(lo - train.template_index, hi - train.template_index)[None, :]
    ok = ((idx >= 0) & (idx < prep.uv.size)).all(axis=1)
    ci = np.clip(idx, 0, prep.uv.size - 1)
    ok &= prep.valid[ci].all(axis=1)
    x = prep.uv[ci]
    x = x - x.mean(axis=1, keepdims=True)
    a = (x @ tm) / tt
    keep = ok & (a >= FILL_SCALE[0]) & (a <= FILL_SCALE[1])
    if not keep.any():
        return train
    times = np.sort(np.concatenate([t, prep.start_s + centre[keep] / fs]))
    rate, cv = rate_and_cv(times)
    return replace(train, times_s=times, rate_hz=rate, isi_cv=cv)


def _fill_regular(
    train: SpontaneousTrain, trains: Sequence[SpontaneousTrain], prep: Prepared
) -> SpontaneousTrain:
    """Complete a regular fibrillation/PSW train by matched filtering with its own template.

    A fibrillating fibre fires regularly (clinical.md §3.1; interval CV a few %), so once its train is
    known — persistent (:func:`~edxkit.emg.spontaneous.grade.persistent`) on the discharges of the blind
    detector alone, so filling never makes a stray group count for the grade — a discharge missed by the
    blind detector (a small potential below the threshold, or one distorted by noise) is expected at whole
    multiples of the interval P between two found discharges.
    For a train with ≥ ``REGULAR_FILL_FRACTION`` of its intervals at whole multiples of P (±10 %), every
    gap of n·P (2 ≤ n ≤ ``REGULAR_FILL_PERIODS``, within ±``REGULAR_FILL_TOL``·P·√n) is searched at its
    interpolated grid points within ±``REGULAR_FILL_JITTER``·P·√(k(n−k)/n) (at least
    ±``REGULAR_FILL_MIN_MS``): the template (−1 … +3 ms, +4 ms for a PSW) is matched to the signal
    (template-matched detection below the blind threshold, as in the template matching of EMG
    decomposition; McGill et al., J Neurosci Methods 2005; acceptance in :func:`_matched`). A discharge so
    found within ±``REGULAR_FILL_EXCLUDE_MS`` of a discharge of another train is that train's (the trains
    are completed in turn, so one found for one is not taken again)."""
    t = train.times_s
    if not persistent(train) or train.template_uv.size == 0:
        return train
    isi = np.diff(t)
    med = float(np.median(isi))
    if med <= 0.0:
        return train
    mult = np.clip(np.rint(isi / med), 1, 4)
    on = np.abs(isi - mult * med) <= REGULAR_FILL_TOL * mult * med
    if float(np.mean(on)) < REGULAR_FILL_FRACTION:
        return train
    p = float(np.median(isi[on] / mult[on]))
    n = np.rint(isi / p).astype(np.int64)
    fill = (n >= 2) & (n <= REGULAR_FILL_PERIODS) & (np.abs(isi - n * p) <= REGULAR_FILL_TOL * p * np.sqrt(n))
    if not fill.any():
        return train
    reps = n[fill] - 1
    k = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps) + 1
    nn = np.repeat(n[fill], reps)
    step = np.repeat(isi[fill] / n[fill], reps)
    grid = np.repeat(t[:-1][fill], reps) + k * step
    half_s = np.maximum(REGULAR_FILL_JITTER * step * np.sqrt(k * (nn - k) / nn), REGULAR_FILL_MIN_MS / 1000.0)
    found = _matched(train, prep, grid, half_s)
    others = [o.times_s for o in trains if o is not train and o.count]
    if others and found.size:
        ref = np.sort(np.concatenate(others))
        found = found[nearest_gap(found, ref) > REGULAR_FILL_EXCLUDE_MS / 1000.0]
    if found.size == 0:
        return train
    times = np.sort(np.concatenate([t, found]))
    times = times[np.concatenate([[True], np.diff(times) > DUPLICATE_MS / 1000.0])]
    rate, cv = rate_and_cv(times)
    return replace(train, times_s=times, rate_hz=rate, isi_cv=cv)


def _matched(train: SpontaneousTrain, prep: Prepared, grid: FloatArray, half_s: FloatArray) -> FloatArray:
    """Times (s) of the template of ``train`` found by matched filtering within ±``half_s`` of each grid
    time (see :func:`_fill_regular`): the lag of highest correlation among those whose least-squares
    amplitude is within ``FILL_SCALE`` and whose matched-filter output is ≥ ``REGULAR_FILL_Z`` × its
    standard deviation in noise (σ·‖template‖: a z of 5 over the few hundred independent lags of a window
    is reached by noise with odds ≈ 10⁻⁴), accepted when that correlation is ≥
    ``REGULAR_FILL_CORRELATION`` (an overlapping potential of another shape fits worse)."""
    fs = prep.fs_hz
    post_ms = FILL_POST_MS if train.type == "positive_sharp_wave" else FILL_POST_MS - 1.0
    pre, post = round(FILL_PRE_MS * fs / 1000.0), round(post_ms * fs / 1000.0)
    lo, hi = max(0, train.template_index - pre), min(train.template_uv.size, train.template_index + post + 1)
    tm = train.template_uv[lo:hi] - float(np.mean(train.template_uv[lo:hi]))
    tt = float(tm @ tm)
    if tt <= 0.0 or grid.size == 0:
        return np.empty(0)
    before = train.template_index - lo
    z_min = REGULAR_FILL_Z * prep.noise_uv * np.sqrt(tt)  # matched-filter output of noise: σ·‖template‖
    length = tm.size
    out = []
    x, valid = prep.uv, prep.valid
    for g, h in zip(grid, half_s, strict=True):
        c = round((g - prep.start_s) * fs)
        w = max(1, round(h * fs))
        a0, a1 = c - w - before, c + w - before + length
        if a0 < 0 or a1 > x.size or not valid[a0:a1].all():
            continue
        seg = x[a0:a1]
        win = np.lib.stride_tricks.sliding_window_view(seg, length)
        dot = win @ tm
        s1 = win.sum(axis=1)
        energy = np.einsum("ij,ij->i", win, win) - s1 * s1 / length
        corr = dot / np.sqrt(np.maximum(energy, 1e-12) * tt)
        amp = dot / tt
        ok = (amp >= FILL_SCALE[0]) & (amp <= FILL_SCALE[1]) & (dot >= z_min)
        if not ok.any():
            continue
        best = int(np.argmax(np.where(ok, corr, -np.inf)))
        if corr[best] >= REGULAR_FILL_CORRELATION:
            out.append(prep.start_s + (a0 + best + before) / fs)
    return np.asarray(out, dtype=np.float64)


def _base_interval(times_s: FloatArray, tol_s: float) -> float:
    """Base interval of a constant-interval train with missed discharges: the 10th-percentile interval,
    refined as the median of the intervals divided by their (whole) number of base intervals."""
    isi = np.diff(times_s)
    if isi.size == 0:
        return 0.0
    p0 = float(np.percentile(isi, 10.0))
    if p0 <= 0.0:
        return 0.0
    n = np.maximum(np.rint(isi / p0), 1.0)
    on = np.abs(isi - n * p0) <= tol_s * n
    return float(np.median(isi[on] / n[on])) if on.any() else p0


def _join_myotonic_fragments(trains: Sequence[SpontaneousTrain]) -> list[SpontaneousTrain]:
    """Join to a myotonic train the fragments of the same fibre typed otherwise.

    A waxing/waning myotonic fibre leaves small groups of discharges of one size class that fire slowly
    and irregularly (typed fibrillation, fasciculation, myokymic…). A train that is not regular
    (``regular_fraction`` < ``FRAGMENT_MAX_REGULAR``; a fibrillating fibre fires regularly), whose
    discharges lie ≥ ``FRAGMENT_EMBEDDED`` within ``RUN_GAP_S`` of the myotonic train's discharges (inside
    its runs) and whose template has the same shape (correlation ≥ ``FRAGMENT_CORRELATION``, any size) is
    that fibre and is joined to it. An irregular fibrillation/PSW train inside the runs of the myotonic
    trains taken together is a fragment too (a fibrillating fibre fires regularly; its shape may have been
    distorted by the overlapping runs): it is joined to the myotonic train it overlaps most."""
    myo = [t for t in trains if t.type == "myotonic"]
    if not myo:
        return list(trains)
    myo.sort(key=lambda t: -t.count)
    others: list[SpontaneousTrain] = []
    for t in trains:
        if t.type == "myotonic":
            continue
        f = firing_pattern(t.times_s, np.ones(t.count))
        home = None
        if f.regular_fraction < FRAGMENT_MAX_REGULAR:
            inside = np.zeros((len(myo), t.count), dtype=bool)
            for k, m in enumerate(myo):
                inside[k] = nearest_gap(t.times_s, m.times_s) <= RUN_GAP_S
                if float(np.mean(inside[k])) >= FRAGMENT_EMBEDDED and _similar(
                    m, t, True, FRAGMENT_CORRELATION
                ):
                    home = k
                    break
            spike_like = t.type in ("fibrillation", "positive_sharp_wave")
            if home is None and spike_like and float(np.mean(inside.any(axis=0))) >= FRAGMENT_EMBEDDED:
                home = int(np.argmax(inside.sum(axis=1)))
        if home is None:
            others.append(t)
        else:
            myo[home] = _join(myo[home], t)
    return others + myo


def _split_merged(
    trains: Sequence[SpontaneousTrain], noise_uv: float = 0.0, prep: Prepared | None = None
) -> list[SpontaneousTrain]:
    """Fibrillation/PSW trains that are not regular (``regular_fraction`` < ``SPLIT_BELOW_REGULAR``) split
    into their regular sub-trains (:func:`~edxkit.emg.spontaneous.trains.split_regular`): fibres of the
    same shape and size that the shape grouping could not tell apart, each a generator for the grade.
    A spike-like train that has no regular sub-trains and is irregular (``regular_fraction`` <
    ``IRREGULAR_FRACTION``) is no persistent train of a fibrillating fibre: irregular firing is that of
    end-plate spikes (clinical.md §3.1: "distinguish from fibs by initial negative phase and irregular
    firing"), recorded with a small initial positivity when the needle is slightly off the end-plate —
    retyped so only where end-plate activity (noise or spikes of initial negative shape) shows the needle
    is in the end-plate zone (else it is left a fibrillation train: many merged fibres also fire
    irregularly). Likewise, where positive sharp waves are found, a fibrillation train that is not regular,
    has no regular sub-trains and whose main deflection is positive (:func:`_main_positive`) is retyped
    PSW: the positive sharp initial deflections of overlapping PSWs, whose slow negative phases are hidden
    by each other, group as irregular positive spikes (a fibrillating fibre fires regularly and its main
    spike is negative; PSW: "initial positive deflection, slow negative phase", clinical.md §3.1).

    Discharges of a merged group left in no regular chain (:func:`_leftover_fibres`) count as further
    fibres when they are too many to be a chain's strays."""
    end_plate_zone = any(t.type == "end_plate" for t in trains)
    psw_zone = any(t.type == "positive_sharp_wave" for t in trains)
    crds = [t for t in trains if t.type == "complex_repetitive"]
    out: list[SpontaneousTrain] = []
    for t in trains:
        f = firing_pattern(t.times_s, np.ones(t.count))
        irregular = t.type in SPLIT_TYPES and f.regular_fraction < SPLIT_BELOW_REGULAR
        chains, free = regular_chains(t.times_s) if irregular else ([], np.zeros(0, dtype=bool))
        parts = _with_strays(chains, free)  # as split_regular, on the one chain search
        if not parts:
            spike = irregular and f.regular_fraction < IRREGULAR_FRACTION and end_plate_zone
            if spike:
                out.extend(_fibre_and_end_plate_spikes(t))
                continue
            if irregular and psw_zone and t.type == "fibrillation" and _main_positive(t, noise_uv):
                t = replace(t, type="positive_sharp_wave", kind="")
            fibres = irregular and t.type == "fibrillation"  # not retyped
            extra = _leftover_fibres(t, prep, chains, free, crds, noise_uv) if fibres else []
            out.extend(extra or [t])
            continue
        extra = _leftover_fibres(t, prep, chains, free, crds, noise_uv)
        if extra:
            out.extend(extra)
            continue
        for idx in parts:
            times = t.times_s[idx]
            rate, cv = rate_and_cv(times)
            out.append(replace(t, times_s=times, rate_hz=rate, isi_cv=cv))
    return out


def _with_strays(chains: list[NDArray[np.int64]], free: NDArray[np.bool_]) -> list[NDArray[np.int64]]:
    """The split of :func:`~edxkit.emg.spontaneous.trains.split_regular` from its chain search: ≥ 2 chains,
    the discharges in none joined to the largest; else ``[]``."""
    if len(chains) < 2:
        return []
    return [np.sort(np.concatenate([chains[0], np.flatnonzero(free)])), *chains[1:]]


def _leftover_fibres(
    train: SpontaneousTrain,
    prep: Prepared | None,
    chains: list[NDArray[np.int64]] | None = None,
    free: NDArray[np.bool_] | None = None,
    crds: Sequence[SpontaneousTrain] = (),
    noise_uv: float = 0.0,
) -> list[SpontaneousTrain]:
    """The regular chains of a merged fibrillation group and its leftover discharges as further fibres, or
    ``[]`` when the leftover is too small to be more than the strays of the chains.

    Fibres of one shape and size fire at rates spread 0.5–15 Hz; the interval search
    (:func:`~edxkit.emg.spontaneous.trains.regular_chains`) finds those with ≥ ``SPLIT_MIN_CHAIN``
    discharges, but slow fibres (< 1 Hz: a few discharges in 10 s, whose intervals vary by ≈ 3 % of a
    second, so their chains cannot be told from chance at the leftover density) remain in the leftover.
    It counts only when ≥ 1 chain's odds of arising by chance in irregular firing (:func:`chain_chance`)
    are ≤ ``LEFTOVER_CHAIN_SIGNIFICANCE`` (the group is a merge of regular fibres, not noise-timed or
    irregular discharges holding a chance chain; 10⁻⁸ for ≈ 10³ hypotheses, strict because a false 4+
    weighs heavily: at 10⁻⁵ a fibrillation 3+ was over-graded 4+ on a tuning seed), and when the leftover
    intervals are no more irregular than ``LEFTOVER_MAX_CV`` (the superposition of independent regular
    fibres tends to Poisson, CV ≈ 1; runs and bursts of a myotonic or myokymic generator merged into the
    group give CV > 2, measured 4.4 where a myotonic run was left over). Then
    the n discharges in no chain, less the m missing from the chains' interval grids (a poorly detected
    fibre's discharges, timed off its grid by noise, are in the leftover rather than in its chain), hold
    (n − m) // ``LEFTOVER_PER_FIBRE`` further generators — a conservative count: an unfound fibre has
    fewer discharges than a chain, but strays of the chains add some. The leftover is split into that many
    groups by discharge size (|µV| at each discharge when the signal is given), each a generator for the
    grade (:func:`~edxkit.emg.spontaneous.grade.grade_trains`). Fibrillations only: the leftover of a PSW
    group is mostly the sharp parts of overlapping PSWs (measured: counting it added PSW over-grades).
    ``chains``/``free``: the chain search already made for ``train.times_s`` (else it is made here).

    Not when the group is time-locked to a complex repetitive discharge of the recording (``crds``,
    :func:`crd_locked`): a CRD is one complex of fibres firing in a fixed sequence at a constant period, so
    the spikes of its complex that group as "fibrillation" hold a chain as regular as the CRD itself
    (chance far below 10⁻⁸) while their leftover is the rest of the complex — one generator, not further
    fibres (measured: a 265-discharge group of a 59.5-Hz CRD's spikes, 90 % of it within 1 ms of one lag
    after the CRD's discharges, split into a false fibrillation 4+). Nor when the group's median potential
    lasts longer than a fibrillation potential (duration > ``LEFTOVER_MAX_DURATION_MS``, 1–5 ms; a PSW's
    slow negative phase lasts ≥ 10 ms, clinical.md §3.1; measured with the noise of
    :func:`_main_positive`, ``noise_uv`` the recording's): such a group is PSWs whose slow phase outweighs
    their sharp positive onset, typed fibrillation by its negative main peak, and its leftover would count
    PSW generators as fibres (measured: a PSW 4+ recording, 143 discharges of a 20-ms potential, false
    fibrillation 1+ → 3+)."""
    if train.type != "fibrillation" or any(crd_locked(train.times_s, c.times_s) for c in crds):
        return []
    noise_t = 1.25 * noise_uv / np.sqrt(max(train.count, 1))
    shape = template_shape(train.template_uv, train.template_index, train.fs_hz, noise_t)
    if shape.duration_ms > LEFTOVER_MAX_DURATION_MS:
        return []
    if chains is None or free is None:
        chains, free = regular_chains(train.times_s)
    t = np.sort(train.times_s)
    if not chains or min(chain_chance(t, c) for c in chains) > LEFTOVER_CHAIN_SIGNIFICANCE:
        return []
    isi = np.diff(t[free])
    if isi.size < 2 or float(np.std(isi)) > LEFTOVER_MAX_CV * float(np.mean(isi)):
        return []
    missed = 0.0
    for c in chains:
        d = np.diff(t[c])
        if d.size:
            period = float(np.median(d / np.maximum(np.rint(d / np.percentile(d, 25.0)), 1.0)))
            missed += max(float(t[c[-1]] - t[c[0]]) / max(period, 1e-6) + 1.0 - c.size, 0.0)
    k = int(max(np.count_nonzero(free) - missed, 0.0) // LEFTOVER_PER_FIBRE)
    if k == 0:
        return []
    left = np.flatnonzero(free)
    size = np.zeros(left.size)
    if prep is not None and prep.uv.size:
        idx = np.clip(np.rint((t[left] - prep.start_s) * prep.fs_hz).astype(np.int64), 0, prep.uv.size - 1)
        size = np.abs(prep.uv[idx])
    groups = np.array_split(left[np.argsort(size, kind="stable")], k)
    out = []
    for idx_ in [*chains, *groups]:
        times = t[np.sort(idx_)]
        rate, cv = rate_and_cv(times)
        out.append(replace(train, times_s=times, rate_hz=rate, isi_cv=cv))
    return out


def crd_locked(times_s: FloatArray, crd_s: FloatArray) -> bool:
    """True when the discharges ``times_s`` fall at one phase of the period of the complex repetitive
    discharge ``crd_s`` more often than independent firing allows.

    A CRD fires at a constant period P (to within tens of µs; Kraft, Muscle Nerve 1990), and each spike of
    its complex follows the complex's start at a fixed lag, so the lag of a component's discharge after the
    CRD's preceding discharge, modulo P, is one phase. The densest ``CRD_LOCK_MS`` window of these phases
    (on the circle of length P) holds k of the n discharges; for a generator firing independently of the CRD
    each phase falls in a given window with probability w / P, so the count counts when its binomial tail,
    times the P / w windows searched, is ≤ ``CRD_LOCK_CHANCE``. P is the median interval of the CRD train
    (completed on its grid by :func:`_fill_crd_run`); with fewer than ``PART_MIN`` CRD discharges or
    group discharges there is no test (False)."""
    t = np.sort(np.asarray(times_s, dtype=np.float64))
    c = np.sort(np.asarray(crd_s, dtype=np.float64))
    if t.size < PART_MIN or c.size < PART_MIN:
        return False
    period = float(np.median(np.diff(c)))
    w = CRD_LOCK_MS / 1000.0
    if not np.isfinite(period) or period <= 2.0 * w:
        return False
    j = np.searchsorted(c, t, side="right") - 1
    after = j >= 0
    phase = np.sort(np.mod(t[after] - c[j[after]], period))
    n = phase.size
    if n < PART_MIN:
        return False
    ext = np.concatenate([phase, phase + period])
    k = int(np.max(np.searchsorted(ext, phase + w, side="right") - np.arange(n)))
    tail = float(binom.sf(k - 1, n, w / period)) * period / w
    return tail <= CRD_LOCK_CHANCE


def _fibre_and_end_plate_spikes(train: SpontaneousTrain) -> list[SpontaneousTrain]:
    """An irregular spike-like group without regular sub-trains in an end-plate zone (see
    :func:`_split_merged`): end-plate spikes, unless one regular chain of discharges runs through it
    (:func:`~edxkit.emg.spontaneous.trains.regular_chains`: ≥ 8 discharges over ≥ 2 s, filling ≥ 45 % of its
    interval grid and 0.35 more than chance at the group's density) whose odds of arising by chance in
    irregular firing (:func:`chain_chance`) are ≤ ``CHAIN_SIGNIFICANCE``. That chain is a fibrillating
    fibre of the same shape as the end-plate spikes around it (a fibre fires regularly, end-plate spikes
    irregularly; clinical.md §3.1), and only the rest of the group is retyped end-plate spikes — else the
    fibre is lost to the end-plate activity, as in a fibrillation 1+ recorded in the end-plate zone. The
    chain search tries ≈ 10³ (start, interval) hypotheses per group, hence odds of 10⁻⁶ for a family-wise
    chance of ≈ 10⁻³: slow chains of 8–15 discharges picked from end-plate spikes reach 10⁻⁵–10⁻², a
    fibre's chain 10⁻⁹ or less (simulated recordings)."""
    chains, _ = regular_chains(train.times_s)
    spikes = replace(train, type="end_plate", kind="end_plate_spike")
    if len(chains) != 1:
        return [spikes]
    if chain_chance(np.sort(train.times_s), chains[0]) > CHAIN_SIGNIFICANCE:
        return [spikes]
    fibre = np.zeros(train.count, dtype=bool)
    fibre[chains[0]] = True
    out = []
    for mask, base in ((fibre, train), (~fibre, spikes)):
        if mask.any():
            times = train.times_s[mask]
            rate, cv = rate_and_cv(times)
            out.append(replace(base, times_s=times, rate_hz=rate, isi_cv=cv))
    return out


def chain_chance(times_s: FloatArray, chain: NDArray[np.int64]) -> float:
    """Odds that a chain as full as ``chain`` (indices into the sorted ``times_s``) arises by chance in the
    group ``times_s`` (see :func:`_fibre_and_end_plate_spikes`).

    The chain's interval P is the median of its intervals divided by their whole number of base intervals
    (the 25th-percentile interval, so a few missed discharges do not double it); its span holds
    m = span/P + 1 grid windows of ±``SPLIT_TOL``·P. If the group's discharges were irregular (Poisson at
    their mean density ρ), each window would hold one with probability p = 1 − e^(−ρ·2·tol·P), so the
    chain's n discharges in m windows arise with the binomial tail odds P(X ≥ n), X ~ B(m, p). 1 when the
    chain has no interval (or one shorter than a sample)."""
    t = times_s[chain]
    d = np.diff(t)
    d = d[d > 0.0]
    span = float(times_s[-1] - times_s[0]) if times_s.size else 0.0
    if d.size == 0 or span <= 0.0:
        return 1.0
    period = float(np.median(d / np.maximum(np.rint(d / np.percentile(d, 25.0)), 1.0)))
    if not period > 1e-6:  # below a sample interval: no chain of discharges
        return 1.0
    windows = round(float(t[-1] - t[0]) / period) + 1
    p = 1.0 - np.exp(-(times_s.size / span) * 2.0 * SPLIT_TOL * period)
    return float(np.clip(binom.sf(chain.size - 1, max(windows, chain.size), p), 0.0, 1.0))


def _main_positive(train: SpontaneousTrain, noise_uv: float) -> bool:
    """True when the train's main (largest) deflection is positive, the hallmark of a positive sharp wave
    (clinical.md §3.1); a fibrillation potential's main spike is its negative phase after a small initial
    positivity."""
    noise_t = 1.25 * noise_uv / np.sqrt(max(train.count, 1))
    return template_shape(train.template_uv, train.template_index, train.fs_hz, noise_t).peak_sign > 0


def _join_look_alike_fasciculations(trains: Sequence[SpontaneousTrain]) -> list[SpontaneousTrain]:
    """Join fasciculation trains that are left-overs of a fast generator of another type.

    A fasciculating unit has a MUAP shape of its own. A slow irregular group whose template has the shape
    (correlation ≥ ``LOOK_ALIKE_CORRELATION`` within ±0.5 ms, any size) of a train of another type with
    ≥ ``LOOK_ALIKE_RATIO`` × as many discharges (an end-plate spike, myotonic, complex repetitive or
    myokymic generator: ``LOOK_ALIKE_HOSTS``) holds discharges of that generator distorted by overlaps, and
    is joined to it. A fibrillation or positive sharp wave is no host: a fibre potential and a whole unit's
    MUAP can correlate ≥ 0.8 over their main phases, and a slowly fasciculating unit has far fewer
    discharges than a fibrillating fibre in the same muscle; nor is another fasciculation (two units of
    one muscle can look alike; each counts for the grade)."""
    out = [t for t in trains if t.type != "fasciculation"]
    for t in (t for t in trains if t.type == "fasciculation"):
        hosts = [
            k
            for k, o in enumerate(out)
            if o.type in LOOK_ALIKE_HOSTS
            and o.count >= LOOK_ALIKE_RATIO * t.count
            and _similar(o, t, True, LOOK_ALIKE_CORRELATION)
        ]
        if hosts:
            k = max(hosts, key=lambda k: out[k].count)
            out[k] = _join(out[k], t)
        else:
            out.append(t)
    return out


def _misfit(train: SpontaneousTrain, prep: Prepared, times_s: FloatArray) -> FloatArray:
    """Mean square (µV²) of the prepared signal minus the train's template (each without its mean) over
    −2 … +8 ms (``CONSISTENT_WINDOW_MS``) of its peak at each of ``times_s``; inf where the window is not
    whole and valid or the template is shorter than the window."""
    fs = prep.fs_hz
    pre, post = round(CONSISTENT_WINDOW_MS[0] * fs / 1000.0), round(CONSISTENT_WINDOW_MS[1] * fs / 1000.0)
    lo, hi = train.template_index - pre, train.template_index + post + 1
    out = np.full(np.asarray(times_s).size, np.inf)
    if lo < 0 or hi > train.template_uv.size or out.size == 0:
        return out
    tm = train.template_uv[lo:hi] - float(np.mean(train.template_uv[lo:hi]))
    s = np.rint((np.asarray(times_s) - prep.start_s) * fs).astype(np.int64)
    ok = window_ok(prep.valid, s, pre, post)
    if not ok.any():
        return out
    x = prep.uv[s[ok, None] + np.arange(-pre, post + 1)[None, :]]
    x = x - x.mean(axis=1, keepdims=True)
    out[ok] = np.mean((x - tm[None, :]) ** 2, axis=1)
    return out


def share_fasciculation_discharges(
    trains: Sequence[SpontaneousTrain], prep: Prepared
) -> list[SpontaneousTrain]:
    """Give each discharge claimed by two fasciculation trains (within ``DUPLICATE_MS``) to one of them.

    Two units of one muscle can have similar potentials, and the joining and left-over assignment before
    this step can put a discharge of one unit into the other's train as well as its own. The discharge is
    kept by the train whose template, unscaled (a unit's potential keeps its size from discharge to
    discharge), leaves the smaller residual on the prepared signal over −2 … +8 ms (:func:`_misfit`), and
    removed from the other — so it is neither counted twice nor read as a coincidence of two trains
    (:func:`drop_explained_fasciculations`). A train left with fewer than ``MIN_FASCICULATIONS``
    discharges is dropped. Trains of other types are unchanged."""
    idx = [k for k, t in enumerate(trains) if t.type == "fasciculation"]
    if len(idx) < 2:
        return list(trains)
    keep = {k: np.ones(trains[k].count, dtype=bool) for k in idx}
    tol = DUPLICATE_MS / 1000.0
    for n, a in enumerate(idx):
        for b in idx[n + 1 :]:
            ta, tb = trains[a].times_s, trains[b].times_s
            lag, owner = nearest_lag(tb, ta)
            ia = np.flatnonzero((np.abs(lag) <= tol) & keep[a])
            if ia.size == 0:
                continue
            ib = owner[ia]
            live = keep[b][ib]
            ia, ib = ia[live], ib[live]
            if ia.size == 0:
                continue
            to_a = _misfit(trains[a], prep, ta[ia]) <= _misfit(trains[b], prep, tb[ib])
            keep[b][ib[to_a]] = False
            keep[a][ia[~to_a]] = False
    out: list[SpontaneousTrain] = []
    for k, t in enumerate(trains):
        if k in keep and not keep[k].all():
            if np.count_nonzero(keep[k]) < MIN_FASCICULATIONS:
                continue
            t = _refreshed(replace(t, times_s=t.times_s[keep[k]]))
        out.append(t)
    return out


def drop_explained_fasciculations(trains: Sequence[SpontaneousTrain]) -> list[SpontaneousTrain]:
    """Drop fasciculation trains explained by other trains.

    A fasciculation is a single motor-unit discharge; a MUAP-like group whose discharges mostly
    (≥ ``EXPLAINED_FRACTION``) fall within ±``EXPLAINED_MS`` of discharges of the other trains — twice as
    often as chance from their summed rate would put them there — is the superimposition of those
    potentials (fibrillations overlapping, the beat of fast trains), not a unit of its own."""
    window = EXPLAINED_MS / 1000.0
    out: list[SpontaneousTrain] = []
    for t in trains:
        rest = [o.times_s for o in trains if o is not t]
        if t.type != "fasciculation" or not rest:
            out.append(t)
            continue
        ref = np.sort(np.concatenate(rest))
        span = max(float(ref[-1] - ref[0]), 1e-9) if ref.size > 1 else 1.0
        chance = min(1.0, 2.0 * window * ref.size / span)
        seen = float(np.mean(nearest_gap(t.times_s, ref) <= window))
        if not (seen >= EXPLAINED_FRACTION and seen >= 2.0 * chance):
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
            if np.mean(nearest_gap(c.times_s, b.times_s) <= window) >= SUPERIMPOSED_FRACTION:
                break
        else:
            kept.append(c)
    return kept


def _similar(
    a: SpontaneousTrain, b: SpontaneousTrain, any_size: bool, min_corr: float = MATCH_CORRELATION
) -> bool:
    """Same shape (correlation ≥ ``min_corr`` at the best shift within ±0.5 ms) and, unless ``any_size``,
    size."""
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
    if float(corr.max()) < min_corr:
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


def _join_same(
    trains: Sequence[SpontaneousTrain], *, same_window: bool, prep: Prepared | None = None
) -> list[SpontaneousTrain]:
    """Join the trains of one generator (same type, kind, shape and — unless its size varies by nature, as
    for myotonic discharges and end-plate noise — size). Within one window a fixed-size train is joined only
    when the joined train is as regular as the larger one (``regular_fraction`` drops by < 0.1): the smaller
    one then holds discharges the larger one missed, not another fibre firing at its own rate. Fasciculations
    fire irregularly, so that test cannot tell two units apart; given the prepared signal (``prep``), a
    fasciculation train is joined only when its discharges fit the larger train's template, unscaled, about
    as well as their own (:func:`_same_unit`)."""
    out: list[SpontaneousTrain] = []
    for train in sorted(trains, key=lambda t: -t.count):
        any_size = (train.type, train.kind) in ANY_SIZE
        for i, kept in enumerate(out):
            if (kept.type, kept.kind) != (train.type, train.kind) or not _similar(kept, train, any_size):
                continue
            joined = _join(kept, train)
            if same_window and not any_size and not _as_regular(kept, joined):
                continue
            if prep is not None and train.type == "fasciculation" and not _same_unit(kept, train, prep):
                continue
            out[i] = joined
            break
        else:
            out.append(train)
    return out


def _same_unit(kept: SpontaneousTrain, train: SpontaneousTrain, prep: Prepared) -> bool:
    """Whether the discharges of ``train`` are those of the unit of ``kept``: the median residual of
    ``kept``'s template, unscaled, on them (:func:`_misfit`) is within ``JOIN_MISFIT_RATIO`` × that of their
    own template (or of the noise power, when larger). A unit's potential repeats in shape and size, so
    fragments of one unit fit either template about equally (tuning seeds: ≤ 3.5 ×), while two units of
    similar shape but 10–20 % apart in size or slightly different in shape leave residuals 9–100 × larger."""
    other = float(np.median(_misfit(kept, prep, train.times_s)))
    own = float(np.median(_misfit(train, prep, train.times_s)))
    if not np.isfinite(other):
        return True  # no whole valid window to compare on: as before, shape and size decide
    return other <= JOIN_MISFIT_RATIO * max(own, prep.noise_uv**2)


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
