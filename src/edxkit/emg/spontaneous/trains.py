"""Grouping candidate potentials into generators (trains) by shape, and the firing pattern of each train.

Shape grouping is the template-matching ("leader") clustering of spike sorting and of multi-MUAP analysis
(Stålberg et al., EEG Clin Neurophysiol 1986; Quiroga et al., Neural Comput 2004): candidates are visited
from the largest down; each is compared with every existing template at shifts of ±``SHIFT_MS`` and a scale
within ``SCALE_RANGE``, and joins the template whose residual energy is within ``NOISE_TOL`` × the expected
noise energy (that of the candidate plus that left in a template averaged over n candidates) plus
``SHAPE_TOL``² of the template energy, else it starts a new template. Comparison runs on the detection
signal decimated to ≈12 kHz, so every sampling rate uses the same shape resolution.

A spontaneous generator is one fibre or one unit, so its potential repeats identically; a second candidate
that always occurs at the same lag (±0.3 ms) from a larger one is another peak of the same potential (the slow
phase of a PSW, a late phase of a MUAP, a fibre of a complex repetitive discharge) and is absorbed into it.

Firing pattern (clinical.md §3.1): rate, interval CV, regularity (intervals near whole multiples of the
median interval, so a missed discharge does not make a regular train look irregular), runs of fast firing
(> 20 Hz) as in myotonic discharges and bursts as in myokymia, and amplitude modulation (waxing/waning).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray
from scipy.stats import binom  # type: ignore[import-untyped]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

CLUSTER_HZ = 12000.0
SHAPE_PRE_MS = 1.5
SHAPE_POST_MS = 4.5
SHIFT_MS = 0.7
SCALE_RANGE = (0.75, 1.33)
NOISE_TOL = 1.8
SHAPE_TOL = 0.12
LOCK_WINDOW_MS = 15.0
LOCK_JITTER_MS = 0.3
LOCK_FRACTION = 0.8
PART_MIN = 8
PART_OF_LEADER = 0.5
PART_CHANCE = 1e-6
TEMPLATE_PRE_MS = 8.0
FAMILY_CORRELATION = 0.93
EMBEDDED_FRACTION = 0.7
RUN_GAP_S = 0.06
CONSTANT_FRACTION = 0.6
CONSTANT_TOL_S = 3e-4
CONSTANT_MAX_MULT = 40
CRD_MIN_BASE_S = 0.008
CONSTANT_SUBMULTIPLES = (1, 2, 3)
SMOOTH_STEP = 0.15
BURST_ISI_S = 0.2
PAUSE_ISI_S = 0.25
MIN_BURST_ISI_S = 1.0 / 60.0
TEMPLATE_POST_MS = 30.0


def nearest_gap(
    x: NDArray[np.floating] | NDArray[np.integer], ref: NDArray[np.floating] | NDArray[np.integer]
) -> NDArray[np.float64]:
    """Distance from every value of ``x`` to the nearest value of the sorted ``ref`` (inf where ``ref`` is
    empty)."""
    x, ref = np.asarray(x), np.asarray(ref)
    if ref.size == 0:
        return np.full(x.shape, np.inf)
    j = (
        np.clip(np.searchsorted(ref, x), 1, ref.size - 1)
        if ref.size > 1
        else np.zeros(x.shape, dtype=np.intp)
    )
    return np.asarray(np.minimum(np.abs(ref[j] - x), np.abs(ref[np.maximum(j - 1, 0)] - x)), dtype=np.float64)


def nearest_lag(a: NDArray[Any], b: NDArray[Any]) -> tuple[NDArray[Any], NDArray[np.intp]]:
    """For every value of ``b``: the signed lag ``a[k] − b`` to the nearest value ``a[k]`` of the sorted,
    non-empty ``a`` (the earlier one on a tie), and that index ``k``."""
    if a.size > 1:
        j = np.clip(np.searchsorted(a, b), 1, a.size - 1)
        lo, hi = j - 1, j
    else:
        lo = hi = np.zeros(b.size, dtype=np.intp)
    cand = np.stack([a[lo], a[hi]], axis=1) - b[:, None]
    pick = np.argmin(np.abs(cand), axis=1)
    return cand[np.arange(b.size), pick], np.where(pick == 0, lo, hi)


@dataclass(frozen=True, slots=True)
class Cluster:
    """Candidates of one shape: aligned sample positions (full rate) and fitted amplitude scales."""

    positions: IntArray
    scales: FloatArray
    peak_uv: float
    shape: FloatArray


def _snippets(d: FloatArray, centres: IntArray, q: int, pre: int, post: int, shift: int) -> FloatArray:
    """Rows of ``d`` around each centre, every ``q``-th sample, from −(pre+shift) to +(post+shift) steps."""
    steps = np.arange(-(pre + shift), post + shift + 1) * q
    idx = centres[:, None] + steps[None, :]
    inside = (idx >= 0) & (idx < d.size)
    return np.where(inside, d[np.clip(idx, 0, max(d.size - 1, 0))], 0.0)


def cluster_shapes(d: FloatArray, peaks: IntArray, fs_hz: float, noise_uv: float) -> list[Cluster]:
    """Leader clustering of the candidates at ``peaks`` on the detection signal ``d`` (module docstring)."""
    if peaks.size == 0:
        return []
    q = max(1, round(fs_hz / CLUSTER_HZ))
    rate = fs_hz / q
    pre, post = round(SHAPE_PRE_MS * rate / 1000.0), round(SHAPE_POST_MS * rate / 1000.0)
    shift = max(1, round(SHIFT_MS * rate / 1000.0))
    x = _snippets(d, peaks, q, pre, post, shift)
    length = pre + post + 1
    order = np.argsort(-np.abs(d[peaks]), kind="stable")
    sums = np.zeros((0, length))
    counts = np.zeros(0)
    labels = np.full(peaks.size, -1)
    best_shift = np.zeros(peaks.size, dtype=np.int64)
    scale = np.ones(peaks.size)
    noise_energy = NOISE_TOL * noise_uv**2 * length
    for i in order:
        w = sliding_window_view(x[i], length)
        if counts.size:
            k, s, a = _best_match(w, sums / counts[:, None], noise_energy * (1.0 + 1.0 / counts))
            if k >= 0:
                labels[i], best_shift[i], scale[i] = k, s - shift, a
                sums[k] += w[s]
                counts[k] += 1
                continue
        labels[i] = counts.size
        sums = np.vstack([sums, w[shift]])
        counts = np.append(counts, 1.0)
    out: list[Cluster] = []
    for k in range(counts.size):
        members = np.flatnonzero(labels == k)
        pos = peaks[members] + best_shift[members] * q
        srt = np.argsort(pos)
        peak = float(np.abs(d[peaks[members]]).max())
        out.append(Cluster(pos[srt].astype(np.int64), scale[members][srt], peak, sums[k] / counts[k]))
    return out


def _best_match(
    w: FloatArray,
    templates: FloatArray,
    noise_energy: FloatArray,
    scale_lo: FloatArray | float = SCALE_RANGE[0],
    scale_hi: FloatArray | float = SCALE_RANGE[1],
) -> tuple[int, int, float]:
    """Best (template, shift, scale) for the windows ``w`` (shifts × length), or (−1, 0, 0) when none fits."""
    tt = np.einsum("kl,kl->k", templates, templates)
    dot = w @ templates.T
    ww = np.einsum("sl,sl->s", w, w)
    a = np.clip(dot / np.maximum(tt, 1e-12), scale_lo, scale_hi)
    res = ww[:, None] - 2.0 * a * dot + a * a * tt[None, :]
    tol = noise_energy[None, :] + SHAPE_TOL**2 * a * a * tt[None, :]
    score = res / tol
    s_best = np.argmin(score, axis=0)
    ks = np.arange(tt.size)
    best = score[s_best, ks]
    k = int(np.argmin(best))
    if best[k] >= 1.0:
        return -1, 0, 0.0
    return k, int(s_best[k]), float(a[s_best[k], k])


def merge_families(clusters: list[Cluster], fs_hz: float, noise_uv: float) -> list[Cluster]:
    """Join the size classes of one generator whose potential changes size from discharge to discharge.

    Waxing/waning myotonic discharges and miniature end-plate potentials are split by size into several
    clusters of one shape. A cluster firing fast in runs (:func:`~edxkit.emg.spontaneous.classify.is_run`)
    is an anchor; a cluster of
    the same shape (correlation ≥ ``FAMILY_CORRELATION`` at the best shift, corrected for the noise left in
    each mean template of n candidates, ``noise_uv``²/n per sample — Spearman's correction for attenuation)
    whose discharges fall inside the anchor's runs (≥ ``EMBEDDED_FRACTION`` within ``RUN_GAP_S`` of an
    anchor discharge) is the same generator and is joined to it. Regular slow trains (fibrillations) never
    anchor, so separate fibres of similar shape stay apart.
    """
    order = sorted(range(len(clusters)), key=lambda k: -clusters[k].positions.size)
    fast = {k for k in order if _anchor(firing_pattern(clusters[k].positions / fs_hz, clusters[k].scales))}
    owner = {k: k for k in order}
    for anchor in (k for k in order if k in fast and owner[k] == k):
        a_s = clusters[anchor].positions / fs_hz
        for k in order:
            if owner[k] != k or k == anchor or (k in fast and clusters[k].positions.size > a_s.size):
                continue
            b_s = clusters[k].positions / fs_hz
            gap = np.abs(a_s[np.clip(np.searchsorted(a_s, b_s), 0, a_s.size - 1)] - b_s)
            gap = np.minimum(gap, np.abs(a_s[np.clip(np.searchsorted(a_s, b_s) - 1, 0, a_s.size - 1)] - b_s))
            embedded = float(np.mean(gap <= RUN_GAP_S)) >= EMBEDDED_FRACTION
            if embedded and _family(clusters[anchor], clusters[k], noise_uv) >= FAMILY_CORRELATION:
                owner[k] = anchor
    groups: dict[int, list[Cluster]] = {}
    for k in order:
        groups.setdefault(owner[k], []).append(clusters[k])
    return [_union(parts) for parts in groups.values()]


def _anchor(firing: Firing) -> bool:
    from edxkit.emg.spontaneous.classify import is_run  # classify imports this module

    return is_run(firing)


def _family(a: Cluster, b: Cluster, noise_uv: float) -> float:
    """Shape correlation of two clusters corrected for the noise in their mean templates."""
    att = 1.0
    for c in (a, b):
        energy = float(c.shape @ c.shape)
        noise = c.shape.size * noise_uv**2 / c.positions.size
        att *= np.sqrt(max(1.0 - noise / max(energy, 1e-12), 0.25))
    return _shape_corr(a.shape, b.shape) / att


def _shape_corr(a: FloatArray, b: FloatArray) -> float:
    """Largest normalised correlation of ``b`` with ``a`` over shifts of a quarter of their length."""
    shift = max(1, a.size // 8)
    pad = np.concatenate([np.zeros(shift), a, np.zeros(shift)])
    w = sliding_window_view(pad, b.size)
    num = w @ b
    den = np.sqrt(np.einsum("sl,sl->s", w, w) * float(b @ b))
    return float(np.max(num / np.maximum(den, 1e-12)))


def _union(parts: list[Cluster]) -> Cluster:
    if len(parts) == 1:
        return parts[0]
    pos = np.concatenate([c.positions for c in parts])
    sc = np.concatenate([c.scales * c.peak_uv for c in parts])
    order = np.argsort(pos)
    big = max(parts, key=lambda c: c.peak_uv)
    return Cluster(pos[order], sc[order] / big.peak_uv, big.peak_uv, big.shape)


def drop_time_locked(clusters: list[Cluster], fs_hz: float) -> list[Cluster]:
    """Drop clusters whose candidates are time-locked to a larger cluster (another peak of its potential)."""
    order = sorted(range(len(clusters)), key=lambda k: -clusters[k].peak_uv)
    window = LOCK_WINDOW_MS * fs_hz / 1000.0
    jitter = LOCK_JITTER_MS * fs_hz / 1000.0
    kept: list[int] = []
    for k in order:
        b = clusters[k].positions
        if not any(_locked(clusters[j].positions, b, window, jitter) for j in kept):
            kept.append(k)
    return [clusters[k] for k in sorted(kept, key=lambda k: int(clusters[k].positions[0]))]


def locked_part(a: IntArray, b: IntArray, window: float, jitter: float) -> NDArray[np.bool_] | None:
    """Mask of the candidates ``b`` that follow (or precede) those of ``a`` at one constant lag, when they are
    too many to be chance; else None.

    Lags (samples) to the nearest candidate of ``a`` within ``window``; the lag with the most lags within
    ±``jitter`` of it is the mode; at most one candidate of ``b`` per candidate of ``a`` (the closest to the
    mode). The part counts when it holds ≥ ``PART_MIN`` candidates and ≥ ``PART_OF_LEADER`` of the
    candidates of ``a`` (a component present in most discharges of its generator), and when a count as large
    would arise with odds ≤ ``PART_CHANCE`` if ``b`` fired independently of ``a`` (binomial over the
    candidates of ``a``, each catching one of ``b`` in its ±jitter bin with probability
    1 − e^(−rate_b·2·jitter))."""
    if a.size < PART_MIN or b.size < PART_MIN:
        return None
    lags, owner = nearest_lag(a, b)
    lag = lags.astype(np.float64)
    near = np.flatnonzero(np.abs(lag) <= window)
    if near.size < PART_MIN:
        return None
    srt = np.sort(lag[near])
    counts = np.searchsorted(srt, srt + jitter, side="right") - np.searchsorted(srt, srt - jitter)
    centre = float(np.median(srt[np.abs(srt - srt[int(np.argmax(counts))]) <= jitter]))
    inside = near[np.abs(lag[near] - centre) <= jitter]
    order = inside[np.argsort(np.abs(lag[inside] - centre), kind="stable")]
    _, first = np.unique(owner[order], return_index=True)
    chosen = order[first]
    k = chosen.size
    if k < max(PART_MIN, PART_OF_LEADER * a.size):
        return None
    span = float(max(b[-1] - b[0], 1))
    p = 1.0 - np.exp(-(b.size / span) * 2.0 * jitter)
    if binom.sf(k - 1, a.size, p) > PART_CHANCE:
        return None
    mask = np.zeros(b.size, dtype=bool)
    mask[chosen] = True
    return mask


def _locked(a: IntArray, b: IntArray, window: float, jitter: float) -> bool:
    if a.size == 0 or b.size == 0:
        return False
    lag = nearest_lag(a, b)[0].astype(np.float64)
    near = lag[np.abs(lag) <= window]
    if near.size < LOCK_FRACTION * b.size or near.size == 0:
        return False
    centre = float(np.median(near))
    return bool(np.count_nonzero(np.abs(near - centre) <= jitter) >= LOCK_FRACTION * b.size)


def median_template(
    uv: FloatArray, valid: NDArray[np.bool_], positions: IntArray, fs_hz: float
) -> tuple[FloatArray, int]:
    """Median of the aligned discharges of ``uv`` (invalid samples ignored) and its alignment sample."""
    pre = round(TEMPLATE_PRE_MS * fs_hz / 1000.0)
    post = round(TEMPLATE_POST_MS * fs_hz / 1000.0)
    idx = positions[:, None] + np.arange(-pre, post + 1)[None, :]
    inside = (idx >= 0) & (idx < uv.size)
    ci = np.clip(idx, 0, uv.size - 1)
    rows = np.where(inside & valid[ci], uv[ci], np.nan)
    usable = np.isfinite(rows).any(axis=0)
    tmpl = np.zeros(rows.shape[1])
    if usable.any():
        tmpl[usable] = np.nanmedian(rows[:, usable], axis=0)
    return tmpl, pre


@dataclass(frozen=True, slots=True)
class Firing:
    """Firing-pattern features of a train.

    Attributes
    ----------
    count : int
    rate_hz : float
        (count − 1) / span.
    isi_cv : float
        Coefficient of variation of the intervals.
    median_isi_s : float
    regular_fraction : float
        Fraction of intervals within 10 % of a whole multiple (1–4) of the median interval.
    fast_fraction : float
        Fraction of intervals shorter than 50 ms (firing above 20 Hz).
    burst_fraction : float
        Fraction of intervals shorter than 200 ms (≥ 5 Hz within a group) when the train also has pauses
        longer than 250 ms: grouped discharges.
    serial_correlation : float
        Lag-1 correlation of consecutive intervals (0 with fewer than 4 intervals or constant ones): positive
        where the rate glides, as in a waxing/waning myotonic run (1st centile +0.01 in simulated runs with
        up to 30 % of their discharges missed), strongly negative where two regular generators interleave —
        a short interval is followed by a long one, their sum being the period (simulated pairs of 5–15 Hz
        fibres: 99th centile −0.29).
    burst_chance : float
        Chance that an irregular (Poisson) generator firing at the rate of the train's pauses would give as
        many intervals shorter than 200 ms (binomial tail, :func:`burst_chance`): small for true bursts,
        large for a slowly and randomly firing unit whose intervals are now and then short by chance (1 when
        the train has no interval of 200 ms or more).
    rate_modulation : float
        Relative spread (10th–90th percentile / median) of the instantaneous rate within fast runs.
    amplitude_modulation : float
        Relative spread (10th–90th percentile / median) of the discharge amplitudes.
    constant_isi : bool
        At least ``CONSTANT_FRACTION`` of the intervals equal to a whole multiple of the median interval
        within 0.2 ms (complex repetitive discharges; multiples allow for missed discharges).
    smooth_fraction : float
        Among consecutive pairs of fast intervals, the fraction whose ratio differs from 1 by less than
        ``SMOOTH_STEP`` (log): the rate glides as in waxing/waning myotonic trains, rather than jumping as in
        the merged discharges of independent fibres.
    pauses : int
        Intervals longer than 250 ms (the gaps between runs or bursts).
    median_run : float
        Length (discharges) of the run of consecutive intervals < 50 ms that the median fast-firing
        discharge belongs to (0 when none): a few in the bursts of myokymia (2–10), tens in a myotonic run.
    constant_base_s : float
        The constant base interval (s) when ``constant_isi``, else 0: the interval of the generator, of which
        the train's intervals are whole multiples when discharges were missed.
    """

    count: int
    rate_hz: float
    isi_cv: float
    median_isi_s: float
    regular_fraction: float
    fast_fraction: float
    burst_fraction: float
    rate_modulation: float
    amplitude_modulation: float
    constant_isi: bool
    smooth_fraction: float = 0.0
    pauses: int = 0
    median_run: float = 0.0
    constant_base_s: float = 0.0
    burst_chance: float = 1.0
    serial_correlation: float = 0.0


def _spread(x: FloatArray) -> float:
    if x.size < 3:
        return 0.0
    lo, med, hi = np.percentile(x, [10.0, 50.0, 90.0])
    return float((hi - lo) / med) if med > 0 else 0.0


def _sparse_constant(isi: FloatArray) -> float:
    """A constant base interval (≥ ``CRD_MIN_BASE_S``) of which ≥ ``CONSTANT_FRACTION`` of the intervals
    are whole multiples (≤ ``CONSTANT_MAX_MULT``) within ±``CONSTANT_TOL_S``: a complex repetitive discharge
    of which only some discharges were grouped (the others overlapped or differed). The base is the
    10th-percentile interval (an observed one: between two multiples of P an interpolated percentile
    would fit neither), or its half or third (``CONSTANT_SUBMULTIPLES``) when that interval is itself
    a multiple — a group that holds every second or third discharge of the run most of the time has
    intervals of 2P and 3P and only a few of P, so its 10th percentile is 2P and the 3P intervals would
    not fit it — refined on the intervals that fit it. Chance fit of an irregular train: each interval
    falls within ±0.3 ms of a multiple of a base ≥ 8 ms with odds ≤ 7.5 %, so 60 % of ≥ 4 intervals fit
    one of the three bases with odds below 1 %. Returns the base interval (s), 0 when there is none."""
    if isi.size < 4:
        return 0.0
    p10 = float(np.percentile(isi, 10.0, method="lower"))
    for k in CONSTANT_SUBMULTIPLES:
        base = p10 / k
        if base < CRD_MIN_BASE_S:
            return 0.0
        n = np.rint(isi / base)
        on = (np.abs(isi - n * base) <= CONSTANT_TOL_S) & (n <= CONSTANT_MAX_MULT) & (n >= 1)
        if np.count_nonzero(on) < 2:
            continue
        base = float(np.median(isi[on] / n[on]))
        if base < CRD_MIN_BASE_S:
            continue
        n = np.rint(isi / base)
        on = (np.abs(isi - n * base) <= CONSTANT_TOL_S) & (n <= CONSTANT_MAX_MULT) & (n >= 1)
        if np.mean(on) >= CONSTANT_FRACTION:
            return base
    return 0.0


def firing_pattern(times_s: FloatArray, scales: FloatArray) -> Firing:
    """Firing-pattern features (:class:`Firing`) of discharge times ``times_s`` with amplitude ``scales``."""
    t = np.sort(np.asarray(times_s, dtype=np.float64))
    isi = np.diff(t)
    isi = isi[isi > 0]
    if isi.size == 0:
        return Firing(int(t.size), 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, _spread(scales), False)
    rate = float(isi.size / isi.sum())
    cv = float(np.std(isi) / np.mean(isi)) if isi.size > 1 else 0.0
    med = float(np.median(isi))
    mult = np.clip(np.rint(isi / med), 1, 4)
    regular = float(np.mean(np.abs(isi - mult * med) <= 0.1 * mult * med))
    fast = isi < 0.05
    long_ = isi > PAUSE_ISI_S
    burst = float(np.mean(isi < BURST_ISI_S)) if long_.any() else 0.0
    rate_mod = _spread(1.0 / isi[fast]) if np.count_nonzero(fast) >= 3 else 0.0
    const = bool(isi.size >= 2 and np.mean(np.abs(isi - mult * med) <= 2e-4 * mult) >= CONSTANT_FRACTION)
    base = med if const else _sparse_constant(isi)
    const = const or base > 0.0
    pairs = fast[1:] & fast[:-1]
    steps = np.abs(np.log(isi[1:][pairs] / isi[:-1][pairs]))
    smooth = float(np.mean(steps < SMOOTH_STEP)) if steps.size >= 2 else 0.0
    fast_fraction = float(np.mean(fast))
    amp_mod = _spread(scales)
    pauses = int(np.count_nonzero(long_))
    edges = np.diff(np.concatenate([[0], fast.astype(np.int8), [0]]))
    run_len = np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1) + 1
    median_run = float(np.median(np.repeat(run_len, run_len))) if run_len.size else 0.0
    return Firing(
        int(t.size), rate, cv, med, regular, fast_fraction, burst, rate_mod, amp_mod, const, smooth, pauses,
        median_run, base if const else 0.0, burst_chance(isi), serial_correlation(isi),
    )  # fmt: skip


def serial_correlation(isi_s: FloatArray) -> float:
    """Lag-1 correlation coefficient of consecutive intervals (:class:`Firing`); 0 with fewer than 4
    intervals or no spread."""
    isi = np.asarray(isi_s, dtype=np.float64)
    if isi.size < 4:
        return 0.0
    a, b = isi[:-1] - isi[:-1].mean(), isi[1:] - isi[1:].mean()
    den = float(np.sqrt((a @ a) * (b @ b)))
    return float(a @ b) / den if den > 0.0 else 0.0


def burst_chance(isi_s: FloatArray) -> float:
    """Binomial tail P(K ≥ k) of ``k`` intervals shorter than ``BURST_ISI_S`` among ``n``, for a Poisson
    generator whose rate is the maximum-likelihood rate of the pauses (intervals beyond ``PAUSE_ISI_S``,
    exponential beyond it: ``r = m / Σ(isi − PAUSE_ISI_S)``), so ``p = 1 − e^{−r·BURST_ISI_S}``.

    A fasciculating unit fires irregularly (exponential intervals, clinical.md §3.1), so a few of its
    intervals are short by chance; in a 4-s recording a third of them or more are short in ≈ 10 % of
    simulated fasciculating units with ≥ 3 discharges, which the burst fraction alone would call myokymic.
    Myokymic bursts (2–10 discharges at 5–60 Hz, every 0.5–3 s) give far more short intervals than their
    pauses imply. The rate is taken from the pauses because the short intervals inside bursts would inflate
    a mean rate and hide the excess; intervals between ``BURST_ISI_S`` and ``PAUSE_ISI_S`` (slow bursts at
    4–5 Hz, or a random unit) count in ``n`` only. Intervals shorter than ``MIN_BURST_ISI_S`` are left out:
    myokymic bursts fire at 5–60 Hz (clinical.md §3.1), and one motor unit cannot discharge again within a
    few milliseconds, so such an interval joins two potentials that are not one unit's burst. 1.0 when no
    interval is a pause or none is short."""
    isi = np.asarray(isi_s, dtype=np.float64)
    isi = isi[isi >= MIN_BURST_ISI_S]
    pauses = isi[isi > PAUSE_ISI_S]
    k = int(np.count_nonzero(isi < BURST_ISI_S))
    if pauses.size == 0 or k == 0:
        return 1.0
    rate = pauses.size / float(np.sum(pauses - PAUSE_ISI_S))
    p = 1.0 - float(np.exp(-rate * BURST_ISI_S))
    return float(binom.sf(k - 1, isi.size, p))


SPLIT_TOL = 0.1
PERIOD_TOL = 0.05
SPLIT_MAX_SKIP = 5
SPLIT_MIN_CHAIN = 8
SPLIT_MIN_SPAN_S = 2.0
SPLIT_MIN_COVER = 0.45
SPLIT_MAX_JITTER = 0.035
SPLIT_CHANCE = 0.6
SPLIT_RATE_HZ = (0.5, 30.0)
SPLIT_MAX_CHAINS = 15
SPLIT_CANDIDATES = 200
SPLIT_COVER_MARGIN = 0.35
SUBMULTIPLE_SCORE = 0.75
SPLIT_TRIES = 4


def _best_period(t: FloatArray, exclude: Sequence[float] = ()) -> float:
    """Interval P (s) that the most discharges of ``t`` are followed at (±``PERIOD_TOL``·P), or its quarter,
    third or half when those score ≥ ``SUBMULTIPLE_SCORE`` of it as well (so a multiple of the period is not
    taken for it; a missed discharge lowers the score at P but not at 2P), refined as the median of the
    intervals near it. Only intervals at which a chance partner is unlikely are tried (density × window ≤
    ``SPLIT_CHANCE``). 0 when none."""
    span = float(t[-1] - t[0]) if t.size > 1 else 0.0
    if span <= 0.0:
        return 0.0
    density = t.size / span
    lags = np.concatenate([t[k:] - t[:-k] for k in range(1, min(7, t.size))])
    lo, hi = 1.0 / SPLIT_RATE_HZ[1], min(1.0 / SPLIT_RATE_HZ[0], SPLIT_CHANCE / (2.0 * SPLIT_TOL * density))
    cand = np.unique(lags[(lags >= lo) & (lags <= hi)])
    for p in exclude:
        cand = cand[np.abs(cand - p) > PERIOD_TOL * p]
    if cand.size == 0:
        return 0.0
    if cand.size > SPLIT_CANDIDATES:
        cand = cand[np.linspace(0, cand.size - 1, SPLIT_CANDIDATES).astype(np.int64)]
    score = _followed(t, cand)
    best = int(score.max())
    if best == 0:
        return 0.0
    period = float(cand[int(np.argmax(score))])
    for k in (4, 3, 2):  # a sub-multiple followed as often is the period itself
        if period / k >= lo and _followed(t, np.array([period / k]))[0] >= SUBMULTIPLE_SCORE * best:
            period /= k
            break
    near = lags[np.abs(lags - period) <= PERIOD_TOL * period]
    return float(np.median(near)) if near.size else period


def _followed(t: FloatArray, periods: FloatArray) -> IntArray:
    """For each period, how many discharges of ``t`` have another at +period (±``PERIOD_TOL``)."""
    a = np.searchsorted(t, t[None, :] + (1.0 - PERIOD_TOL) * periods[:, None])
    b = np.searchsorted(t, t[None, :] + (1.0 + PERIOD_TOL) * periods[:, None])
    return np.asarray(np.count_nonzero(b > a, axis=1), dtype=np.int64)


def _chain(t: FloatArray, free: NDArray[np.bool_], start: int, period: float) -> list[int]:
    """Discharges of ``t`` followed from ``start`` at whole multiples (≤ ``SPLIT_MAX_SKIP``) of ``period``
    within ±``SPLIT_TOL``·P·√k of the prediction (nearest taken)."""
    out = [start]
    cur = start
    while True:
        nxt = -1
        for k in range(1, SPLIT_MAX_SKIP + 1):
            w = SPLIT_TOL * period * np.sqrt(k)
            lo = int(np.searchsorted(t, t[cur] + k * period - w))
            hi = int(np.searchsorted(t, t[cur] + k * period + w))
            idx = [j for j in range(lo, hi) if free[j]]
            if idx:
                nxt = min(idx, key=lambda j: abs(t[j] - t[cur] - k * period))
                break
        if nxt < 0:
            return out
        out.append(nxt)
        cur = nxt


def _on_grid(a: FloatArray, b: FloatArray, period: float) -> bool:
    """True when ≥ 80 % of the times ``b`` lie a whole number of ``period`` from the nearest of ``a``
    (±``SPLIT_TOL``·P·√n): two chains of one regular generator broken by a run of missed discharges."""
    j = np.clip(np.searchsorted(a, b), 1, max(a.size - 1, 1))
    left, right = b - a[j - 1], b - a[np.minimum(j, a.size - 1)]
    d = np.where(np.abs(left) < np.abs(right), left, right)
    n = np.maximum(np.abs(np.rint(d / period)), 1.0)
    return bool(np.mean(np.abs(np.abs(d) - n * period) <= SPLIT_TOL * period * np.sqrt(n)) >= 0.8)


def _refined(t: FloatArray, chain: list[int], period: float) -> float:
    d = np.diff(t[chain])
    k = np.maximum(np.rint(d / period), 1.0)
    return float(np.median(d / k)) if d.size else period


def split_regular(times_s: FloatArray) -> list[IntArray]:
    """Indices of the regular sub-trains of ``times_s`` when it is the merge of ≥ 2 regular generators.

    Fibrillating fibres fire regularly (interval CV a few %; clinical.md §3.1); fibres of the same shape
    and size fall into one shape group whose intervals then look irregular. This interval-based
    decomposition (the separation of superimposed periodic trains by their intervals, as in the firing-
    pattern step of EMG decomposition, e.g. McGill et al., J Neurosci Methods 2005) repeatedly takes the
    interval that the most remaining discharges are followed at (:func:`_best_period`), follows the
    longest chain of discharges at that interval (skipping missed ones), refines the interval on it and
    removes it; a chain on the interval grid of an earlier one (:func:`_on_grid`) is joined to it. A chain
    counts when it has ≥ ``SPLIT_MIN_CHAIN`` discharges over ≥ ``SPLIT_MIN_SPAN_S``, with a median interval
    error ≤ ``SPLIT_MAX_JITTER`` of the interval (a regular fibre's are ≈ 2 %; a chain picked by chance from
    irregular firing spreads over the whole ±``SPLIT_TOL`` window, median ≈ 5 %), filling ≥
    ``SPLIT_MIN_COVER`` of its interval grid (a fibre half of whose discharges were lost in overlaps or
    under the threshold still counts) and at least ``SPLIT_COVER_MARGIN`` more than chance: the
    probability that a grid window of ±``SPLIT_TOL``·P holds some remaining discharge, 1 − e^(−ρ·2·tol·P)
    for their density ρ (Poisson), so chance chains from dense irregular firing are refused. When the
    chain at the best interval fails, the next best interval (excluding ±``PERIOD_TOL`` of the failed ones)
    is tried, up to ``SPLIT_TRIES`` in a row, so one unexplained interval does not end the search (the
    iterative "find a regular sub-train, remove it, repeat" of interval-based train separation). The
    split is kept when ≥ 2 chains are found; the discharges in no chain go to the largest chain. Returns
    ``[]`` when the train is not such a merge."""
    chains, free = regular_chains(times_s)
    if len(chains) < 2:
        return []
    chains[0] = np.sort(np.concatenate([chains[0], np.flatnonzero(free)]))
    return chains


def regular_chains(times_s: FloatArray) -> tuple[list[IntArray], NDArray[np.bool_]]:
    """The regular chains of ``times_s`` (indices into the sorted times, largest first) found by the search
    of :func:`split_regular` — possibly only one — and the mask of the discharges in none of them."""
    t = np.sort(np.asarray(times_s, dtype=np.float64))
    free = np.ones(t.size, dtype=bool)
    chains: list[IntArray] = []
    failed: list[float] = []
    while np.count_nonzero(free) >= SPLIT_MIN_CHAIN and len(chains) < SPLIT_MAX_CHAINS:
        idx = np.flatnonzero(free)
        period = p0 = _best_period(t[idx], failed)
        if period <= 0.0:
            break
        best: list[int] = []
        for start in idx[: min(idx.size, 8)]:
            c = _chain(t, free, int(start), period)
            if len(c) > len(best):
                best = c
        if len(best) >= 3:
            period = _refined(t, best, period)
            again = _chain(t, free, best[0], period)
            best = again if len(again) >= len(best) else best
        c_arr = np.asarray(best, dtype=np.int64)
        span = float(t[c_arr[-1]] - t[c_arr[0]])
        cover = c_arr.size / (span / period + 1.0)
        d = np.diff(t[c_arr])
        mult = np.maximum(np.rint(d / period), 1.0)
        jitter = float(np.median(np.abs(d / mult - period)) / period) if d.size else 1.0
        short = c_arr.size < SPLIT_MIN_CHAIN or span < SPLIT_MIN_SPAN_S
        free_t = t[idx]
        density = free_t.size / max(float(free_t[-1] - free_t[0]), 1e-9)
        chance = 1.0 - np.exp(-density * 2.0 * SPLIT_TOL * period)
        cover_min = max(SPLIT_MIN_COVER, chance + SPLIT_COVER_MARGIN)
        if short or cover < cover_min or jitter > SPLIT_MAX_JITTER:
            failed.append(p0)
            if len(failed) >= SPLIT_TRIES:
                break
            continue
        failed.clear()
        free[c_arr] = False
        for k, other in enumerate(chains):
            if _on_grid(t[other], t[c_arr], period):
                chains[k] = np.sort(np.concatenate([other, c_arr]))
                break
        else:
            chains.append(c_arr)
    chains.sort(key=lambda c: -c.size)
    return chains, free
