"""Decomposition of a needle recording at low or moderate effort into motor units (:func:`decompose`).

Steps (as in EMGlab, McGill et al. 2005, and DQEMG, Stashuk 1999/2001):

1. detection of candidate discharges on the 1 kHz high-passed signal, where all matching happens too
   (:mod:`.detect`);
2. sub-sample alignment of ±1 ms windows on their peak and shape clustering into provisional units
   (:mod:`.align`, :mod:`.cluster`); matching templates are the medians of each cluster's longer windows
   (:mod:`.templates`);
3. greedy template subtraction over the whole signal, which resolves superimposed discharges (:mod:`.match`);
4. a second pass: templates are corrected by the median residual of their discharges, templates whose
   discharges form no physiological train (two or more units alike in the spike signal) are split by their
   firing pattern (:mod:`.split`), candidates left in the residual are clustered into new templates, and the
   subtraction is run again from the start; the split is tried once more on its result — also on templates
   whose train passes as regular but looks like two interleaved trains (many pruned firings or ISI CV > 0.3)
   — and the subtraction repeated when anything was split (:data:`SPLIT_ROUNDS` times at most);
5. joining of templates that are variants of one unit (:mod:`.variants`), pruning, acceptance of units with a
   physiological firing pattern; rejected groups that are sparse parts of one unit's train (shape within
   0.8, no collisions between their firings) are joined and accepted when the joined train is physiological
   (:func:`.variants.join_sparse`); recovery of firings that fill gaps of an accepted train from rejected
   templates of similar shape (:mod:`.absorb`) and, by a local refit with the unit's own template, from any
   rejected template or from another accepted unit whose train does not need them (:mod:`.reassign`);
   rejected groups are tested again once those firings are gone; each accepted train is re-chosen as the
   most regular set of its own discharges, the discharges pruning dropped and expected ones in the residual
   next to an irregular interval (dynamic programming over a renewal model, :mod:`.trainpath`), which
   replaces an off-rhythm discharge that holds the slot of a missing one; the discharges an accepted train
   still misses are searched for in the residual where its firing pattern expects them, with a lower detection
   bar there (:mod:`.gapfill`); clean averaged templates from the band-passed signal (:mod:`.units`);
6. a second detection pass on a lower band (400 Hz high-pass) over the residual left once the matched
   discharges are subtracted there: slow MUAPs (e.g. distant or myopathic-remodelled fibres) whose 1 kHz spike
   stays below the threshold are detected, clustered and matched on that band, and their units are added
   when they share fewer than half their firings with a unit of the first passes (this package's extension:
   EMGlab and DQEMG detect on a single band; a single lower band loses agreement on the real EMGlab sample).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from edxkit.emg.decompose import templates as tpls
from edxkit.emg.decompose import variants
from edxkit.emg.decompose.absorb import absorb
from edxkit.emg.decompose.align import aligned_windows, median_rows, peak_offset
from edxkit.emg.decompose.cluster import cluster
from edxkit.emg.decompose.detect import (
    SLOW_HIGHPASS_HZ,
    detect_peaks,
    quiet_noise_uv,
    signal_rms_uv,
    spike_signal,
    threshold_uv,
)
from edxkit.emg.decompose.gapfill import fill_gaps
from edxkit.emg.decompose.match import Events, MatchTemplate, peel, subtract_placed
from edxkit.emg.decompose.reassign import reassign
from edxkit.emg.decompose.result import DecomposedUnit, Decomposition
from edxkit.emg.decompose.split import split_mixed
from edxkit.emg.decompose.trainpath import select_trains
from edxkit.emg.decompose.units import MIN_SNR, Signals, accepts, build_unit, prune
from edxkit.emg.prepare import Prepared, robust_noise_uv

CORE_MS = 1.0
MIN_CLUSTER = 5
CLUSTER_PER_S = 0.8
MIN_ANALYSED_S = 0.2
MAX_TEMPLATES = 24
SLOW_WIDEN_MS = 2.0
MAX_SLOW = 12
SAME_FIRING_S = 0.0005
SPLIT_ROUNDS = 1
JOIN_SPARSE = True
REASSIGN = True
GAPFILL = True
SELECT_TRAINS = True


def _candidates(
    x: np.ndarray, valid: np.ndarray, fs: float, thr: float, sigma: float, min_count: int
) -> tuple[int, list[MatchTemplate]]:
    """Detected peaks of ``x`` and the matching templates of their clusters."""
    core = max(2, round(CORE_MS * fs / 1000.0))
    left, right = tpls.span(fs)
    peaks = detect_peaks(x, valid, fs, thr, max(left, right) + 4)
    if peaks.size < min_count:
        return int(peaks.size), []
    offsets = peak_offset(x, peaks)
    labels, _ = cluster(aligned_windows(x, peaks, offsets, core, core), sigma, min_count)
    out = []
    for c in range(int(labels.max()) + 1 if labels.size else 0):
        sel = labels == c
        tpl = tpls.build(x, peaks[sel], offsets[sel], fs, sigma)
        if tpl is not None:
            out.append(tpl)
    return int(peaks.size), out


def _low_band_templates(
    low: np.ndarray, templates: list[MatchTemplate], events: Events, fs: float
) -> list[MatchTemplate]:
    """Each matching template's discharges as seen in the low band: the median of the aligned windows of
    ``low`` over the template's support widened by :data:`SLOW_WIDEN_MS` on both sides."""
    widen = round(SLOW_WIDEN_MS * fs / 1000.0)
    out = []
    for k, tpl in enumerate(templates):
        ev = events.select(events.unit == k)
        size = tpl.wave.size + 2 * widen
        start = ev.start - widen
        ok = np.flatnonzero((start - 3 >= 0) & (start + size + 3 < low.size))
        if ok.size < 3:
            out.append(MatchTemplate(np.zeros(size), widen + tpl.peak))
            continue
        ok = ok[np.unique(np.linspace(0, ok.size - 1, min(ok.size, tpls.MAX_AVERAGED)).astype(np.int64))]
        wave = median_rows(aligned_windows(low, start[ok], ev.fraction[ok], 0, size - 1))
        out.append(MatchTemplate(wave, widen + tpl.peak))
    return out


def _slow_pass(
    uv: np.ndarray,
    valid: np.ndarray,
    fs: float,
    templates: list[MatchTemplate],
    events: Events,
    min_count: int,
) -> tuple[list[MatchTemplate], Events, np.ndarray, float]:
    """Second detection pass on a lower band (high-pass :data:`.detect.SLOW_HIGHPASS_HZ`) over the residual
    left once the discharges matched on the spike signal are subtracted (their low-band templates: medians
    of their aligned low-band windows): slow MUAPs whose 1 kHz spike stays below the threshold are detected,
    clustered and matched there, as in the first pass. Returns the low-band templates, their discharges,
    the low-band residual and its background noise."""
    low = spike_signal(uv, valid, fs, SLOW_HIGHPASS_HZ)
    noise = quiet_noise_uv(low, valid, fs)
    thr = threshold_uv(noise, signal_rms_uv(low, valid))
    if thr <= 0:
        return [], Events.empty(), low, noise
    resid = low.copy()
    for k, tpl in enumerate(_low_band_templates(low, templates, events, fs)):
        ev = events.select(events.unit == k)
        widen = tpl.peak - templates[k].peak
        subtract_placed(resid, tpl, ev.start - widen, ev.fraction)
    resid[~valid] = 0.0
    _, slow = _candidates(resid, valid, fs, thr, noise, min_count)
    slow = _salient(tpls.deduplicate(slow), noise)[:MAX_SLOW]
    if not slow:
        return [], Events.empty(), resid, noise
    sigma = max(robust_noise_uv(resid, valid), noise)
    ev_slow, resid = peel(resid, valid, slow, sigma, fs)
    return slow, ev_slow, resid, noise


def _distinct(new: tuple[DecomposedUnit, ...], old: tuple[DecomposedUnit, ...]) -> list[DecomposedUnit]:
    """Units of ``new`` that share fewer than half their firings (±0.5 ms) with every unit of ``old``."""
    out = []
    for u in new:
        shared = 0
        for v in old:
            ref = np.sort(v.firing_times_s)
            j = np.searchsorted(ref, u.firing_times_s)
            near = np.minimum(
                np.abs(u.firing_times_s - ref[np.clip(j - 1, 0, ref.size - 1)]),
                np.abs(ref[np.clip(j, 0, ref.size - 1)] - u.firing_times_s),
            )
            shared = max(shared, int(np.count_nonzero(near <= SAME_FIRING_S)))
        if shared < 0.5 * u.n_firings:
            out.append(u)
    return out


def decompose(prep: Prepared) -> Decomposition:
    """Motor units of a prepared needle signal (any rate ≥ 4 kHz; invalid samples are skipped).

    Returns an empty decomposition for noise-only, flat, very short or mostly invalid input.
    """
    fs, uv, valid = (
        float(prep.fs_hz),
        np.asarray(prep.uv, dtype=np.float64),
        np.asarray(prep.valid, dtype=bool),
    )
    analysed_s = float(np.count_nonzero(valid)) / fs if fs > 0 else 0.0
    empty = Decomposition((), fs, analysed_s, 0, 0)
    if analysed_s < MIN_ANALYSED_S or not np.isfinite(uv).all():
        return empty
    x = spike_signal(uv, valid, fs)
    noise = quiet_noise_uv(x, valid, fs)
    sigma = max(robust_noise_uv(x, valid), noise)
    thr = threshold_uv(noise, signal_rms_uv(x, valid))
    if thr <= 0:
        return empty
    min_count = max(MIN_CLUSTER, round(CLUSTER_PER_S * analysed_s))
    n_detected, templates = _candidates(x, valid, fs, thr, noise, min_count)
    templates = _salient(tpls.deduplicate(templates), noise)
    if not templates:
        return Decomposition((), fs, analysed_s, n_detected, 0)
    events, resid = peel(x, valid, templates, sigma, fs)
    refined = tpls.refine(templates, events, resid)
    templates, _ = split_mixed(x, resid, templates, events, fs, noise, refined)
    _, extra = _candidates(resid, valid, fs, thr, noise, min_count)
    templates = _salient(tpls.deduplicate(templates + extra), noise)
    events, resid = peel(x, valid, templates, sigma, fs)
    for _ in range(SPLIT_ROUNDS):
        templates, changed = split_mixed(x, resid, templates, events, fs, noise)
        if not changed:
            break
        templates = _salient(templates, noise)
        events, resid = peel(x, valid, templates, sigma, fs)
    units = _units(Signals(uv, resid, fs, float(prep.start_s), noise), templates, events)
    slow, ev_slow, resid_low, noise_low = _slow_pass(uv, valid, fs, templates, events, min_count)
    if slow:
        more = _units(Signals(uv, resid_low, fs, float(prep.start_s), noise_low), slow, ev_slow)
        found = list(units) + _distinct(more, units)
        found.sort(key=lambda u: float(u.firing_times_s[0]))
        units = tuple(_with_id(u, i + 1) for i, u in enumerate(found))
    return Decomposition(units, fs, analysed_s, n_detected, sum(u.n_firings for u in units))


def _salient(templates: list[MatchTemplate], noise: float) -> list[MatchTemplate]:
    """Templates large enough to be reported (smaller ones would only cost matching time), at most
    :data:`MAX_TEMPLATES`, the largest kept (bounds the time at strong effort)."""
    big = [t for t in templates if float(np.ptp(t.wave)) >= MIN_SNR * noise]
    if len(big) > MAX_TEMPLATES:
        keep = sorted(sorted(range(len(big)), key=lambda i: -big[i].energy)[:MAX_TEMPLATES])
        big = [big[i] for i in keep]
    return big


def _units(sig: Signals, templates: list[MatchTemplate], events: Events) -> tuple[DecomposedUnit, ...]:
    grouped, ref = variants.group(templates, events, sig.fs_hz)
    groups = [prune(g, ref) for g in grouped]
    pruned = _pruned(grouped, groups)
    ok = [accepts(g, templates, ref, sig.fs_hz, sig.noise_uv) for g in groups]
    rejected = [g for g, o in zip(groups, ok, strict=True) if not o]
    if JOIN_SPARSE:

        def take(g: Events, r: np.ndarray) -> bool:
            return accepts(prune(g, r), templates, r, sig.fs_hz, sig.noise_uv)

        joined, rejected, ref = variants.join_sparse(rejected, templates, ref, sig.fs_hz, take)
        groups = [g for g, o in zip(groups, ok, strict=True) if o] + [prune(g, ref) for g in joined]
        ok = [True] * len(groups)
    kept = absorb([g for g, o in zip(groups, ok, strict=True) if o], rejected, templates, ref)
    if REASSIGN:
        kept, rejected, resid = reassign(kept, rejected, templates, ref, sig.resid, sig.fs_hz)
        sig = replace(sig, resid=resid)
    if SELECT_TRAINS:
        kept, resid, _ = select_trains(kept, templates, ref, sig.resid, sig.fs_hz, sig.noise_uv, pruned)
        sig = replace(sig, resid=resid)
    if GAPFILL:
        kept, resid = fill_gaps(kept, templates, ref, sig.resid, sig.noise_uv)
        sig = replace(sig, resid=resid)
    groups = [prune(g, ref) for g in kept]
    rest = [prune(g, ref) for g in rejected]
    again = [accepts(g, templates, ref, sig.fs_hz, sig.noise_uv) for g in rest]
    groups += [g for g, o in zip(rest, again, strict=True) if o]
    rejected = [g for g, o in zip(rest, again, strict=True) if not o]
    found = []
    for i, g in enumerate(groups):
        others = Events.empty()
        for j, h in enumerate(groups + rejected):
            if j != i:
                others = others.concat(h)
        unit = build_unit(sig, g, others, templates, ref)
        if unit is not None:
            found.append(unit)
    found.sort(key=lambda u: float(u.firing_times_s[0]))
    return tuple(_with_id(u, i + 1) for i, u in enumerate(found))


def _pruned(grouped: list[Events], groups: list[Events]) -> Events:
    """The events :func:`.units.prune` left out of each group (matched, subtracted, but in no group)."""
    out = Events.empty()
    for g, h in zip(grouped, groups, strict=True):
        if g.size == h.size:
            continue
        key_g = g.start * 4096 + g.unit
        gone = ~np.isin(key_g, h.start * 4096 + h.unit)
        out = out.concat(g.select(gone))
    return out


def _with_id(unit: DecomposedUnit, uid: int) -> DecomposedUnit:
    return replace(unit, id=uid)
