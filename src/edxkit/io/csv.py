"""CSV sweeps: ``# key: value`` comment lines, a ``time_ms,value[,...]`` header, time 0 = stimulus."""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from edxkit.errors import EdxInputError
from edxkit.io.base import (
    ChannelInfo,
    RecordingFile,
    RecordingInfo,
    check_finite,
    check_writable,
    require_units,
    suspected_clipping,
)
from edxkit.waveform import Quality, Waveform

_TIME_COLUMNS = {"time_ms": 1.0, "time_s": 1000.0}


class CsvFile(RecordingFile):
    """A CSV waveform file, read whole on open (CSV sweeps are small)."""

    format = "CSV"

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        text = _read_text(path)
        lines = text.splitlines()
        self.meta, n_comments = _comment_block(lines)
        if n_comments >= len(lines):
            raise EdxInputError(path, "header", "no header row (expected 'time_ms,value')")
        columns = [c.strip() for c in lines[n_comments].split(",")]
        if columns[0].lower() not in _TIME_COLUMNS or len(columns) < 2:
            raise EdxInputError(
                path,
                "header",
                f"first row {lines[n_comments]!r} must be 'time_ms,value' (more value columns allowed)",
            )
        self.labels = columns[1:]
        self.units, self.factor = self._units()
        data = _numbers(path, "\n".join(lines[n_comments + 1 :]), len(columns), first_line=n_comments + 2)
        self.time_ms = data[:, 0] * _TIME_COLUMNS[columns[0].lower()]
        self.values = data[:, 1:] * self.factor
        check_finite(path, data[:, :1], columns[0])
        check_finite(path, data[:, 1:], "values")
        self.fs_hz = self._sampling_rate()

    def _units(self) -> tuple[str, float]:
        text = self.meta.get("units") or self.meta.get("unit")
        if text is None:
            raise EdxInputError(
                self.path, "units", "missing: add a '# units: mV' (or uV) line before the header"
            )
        return require_units(self.path, "units", text)

    def _sampling_rate(self) -> float:
        t = self.time_ms
        declared = self.meta.get("sampling_rate_hz")
        if t.size < 2:
            if declared is None:
                raise EdxInputError(
                    self.path, "sampling_rate_hz", "missing: one sample and no '# sampling_rate_hz:'"
                )
            return _positive(self.path, declared)
        dt = (t[-1] - t[0]) / (t.size - 1)
        if dt <= 0:
            raise EdxInputError(self.path, "time_ms", "times must increase")
        deviation = np.abs(t - (t[0] + dt * np.arange(t.size)))
        worst = int(np.argmax(deviation))
        if deviation[worst] > 0.5 * dt:
            raise EdxInputError(
                self.path,
                "time_ms",
                f"not evenly sampled: the time on data row {worst + 1} is off by {deviation[worst]:.4g} ms",
            )
        fs = 1000.0 / dt
        if declared is not None:
            stated = _positive(self.path, declared)
            if abs(stated - fs) > 0.01 * stated:
                raise EdxInputError(
                    self.path, "sampling_rate_hz", f"{stated} Hz disagrees with the time column ({fs:.6g} Hz)"
                )
            return stated
        return fs

    @cached_property
    def info(self) -> RecordingInfo:
        channels = tuple(
            ChannelInfo(i, label, self.fs_hz, self.values.shape[0], self.units)
            for i, label in enumerate(self.labels)
        )
        meta = {k: v for k, v in self.meta.items() if k not in ("units", "unit")}
        return RecordingInfo(
            path=str(self.path),
            format="CSV",
            channels=channels,
            stimulus_s=-float(self.time_ms[0]) / 1000.0,
            metadata=meta,
        )

    def _read_samples(self, index: int, first: int, stop: int) -> tuple[NDArray[np.float64], Quality]:
        samples = np.ascontiguousarray(self.values[first:stop, index])
        return samples, suspected_clipping(samples)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise EdxInputError(path, "file", f"not a text file (byte {exc.start} is not UTF-8)") from None


def _comment_block(lines: list[str]) -> tuple[dict[str, str], int]:
    meta: dict[str, str] = {}
    n = 0
    while n < len(lines) and (lines[n].startswith("#") or not lines[n].strip()):
        key, sep, value = lines[n].lstrip("#").partition(":")
        if sep:
            meta[key.strip().lower().replace(" ", "_")] = value.strip()
        n += 1
    return meta, n


def _arrow_numbers(body: str, n_columns: int) -> NDArray[np.float64] | None:
    """The table parsed by pyarrow's CSV reader (about 2.5× faster than ``np.loadtxt``; both round every
    number correctly, so the values are the same); None when it cannot parse it as ``n_columns`` numbers a
    row, and ``np.loadtxt`` then says why."""
    import pyarrow as pa  # type: ignore[import-untyped]  # imported on first use: 50 ms
    import pyarrow.csv as pa_csv  # type: ignore[import-untyped]

    names = [f"c{i}" for i in range(n_columns)]
    try:
        table = pa_csv.read_csv(
            io.BytesIO(body.encode("utf-8")),
            read_options=pa_csv.ReadOptions(column_names=names, use_threads=False),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.float64()),
                null_values=[],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowException, ValueError):
        return None
    if table.num_rows == 0:
        return None
    return np.column_stack([np.asarray(c.to_numpy(), dtype=np.float64) for c in table.columns])


def _numbers(path: Path, body: str, n_columns: int, *, first_line: int) -> NDArray[np.float64]:
    if not body.strip():
        raise EdxInputError(path, "values", "the file has a header but no samples")
    data = _arrow_numbers(body, n_columns)
    if data is None:
        try:
            data = np.loadtxt(io.StringIO(body), delimiter=",", ndmin=2, dtype=np.float64)
        except ValueError as exc:
            raise EdxInputError(path, "values", f"{exc} (data starts on line {first_line})") from None
    if data.shape[1] != n_columns:
        raise EdxInputError(
            path, "values", f"rows have {data.shape[1]} columns, the header names {n_columns}"
        )
    return data


def _positive(path: Path, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not np.isfinite(value) or value <= 0:
        raise EdxInputError(path, "sampling_rate_hz", f"{text!r} is not a positive number")
    return value


def write_csv(
    path: str | Path, waveforms: Sequence[Waveform], *, comments: dict[str, str] | None = None
) -> Path:
    """Write waveforms of equal rate and length as ``time_ms,<label>...`` (time 0 = stimulus).

    All channels are written in the first waveform's units; without a stimulus time, 0 is the
    first sample.
    """
    path = Path(path)
    first = check_writable(path, waveforms)
    zero_s = first.stimulus_s if first.stimulus_s is not None else first.start_s
    time_ms = (first.start_s - zero_s) * 1000.0 + np.arange(first.n_samples) * (1000.0 / first.fs_hz)
    table = np.column_stack([time_ms, *[w.in_units(first.units) for w in waveforms]])
    labels = [_label(w.channel, i) for i, w in enumerate(waveforms)]
    head = {"units": first.units, "sampling_rate_hz": repr(first.fs_hz), **(comments or {})}
    header = "".join(f"# {k}: {v}\n" for k, v in head.items()) + ",".join(["time_ms", *labels])
    np.savetxt(path, table, fmt="%.10g", delimiter=",", header=header, comments="")
    return path


def _label(channel: str, i: int) -> str:
    label = channel.replace(",", " ").strip()
    return label or ("value" if i == 0 else f"value{i}")
