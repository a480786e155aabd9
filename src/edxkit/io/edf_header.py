"""EDF/EDF+/BDF header parsing: fixed-width ASCII fields, checked field by field.

Reading parses the header here and memory-maps the data records (see edf.py) instead of going through
edfio, because edfio loads BDF files whole and silently repairs truncated or mismatched files, while
edxkit needs lazy windowed reads of both formats and a clear error for a damaged file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from edxkit.errors import EdxInputError

_MAIN_FIELDS = (
    ("version", 8),
    ("patient", 80),
    ("recording", 80),
    ("startdate", 8),
    ("starttime", 8),
    ("header_bytes", 8),
    ("reserved", 44),
    ("n_records", 8),
    ("record_duration", 8),
    ("n_signals", 4),
)
_SIGNAL_FIELDS = (
    ("label", 16),
    ("transducer", 80),
    ("physical_dimension", 8),
    ("physical_min", 8),
    ("physical_max", 8),
    ("digital_min", 8),
    ("digital_max", 8),
    ("prefiltering", 80),
    ("samples_per_record", 8),
    ("reserved", 32),
)
ANNOTATION_LABELS = ("EDF Annotations", "BDF Annotations")


@dataclass(frozen=True, slots=True)
class SignalHeader:
    label: str
    transducer: str
    physical_dimension: str
    physical_min: float
    physical_max: float
    digital_min: int
    digital_max: int
    prefiltering: str
    samples_per_record: int

    @property
    def is_annotation(self) -> bool:
        return self.label in ANNOTATION_LABELS


@dataclass(frozen=True, slots=True)
class EdfHeader:
    is_bdf: bool
    patient: str
    recording: str
    startdate: str
    starttime: str
    header_bytes: int
    reserved: str
    n_records: int
    record_duration_s: float
    signals: tuple[SignalHeader, ...]

    @property
    def bytes_per_sample(self) -> int:
        return 3 if self.is_bdf else 2

    @property
    def record_samples(self) -> int:
        return sum(s.samples_per_record for s in self.signals)

    @property
    def record_bytes(self) -> int:
        return self.record_samples * self.bytes_per_sample

    @property
    def discontinuous(self) -> bool:
        return self.reserved.startswith(("EDF+D", "BDF+D"))

    @property
    def is_plus(self) -> bool:
        return self.reserved.startswith(("EDF+", "BDF+"))


def read_edf_header(path: Path) -> EdfHeader:
    """Parse and check the header of an EDF, EDF+ or BDF file; errors name the field."""
    with path.open("rb") as f:
        main = f.read(256)
        if len(main) < 256:
            raise EdxInputError(path, "header", f"truncated: {len(main)} bytes, an EDF header needs 256")
        fields = _split(main, _MAIN_FIELDS)
        is_bdf = main[:8] == b"\xffBIOSEMI"
        if not is_bdf and fields["version"].strip() != "0":
            raise EdxInputError(path, "header.version", f"{fields['version']!r} is not an EDF/BDF version")
        n_signals = _int(path, "header.n_signals", fields["n_signals"])
        header_bytes = _int(path, "header.header_bytes", fields["header_bytes"])
        if n_signals < 1 or header_bytes != 256 * (n_signals + 1):
            raise EdxInputError(
                path, "header.header_bytes", f"{header_bytes} does not fit {n_signals} signals"
            )
        raw = f.read(256 * n_signals)
    if len(raw) < 256 * n_signals:
        raise EdxInputError(path, "header", "truncated inside the signal headers")
    signals = _signal_headers(path, raw, n_signals)
    return EdfHeader(
        is_bdf=is_bdf,
        patient=fields["patient"].strip(),
        recording=fields["recording"].strip(),
        startdate=fields["startdate"].strip(),
        starttime=fields["starttime"].strip(),
        header_bytes=header_bytes,
        reserved=fields["reserved"].strip(),
        n_records=_int(path, "header.n_records", fields["n_records"]),
        record_duration_s=_float(path, "header.record_duration", fields["record_duration"]),
        signals=signals,
    )


def _signal_headers(path: Path, raw: bytes, n: int) -> tuple[SignalHeader, ...]:
    columns: dict[str, list[str]] = {}
    pos = 0
    for name, width in _SIGNAL_FIELDS:
        block = raw[pos : pos + width * n]
        columns[name] = [_text(block[i * width : (i + 1) * width]) for i in range(n)]
        pos += width * n
    signals = []
    for i in range(n):
        where = f"signal[{i}]"
        header = SignalHeader(
            label=columns["label"][i].strip(),
            transducer=columns["transducer"][i].strip(),
            physical_dimension=columns["physical_dimension"][i].strip(),
            physical_min=_float(path, f"{where}.physical_min", columns["physical_min"][i]),
            physical_max=_float(path, f"{where}.physical_max", columns["physical_max"][i]),
            digital_min=_int(path, f"{where}.digital_min", columns["digital_min"][i]),
            digital_max=_int(path, f"{where}.digital_max", columns["digital_max"][i]),
            prefiltering=columns["prefiltering"][i].strip(),
            samples_per_record=_int(path, f"{where}.samples_per_record", columns["samples_per_record"][i]),
        )
        if header.samples_per_record < 0:
            raise EdxInputError(path, f"{where}.samples_per_record", "is negative")
        if not header.is_annotation and header.digital_max <= header.digital_min:
            raise EdxInputError(path, f"{where}.digital_max", "must exceed digital_min")
        if not header.is_annotation and header.physical_max == header.physical_min:
            raise EdxInputError(path, f"{where}.physical_max", "equals physical_min (no gain)")
        signals.append(header)
    return tuple(signals)


def _split(raw: bytes, layout: tuple[tuple[str, int], ...]) -> dict[str, str]:
    out, pos = {}, 0
    for name, width in layout:
        out[name] = _text(raw[pos : pos + width])
        pos += width
    return out


def _text(raw: bytes) -> str:
    return raw.decode("latin-1")


def _int(path: Path, field: str, text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise EdxInputError(path, field, f"{text.strip()!r} is not an integer") from None


def _float(path: Path, field: str, text: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise EdxInputError(path, field, f"{text.strip()!r} is not a number")
    return value
