"""Measures of one motor unit action potential (MUAP) template.

Definitions follow the standard terminology proposal (Stålberg et al. 1986, J Clin Neurophysiol; muap-norms
C16–C21; clinical.md §2.8, §3.2). Samples carry their physical sign (negative = upward on an EMG display).

Duration markers (:func:`duration_markers`)
    Automatic marker placement in the spirit of the Stålberg/Nandedkar and Stashuk methods (muap-norms
    C22/C23): search outward from the main peak for where the signal leaves / returns to, and stays at, the
    baseline, with an amplitude level tied to the noise of the (averaged) template and a slope criterion.

    *Baseline.* Estimated robustly from both ends of the template (the window should reach well beyond the
    potential, e.g. ±15 ms): the median of each 2-ms end window that is *quiet* (its 0.5-ms moving average
    varies by at most the marker level, so an end that cuts into a potential is not used) and, after the
    first pass, lies outside the potential found. Two quiet ends that agree within the level give a straight
    line between them (a slow linear drift is removed); two ends that disagree by more (one end sits on a
    slow component or on wander) give the constant of the end nearer zero (the signal is high-pass filtered,
    so its true baseline is near zero); no quiet end gives the median of the end nearer zero. The baseline
    is never a running (high-pass) estimate, so it cannot swallow the slow components of the potential.

    *Level.* ``level = max(10 µV, 3 × noise of the 0.5-ms smoothed template)``, the noise being the larger of
    (a) ``noise_uv`` (the noise left on the averaged template, recording noise / √(number of averaged
    discharges), supplied by the caller) or the template's own white noise (robust rms of its sample
    differences / √2), scaled by the 1/√width gain of the moving average, and (b) the noise measured on the
    smoothed template outside the potential from its changes across 0.5 ms (robust rms / √2) — a slowly
    wandering baseline barely changes over 0.5 ms, so wander does not inflate the level (the earlier method
    measured the spread of the smoothed signal itself, which wander raised until the markers hugged the
    spike). 10 µV is the simulator truth's amplitude threshold (:mod:`edxkit.simulate.emg.measures`).

    *Markers.* The template minus its baseline is smoothed with a 0.5-ms moving average; a sample is
    *active* when the smoothed signal lies outside ``±level`` or changes by more than ``level`` across the
    0.5-ms window (slope criterion). Active samples separated by less than an isoelectric interval of
    :data:`HOLD_MS` are joined; the onset and end markers are the first and last samples of the joined run
    that contains the main peak, each then moved inward to the first (last) sample where the template
    smoothed over 0.1 ms leaves ``±level`` (the 0.5-ms smoothing widens the run by up to 0.25 ms on each
    side). Baseline, level and markers are iterated (at most :data:`MARKER_PASSES` passes) until the
    baseline and level settle. The thresholds are textbook-style choices (TB): the exact values of the
    commercial methods were not available (muap-norms §9 item 4).
Satellite
    Another joined run outside the markers, separated from the MUAP by at least the isoelectric interval,
    whose peak exceeds twice the marker level (a time-locked late/linked component in an averaged template).
    ``satellite_latency_ms`` is the time from the main peak to the satellite's largest sample.
Amplitude
    Peak-to-peak between the markers (largest minus smallest sample).
Phases
    Baseline crossings + 1 between the markers (C16), counted with a baseline band: a lobe between two
    zero crossings is a phase only when its peak clears the band (max(5 µV, 3 × noise)) and its area
    clears band × 0.1 ms, so noise wiggles around zero and slivers are not phases; consecutive qualifying
    lobes of the same sign form one phase. Polyphasic = more than 4 phases (C13).
Turns
    Changes of direction whose excursion from the previous turning point is at least 25 µV (C17), or
    6 × noise when that is larger, counted with a zig-zag (hysteresis) walk whose first and last samples are
    anchors (a clean biphasic potential has 2 turns, a triphasic 3).
Area, thickness, size index
    Area = integral of the rectified signal between the markers (µV·ms); thickness = area / amplitude (ms);
    size index = 2·log10(amplitude in mV) + thickness (Sonoo & Stålberg 1993, C19/C20).
Rise time
    From the positive peak preceding the main spike's negative peak to that peak (Stålberg et al. 1986; the
    main spike is the largest-magnitude one, whatever the recording's polarity). The preceding peak is the
    last turning point before the main peak found with the phase band as hysteresis (max(5 µV, 3 × noise)),
    not with the 25-µV turn criterion, so a small positive peak just before the spike counts as it does by
    eye; with no peak before it, the onset marker is used. A MUAP is *sharp* (recorded close enough to be
    accepted for analysis) when the rise time is below 0.5 ms (TB).
Spike duration
    From the first to the last positive peak (C21, Stålberg et al. 1986) among the turning points; when no
    positive peak precedes (follows) the most negative sample, the onset (end) marker is used instead.

Phases and turns are counted on the template smoothed with a 0.1-ms moving average when ``noise_uv`` or the
template's own baseline noise (measured outside the markers) is 2 µV or more; the band and turn criteria
then rise with that noise (band 3 ×, turn step 6 × the noise of the smoothed template). A clean template is
used as it is.

The primitives (:func:`peak_to_peak_uv`, :func:`count_phases`, :func:`count_turns`,
:func:`rectified_area_uv_ms`) are also used by the simulator's truth measures
(:mod:`edxkit.simulate.emg.measures`), which differ from :func:`measure_muap` only in their markers
(a fixed 10-µV amplitude threshold on clean templates).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

SMOOTH_MS = 0.5
PHASE_SMOOTH_MS = 0.1
HOLD_MS = 1.0
EDGE_MS = 2.0
MARKER_FLOOR_UV = 10.0
MARKER_NOISE_FACTOR = 3.0
PHASE_BAND_UV = 5.0
PHASE_NOISE_FACTOR = 3.0
PHASE_MIN_WIDTH_MS = 0.1
TURN_UV = 25.0
TURN_NOISE_FACTOR = 6.0
SATELLITE_FACTOR = 2.0
MARKER_PASSES = 4
CLEAN_NOISE_UV = 2.0
POLYPHASIC_PHASES = 4
SHARP_RISE_MS = 0.5


@dataclass(frozen=True, slots=True)
class MuapMeasures:
    """Measures of one MUAP (module docstring gives each definition).

    Attributes
    ----------
    amplitude_uv : float
        Peak-to-peak amplitude between the markers (µV).
    duration_ms : float
        ``end_ms - onset_ms``.
    onset_ms, end_ms : float
        Duration markers relative to the main peak (onset ≤ 0 ≤ end).
    phases, turns : int
        Phases (baseline crossings + 1) and turns (≥ 25 µV direction changes).
    area_uv_ms : float
        Rectified area between the markers (µV·ms).
    thickness_ms : float
        Area / amplitude (ms); NaN for a flat template.
    size_index : float
        2·log10(amplitude mV) + thickness (Sonoo & Stålberg 1993); NaN for a flat template.
    spike_duration_ms : float
        First to last positive peak (ms).
    satellite : bool
        A time-locked component separated from the MUAP by an isoelectric interval.
    satellite_latency_ms : float or None
        Main peak to the satellite's largest sample (ms; negative when it precedes the MUAP).
    rise_time_ms : float
        From the positive peak preceding the main negative peak to that peak (ms; the onset marker when no
        peak precedes it; the recording's polarity is normalised first); NaN for a flat template.
    """

    amplitude_uv: float
    duration_ms: float
    onset_ms: float
    end_ms: float
    phases: int
    turns: int
    area_uv_ms: float
    thickness_ms: float
    size_index: float
    spike_duration_ms: float
    satellite: bool
    satellite_latency_ms: float | None
    rise_time_ms: float = math.nan

    @property
    def polyphasic(self) -> bool:
        """More than 4 phases (muap-norms C13)."""
        return self.phases > POLYPHASIC_PHASES

    @property
    def sharp(self) -> bool:
        """Rise time below 0.5 ms: the usual acceptance criterion for a MUAP recorded close to the unit."""
        return self.rise_time_ms < SHARP_RISE_MS


# ---------------------------------------------------------------- primitives (shared with the simulator)


def peak_to_peak_uv(segment_uv: FloatArray) -> float:
    """Largest minus smallest sample (µV); 0 for an empty segment."""
    return float(np.ptp(segment_uv)) if segment_uv.size else 0.0


def rectified_area_uv_ms(segment_uv: FloatArray, fs_hz: float) -> float:
    """Integral of |segment| (µV·ms), rectangle rule."""
    return float(np.sum(np.abs(segment_uv))) * 1000.0 / fs_hz if segment_uv.size else 0.0


def count_phases(
    segment_uv: FloatArray, band_uv: float, min_area_uv_ms: float = 0.0, fs_hz: float = 1.0
) -> int:
    """Baseline crossings + 1, counting only lobes that clear ``band_uv`` (and ``min_area_uv_ms``).

    The segment is split at its sign changes; a lobe qualifies when its peak magnitude is ≥ ``band_uv`` and
    its rectified area is ≥ ``min_area_uv_ms`` (area uses ``fs_hz``). Phases = sign changes between
    consecutive qualifying lobes + 1; 0 when no lobe qualifies. With ``min_area_uv_ms = 0`` this equals the
    hysteresis rule "a crossing counts when the signal goes from ≥ +band to ≤ −band or back".
    """
    if segment_uv.size == 0:
        return 0
    sign = np.sign(segment_uv)
    nonzero = np.flatnonzero(sign)
    if nonzero.size == 0:
        return 0
    x, s = segment_uv[nonzero], sign[nonzero]
    starts = np.concatenate([[0], np.flatnonzero(np.diff(s)) + 1])
    peak = np.maximum.reduceat(np.abs(x), starts)
    area = np.add.reduceat(np.abs(x), starts) * 1000.0 / fs_hz
    keep = (peak >= band_uv) & (area >= min_area_uv_ms)
    signs = s[starts][keep]
    return int(np.count_nonzero(np.diff(signs))) + 1 if signs.size else 0


def extrema(segment_uv: FloatArray) -> tuple[IntArray, FloatArray]:
    """Indices and values of the segment's end points and local extrema, in order (plateaus count once)."""
    n = segment_uv.size
    if n == 0:
        return np.empty(0, dtype=np.int64), np.empty(0)
    slope = np.sign(np.diff(segment_uv))
    nz = np.flatnonzero(slope)
    keep = nz[1:][slope[nz[1:]] != slope[nz[:-1]]] if nz.size > 1 else np.empty(0, dtype=np.int64)
    idx = np.concatenate([[0], keep, [n - 1]]).astype(np.int64)
    return idx, segment_uv[idx]


def turning_points(segment_uv: FloatArray, turn_uv: float) -> IntArray:
    """Indices of the turning points whose excursions are ≥ ``turn_uv`` (zig-zag with hysteresis).

    The walk starts at the first sample; a direction is established once the signal has moved ``turn_uv``
    from it; a turning point is the running extreme at the moment the signal has come back by ``turn_uv``;
    the last extreme counts when the segment's last sample lies ``turn_uv`` away from it.
    """
    idx, values = extrema(segment_uv)
    if idx.size == 0:
        return np.empty(0, dtype=np.int64)
    points: list[float] = values.tolist()  # plain floats: the walk is sequential
    anchor = points[0]
    extreme_at, extreme, trend = 0, anchor, 0
    found: list[int] = []
    for k in range(1, len(points)):
        v = points[k]
        if trend == 0:
            trend = 1 if v - anchor >= turn_uv else (-1 if anchor - v >= turn_uv else 0)
            if trend:
                extreme_at, extreme = k, v
        elif (v - extreme) * trend > 0:
            extreme_at, extreme = k, v
        elif abs(v - extreme) >= turn_uv:
            found.append(extreme_at)
            trend, extreme_at, extreme = -trend, k, v
    if trend != 0 and abs(extreme - points[-1]) >= turn_uv:
        found.append(extreme_at)
    return idx[np.asarray(found, dtype=np.int64)]


def count_turns(segment_uv: FloatArray, turn_uv: float = TURN_UV) -> int:
    """Number of turning points of at least ``turn_uv`` (see :func:`turning_points`)."""
    return int(turning_points(segment_uv, turn_uv).size)


# ---------------------------------------------------------------- markers


def moving_average(x: FloatArray, width: int) -> FloatArray:
    """Centred moving average over ``width`` samples (edges averaged over the samples available)."""
    width = min(width, x.size)  # np.convolve(mode="same") returns the longer of the two lengths
    if width <= 1 or x.size == 0:
        return x.copy()
    kernel = np.ones(width)
    return np.convolve(x, kernel, mode="same") / np.convolve(np.ones(x.size), kernel, mode="same")


def _runs(mask: NDArray[np.bool_], bridge: int) -> tuple[IntArray, IntArray]:
    """First and last index of the runs of ``mask``, runs closer than ``bridge`` samples joined."""
    on = np.flatnonzero(mask)
    if on.size == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    breaks = np.flatnonzero(np.diff(on) > bridge)
    first = np.concatenate([on[:1], on[breaks + 1]]).astype(np.int64)
    last = np.concatenate([on[breaks], on[-1:]]).astype(np.int64)
    return first, last


def _robust_rms(x: FloatArray) -> float:
    return float(np.median(np.abs(x - np.median(x))) / 0.6745) if x.size else 0.0


@dataclass(frozen=True, slots=True)
class Markers:
    """Result of :func:`duration_markers` (sample indices into the template; ``level_uv`` the marker level,
    ``noise_uv`` the template noise used, ``baseline_uv`` the baseline subtracted, one value per sample)."""

    onset: int
    end: int
    main: int
    level_uv: float
    noise_uv: float
    satellite: int | None
    baseline_uv: FloatArray | None = None


def _active(s: FloatArray, level: float, half: int) -> NDArray[np.bool_]:
    change = np.zeros_like(s)
    if s.size > 2 * half and half > 0:
        change[half:-half] = np.abs(s[2 * half :] - s[: -2 * half])
    return (np.abs(s) > level) | (change > level)


def _refined(p: FloatArray, onset: int, end: int, main: int, level: float) -> tuple[int, int]:
    """Markers moved inward to the first/last sample of the 0.1-ms smoothed signal outside ±``level``."""
    left = np.flatnonzero(np.abs(p[onset : main + 1]) > level)
    right = np.flatnonzero(np.abs(p[main : end + 1]) > level)
    return (onset + int(left[0]) if left.size else onset), (main + int(right[-1]) if right.size else end)


def _edge_baseline(x: FloatArray, edge: int, width: int, level: float, busy: tuple[int, int]) -> FloatArray:
    """Baseline from the template's two ends: the median of each end window of ``edge`` samples that is
    *quiet* (its ``width``-sample moving average varies by at most ``level``, so the end does not cut into a
    potential) and lies outside ``busy`` (the potential's samples). Two such ends within ``level`` of each
    other give a straight line through them (at the windows' centres); two that differ by more give the
    constant of the one nearer zero (the other sits on a slow component or on wander: a line would swallow
    or cut it); one gives its constant; none gives the median of the end nearer zero."""
    n = x.size
    if n < 4 * edge:
        return np.zeros(n)
    sides = []
    for lo, hi in ((0, edge), (n - edge, n)):
        w = moving_average(x[lo:hi], width)
        if float(np.ptp(w)) <= level and (hi <= busy[0] or lo > busy[1]):
            sides.append(((lo + hi - 1) / 2.0, float(np.median(x[lo:hi]))))
    if not sides:
        return np.full(n, _baseline(x, edge))
    if len(sides) == 1 or abs(sides[0][1] - sides[1][1]) > level:
        return np.full(n, min((v for _, v in sides), key=abs))
    (t0, v0), (t1, v1) = sides
    return np.asarray(v0 + (v1 - v0) * (np.arange(n) - t0) / (t1 - t0), dtype=np.float64)


def _hf_noise(x: FloatArray) -> float:
    """Robust rms of the sample-to-sample differences / √2: the white part of the noise, blind to slow
    components and to a wandering baseline."""
    return _robust_rms(np.diff(x)) / math.sqrt(2.0) if x.size > 2 else 0.0


def _slope_noise(s: FloatArray, width: int, busy: tuple[int, int]) -> float:
    """Noise of the smoothed template ``s`` from its changes across ``width`` samples outside ``busy``
    (robust rms / √2): a slowly wandering baseline barely changes over 0.5 ms, so unlike the spread of ``s``
    itself this does not mistake wander or slow components for noise. 0 when too few samples are outside."""
    if s.size <= width:
        return 0.0
    d = s[width:] - s[:-width]
    i = np.arange(d.size)
    out = d[(i + width < busy[0]) | (i > busy[1])]
    return _robust_rms(out) / math.sqrt(2.0) if out.size >= 2 * width else 0.0


def _run_with_main(
    s: FloatArray, level: float, half: int, hold: int, main: int
) -> tuple[int, int, IntArray, IntArray]:
    first, last = _runs(_active(s, level, half), hold)
    k = np.flatnonzero((first <= main + hold) & (last >= main - hold))
    onset, end = (int(first[k[0]]), int(last[k[-1]])) if k.size else (main, main)
    return min(onset, main), max(end, main), first, last


def duration_markers(x_uv: FloatArray, fs_hz: float, main: int, noise_uv: float = 0.0) -> Markers:
    """Onset/end markers of the potential containing sample ``main`` (module docstring: method).

    ``x_uv`` is the template as recorded (its baseline is estimated here and returned in
    :attr:`Markers.baseline_uv`); ``noise_uv`` is the rms noise left on it (for an average of N discharges,
    the recording noise / √N), 0 when unknown (the template's own noise is then measured).
    """
    x = np.asarray(x_uv, dtype=np.float64)
    width = max(1, round(SMOOTH_MS * fs_hz / 1000.0))
    hold = max(1, round(HOLD_MS * fs_hz / 1000.0))
    edge = max(1, round(EDGE_MS * fs_hz / 1000.0))
    noise = max(float(noise_uv), _hf_noise(x))
    level = max(MARKER_FLOOR_UV, MARKER_NOISE_FACTOR * noise / math.sqrt(width))
    n = x.size
    base = _edge_baseline(x, edge, width, level, (n, -1))
    for _ in range(MARKER_PASSES):  # later passes: ends and noise from outside the potential found
        s = moving_average(x - base, width)
        onset, end, _, _ = _run_with_main(s, level, width // 2, hold, main)
        busy = (onset - hold, end + hold)
        new_level = max(level, MARKER_FLOOR_UV, MARKER_NOISE_FACTOR * _slope_noise(s, width, busy))
        new_base = _edge_baseline(x, edge, width, new_level, busy)
        if np.array_equal(new_base, base) and new_level <= 1.05 * level:
            break
        base, level = new_base, new_level
    y = x - base
    s = moving_average(y, width)
    onset, end, first, last = _run_with_main(s, level, width // 2, hold, main)
    onset, end = _refined(
        moving_average(y, max(1, round(PHASE_SMOOTH_MS * fs_hz / 1000.0))), onset, end, main, level
    )
    satellite = None
    others = np.flatnonzero((last < onset) | (first > end)) if first.size else np.empty(0, dtype=np.int64)
    if others.size:
        peaks = np.array([np.max(np.abs(s[first[j] : last[j] + 1])) for j in others])
        best = int(np.argmax(peaks))
        if peaks[best] >= SATELLITE_FACTOR * level:
            j = int(others[best])
            satellite = int(first[j] + np.argmax(np.abs(y[first[j] : last[j] + 1])))
    return Markers(onset, end, main, level, noise, satellite, base)


# ---------------------------------------------------------------- the measures


def _main_spike_down(seg: FloatArray) -> FloatArray:
    """``seg`` oriented so that its main spike (largest magnitude) is negative: recordings wired with the
    opposite polarity (e.g. some N2001 and R00108 units, whose main spike is positive) are measured alike."""
    return seg if -float(seg.min()) >= float(seg.max()) else -seg


def _rise_time_ms(seg: FloatArray, turns_at: IntArray, fs_hz: float) -> float:
    seg = _main_spike_down(seg)
    neg = int(np.argmin(seg))
    before = turns_at[turns_at < neg] if turns_at.size else turns_at
    return (neg - (int(before[-1]) if before.size else 0)) * 1000.0 / fs_hz


def _spike_duration_ms(seg: FloatArray, turns_at: IntArray, onset: int, end: int, fs_hz: float) -> float:
    seg = _main_spike_down(seg)
    neg = int(np.argmin(seg))
    positive = turns_at[seg[turns_at] > 0] if turns_at.size else turns_at
    before, after = positive[positive < neg], positive[positive > neg]
    first = int(before[0]) if before.size else 0
    last = int(after[-1]) if after.size else end - onset
    return max(last - first, 0) * 1000.0 / fs_hz


def _check(template_uv: FloatArray, fs_hz: float) -> FloatArray:
    x = np.asarray(template_uv, dtype=np.float64).ravel()
    if x.size == 0:
        raise ValueError("the MUAP template has no samples")
    if not np.all(np.isfinite(x)):
        raise ValueError("the MUAP template has NaN or infinite samples")
    if not (math.isfinite(fs_hz) and fs_hz > 0):
        raise ValueError(f"fs_hz must be a positive number; got {fs_hz!r}")
    return x


def _baseline(x: FloatArray, edge: int) -> float:
    """Median of the first or of the last ``edge`` samples, whichever is nearer zero (a fallback)."""
    if x.size < 4 * edge:
        return 0.0
    first, last = float(np.median(x[:edge])), float(np.median(x[-edge:]))
    return first if abs(first) <= abs(last) else last  # an edge inside a cut-off potential sits off zero


def _counting_signal(x: FloatArray, fs_hz: float, mk: Markers, noise_uv: float) -> tuple[FloatArray, float]:
    """The signal phases and turns are counted on, and its noise (measured outside the markers).

    A clean template (noise given and measured both below 2 µV) is used as it is; otherwise a 0.1-ms moving
    average.
    """
    hold = max(1, round(HOLD_MS * fs_hz / 1000.0))
    outside = np.concatenate([x[: max(mk.onset - hold, 0)], x[mk.end + hold + 1 :]])
    measured = _robust_rms(outside) if outside.size >= 2 * hold else 0.0
    if max(noise_uv, measured) < CLEAN_NOISE_UV:
        return x, 0.0
    p = moving_average(x, max(1, round(PHASE_SMOOTH_MS * fs_hz / 1000.0)))
    outside = np.concatenate([p[: max(mk.onset - hold, 0)], p[mk.end + hold + 1 :]])
    return p, _robust_rms(outside) if outside.size >= 2 * hold else noise_uv


def measure_muap(
    template_uv: FloatArray, fs_hz: float, *, template_index: int | None = None, noise_uv: float = 0.0
) -> MuapMeasures:
    """Measure one MUAP template (µV at ``fs_hz``); definitions and methods in the module docstring.

    Parameters
    ----------
    template_uv : ndarray
        The potential (an averaged or median template, or a single discharge), physical sign.
    fs_hz : float
        Sampling rate.
    template_index : int, optional
        Sample of the main peak; by default the sample of largest magnitude (after baseline removal).
    noise_uv : float
        Rms noise left on the template (e.g. recording noise / √(number of averaged discharges)); the
        template's own baseline noise is measured too and the larger one is used.

    Returns
    -------
    MuapMeasures
        All zeros (phases 0, NaN thickness/size index) when nothing in the template clears the marker level.
    """
    x = _check(template_uv, fs_hz)
    if template_index is None:
        main = int(np.argmax(np.abs(x - _baseline(x, max(1, round(EDGE_MS * fs_hz / 1000.0))))))
    else:
        main = int(template_index)
    if not 0 <= main < x.size:
        raise ValueError(f"template_index {main} is outside the template (0..{x.size - 1})")
    mk = duration_markers(x, fs_hz, main, max(float(noise_uv), 0.0))
    x = x - mk.baseline_uv if mk.baseline_uv is not None else x
    ms = 1000.0 / fs_hz
    seg = x[mk.onset : mk.end + 1]
    smooth, count_noise = _counting_signal(x, fs_hz, mk, float(noise_uv))
    p = smooth[mk.onset : mk.end + 1]
    amplitude = peak_to_peak_uv(seg) if mk.end > mk.onset else 0.0
    area = rectified_area_uv_ms(seg, fs_hz) if mk.end > mk.onset else 0.0
    band = max(PHASE_BAND_UV, PHASE_NOISE_FACTOR * count_noise)
    turn_uv = max(TURN_UV, TURN_NOISE_FACTOR * count_noise)
    active = mk.end > mk.onset
    phases = count_phases(p, band, band * PHASE_MIN_WIDTH_MS, fs_hz) if active else 0
    turns_at = turning_points(p, turn_uv) if active else np.empty(0, dtype=np.int64)
    thickness = area / amplitude if amplitude > 0 else math.nan
    size_index = 2.0 * math.log10(amplitude / 1000.0) + thickness if amplitude > 0 else math.nan
    return MuapMeasures(
        amplitude_uv=amplitude,
        duration_ms=(mk.end - mk.onset) * ms,
        onset_ms=(mk.onset - main) * ms,
        end_ms=(mk.end - main) * ms,
        phases=phases,
        turns=int(turns_at.size),
        area_uv_ms=area,
        thickness_ms=thickness,
        size_index=size_index,
        spike_duration_ms=_spike_duration_ms(p, turns_at, mk.onset, mk.end, fs_hz) if active else 0.0,
        satellite=mk.satellite is not None,
        satellite_latency_ms=None if mk.satellite is None else (mk.satellite - main) * ms,
        rise_time_ms=_rise_time_ms(p, turning_points(p, band), fs_hz) if active else math.nan,
    )
