"""What every reader provides: a lazily opened recording, its channel list, and windowed reads."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from edxkit.errors import EdxInputError
from edxkit.waveform import Event, Quality, Units, Waveform


@dataclass(frozen=True, slots=True)
class ChannelInfo:
    """One channel as the header describes it (no samples read).

    ``units`` is ``uV`` or ``mV`` for voltage channels (volts are read as mV) and the header's own
    text for anything else (a trigger or temperature channel), which can be listed but not read.
    """

    index: int
    label: str
    fs_hz: float
    n_samples: int
    units: str
    digital_range: tuple[int, int] | None = None

    @property
    def duration_s(self) -> float:
        return self.n_samples / self.fs_hz


@dataclass(frozen=True, slots=True)
class RecordingInfo:
    """What a recording file holds, from its header alone."""

    path: str
    format: str
    channels: tuple[ChannelInfo, ...]
    continuous: bool = True
    stimulus_s: float | None = None
    n_events: int = 0
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        return max((c.duration_s for c in self.channels), default=0.0)


class RecordingFile(ABC):
    """An opened recording: the header is parsed, samples are read only on request."""

    format: str = ""

    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    @abstractmethod
    def info(self) -> RecordingInfo: ...

    @abstractmethod
    def _read_samples(self, index: int, first: int, stop: int) -> tuple[NDArray[np.float64], Quality]:
        """Samples ``first:stop`` of channel ``index`` in physical units, and their clipping."""

    def _blocks(self, index: int, first: int, stop: int) -> tuple[tuple[int, float], ...]:
        """Contiguous blocks of the window ``first:stop``; continuous formats have one."""
        return ((0, first / self.info.channels[index].fs_hz),)

    def events(self) -> tuple[Event, ...]:
        return ()

    def channel(self, channel: int | str) -> ChannelInfo:
        """The channel with this index or label; an EdxInputError lists the ones there are."""
        channels = self.info.channels
        if isinstance(channel, str) and not channel.isdigit():
            for info in channels:
                if info.label == channel:
                    return info
            found = [info for info in channels if info.label.strip().lower() == channel.strip().lower()]
            if len(found) == 1:
                return found[0]
        else:
            index = int(channel)
            if 0 <= index < len(channels):
                return channels[index]
        listing = ", ".join(f"{c.index}={c.label!r}" for c in channels) or "none"
        raise EdxInputError(self.path, "channel", f"no channel {channel!r}; the file has: {listing}")

    def read(
        self,
        channel: int | str = 0,
        *,
        start_s: float | None = None,
        stop_s: float | None = None,
    ) -> Waveform:
        """Read one channel, whole or the window ``[start_s, stop_s)`` (seconds of samples from the start).

        For discontinuous recordings the window counts recorded samples, and ``Waveform.blocks``
        says where each contiguous block begins in time.
        """
        info = self.channel(channel)
        if info.units not in ("uV", "mV"):
            raise EdxInputError(
                self.path, f"channel {info.label!r} units", f"{info.units!r} is not a voltage (uV, mV or V)"
            )
        first, stop = _window(self.path, info, start_s, stop_s)
        samples, quality = self._read_samples(info.index, first, stop)
        blocks = self._blocks(info.index, first, stop)
        t0, t1 = blocks[0][1], blocks[-1][1] + (stop - first - blocks[-1][0]) / info.fs_hz
        events = tuple(e for e in self.events() if t0 <= e.onset_s < t1)
        return Waveform(
            samples=samples,
            fs_hz=info.fs_hz,
            units=info.units,  # type: ignore[arg-type]  # checked above
            channel=info.label,
            source=str(self.path),
            start_s=blocks[0][1],
            stimulus_s=self.info.stimulus_s,
            blocks=blocks,
            events=events,
            quality=quality,
            metadata=dict(self.info.metadata),
        )

    def close(self) -> None:  # noqa: B027 - readers that hold resources override it
        """Release the file; the default holds nothing open."""

    def __enter__(self) -> RecordingFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _window(path: Path, info: ChannelInfo, start_s: float | None, stop_s: float | None) -> tuple[int, int]:
    first = 0 if start_s is None else math.floor(start_s * info.fs_hz + 1e-9)
    stop = info.n_samples if stop_s is None else math.ceil(stop_s * info.fs_hz - 1e-9)
    if first < 0 or stop > info.n_samples or first >= stop:
        raise EdxInputError(
            path,
            "window",
            f"window {start_s}–{stop_s} s is outside channel {info.label!r} (0–{info.duration_s:.6g} s)",
        )
    return first, stop


def check_writable(path: Path, waveforms: Sequence[Waveform]) -> Waveform:
    """The first waveform, after checking that there is one and that all share rate and length."""
    if not waveforms:
        raise EdxInputError(path, "waveforms", "nothing to write")
    first = waveforms[0]
    if any(w.fs_hz != first.fs_hz or w.n_samples != first.n_samples for w in waveforms):
        raise EdxInputError(path, "waveforms", "all channels must share the sampling rate and length")
    return first


def digital_quality(digital: NDArray[np.integer], low: int, high: int) -> Quality:
    """Count samples at the converter limits ``low``/``high`` (clipped, true value unknown)."""
    n_low = int(np.count_nonzero(digital <= low))
    n_high = int(np.count_nonzero(digital >= high))
    return Quality(clipped_count=n_low + n_high, clipped_low=n_low, clipped_high=n_high)


def suspected_clipping(samples: NDArray[np.float64], *, min_run: int = 3) -> Quality:
    """Clipping in formats without a digital range: runs of ``min_run``+ samples at the global extreme."""
    if samples.size < min_run:
        return Quality()
    n_low = _runs_at(samples, float(samples.min()), min_run)
    n_high = _runs_at(samples, float(samples.max()), min_run)
    if samples.min() == samples.max():
        n_high = 0
    return Quality(
        clipped_count=n_low + n_high, clipped_low=n_low, clipped_high=n_high, clipped_suspected=True
    )


def _runs_at(samples: NDArray[np.float64], value: float, min_run: int) -> int:
    equal = samples == value
    if np.count_nonzero(equal) < min_run:  # the usual case: the extreme is reached once
        return 0
    at = np.concatenate(([False], equal, [False]))
    edges = np.flatnonzero(np.diff(at.astype(np.int8)))
    lengths = edges[1::2] - edges[::2]
    return int(lengths[lengths >= min_run].sum())


def check_finite(path: Path | str, samples: NDArray[np.float64], field: str = "samples") -> None:
    """Reject NaN and infinite samples with their count and the first sample (row) holding one."""
    bad = ~np.isfinite(samples)
    if not bad.any():
        return
    n_nan = int(np.count_nonzero(np.isnan(samples)))
    n_inf = int(np.count_nonzero(bad)) - n_nan
    rows = bad if bad.ndim == 1 else bad.any(axis=tuple(range(1, bad.ndim)))
    first = int(np.flatnonzero(rows)[0])
    parts = [f"{n} {name}" for n, name in ((n_nan, "NaN"), (n_inf, "infinite")) if n]
    raise EdxInputError(
        path,
        field,
        f"{' and '.join(parts)} sample value{'s' if bad.sum() > 1 else ''} (first at sample {first})",
    )


def require_units(path: Path | str, field: str, text: str) -> tuple[Units, float]:
    """Parse a unit string or fail naming the field; EMG and NCS signals are in µV, mV or V."""
    from edxkit.waveform import parse_units

    parsed = parse_units(text)
    if parsed is None:
        raise EdxInputError(path, field, f"unit {text!r} is not a voltage unit (expected uV, mV or V)")
    return parsed


def channel_units(text: str) -> tuple[str, float]:
    """Units for ChannelInfo and the factor to physical uV/mV; non-voltage text is kept as it is."""
    from edxkit.waveform import parse_units

    parsed = parse_units(text)
    return parsed if parsed is not None else (text.strip(), 1.0)
