"""Result records of spontaneous-activity analysis: one :class:`SpontaneousTrain` per generator found."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

TYPES = (
    "fibrillation",
    "positive_sharp_wave",
    "fasciculation",
    "myotonic",
    "complex_repetitive",
    "myokymic",
    "end_plate",
)
GRADED_TYPES = ("fibrillation", "positive_sharp_wave", "fasciculation")
OTHER_TYPES = ("myotonic", "complex_repetitive", "myokymic", "end_plate")


def rate_and_cv(times_s: FloatArray) -> tuple[float, float]:
    """Mean firing rate (discharges − 1 over their span, Hz) and coefficient of variation of the intervals."""
    t = np.sort(np.asarray(times_s, dtype=np.float64))
    if t.size < 2 or t[-1] <= t[0]:
        return 0.0, 0.0
    isi = np.diff(t)
    rate = float((t.size - 1) / (t[-1] - t[0]))
    cv = float(np.std(isi) / np.mean(isi)) if isi.size > 1 else 0.0
    return rate, cv


@dataclass(frozen=True)
class SpontaneousTrain:
    """The discharges of one spontaneous generator (a fibre, a motor unit, an ephaptic circuit, an end-plate).

    Attributes
    ----------
    type : str
        fibrillation | positive_sharp_wave | fasciculation | myotonic | complex_repetitive | myokymic |
        end_plate.
    kind : str
        Finer label: ``end_plate_noise`` / ``end_plate_spike`` for end-plate activity, ``spike_like`` /
        ``psw_like`` for myotonic discharges, else ``""``.
    times_s : ndarray
        Absolute time (s, the window's ``start_s`` included) of each discharge: the time of the template's
        largest-magnitude sample once the discharge is aligned on the template.
    template_uv : ndarray
        Median of the aligned discharges (µV) at ``fs_hz``.
    template_index : int
        Sample of ``template_uv`` that sits at each of ``times_s`` (its largest-magnitude sample).
    fs_hz : float
        Sampling rate of the template.
    amplitude_uv : float
        Peak-to-peak amplitude of the template (µV).
    rate_hz : float
        (count − 1) / span of the discharges (Hz); 0 for fewer than 2.
    isi_cv : float
        Coefficient of variation of the interdischarge intervals.
    """

    type: str
    kind: str
    times_s: FloatArray
    template_uv: FloatArray
    template_index: int
    fs_hz: float
    amplitude_uv: float
    rate_hz: float
    isi_cv: float

    @property
    def count(self) -> int:
        """Number of discharges."""
        return int(np.asarray(self.times_s).size)

    def to_dict(self) -> dict[str, Any]:
        """``{type, kind, count, rate_hz, times_s, amplitude_uv}`` (JSON-ready)."""
        return {
            "type": self.type,
            "kind": self.kind,
            "count": self.count,
            "rate_hz": round(float(self.rate_hz), 3),
            "times_s": [round(float(t), 6) for t in self.times_s],
            "amplitude_uv": round(float(self.amplitude_uv), 1),
        }


@dataclass(frozen=True)
class SpontaneousResult:
    """Spontaneous activity of one rest recording (or of consecutive windows joined by ``merge_spontaneous``).

    Attributes
    ----------
    trains : tuple of SpontaneousTrain
        One per generator, ordered by type (:data:`TYPES`) then by first discharge.
    grades : dict
        ``fibrillation``, ``positive_sharp_wave``, ``fasciculation`` → ``"0"`` … ``"4+"`` (see
        :mod:`edxkit.emg.spontaneous.grade` for the operational definition).
    other_discharges : tuple of str
        myotonic / complex_repetitive / myokymic / end_plate types present.
    analysed_s : float
        Seconds of valid signal analysed.
    noise_uv : float
        Robust rms of the quiet baseline (µV) in the detection band (the last window's when merged).
    threshold_uv : float
        Detection threshold (µV) on the detection signal.
    """

    trains: tuple[SpontaneousTrain, ...]
    grades: dict[str, str]
    other_discharges: tuple[str, ...]
    analysed_s: float
    noise_uv: float = 0.0
    threshold_uv: float = 0.0

    def to_dict(self) -> list[dict[str, Any]]:
        """The needle-recording JSON ``spontaneous`` list (DESIGN.md contract), one entry per train:
        ``{type, kind, count, rate_hz, times_s, amplitude_uv}``."""
        return [train.to_dict() for train in self.trains]

    def of_type(self, kind: str) -> tuple[SpontaneousTrain, ...]:
        """The trains of one type."""
        return tuple(t for t in self.trains if t.type == kind)
