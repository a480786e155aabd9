"""Reading a long needle recording in overlapping windows, so memory stays bounded.

A 10-minute recording at 48 kHz is 28.8 M samples (230 MB as float64, several times that through filtering);
analysing it in windows of :data:`WINDOW_S` seconds keeps the working set to a few tens of MB whatever the
length. Windows overlap by :data:`OVERLAP_S` so that potentials on a window edge are seen whole once; the
later stages drop duplicates in the overlap (each window owns the events whose time falls in its *core*:
from its start, or the previous window's end minus half the overlap, to its end minus half the overlap).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np

from edxkit.io.base import RecordingFile
from edxkit.waveform import Quality, Waveform

WINDOW_S = 20.0
OVERLAP_S = 1.0


@dataclass(frozen=True, slots=True)
class Window:
    """One window of a recording: its samples and the span of time it owns."""

    waveform: Waveform
    start_s: float
    core_start_s: float
    core_stop_s: float


def spans(
    duration_s: float, window_s: float = WINDOW_S, overlap_s: float = OVERLAP_S
) -> list[tuple[float, float]]:
    """``(start_s, stop_s)`` of each window covering ``[0, duration_s)`` with the given overlap.

    A recording no longer than one window (plus the overlap) is one window; otherwise windows of equal length,
    none longer than ``window_s``.
    """
    if duration_s <= window_s + overlap_s:
        return [(0.0, duration_s)]
    step = window_s - overlap_s
    n = math.ceil((duration_s - overlap_s) / step)
    step = (duration_s - overlap_s) / n
    return [(i * step, min(i * step + step + overlap_s, duration_s)) for i in range(n)]


def core(spans_s: list[tuple[float, float]], i: int) -> tuple[float, float]:
    """The part of window ``i`` whose events it owns (the overlaps are split in half)."""
    start, stop = spans_s[i]
    lo = start if i == 0 else (start + spans_s[i - 1][1]) / 2.0
    hi = stop if i == len(spans_s) - 1 else (spans_s[i + 1][0] + stop) / 2.0
    return lo, hi


def recording_windows(
    recording: RecordingFile,
    channel: int | str = 0,
    *,
    window_s: float = WINDOW_S,
    overlap_s: float = OVERLAP_S,
) -> Iterator[Window]:
    """Yield the windows of one channel of an open recording, read lazily one at a time."""
    info = recording.channel(channel)
    all_spans = spans(info.duration_s, window_s, overlap_s)
    for i, (start, stop) in enumerate(all_spans):
        wave = recording.read(channel, start_s=start, stop_s=stop)
        lo, hi = core(all_spans, i)
        yield Window(wave, start, lo, hi)


def memory_windows(
    waveform: Waveform, window_s: float = WINDOW_S, overlap_s: float = OVERLAP_S
) -> Iterator[Window]:
    """Windows of an in-memory waveform; clipping flags are re-counted per window against the whole signal's
    converter limits (the samples at its extremes), so a window without clipped samples has none."""
    x = waveform.samples
    q = waveform.quality
    finite = x[np.isfinite(x)]
    hi = float(finite.max()) if finite.size and q.clipped_high else math.nan
    lo = float(finite.min()) if finite.size and q.clipped_low else math.nan
    all_spans = spans(waveform.duration_s, window_s, overlap_s)
    for i, (start, stop) in enumerate(all_spans):
        a, b = round(start * waveform.fs_hz), round(stop * waveform.fs_hz)
        part = x[a:b]
        n_hi = int(np.count_nonzero(part == hi)) if q.clipped_high else 0
        n_lo = int(np.count_nonzero(part == lo)) if q.clipped_low else 0
        quality = Quality(n_hi + n_lo, n_lo, n_hi, q.clipped_suspected)
        wave = replace(waveform, samples=part, start_s=waveform.start_s + start, blocks=(), quality=quality)
        lo_core, hi_core = core(all_spans, i)
        yield Window(wave, waveform.start_s + start, waveform.start_s + lo_core, waveform.start_s + hi_core)
