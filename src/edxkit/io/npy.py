"""NumPy ``.npy`` arrays with a JSON sidecar (``x.npy`` + ``x.json``): rate, units, channels, stimulus."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

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


class NpyFile(RecordingFile):
    """A memory-mapped array, one row per channel (or a 1-D array for one channel)."""

    format = "NPY"

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.sidecar_path = path.with_suffix(".json")
        self.meta = _sidecar(self.sidecar_path)
        try:
            array = np.load(path, mmap_mode="r", allow_pickle=False)
        except (ValueError, OSError, EOFError) as exc:
            raise EdxInputError(path, "file", f"not a readable .npy array ({exc})") from None
        if array.ndim not in (1, 2) or array.size == 0 or array.dtype.kind not in "iuf":
            raise EdxInputError(
                path,
                "array",
                f"expected a non-empty numeric 1-D or (channels, samples) array, "
                f"got {array.shape} {array.dtype}",
            )
        self.array = array.reshape(1, -1) if array.ndim == 1 else array
        self.units, self.factor = require_units(self.sidecar_path, "units", str(self.meta.get("units", "")))
        fs_hz = _number(self.sidecar_path, self.meta, "sampling_rate_hz", required=True)
        assert fs_hz is not None  # required=True raises instead of returning None
        self.fs_hz = fs_hz

    @cached_property
    def info(self) -> RecordingInfo:
        labels = self.meta.get("channels") or [f"ch{i}" for i in range(self.array.shape[0])]
        if not isinstance(labels, list) or len(labels) != self.array.shape[0]:
            raise EdxInputError(
                self.sidecar_path, "channels", f"must list {self.array.shape[0]} channel labels"
            )
        stimulus_ms = _number(self.sidecar_path, self.meta, "stimulus_ms", required=False)
        channels = tuple(
            ChannelInfo(i, str(label), self.fs_hz, self.array.shape[1], self.units)
            for i, label in enumerate(labels)
        )
        extra = {
            k: str(v) for k, v in self.meta.items() if k not in ("channels", "units", "sampling_rate_hz")
        }
        return RecordingInfo(
            path=str(self.path),
            format="NPY",
            channels=channels,
            stimulus_s=None if stimulus_ms is None else stimulus_ms / 1000.0,
            metadata=extra,
        )

    def _read_samples(self, index: int, first: int, stop: int) -> tuple[NDArray[np.float64], Quality]:
        samples = np.asarray(self.array[index, first:stop], dtype=np.float64) * self.factor
        check_finite(self.path, samples)
        return samples, suspected_clipping(samples)


def _sidecar(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise EdxInputError(path, "file", "JSON sidecar not found (needs sampling_rate_hz and units)")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise EdxInputError(path, "file", f"not valid JSON ({exc})") from None
    if not isinstance(meta, dict):
        raise EdxInputError(path, "file", "must hold a JSON object")
    return meta


def _number(path: Path, meta: dict[str, Any], key: str, *, required: bool) -> float | None:
    value = meta.get(key)
    if value is None:
        if required:
            raise EdxInputError(path, key, "missing")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
        raise EdxInputError(path, key, f"{value!r} is not a number")
    if key == "sampling_rate_hz" and value <= 0:
        raise EdxInputError(path, key, f"{value!r} must be positive")
    return float(value)


def write_npy(path: str | Path, waveforms: Sequence[Waveform]) -> Path:
    """Write waveforms of equal rate and length as a (channels, samples) array plus its sidecar."""
    path = Path(path)
    first = check_writable(path, waveforms)
    np.save(path, np.vstack([w.in_units(first.units) for w in waveforms]))
    meta: dict[str, Any] = {
        "sampling_rate_hz": first.fs_hz,
        "units": first.units,
        "channels": [w.channel or f"ch{i}" for i, w in enumerate(waveforms)],
    }
    if first.stimulus_s is not None:
        meta["stimulus_ms"] = (first.stimulus_s - first.start_s) * 1000.0
    path.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return path
