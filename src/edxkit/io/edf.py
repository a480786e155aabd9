"""EDF, EDF+ (continuous and discontinuous) and BDF: lazy windowed reading and writing."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from fractions import Fraction
from functools import cached_property
from pathlib import Path

import edfio
import numpy as np
from numpy.typing import NDArray

from edxkit.errors import EdxInputError
from edxkit.io.base import (
    ChannelInfo,
    RecordingFile,
    RecordingInfo,
    channel_units,
    check_writable,
    digital_quality,
)
from edxkit.io.edf_header import EdfHeader, read_edf_header
from edxkit.waveform import Event, Quality, Waveform

_TAL = re.compile(rb"([+-]\d+(?:\.\d*)?)(?:\x15(\d+(?:\.\d*)?))?\x14(.*?)\x14\x00", re.DOTALL)
_EMPTY_FIELD = re.compile(r"^(Startdate)?[\sX]*$")
_STIMULUS_TEXT = re.compile(r"^\s*(stim|stimulus|trigger)\b", re.IGNORECASE)


class EdfFile(RecordingFile):
    """An EDF/EDF+/BDF file with its data records memory-mapped (nothing read until asked)."""

    format = "EDF"

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.header: EdfHeader = read_edf_header(path)
        self.format = ("BDF" if self.header.is_bdf else "EDF") + ("+" if self.header.is_plus else "")
        n_records = self._count_records()
        shape = (n_records, self.header.record_bytes)
        self._records = np.memmap(
            path, dtype=np.uint8, mode="r", offset=self.header.header_bytes, shape=shape
        )
        ends = np.cumsum([s.samples_per_record for s in self.header.signals])
        self._offsets = [
            int(e - s.samples_per_record) for e, s in zip(ends, self.header.signals, strict=True)
        ]
        self._ordinary = [i for i, s in enumerate(self.header.signals) if not s.is_annotation]

    def _count_records(self) -> int:
        data_bytes = self.path.stat().st_size - self.header.header_bytes
        size = self.header.record_bytes
        if size == 0:
            raise EdxInputError(
                self.path, "header.samples_per_record", "every signal has 0 samples per record"
            )
        actual, rest = divmod(data_bytes, size)
        if rest:
            raise EdxInputError(
                self.path, "data", f"truncated: the last data record has {rest} of {size} bytes"
            )
        declared = self.header.n_records
        if declared not in (-1, actual):
            raise EdxInputError(
                self.path,
                "header.n_records",
                f"header says {declared} data records but the file holds {actual} "
                f"({'truncated' if actual < declared else 'extra data after the last record'})",
            )
        if actual == 0:
            raise EdxInputError(self.path, "data", "the file holds no data records")
        return actual

    @cached_property
    def info(self) -> RecordingInfo:
        channels = []
        for n, i in enumerate(self._ordinary):
            s = self.header.signals[i]
            if self.header.record_duration_s <= 0:
                raise EdxInputError(
                    self.path, "header.record_duration", "is 0: the sampling rate of the signals is missing"
                )
            units, _ = channel_units(s.physical_dimension)
            channels.append(
                ChannelInfo(
                    index=n,
                    label=s.label,
                    fs_hz=s.samples_per_record / self.header.record_duration_s,
                    n_samples=s.samples_per_record * self._records.shape[0],
                    units=units,
                    digital_range=(s.digital_min, s.digital_max),
                )
            )
        events = self.events()
        stimulus = next((e.onset_s for e in events if _STIMULUS_TEXT.match(e.text)), None)
        return RecordingInfo(
            path=str(self.path),
            format=self.format,
            channels=tuple(channels),
            continuous=not self._has_gaps(),
            stimulus_s=stimulus,
            n_events=len(events),
            metadata=self._metadata(),
        )

    def _metadata(self) -> dict[str, str]:
        h = self.header
        meta = {"patient": h.patient, "recording": h.recording, "startdate": h.startdate}
        meta["starttime"] = h.starttime
        for s in (self.header.signals[i] for i in self._ordinary):
            if s.prefiltering:
                meta[f"prefiltering.{s.label}"] = s.prefiltering
            if s.transducer:
                meta[f"transducer.{s.label}"] = s.transducer
        return {k: v for k, v in meta.items() if v and not _EMPTY_FIELD.match(v)}

    def _read_samples(self, index: int, first: int, stop: int) -> tuple[NDArray[np.float64], Quality]:
        signal_index = self._ordinary[index]
        s = self.header.signals[signal_index]
        digital = self._digital(signal_index, first, stop)
        quality = digital_quality(digital, s.digital_min, s.digital_max)
        gain = (s.physical_max - s.physical_min) / (s.digital_max - s.digital_min)
        _, factor = channel_units(s.physical_dimension)
        physical = (digital.astype(np.float64) - s.digital_min) * gain + s.physical_min
        return physical * factor if factor != 1.0 else physical, quality

    def _digital(self, signal_index: int, first: int, stop: int) -> NDArray[np.int32]:
        spr = self.header.signals[signal_index].samples_per_record
        rec_a, rec_b = first // spr, -(-stop // spr)
        width = self.header.bytes_per_sample
        start = self._offsets[signal_index] * width
        block = np.asarray(self._records[rec_a:rec_b, start : start + spr * width])
        if width == 2:
            values = block.reshape(-1).view("<i2").astype(np.int32)
        else:
            b = block.reshape(-1, 3).astype(np.int32)
            values = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
            values[values >= 1 << 23] -= 1 << 24
        skip = first - rec_a * spr
        return values[skip : skip + stop - first]

    @cached_property
    def _annotations(self) -> tuple[NDArray[np.float64], tuple[Event, ...]]:
        """Onset of every data record (s) and the recording's events, from EDF+ annotations."""
        n = self._records.shape[0]
        default = np.arange(n) * self.header.record_duration_s
        annotation_signals = [i for i, s in enumerate(self.header.signals) if s.is_annotation]
        if not annotation_signals:
            return default, ()
        onsets = default.copy()
        events: list[Event] = []
        for k, i in enumerate(annotation_signals):
            width = self.header.signals[i].samples_per_record * self.header.bytes_per_sample
            start = self._offsets[i] * self.header.bytes_per_sample
            for r, chunk in enumerate(self._record_bytes(start, width)):
                tals = _TAL.findall(chunk)
                if k == 0 and tals:
                    onsets[r] = float(tals[0][0])
                    tals = tals[1:]
                events.extend(_tal_events(tals))
        events.sort(key=lambda e: e.onset_s)
        return onsets, tuple(events)

    def _record_bytes(self, start: int, width: int) -> list[bytes]:
        """Bytes ``start:start+width`` of every data record, by positioned reads.

        Page faults on the memory map would read ahead far beyond the few bytes needed per record,
        which for a long EDF+ means reading the whole file to list its annotations.
        """
        first = self.header.header_bytes + start
        size = self.header.record_bytes
        fd = os.open(self.path, os.O_RDONLY)
        try:
            return [os.pread(fd, width, first + r * size) for r in range(self._records.shape[0])]
        finally:
            os.close(fd)

    def events(self) -> tuple[Event, ...]:
        return self._annotations[1]

    def _has_gaps(self) -> bool:
        onsets = self._annotations[0]
        expected = onsets[0] + np.arange(onsets.size) * self.header.record_duration_s
        return bool(np.any(np.abs(onsets - expected) > 1e-6))

    def _blocks(self, index: int, first: int, stop: int) -> tuple[tuple[int, float], ...]:
        spr = self.header.signals[self._ordinary[index]].samples_per_record
        fs = spr / self.header.record_duration_s
        onsets = self._annotations[0]
        rec_a, rec_b = first // spr, -(-stop // spr)
        blocks = [(0, float(onsets[rec_a] + (first - rec_a * spr) / fs))]
        for r in range(rec_a + 1, rec_b):
            if abs(onsets[r] - (onsets[r - 1] + self.header.record_duration_s)) > 1e-6:
                blocks.append((r * spr - first, float(onsets[r])))
        return tuple(blocks)

    def close(self) -> None:
        mm = getattr(self._records, "_mmap", None)
        if mm is not None:
            mm.close()


def _tal_events(tals: list[tuple[bytes, bytes, bytes]]) -> list[Event]:
    events = []
    for onset, duration, texts in tals:
        for text in texts.split(b"\x14"):
            if text:
                events.append(
                    Event(
                        float(onset), float(duration) if duration else None, text.decode("utf-8", "replace")
                    )
                )
    return events


def write_edf(
    path: str | Path,
    waveforms: Sequence[Waveform],
    *,
    events: Sequence[Event] = (),
    patient_code: str | None = None,
) -> Path:
    """Write waveforms of equal rate and length to an EDF+ file (BDF+ if the name ends in ``.bdf``).

    The stimulus time of the first waveform, when set, is written as a ``stimulus`` annotation, so
    that reading the file back gives the same ``stimulus_s``.
    """
    path = Path(path)
    first = check_writable(path, waveforms)
    fs, n = first.fs_hz, first.n_samples
    record_s = record_duration_s(fs, n, path)
    bdf = path.suffix.lower() == ".bdf"
    signal_class = edfio.BdfSignal if bdf else edfio.EdfSignal
    signals = [_signal(signal_class, w, i) for i, w in enumerate(waveforms)]
    annotations = [edfio.EdfAnnotation(e.onset_s, e.duration_s, e.text) for e in events]
    if waveforms[0].stimulus_s is not None:
        annotations.append(edfio.EdfAnnotation(waveforms[0].stimulus_s, None, "stimulus"))
    record_class = edfio.Bdf if bdf else edfio.Edf
    patient = edfio.Patient(code=patient_code) if patient_code else None
    edf = record_class(signals, patient=patient, data_record_duration=record_s, annotations=annotations)  # type: ignore[arg-type]
    edf.write(path)
    return path


def _signal(signal_class: type, w: Waveform, i: int) -> edfio.EdfSignal:
    lo, hi = float(np.min(w.samples)), float(np.max(w.samples))
    # headroom, so that the true extremes are not stored at the digital limits (which mean clipping)
    margin = max(hi - lo, abs(hi), abs(lo), 1e-9) * 0.01
    lo, hi = lo - margin, hi + margin
    label = w.channel or f"ch{i}"
    return signal_class(
        w.samples, w.fs_hz, label=label[:16], physical_dimension=w.units, physical_range=(lo, hi)
    )


_MAX_RECORD_SAMPLES = 1 << 20


def record_duration_s(fs_hz: float, n_samples: int, path: Path | str = "") -> float:
    """A data-record duration that holds a whole number of samples, divides the length and fits 8 chars.

    EDF stores the record duration as 8 ASCII characters and the rate only as samples per record, so a
    rate and length that no such duration can express exactly cannot be written without changing them.
    """
    fs = Fraction(fs_hz).limit_denominator(1000)
    divisors = sorted(_divisors(n_samples), key=lambda k: (abs(k - fs_hz), k))
    for spr in divisors:
        d = Fraction(spr) / fs
        text = _fmt(d)
        if spr <= _MAX_RECORD_SAMPLES and len(text) <= 8 and Fraction(text) == d:
            return float(d)
    raise EdxInputError(
        path,
        "sampling rate",
        f"{fs_hz} Hz with {n_samples} samples has no exact EDF data-record duration; "
        "write CSV or NPY instead",
    )


def _divisors(n: int) -> list[int]:
    small = [k for k in range(1, int(n**0.5) + 1) if n % k == 0]
    return sorted(set(small + [n // k for k in small]))


def _fmt(d: Fraction) -> str:
    return np.format_float_positional(float(d), trim="-")
