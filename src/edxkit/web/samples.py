"""Decoded needle traces kept in memory for the viewer (µV, median removed), least recently used dropped."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from edxkit.store.blobs import decode_samples
from edxkit.store.errors import NotFoundError
from edxkit.store.models import WaveformRow


@dataclass(frozen=True, slots=True)
class Trace:
    """One stored waveform ready for display: samples in µV (needle) or the row's units (sweeps)."""

    waveform_id: int
    study_id: int
    ref: str
    role: str
    muscle: str | None
    side: str
    condition: str | None
    fs_hz: float
    units: str
    samples: NDArray[np.float32]

    @property
    def duration_s(self) -> float:
        return self.samples.shape[0] / self.fs_hz


class TraceCache:
    """At most ``max_mb`` MB of float32 traces (a 1 000 000-sample trace is 4 MB)."""

    def __init__(self, max_mb: float = 256.0) -> None:
        self.max_bytes = int(max_mb * 1024 * 1024)
        self._items: OrderedDict[int, Trace] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session: Session, waveform_id: int) -> Trace:
        with self._lock:
            found = self._items.get(waveform_id)
            if found is not None:
                self._items.move_to_end(waveform_id)
                return found
        row = session.scalar(
            select(WaveformRow).options(undefer(WaveformRow.samples)).where(WaveformRow.id == waveform_id)
        )
        if row is None:
            raise NotFoundError(f"no waveform {waveform_id}")
        values = decode_samples(row.samples, row.dtype, row.n_samples)
        units = row.units
        if row.role == "needle":
            if units == "mV":
                values = values * 1000.0
            units = "uV"
            finite = values[np.isfinite(values)]
            if finite.size:
                values = values - float(np.median(finite))
        trace = Trace(
            row.id,
            row.study_id,
            row.ref,
            row.role,
            row.muscle,
            row.side,
            row.condition,
            row.fs_hz,
            units,
            values.astype(np.float32),
        )
        with self._lock:
            self._items[waveform_id] = trace
            total = sum(t.samples.nbytes for t in self._items.values())
            while total > self.max_bytes and len(self._items) > 1:
                _, dropped = self._items.popitem(last=False)
                total -= dropped.samples.nbytes
        return trace
