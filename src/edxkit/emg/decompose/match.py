"""Resolution of superimposed discharges by greedy template subtraction ("peel-off").

Each round scores every template at every sample by the energy it would remove from the residual,
``2·<r, T> − ‖T‖²`` (the matched-filter / binary-pursuit criterion; McGill et al. 2005, Pillow et al. 2013),
computed by overlap-save FFT correlation (float32, one FFT of each block shared by all templates), and
after each round only on the blocks where the residual changed.
The best template at each sample is kept when its least-squares amplitude ``<r, T>/‖T‖²`` lies within
[A_MIN, A_MAX] and it removes at least ``ETA``·‖T‖² and ``Z`` standard deviations of the noise term; local
maxima of that score (non-maximum suppression over ``NMS_MS``) are accepted together — greedily by score,
skipping one whose core (|T| ≥ 15 % of its peak) overlaps a core already taken this round — their position is
refined to a fraction of a sample by a parabola through the score, and the template, shifted by that
fraction (Fourier shift), is subtracted. The rounds repeat on the residual, which uncovers discharges
hidden under larger ones, until nothing more is accepted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from numpy.typing import NDArray
from scipy.fft import irfft, rfft  # type: ignore[import-untyped]
from scipy.ndimage import maximum_filter1d  # type: ignore[import-untyped]

from edxkit.dsp.peaks import parabolic_offset
from edxkit.emg.decompose.align import delay

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

A_MIN, A_MAX = 0.65, 1.5
ETA = 0.35
Z = 5.0
NMS_MS = 0.5
MAX_ROUNDS = 6
N_FRACTIONS = 16
CORE_FRACTION = 0.15


@dataclass(frozen=True)
class MatchTemplate:
    """A template as used for subtraction: its samples and the sample of its largest magnitude."""

    wave: FloatArray
    peak: int
    core: tuple[int, int] = field(init=False, repr=False)
    """Span (relative to the peak sample) where |template| ≥ CORE_FRACTION of its peak."""
    energy: float = field(init=False, repr=False, compare=False)
    """‖wave‖² (computed once: every matching stage asks for it many times)."""
    lag_cache: dict[int, tuple[MatchTemplate, tuple[float, int]]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )
    """Results of :func:`.templates.nrmse_lag` with this template first, by the other template's id (the
    other template is kept with its result, so the id stays its own)."""

    def __post_init__(self) -> None:
        a = np.abs(self.wave)
        big = np.flatnonzero(a >= CORE_FRACTION * a[self.peak])
        object.__setattr__(self, "core", (int(big[0]) - self.peak, int(big[-1]) - self.peak + 1))
        object.__setattr__(self, "energy", float(self.wave @ self.wave))

    @cached_property
    def shifted(self) -> FloatArray:
        """Rows of the template delayed by −0.5, −0.5 + 1/N_FRACTIONS, …, 0.5 sample (computed when first
        needed: many templates are built and dropped without being matched)."""
        grid = np.arange(N_FRACTIONS + 1) / N_FRACTIONS - 0.5
        return delay(np.tile(self.wave, (grid.size, 1)), grid)

    def placed(self, fractions: FloatArray) -> FloatArray:
        """Rows of the template delayed by each fraction (−0.5…0.5 sample)."""
        q = np.clip(np.rint((fractions + 0.5) * N_FRACTIONS), 0, N_FRACTIONS).astype(np.int64)
        return np.asarray(self.shifted[q], dtype=np.float64)


@dataclass(frozen=True)
class Events:
    """Accepted discharges: template (unit) index, template start sample, sub-sample fraction, amplitude."""

    unit: IntArray
    start: IntArray
    fraction: FloatArray
    amplitude: FloatArray

    @staticmethod
    def empty() -> Events:
        return Events(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0), np.empty(0))

    def concat(self, other: Events) -> Events:
        return Events(
            np.concatenate((self.unit, other.unit)),
            np.concatenate((self.start, other.start)),
            np.concatenate((self.fraction, other.fraction)),
            np.concatenate((self.amplitude, other.amplitude)),
        )

    def select(self, keep: BoolArray | IntArray) -> Events:
        return Events(self.unit[keep], self.start[keep], self.fraction[keep], self.amplitude[keep])

    @property
    def size(self) -> int:
        return int(self.unit.size)


def placement(n: int, template: MatchTemplate, start: IntArray, fraction: FloatArray) -> FloatArray:
    """The signal (length ``n``) of ``template`` placed at each start (+ fraction); parts outside are cut."""
    if start.size == 0:
        return np.zeros(n)
    idx = start[:, None] + np.arange(template.wave.size)[None, :]
    vals = template.placed(fraction)
    inside = (idx >= 0) & (idx < n)
    return np.asarray(np.bincount(idx[inside], weights=vals[inside], minlength=n)[:n], dtype=np.float64)


def subtract_placed(r: FloatArray, template: MatchTemplate, start: IntArray, fraction: FloatArray) -> None:
    """``r -= placement(r.size, template, start, fraction)`` in place, touching only the placed samples when
    no two placements overlap (the same values: each sample loses its one placed value)."""
    size = template.wave.size
    if start.size > 1 and bool(np.any(np.diff(np.sort(start)) < size)):
        r -= placement(r.size, template, start, fraction)
        return
    idx = start[:, None] + np.arange(size)[None, :]
    vals = template.placed(fraction)
    if start.size == 0 or (int(start.min()) >= 0 and int(start.max()) + size <= r.size):
        r[idx] = r[idx] - vals
        return
    inside = (idx >= 0) & (idx < r.size)
    sel = idx[inside]
    r[sel] = r[sel] - vals[inside]


def _block_length(longest: int) -> int:
    """FFT length for overlap-save: the power of two ≥ 8 × the longest template (at least 1024)."""
    return 1 << int(np.ceil(np.log2(max(1024, 8 * longest))))


class _Scorer:
    """Correlation of every template with the residual at every start sample, updated where it changed.

    Overlap-save in float32 on fixed frames: the signal is cut into blocks of ``step`` start samples, each
    correlated through one FFT of ``nfft = step + longest − 1`` samples shared by all templates (the
    templates' spectra are computed once); the first ``step`` lags of each frame's circular correlation are
    exact for every template. After a round only the blocks whose windows overlap a changed span are
    recomputed, and :meth:`best` re-screens only those blocks (the samples that passed the coarse screen
    elsewhere are kept from the previous round: their correlations did not change).
    """

    def __init__(self, r: FloatArray, valid: BoolArray, templates: list[MatchTemplate]) -> None:
        self.templates = templates
        self.n = r.size
        self.longest = max(t.wave.size for t in templates)
        self.nfft = _block_length(self.longest)
        self.step = self.nfft - self.longest + 1
        self.blocks = -(-self.n // self.step)
        self._buf = np.zeros((len(templates), self.blocks * self.step), dtype=np.float32)
        self.corr = self._buf[:, : self.n]
        w = np.zeros((len(templates), self.nfft), dtype=np.float32)
        for k, tpl in enumerate(templates):
            w[k, : tpl.wave.size] = tpl.wave
        self._kernels = np.conj(rfft(w, axis=1))
        self.ok_valid = np.zeros((len(templates), self.n), dtype=bool)
        all_valid = bool(valid.all())
        bad = np.concatenate(([0], np.cumsum(~valid, dtype=np.int64)))
        for k, tpl in enumerate(templates):
            fits = self.n - tpl.wave.size + 1
            if fits > 0:
                if all_valid:  # every window that fits holds only valid samples
                    self.ok_valid[k, :fits] = True
                else:
                    self.ok_valid[k, :fits] = bad[tpl.wave.size : tpl.wave.size + fits] == bad[:fits]
        # blocks recomputed since the last call of best(), and the screened samples it found then (by
        # template; valid for the blocks not recomputed since, as long as sigma is the same)
        self._dirty = np.ones(self.blocks, dtype=bool)
        self._screened: list[IntArray] = []
        self._screen_sigma = float("nan")
        self._correlate(r, np.arange(self.blocks))

    def _screen(self, k: int, level: np.float32, stop: int) -> IntArray:
        """Start samples below ``stop`` where template ``k``'s correlation exceeds ``level``, ascending: the
        previous result outside the blocks recomputed since, a fresh search inside them."""
        if len(self._screened) <= k or self._dirty.all():
            return np.flatnonzero(self.corr[k, :stop] > level)
        old = self._screened[k]
        kept = old[~self._dirty[old // self.step]]
        dirty = np.flatnonzero(self._dirty)
        if dirty.size == 0:
            return kept
        flat = np.flatnonzero(self._buf[k].reshape(self.blocks, self.step)[dirty] > level)
        fresh = dirty[flat // self.step] * self.step + flat % self.step
        return np.sort(np.concatenate((kept, fresh[fresh < stop])))

    def _correlate(self, r: FloatArray, blocks: IntArray) -> None:
        """Recompute the correlations of the start-sample blocks ``blocks`` on the residual ``r``."""
        if blocks.size == 0:
            return
        padded = np.zeros(self.blocks * self.step + self.nfft, dtype=np.float32)
        padded[: self.n] = r
        frames = np.lib.stride_tricks.as_strided(
            padded,
            shape=(self.blocks, self.nfft),
            strides=(self.step * padded.itemsize, padded.itemsize),
            writeable=False,
        )
        spec = rfft(frames[blocks], axis=1)
        product = np.empty_like(spec)
        for k, tpl in enumerate(self.templates):
            np.multiply(spec, self._kernels[k], out=product)
            rows = self._buf[k].reshape(self.blocks, self.step)
            rows[blocks] = irfft(product, n=self.nfft, axis=1)[:, : self.step]
            # Windows that run past the end are not correlations of the signal. They can lie in the last
            # two blocks (a template longer than the last block's share), so clear them after any update.
            self._buf[k, max(self.n - tpl.wave.size + 1, 0) :] = 0.0
        self._dirty[blocks] = True

    def update(self, r: FloatArray, lo: IntArray, hi: IntArray) -> None:
        """Recompute the correlations of every window that overlaps a changed span ``lo[i]:hi[i]``."""
        if lo.size == 0:
            return
        first = np.clip((lo - self.longest + 1) // self.step, 0, self.blocks - 1)
        stop = np.clip((hi - 1) // self.step + 1, 1, self.blocks)
        mark = np.zeros(self.blocks + 1, dtype=np.int64)
        np.add.at(mark, first, 1)
        np.add.at(mark, stop, -1)
        self._correlate(r, np.flatnonzero(np.cumsum(mark[:-1]) > 0))

    def best(self, sigma: float) -> tuple[FloatArray, IntArray]:
        """Best acceptable score at each peak sample (−inf where none) and its template."""
        best = np.full(self.n, -np.inf)
        which = np.zeros(self.n, dtype=np.int64)
        if sigma != self._screen_sigma:
            self._screened = []
            self._screen_sigma = sigma
        screened: list[IntArray] = []
        for k, tpl in enumerate(self.templates):
            energy = tpl.energy
            floor = max(ETA * energy, Z * 2.0 * sigma * np.sqrt(energy))
            lowest = max(A_MIN * energy, 0.5 * (floor + energy))
            # coarse float32 screen (a little wide), then the exact test on the few samples left
            at = self._screen(k, np.float32(0.999 * lowest), self.n - tpl.peak)
            screened.append(at)
            at = at[self.ok_valid[k, at]]
            corr = self.corr[k, at].astype(np.float64)
            score = 2.0 * corr - energy
            fine = (corr > A_MIN * energy) & (corr < A_MAX * energy) & (score > floor)
            at, score = at[fine], score[fine]
            peak = at + tpl.peak
            better = score > best[peak]
            best[peak[better]] = score[better]
            which[peak[better]] = k
        self._screened = screened
        self._dirty[:] = False
        return best, which


def _select(best: FloatArray, which: IntArray, templates: list[MatchTemplate], half: int) -> IntArray:
    """Local score maxima, accepted greedily by score when their cores do not overlap one already taken."""
    peaks = local_maxima(best, half)
    if peaks.size == 0:
        return peaks
    rank = np.empty(peaks.size, dtype=np.int64)
    rank[np.argsort(-best[peaks], kind="stable")] = np.arange(peaks.size)
    cores = np.array([t.core for t in templates], dtype=np.int64).reshape(-1, 2)
    k = which[peaks]
    lo = np.maximum(peaks + cores[k, 0], 0)
    hi = np.minimum(peaks + cores[k, 1], best.size)
    return peaks[greedy_disjoint(lo, hi, rank)]


def local_maxima(best: FloatArray, half: int) -> IntArray:
    """Samples where ``best`` is finite and not below its maximum over ±``half`` samples (−inf beyond the
    ends): ``maximum_filter1d`` evaluated only on the stretches around finite samples, which are few.

    Finite samples closer than 2·``half`` + 1 form one stretch, widened by ``half`` on both sides; the
    stretches are filtered as one array, which is exact because each ends and begins with ``half`` samples of
    −inf, so no finite sample's window reaches into the next stretch."""
    scored = np.flatnonzero(np.isfinite(best))
    if scored.size == 0:
        return scored
    cut = np.flatnonzero(np.diff(scored) > 2 * half)
    first = np.maximum(np.concatenate((scored[:1], scored[cut + 1])) - half, 0)
    stop = np.minimum(np.concatenate((scored[cut], scored[-1:])) + half + 1, best.size)
    length = stop - first
    idx = np.arange(int(length.sum())) + np.repeat(first - (np.cumsum(length) - length), length)
    local = maximum_filter1d(best[idx], size=2 * half + 1, mode="constant", cval=-np.inf)
    return scored[best[scored] >= local[np.searchsorted(idx, scored)]]


def greedy_disjoint(lo: IntArray, hi: IntArray, rank: IntArray) -> BoolArray:
    """Which of the non-empty intervals ``lo[i]:hi[i]`` the greedy pass keeps when it takes them in order of
    ``rank`` (0 first) and skips any that overlaps one already kept.

    Computed without the sequential pass: an interval whose rank beats that of every live interval it overlaps
    is kept by the greedy pass (all better-ranked ones it overlaps were dropped), and the intervals it
    overlaps are dropped; repeating this on the live intervals gives exactly the greedy result (the greedy
    maximal independent set of the overlap graph for a fixed order).
    """
    m = lo.size
    order = np.argsort(lo, kind="stable")
    a, b = lo[order], hi[order]
    us: list[IntArray] = []
    vs: list[IntArray] = []
    d = 1
    while d < m:
        # sorted by start, interval i + d overlaps interval i iff it starts before i ends; once no pair at
        # distance d overlaps, no pair further apart does
        hit = np.flatnonzero(a[d:] < b[:-d])
        if hit.size == 0:
            break
        us.append(order[hit])
        vs.append(order[hit + d])
        d += 1
    keep = np.zeros(m, dtype=bool)
    if not us:
        keep[:] = True
        return keep
    u, v = np.concatenate(us), np.concatenate(vs)
    linked = np.zeros(m, dtype=bool)
    linked[u] = True
    linked[v] = True
    keep[~linked] = True
    alive = linked
    while u.size:
        nearest = np.full(m, m, dtype=np.int64)
        np.minimum.at(nearest, u, rank[v])
        np.minimum.at(nearest, v, rank[u])
        win = alive & (rank < nearest)
        keep |= win
        alive &= ~win
        alive[v[win[u]]] = False
        alive[u[win[v]]] = False
        live = alive[u] & alive[v]
        alone = alive.copy()
        alone[u[live]] = False
        alone[v[live]] = False
        keep |= alone
        alive &= ~alone
        u, v = u[live], v[live]
    return keep


def _rounds(
    r: FloatArray, scorer: _Scorer, templates: list[MatchTemplate], sigma: float, half: int, max_rounds: int
) -> tuple[Events, FloatArray]:
    """Single-template subtraction rounds until nothing more is accepted (``r`` is updated in place)."""
    events = Events.empty()
    for round_ in range(max_rounds):
        best, which = scorer.best(sigma)
        peaks = _select(best, which, templates, half)
        if peaks.size == 0:
            break
        spans_lo: list[IntArray] = []
        spans_hi: list[IntArray] = []
        for k, tpl in enumerate(templates):
            p = peaks[which[peaks] == k]
            if p.size == 0:
                continue
            start = p - tpl.peak
            c = scorer.corr[k]
            s0 = c[start].astype(np.float64)
            frac = parabolic_offset(c[np.maximum(start - 1, 0)], s0, c[np.minimum(start + 1, r.size - 1)])
            subtract_placed(r, tpl, start, frac)
            spans_lo.append(start)
            spans_hi.append(start + tpl.wave.size)
            events = events.concat(Events(np.full(p.size, k, dtype=np.int64), start, frac, s0 / tpl.energy))
        if round_ + 1 < max_rounds:  # after the last round the scores are not read again
            scorer.update(r, np.concatenate(spans_lo), np.concatenate(spans_hi))
    return events, r


def peel(
    uv: FloatArray,
    valid: BoolArray,
    templates: list[MatchTemplate],
    sigma: float,
    fs_hz: float,
    *,
    max_rounds: int = MAX_ROUNDS,
) -> tuple[Events, FloatArray]:
    """Greedy template subtraction over the whole signal; returns the accepted events and the residual."""
    r = np.array(uv, dtype=np.float64)
    events = Events.empty()
    if not templates or r.size == 0 or max(t.wave.size for t in templates) >= r.size:
        return events, r
    half = max(1, round(NMS_MS * fs_hz / 1000.0))
    scorer = _Scorer(r, valid, templates)
    events, r = _rounds(r, scorer, templates, sigma, half, max_rounds)
    return events, r
