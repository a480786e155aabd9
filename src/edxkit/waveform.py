"""In-memory signals: a channel's samples in physical units with their timing and quality."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

Units = Literal["uV", "mV"]

_UNIT_ALIASES: dict[str, tuple[Units, float]] = {
    "uv": ("uV", 1.0),
    "µv": ("uV", 1.0),
    "μv": ("uV", 1.0),
    "microvolt": ("uV", 1.0),
    "microvolts": ("uV", 1.0),
    "mv": ("mV", 1.0),
    "millivolt": ("mV", 1.0),
    "millivolts": ("mV", 1.0),
    "v": ("mV", 1000.0),
    "volt": ("mV", 1000.0),
    "volts": ("mV", 1000.0),
    "nv": ("uV", 0.001),
}


def parse_units(text: str) -> tuple[Units, float] | None:
    """Map a unit string from a file header to (``uV`` | ``mV``, factor to multiply samples by).

    Returns None when the string names no voltage unit. Volts become mV and nV become µV so that
    every waveform is in one of the two units EMG machines use.
    """
    return _UNIT_ALIASES.get(text.strip().lower())


@dataclass(frozen=True, slots=True)
class Event:
    """An annotation in a recording: onset from recording start, optional duration, text."""

    onset_s: float
    duration_s: float | None
    text: str


@dataclass(frozen=True, slots=True)
class Quality:
    """What a reader saw in the samples it returned.

    ``clipped_count`` counts samples at the converter's limits (the digital minimum or maximum of
    the channel), where the true value is unknown; they are kept at the limit value, never
    interpolated. ``clipped_suspected`` is set for formats without a digital range (CSV, NPY),
    where runs of three or more samples at the signal's extreme are counted instead.
    """

    clipped_count: int = 0
    clipped_low: int = 0
    clipped_high: int = 0
    clipped_suspected: bool = False

    @property
    def clean(self) -> bool:
        return self.clipped_count == 0

    def describe(self) -> str:
        if self.clipped_count == 0:
            return "no clipped samples"
        kind = "suspected clipped" if self.clipped_suspected else "clipped"
        return (
            f"{self.clipped_count} {kind} sample{'s' if self.clipped_count != 1 else ''} "
            f"({self.clipped_low} at the lower limit, {self.clipped_high} at the upper limit)"
        )


@dataclass(frozen=True, slots=True)
class Waveform:
    """One channel's samples in physical units.

    Parameters
    ----------
    samples : ndarray of float64
        Samples in ``units`` (µV or mV), with their physical sign (a CMAP's main phase is negative).
    fs_hz : float
        Sampling rate in Hz.
    units : {"uV", "mV"}
        Physical unit of ``samples``.
    channel : str
        Channel label as the file names it.
    source : str
        Path of the file it was read from.
    start_s : float
        Time of the first sample from the recording start, in s.
    stimulus_s : float or None
        Time of the stimulus from the recording start, in s, for evoked sweeps; None when the file
        carries no stimulus mark.
    blocks : tuple of (int, float)
        ``(first_sample_index, onset_s)`` of each contiguous block; one block for continuous
        recordings, one per data record run for EDF+D.
    events : tuple of Event
        Annotations falling in the returned window.
    quality : Quality
        Clipping found in the returned samples.
    metadata : dict
        Header information (patient and recording fields, comments), as strings.
    """

    samples: NDArray[np.float64]
    fs_hz: float
    units: Units
    channel: str = ""
    source: str = ""
    start_s: float = 0.0
    stimulus_s: float | None = None
    blocks: tuple[tuple[int, float], ...] = ()
    events: tuple[Event, ...] = ()
    quality: Quality = field(default_factory=Quality)
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def n_samples(self) -> int:
        return int(self.samples.shape[0])

    @property
    def duration_s(self) -> float:
        return self.n_samples / self.fs_hz

    def times_s(self) -> NDArray[np.float64]:
        """Time of every sample from the recording start, in s, honouring discontinuities."""
        blocks = self.blocks or ((0, self.start_s),)
        times = np.empty(self.n_samples, dtype=np.float64)
        bounds = [b[0] for b in blocks[1:]] + [self.n_samples]
        for (first, onset_s), stop in zip(blocks, bounds, strict=True):
            times[first:stop] = onset_s + np.arange(stop - first) / self.fs_hz
        return times

    def times_ms_from_stimulus(self) -> NDArray[np.float64]:
        """Time of every sample relative to the stimulus, in ms (negative before it)."""
        if self.stimulus_s is None:
            raise ValueError(f"{self.source}: channel {self.channel!r} has no stimulus time")
        return (self.times_s() - self.stimulus_s) * 1000.0

    def in_units(self, units: Units) -> NDArray[np.float64]:
        """The samples converted to ``units``."""
        if units == self.units:
            return self.samples
        return self.samples * (1000.0 if units == "uV" else 0.001)
