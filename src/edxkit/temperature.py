"""Limb temperature against the floors below which nerve conduction values are unreliable."""

from __future__ import annotations

from dataclasses import dataclass

from edxkit.anatomy.names import nerves
from edxkit.model import Study

# Upper-limb studies assume ≥32 °C, lower-limb ≥30 °C (clinical.md, general rules; TB).
TEMPERATURE_FLOOR_C = {"upper": 32.0, "lower": 30.0}


@dataclass(frozen=True, slots=True)
class LimbTemperature:
    """A limb with nerve studies whose temperature is missing (``value_c`` None) or below the floor."""

    limb: str
    value_c: float | None
    floor_c: float

    def describe(self) -> str:
        if self.value_c is None:
            return f"{self.limb} limb temperature not recorded: cooling cannot be excluded"
        return (
            f"{self.limb} limb at {self.value_c:g} °C, below the {self.floor_c:g} °C floor: latencies may be "
            "prolonged, velocities slowed and sensory amplitudes raised; values are not corrected"
        )


def temperature_problems(study: Study) -> list[LimbTemperature]:
    """Limbs studied by NCS whose temperature is not recorded or is below the floor."""
    limbs = {nerves()[n.nerve].limb for n in study.ncs}
    out = []
    for limb, floor in TEMPERATURE_FLOOR_C.items():
        if limb not in limbs:
            continue
        value = getattr(study.temperature_c, limb)
        if value is None or value < floor:
            out.append(LimbTemperature(limb, value, floor))
    return out
