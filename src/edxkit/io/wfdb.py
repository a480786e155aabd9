"""WFDB records (``.hea`` header + signal files): windowed reads, byte offsets such as ``16+20``.

The header is parsed by the wfdb package. Samples of the common formats (16, 61, 80, 160, 32) are
read directly from the requested frames, so a window of a long record is read without the rest; other formats
go through ``wfdb.rdrecord`` for the requested window.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import wfdb
from numpy.typing import NDArray

from edxkit.errors import EdxInputError
from edxkit.io.base import ChannelInfo, RecordingFile, RecordingInfo, channel_units, digital_quality
from edxkit.waveform import Quality

# format -> (numpy dtype, offset added to stored values, converter limits (lo, hi) incl. reserved codes)
_MEMMAP_FORMATS: dict[str, tuple[str, int, tuple[int, int]]] = {
    "16": ("<i2", 0, (-32767, 32767)),  # -32768 is WFDB's "invalid sample" code: counted as clipped
    "61": (">i2", 0, (-32767, 32767)),
    "80": ("u1", -128, (-127, 127)),
    "160": ("<u2", -32768, (-32767, 32767)),
    "32": ("<i4", 0, (-(2**31) + 1, 2**31 - 1)),
}


@dataclass(frozen=True, slots=True)
class _Layout:
    file: Path
    column: int
    n_columns: int
    dtype: str
    offset: int
    byte_offset: int


class WfdbFile(RecordingFile):
    """A WFDB record opened by its header."""

    format = "WFDB"

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.record = path.with_suffix("") if path.suffix.lower() in (".hea", ".dat", ".bin") else path
        header_path = self.record.with_suffix(".hea")
        if not header_path.exists():
            raise EdxInputError(path, "header", f"WFDB header {header_path.name} not found beside the data")
        try:
            self.header = wfdb.rdheader(str(self.record))
        except Exception as exc:  # wfdb raises many kinds for malformed headers
            raise EdxInputError(header_path, "header", f"not a valid WFDB header ({exc})") from None
        if not self.header.fs or self.header.fs <= 0:
            raise EdxInputError(header_path, "header.fs", "sampling rate missing")
        described = len(self.header.fmt or [])
        if not self.header.n_sig or described != self.header.n_sig or not self.header.file_name:
            raise EdxInputError(
                header_path, "header", f"declares {self.header.n_sig or 0} signals but describes {described}"
            )
        self._layouts = [self._layout(i) for i in range(self.header.n_sig)]
        self._n_samples = self._length()

    def _layout(self, i: int) -> _Layout | None:
        h = self.header
        fmt = h.fmt[i]
        if fmt not in _MEMMAP_FORMATS or (h.samps_per_frame and h.samps_per_frame[i] != 1):
            return None
        same_file = [k for k in range(h.n_sig) if h.file_name[k] == h.file_name[i]]
        if any(h.fmt[k] != fmt for k in same_file):
            return None
        dtype, offset, _ = _MEMMAP_FORMATS[fmt]
        byte_offset = (h.byte_offset[i] or 0) if h.byte_offset else 0
        file = self.record.parent / h.file_name[i]
        return _Layout(file, same_file.index(i), len(same_file), dtype, offset, byte_offset)

    def _length(self) -> int:
        """Samples per channel: the header's count, checked against the data files' sizes."""
        declared = self.header.sig_len
        for i, layout in enumerate(self._layouts):
            file = self.record.parent / self.header.file_name[i]
            if not file.exists():
                raise EdxInputError(self.path, f"signal[{i}].file", f"data file {file.name} not found")
            if layout is None:
                continue
            frame_bytes = np.dtype(layout.dtype).itemsize * layout.n_columns
            held = (file.stat().st_size - layout.byte_offset) // frame_bytes
            if declared is None:
                declared = held
            elif held < declared:
                raise EdxInputError(
                    file,
                    "data",
                    f"header says {declared} samples per signal but the file holds {held} (truncated)",
                )
        if not declared:
            raise EdxInputError(self.path, "header.sig_len", "the record holds no samples")
        return int(declared)

    @cached_property
    def info(self) -> RecordingInfo:
        h = self.header
        channels = []
        for i in range(h.n_sig):
            units, _ = channel_units(h.units[i] or "mV")
            label = h.sig_name[i] or f"signal {i}"
            lo_hi = _MEMMAP_FORMATS[h.fmt[i]][2] if h.fmt[i] in _MEMMAP_FORMATS else None
            channels.append(ChannelInfo(i, label, float(h.fs), self._n_samples, units, lo_hi))
        return RecordingInfo(
            path=str(self.path),
            format=f"WFDB (format {', '.join(sorted(set(h.fmt)))})",
            channels=tuple(channels),
            metadata=_comments(h.comments or []),
        )

    def _read_samples(self, index: int, first: int, stop: int) -> tuple[NDArray[np.float64], Quality]:
        h = self.header
        layout = self._layouts[index]
        if layout is None:
            digital = self._rdrecord(index, first, stop)
            lo_hi = None
        else:
            itemsize = np.dtype(layout.dtype).itemsize
            frames = np.fromfile(
                layout.file,
                dtype=layout.dtype,
                count=(stop - first) * layout.n_columns,
                offset=layout.byte_offset + first * layout.n_columns * itemsize,
            )
            column = frames.reshape(-1, layout.n_columns)[:, layout.column]
            digital = column.astype(np.int64) + layout.offset if layout.offset else column
            lo_hi = _MEMMAP_FORMATS[h.fmt[index]][2]
        quality = digital_quality(digital, *lo_hi) if lo_hi else Quality()
        gain = h.adc_gain[index] or 200.0
        if not np.isfinite(gain):
            raise EdxInputError(self.path, f"signal[{index}].adc_gain", f"{gain!r} is not a usable gain")
        baseline = h.baseline[index] if h.baseline and h.baseline[index] is not None else 0
        _, factor = channel_units(h.units[index] or "mV")
        physical = digital.astype(np.float64)
        if baseline:
            physical -= baseline
        physical *= factor / gain
        return physical, quality

    def _rdrecord(self, index: int, first: int, stop: int) -> NDArray[np.int64]:
        try:
            rec = wfdb.rdrecord(
                str(self.record), sampfrom=first, sampto=stop, channels=[index], physical=False
            )
        except Exception as exc:
            raise EdxInputError(self.path, "data", f"cannot be read ({exc})") from None
        return np.asarray(rec.d_signal[:, 0], dtype=np.int64)


_TAGGED = re.compile(r"<([^>]+)>:?\s*([^<]*)")


def _comments(lines: list[str]) -> dict[str, str]:
    """Header comments as metadata: ``key: value`` and PhysioNet's ``<key>: value`` forms."""
    meta: dict[str, str] = {}
    for n, line in enumerate(lines):
        tagged = _TAGGED.findall(line)
        if tagged:
            meta.update({k.strip().lower(): v.strip() for k, v in tagged})
            continue
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if sep and key and len(key.split()) <= 3:
            meta[key.replace(" ", "_")] = value.strip()
        else:
            meta[f"comment.{n}"] = line.strip()
    return meta
