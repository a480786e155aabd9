"""The result of a simulation: sweeps, their clean versions and parts, and the exact truth."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from edxkit.simulate.ncs.artifacts import FloatArray, RecordingSpec
from edxkit.simulate.ncs.params import NerveParams, Pathology
from edxkit.simulate.ncs.potentials import Response
from edxkit.waveform import Waveform

SCHEMA = "edxkit.simulate.ncs/1"


@dataclass(frozen=True)
class EvokedSimulation:
    """Simulated sweeps with ground truth.

    Parameters
    ----------
    kind : str
        ``motor``, ``sensory``, ``f_wave``, ``h_reflex`` or ``rns``.
    params, pathology, temperature_c, recording
        What was simulated and how it was recorded.
    sweeps : list of Waveform
        Recorded sweeps (clean + artifact + drift + noise, clipped at saturation if set); units
        ``mV`` (motor, F, H, RNS) or ``uV`` (sensory); ``channel`` is the stimulation site (or
        ``site#k`` for series); ``stimulus_s = pre_ms/1000``.
    clean : list of Waveform
        The same sweeps without noise, artifact or drift.
    artifacts, drifts, noises : list of ndarray
        The parts added to each clean sweep.
    noise_rms : list of float
        Noise rms of each sweep, in the sweep's units.
    responses : list of UnitSum or ResponseSum
        Each clean sweep as a continuous function of ms after the stimulus (F and H sweeps are
        ``ResponseSum``s of the M and the late response).
    truth : list of dict
        Per-sweep truth (see :mod:`edxkit.simulate.ncs.truth` for the definitions).
    segments : list of dict
        Per-segment truth (motor and sensory studies with several sites).
    summary : dict
        Study-level truth (F-wave, H-reflex and RNS summaries).
    """

    kind: str
    params: NerveParams
    pathology: Pathology
    temperature_c: float
    recording: RecordingSpec
    sweeps: list[Waveform]
    clean: list[Waveform]
    artifacts: list[FloatArray]
    drifts: list[FloatArray]
    noises: list[FloatArray]
    noise_rms: list[float]
    responses: list[Response]
    truth: list[dict[str, Any]]
    segments: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def units(self) -> str:
        return self.sweeps[0].units if self.sweeps else self.params.units

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable truth and settings (no samples)."""
        return jsonable(
            {
                "schema": SCHEMA,
                "kind": self.kind,
                "nerve": self.params.nerve,
                "record": self.params.record,
                "units": self.units,
                "temperature_c": self.temperature_c,
                "recording": dataclasses.asdict(self.recording),
                "params": dataclasses.asdict(self.params),
                "pathology": dataclasses.asdict(self.pathology),
                "noise_rms": self.noise_rms,
                "sweeps": self.truth,
                "segments": self.segments,
                "summary": self.summary,
            }
        )


def jsonable(value: Any) -> Any:
    """Plain JSON types: numpy scalars to Python, tuples and mappings to lists and dicts, NaN to None."""
    if isinstance(value, dict) or hasattr(value, "items"):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [jsonable(v) for v in value]
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer | int):
        return int(value)
    if isinstance(value, np.floating | float):
        return None if not math.isfinite(float(value)) else float(value)
    return value
