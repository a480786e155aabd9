"""Ground-truth records of a needle-EMG simulation and their JSON form.

Timing convention: every discharge time lies on the sample grid (``n / fs_hz``) and is the time of the
template's sample ``template_index`` — for MUAPs and spontaneous potentials the sample of largest magnitude of
the clean template. A template therefore starts at sample ``round(t·fs) − template_index``. Templates are
clean (noise-free) and already band-pass filtered at ``fs_hz``, so the clean signal is exactly the sum of the
placed templates (variants for voluntary units, times ``scales`` for spontaneous ones).
Measures (amplitude, duration, phases, turns) follow :mod:`edxkit.simulate.emg.measures`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from edxkit.simulate.emg.instrument import Placer
from edxkit.waveform import Waveform

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class UnitTruth:
    """One voluntarily firing motor unit.

    Parameters
    ----------
    id : int
        Unit id (recruitment rank in the muscle's pool; lower fires first).
    firing_times_s : ndarray
        Times (s) of the template's main peak for each discharge.
    template_uv : ndarray
        Nominal clean MUAP (µV) at ``fs_hz``: every fibre at its mean delay, none blocked.
    template_index : int
        Sample of ``template_uv`` that sits at each firing time (its largest-magnitude sample).
    amplitude_uv, duration_ms, phases, turns, rise_time_ms : float/int
        Measures of ``template_uv`` (see :mod:`.measures`).
    n_fibres : int
        Fibres of the whole unit (after disease).
    mean_rate_hz : float
        1 / mean interspike interval of ``firing_times_s`` (the model rate when fewer than 2 discharges).
    stable : bool
        False when the unit has immature reinnervated fibres (jitter 60–150 µs, blocking).
    variants_uv : ndarray
        Discharge shapes (rows) that were actually placed; ``variant_index[i]`` says which one the i-th
        discharge used. With jitter/blocking they differ slightly from ``template_uv``.
    variant_index : ndarray
        Variant row used by each discharge.
    nearest_fibre_mm : float
        Distance of the unit's nearest fibre from the needle tip.
    threshold : float
        Recruitment threshold (fraction of maximal excitation).
    """

    id: int
    firing_times_s: FloatArray
    template_uv: FloatArray
    template_index: int
    amplitude_uv: float
    duration_ms: float
    phases: int
    turns: int
    n_fibres: int
    mean_rate_hz: float
    stable: bool
    rise_time_ms: float = 0.0
    variants_uv: FloatArray = field(default_factory=lambda: np.empty((0, 0)))
    variant_index: IntArray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    nearest_fibre_mm: float = float("nan")
    threshold: float = float("nan")


@dataclass(frozen=True, slots=True)
class DischargeTruth:
    """One spontaneous generator.

    Parameters
    ----------
    type : str
        fibrillation | positive_sharp_wave | fasciculation | myotonic | complex_repetitive | myokymic |
        end_plate.
    generator : int
        Generator id (unique within the recording; for fasciculation/myokymic the pool unit id).
    times_s : ndarray
        Time (s) of every discharge (every spike of a burst or train).
    template_uv : ndarray
        Clean template (µV) at ``fs_hz``.
    template_index : int
        Sample of the template at each time (its largest-magnitude sample).
    amplitude_uv : float
        Peak-to-peak amplitude of ``template_uv`` (µV).
    scales : ndarray
        Amplitude factor of each discharge (1 except for waxing/waning myotonic trains and end-plate noise).
    kind : str
        Finer description (e.g. ``end_plate_noise`` / ``end_plate_spike``, ``psw_like``).
    """

    type: str
    generator: int
    times_s: FloatArray
    template_uv: FloatArray
    template_index: int
    amplitude_uv: float
    scales: FloatArray = field(default_factory=lambda: np.empty(0))
    kind: str = ""

    @property
    def rate_hz(self) -> float:
        """Discharges per second over the span of the discharges (0 with fewer than 2)."""
        if self.times_s.size < 2:
            return 0.0
        return float((self.times_s.size - 1) / (self.times_s[-1] - self.times_s[0]))


def _samples(times_s: FloatArray, fs_hz: float) -> IntArray:
    return np.rint(np.asarray(times_s) * fs_hz).astype(np.int64)


@dataclass(frozen=True, slots=True)
class NeedleSimulation:
    """Result of :func:`simulate_needle`: the recording and its ground truth.

    ``clean_uv`` is the noise-free signal; ``waveform.samples = clean_uv + noise``.
    """

    waveform: Waveform
    units: tuple[UnitTruth, ...]
    spontaneous: tuple[DischargeTruth, ...]
    grades: dict[str, str]
    other_discharges: tuple[str, ...]
    parameters: dict[str, Any]
    derived: dict[str, Any]
    clean_uv: FloatArray

    def reconstruct_clean_uv(self) -> FloatArray:
        """Rebuild the clean signal from the truth alone (placed variants and scaled templates)."""
        fs = self.waveform.fs_hz
        longest = max(
            [u.variants_uv.shape[1] for u in self.units]
            + [d.template_uv.size for d in self.spontaneous]
            + [1]
        )
        placer = Placer(self.waveform.n_samples, longest)
        for unit in self.units:
            samples = _samples(unit.firing_times_s, fs)
            for v in range(unit.variants_uv.shape[0]):
                placer.add(unit.variants_uv[v], unit.template_index, samples[unit.variant_index == v])
        for dis in self.spontaneous:
            placer.add(dis.template_uv, dis.template_index, _samples(dis.times_s, fs), dis.scales)
        return placer.signal

    def truth(self, *, include_variants: bool = False) -> dict[str, Any]:
        """JSON-serialisable ground truth (templates rounded to 0.01 µV)."""
        return {
            "schema": "edxkit.emg_truth/1",
            "parameters": self.parameters,
            "derived": self.derived,
            "grades": dict(self.grades),
            "other_discharges": list(self.other_discharges),
            "units": [_unit_json(u, include_variants) for u in self.units],
            "spontaneous": [_discharge_json(d) for d in self.spontaneous],
        }


def _rounded(values: FloatArray) -> list[Any]:
    rounded: list[Any] = np.round(np.asarray(values, dtype=np.float64), 2).tolist()
    return rounded


def _unit_json(u: UnitTruth, include_variants: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": u.id,
        "firing_times_s": [float(t) for t in u.firing_times_s],
        "template_uv": _rounded(u.template_uv),
        "template_index": u.template_index,
        "amplitude_uv": round(u.amplitude_uv, 2),
        "duration_ms": round(u.duration_ms, 3),
        "phases": u.phases,
        "turns": u.turns,
        "rise_time_ms": round(u.rise_time_ms, 3),
        "n_fibres": u.n_fibres,
        "mean_rate_hz": round(u.mean_rate_hz, 3),
        "stable": u.stable,
        "nearest_fibre_mm": round(u.nearest_fibre_mm, 3),
        "threshold": round(u.threshold, 6),
        "variant_index": [int(v) for v in u.variant_index],
    }
    if include_variants:
        out["variants_uv"] = [_rounded(row) for row in u.variants_uv]
    return out


def _discharge_json(d: DischargeTruth) -> dict[str, Any]:
    return {
        "type": d.type,
        "kind": d.kind,
        "generator": d.generator,
        "times_s": [float(t) for t in d.times_s],
        "template_uv": _rounded(d.template_uv),
        "template_index": d.template_index,
        "amplitude_uv": round(d.amplitude_uv, 2),
        "rate_hz": round(d.rate_hz, 3),
        "scales": [round(float(s), 4) for s in d.scales],
    }
