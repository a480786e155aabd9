"""Pick the reader or writer for a file from its name."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from edxkit.errors import EdxInputError
from edxkit.io.base import RecordingFile, RecordingInfo
from edxkit.io.csv import CsvFile, write_csv
from edxkit.io.edf import EdfFile, write_edf
from edxkit.io.npy import NpyFile, write_npy
from edxkit.io.wfdb import WfdbFile
from edxkit.waveform import Waveform

READERS: dict[str, type[RecordingFile]] = {
    ".edf": EdfFile,
    ".bdf": EdfFile,
    ".rec": EdfFile,
    ".hea": WfdbFile,
    ".dat": WfdbFile,
    ".csv": CsvFile,
    ".npy": NpyFile,
}
WRITERS: dict[str, Callable[[Path, Sequence[Waveform]], Path]] = {
    ".edf": write_edf,
    ".bdf": write_edf,
    ".csv": write_csv,
    ".npy": write_npy,
}
_KNOWN = "EDF/EDF+ (.edf), BDF (.bdf), WFDB (.hea with its signal file), CSV (.csv), NPY (.npy + .json)"


def reader_for(path: Path) -> type[RecordingFile]:
    """The reader class for ``path``; WFDB signal files with other suffixes are found by their header."""
    suffix = path.suffix.lower()
    if suffix in READERS:
        return READERS[suffix]
    if path.with_suffix(".hea").exists():
        return WfdbFile
    raise EdxInputError(path, "format", f"unknown format {suffix or '(no suffix)'!r}; edxkit reads {_KNOWN}")


def open_recording(path: str | Path) -> RecordingFile:
    """Open a recording lazily: the header is parsed, samples stay on disk until read."""
    path = Path(path)
    if path.suffix.lower() != ".hea" and not path.exists() and not path.with_suffix(".hea").exists():
        raise EdxInputError(path, "file", "not found")
    reader = reader_for(path)
    try:
        return reader(path)
    except EdxInputError:
        raise
    except (ValueError, OSError, IndexError, KeyError, UnicodeDecodeError) as exc:
        raise EdxInputError(path, "file", f"cannot be read as {reader.format}: {exc}") from None


def read_info(path: str | Path) -> RecordingInfo:
    """What a recording holds (channels, rates, lengths, units), without reading samples."""
    with open_recording(path) as recording:
        return recording.info


def read_waveform(
    path: str | Path,
    channel: int | str = 0,
    *,
    start_s: float | None = None,
    stop_s: float | None = None,
) -> Waveform:
    """Read one channel of any supported file, whole or a window, in physical units (µV or mV)."""
    with open_recording(path) as recording:
        return recording.read(channel, start_s=start_s, stop_s=stop_s)


def write_waveforms(path: str | Path, waveforms: Sequence[Waveform]) -> Path:
    """Write waveforms to EDF+, BDF+, CSV or NPY, chosen by the file name's suffix."""
    path = Path(path)
    writer = WRITERS.get(path.suffix.lower())
    if writer is None:
        raise EdxInputError(
            path, "format", f"cannot write {path.suffix!r}; edxkit writes .edf, .bdf, .csv, .npy"
        )
    return writer(path, waveforms)
