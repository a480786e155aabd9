"""Second pass: candidates left out of every train are matched against the trains' templates.

The first pass groups candidates by leader clustering, which loses the candidates that started groups too
small to be trains (a discharge overlapped by another potential, a myotonic discharge at the small end of
its waxing/waning, a miniature end-plate potential at the edge of a size class). Once the generators are
known, each left-over candidate is compared with every train's mean shape (same shifts, noise and shape
tolerance as the first pass; any size from ``ANY_SIZE_RANGE`` for the types whose size varies by nature,
myotonic discharges and end-plate noise) and joins the best-fitting train — the template-matching
classification step of multi-MUAP analysis (Stålberg et al. 1986; Nandedkar et al. 1995).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from edxkit.emg.spontaneous.result import FloatArray, SpontaneousTrain, rate_and_cv
from edxkit.emg.spontaneous.trains import (
    CLUSTER_HZ,
    NOISE_TOL,
    SCALE_RANGE,
    SHAPE_POST_MS,
    SHAPE_PRE_MS,
    SHIFT_MS,
    IntArray,
    _best_match,
    _snippets,
    nearest_gap,
)

ANY_SIZE_RANGE = (0.3, 3.0)
VARIABLE_SIZE = {("myotonic", "spike_like"), ("myotonic", "psw_like"), ("end_plate", "end_plate_noise")}
EXCLUSION_MS = 1.0
OWN_GAP_MS = 15.0
SPIKE_TYPES = ("fibrillation", "positive_sharp_wave", "myotonic")
SPIKE_WINDOW_MS = (0.5, 1.0)
SPIKE_SHIFT_MS = 0.3
SPIKE_CORRELATION = 0.92
SPIKE_MARGIN = 0.03
SPIKE_SCALE = (0.6, 1.6)
SPIKE_MIN_DISCHARGES = 5


def assign_leftovers(
    trains: Sequence[SpontaneousTrain],
    d: FloatArray,
    peaks: IntArray,
    fs_hz: float,
    start_s: float,
    noise_uv: float,
    residual: FloatArray | None = None,
    exclusion_ms: float | None = None,
) -> list[SpontaneousTrain]:
    """``trains`` with the candidates at ``peaks`` (samples of the detection signal ``d``) that are not
    within ``EXCLUSION_MS`` of a discharge of any train added to the train whose shape they fit.

    With ``residual`` (``d`` with the trains' potentials subtracted, :func:`peel`) the candidates are
    compared on it — the templates still come from ``d`` — and ``exclusion_ms`` may be shorter, so a
    discharge hidden under another train's potential can be recovered."""
    if not trains or peaks.size == 0:
        return list(trains)
    q = max(1, round(fs_hz / CLUSTER_HZ))
    rate = fs_hz / q
    pre, post = round(SHAPE_PRE_MS * rate / 1000.0), round(SHAPE_POST_MS * rate / 1000.0)
    shift = max(1, round(SHIFT_MS * rate / 1000.0))
    length = pre + post + 1
    samples = [np.rint((t.times_s - start_s) * fs_hz).astype(np.int64) for t in trains]
    used = np.sort(np.concatenate(samples))
    excl = EXCLUSION_MS if exclusion_ms is None else exclusion_ms
    left = peaks[nearest_gap(peaks, used) > excl * fs_hz / 1000.0]
    if left.size == 0:
        return list(trains)
    templates = np.stack([_snippets(d, s, q, pre, post, 0).mean(axis=0) for s in samples])
    wide = np.array([(t.type, t.kind) in VARIABLE_SIZE for t in trains])
    lo = np.where(wide, ANY_SIZE_RANGE[0], SCALE_RANGE[0])
    hi = np.where(wide, ANY_SIZE_RANGE[1], SCALE_RANGE[1])
    counts = np.array([s.size for s in samples], dtype=np.float64)
    noise_energy = NOISE_TOL * noise_uv**2 * length * (1.0 + 1.0 / counts)
    own_gap = [_own_gap(s, fs_hz) for s in samples]
    x = _snippets(d if residual is None else residual, left, q, pre, post, shift)
    added: list[list[int]] = [[] for _ in trains]
    for i in range(left.size):
        k, s, _ = _best_match(sliding_window_view(x[i], length), templates, noise_energy, lo, hi)
        pos = int(left[i] + (s - shift) * q)
        if k >= 0 and nearest_gap(np.array([pos]), samples[k])[0] > own_gap[k]:
            added[k].append(pos)
    extra = [start_s + np.asarray(e, dtype=np.float64) / fs_hz for e in added]
    return [_extended(t, e) for t, e in zip(trains, extra, strict=True)]


def _own_gap(samples: IntArray, fs_hz: float) -> float:
    """Samples around a train's own discharge where no other discharge of it can be: half its shortest
    (10th percentile) interval, at most ``OWN_GAP_MS`` (a later phase of the same potential is no new
    discharge)."""
    isi = np.diff(np.sort(samples))
    limit = OWN_GAP_MS * fs_hz / 1000.0
    return min(limit, 0.5 * float(np.percentile(isi, 10.0))) if isi.size >= 2 else limit


def _extended(train: SpontaneousTrain, extra_s: FloatArray) -> SpontaneousTrain:
    """``train`` with discharges added at the times ``extra_s`` (s)."""
    if extra_s.size == 0:
        return train
    times = np.sort(np.concatenate([train.times_s, extra_s]))
    rate, cv = rate_and_cv(times)
    return replace(train, times_s=times, rate_hz=rate, isi_cv=cv)


PEEL_PRE_MS = 1.0
PEEL_POST_MS = 4.0


def peel(trains: Sequence[SpontaneousTrain], d: FloatArray, fs_hz: float, start_s: float) -> FloatArray:
    """``d`` with every train's mean potential subtracted at each of its discharges (the peel-off of
    template-subtraction decomposition, e.g. McGill et al. 2005; Nandedkar et al. 1995).

    The template is the mean of ``d`` over −``PEEL_PRE_MS`` … +``PEEL_POST_MS`` (at most 0.45 of the
    train's shortest interval after the peak) around the train's discharges; it is scaled to each
    discharge by least squares within the train's size range (0.75–1.33×, 0.3–3× for myotonic discharges
    and end-plate noise), so a discharge that overlaps another leaves that other potential in the residual.
    """
    r = d.copy()
    for t in trains:
        s = np.rint((t.times_s - start_s) * fs_hz).astype(np.int64)
        isi = np.diff(s)
        post_ms = (
            PEEL_POST_MS if isi.size < 2 else min(PEEL_POST_MS, 0.45 * np.percentile(isi, 10) / fs_hz * 1e3)
        )
        pre, post = round(PEEL_PRE_MS * fs_hz / 1000.0), max(1, round(post_ms * fs_hz / 1000.0))
        s = s[(s - pre >= 0) & (s + post < d.size)]
        if s.size == 0:
            continue
        idx = s[:, None] + np.arange(-pre, post + 1)[None, :]
        rows = d[idx]
        tmpl = rows.mean(axis=0)
        tt = float(tmpl @ tmpl)
        if tt <= 0.0:
            continue
        lo, hi = ANY_SIZE_RANGE if (t.type, t.kind) in VARIABLE_SIZE else SCALE_RANGE
        a = np.clip(rows @ tmpl / tt, lo, hi)
        np.subtract.at(r, idx, a[:, None] * tmpl[None, :])
    return r


def assign_overlapped_spikes(
    trains: Sequence[SpontaneousTrain],
    d: FloatArray,
    residual: FloatArray,
    peaks: IntArray,
    fs_hz: float,
    start_s: float,
) -> list[SpontaneousTrain]:
    """``trains`` with the overlapped fibre discharges among the residual candidates ``peaks`` added.

    A fibre potential (fibrillation, positive sharp wave, myotonic discharge) that overlaps other potentials
    keeps its main spike — the fastest ≈1.5 ms of it, where its own slope dwarfs that of the slower phases
    around it — while its tails and slower phases are summed with those of its neighbours, so the whole-
    window comparison of :func:`assign_leftovers` fails for it. Here, on the peel-off residual
    (``residual``: ``d`` with every train's potential subtracted, :func:`peel`), each candidate not within
    ``EXCLUSION_MS`` of a found discharge is compared over the spike window only (−0.5 … +1.0 ms,
    ``SPIKE_WINDOW_MS``, shifts ±``SPIKE_SHIFT_MS``) with the spike of every fibre train of
    ≥ ``SPIKE_MIN_DISCHARGES`` discharges (mean of ``d`` at its discharges), at a least-squares size within
    ``SPIKE_SCALE``. It joins the best-fitting train when the correlation is ≥ ``SPIKE_CORRELATION`` and
    better by ≥ ``SPIKE_MARGIN`` than that of any train of another type (ambiguous fits are left out) —
    the resolution of superimposed potentials by matching the distinctive part of the template on the
    residual of decomposition (peel-off: McGill et al., J Neurosci Methods 2005; superimposition
    resolution: LeFever & De Luca, IEEE Trans Biomed Eng 1982). The comparison runs on the signal decimated
    to ≈12 kHz, as the shape grouping does."""
    takers = [k for k, t in enumerate(trains) if t.type in SPIKE_TYPES and t.count >= SPIKE_MIN_DISCHARGES]
    if not takers or peaks.size == 0:
        return list(trains)
    q = max(1, round(fs_hz / CLUSTER_HZ))
    rate = fs_hz / q
    pre, post = round(SPIKE_WINDOW_MS[0] * rate / 1000.0), round(SPIKE_WINDOW_MS[1] * rate / 1000.0)
    shift = max(1, round(SPIKE_SHIFT_MS * rate / 1000.0))
    length = pre + post + 1
    used = np.sort(np.concatenate([np.rint((t.times_s - start_s) * fs_hz) for t in trains]))
    left = peaks[nearest_gap(peaks, used) > EXCLUSION_MS * fs_hz / 1000.0]
    if left.size == 0:
        return list(trains)
    samples = [np.rint((trains[k].times_s - start_s) * fs_hz).astype(np.int64) for k in takers]
    tm = np.stack([_snippets(d, s, q, pre, post, 0).mean(axis=0) for s in samples])
    tm = tm - tm.mean(axis=1, keepdims=True)
    tt = np.maximum(np.einsum("kl,kl->k", tm, tm), 1e-12)
    w = sliding_window_view(_snippets(residual, left, q, pre, post, shift), length, axis=1)
    w = w - w.mean(axis=2, keepdims=True)
    dot = np.einsum("nsl,kl->nsk", w, tm)
    energy = np.einsum("nsl,nsl->ns", w, w)
    corr = dot / np.sqrt(np.maximum(energy[:, :, None] * tt[None, None, :], 1e-24))
    size = dot / tt[None, None, :]
    corr = np.where((size >= SPIKE_SCALE[0]) & (size <= SPIKE_SCALE[1]), corr, -1.0)
    best_shift = np.argmax(corr, axis=1)  # n × k: the best lag for each train
    corr = corr.max(axis=1)
    k_best = np.argmax(corr, axis=1)
    rows = np.arange(left.size)
    c_best = corr[rows, k_best]
    types = np.array([trains[k].type for k in takers])
    rival = np.where(types[None, :] != types[k_best][:, None], corr, -1.0).max(axis=1)
    ok = (c_best >= SPIKE_CORRELATION) & (c_best - rival >= SPIKE_MARGIN)
    pos = left + (best_shift[rows, k_best] - shift) * q
    extra: list[list[float]] = [[] for _ in trains]
    for i in np.flatnonzero(ok):
        extra[takers[int(k_best[i])]].append(start_s + float(pos[i]) / fs_hz)
    return [_extended(t, np.asarray(e, dtype=np.float64)) for t, e in zip(trains, extra, strict=True)]
