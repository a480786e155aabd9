"""Radial neuropathy at the spiral groove (Preston & Shapiro, radial neuropathy; TB).

Criteria (rule ``radial_spiral_groove``): a radial motor study (EIP) with conduction block or slowing
across the spiral groove — the analysis flags conduction block on a segment ending at the spiral
groove, or the amplitude falls by more than 50% from the elbow (or forearm) to the spiral groove
(generic block criterion, clinical.md §2.5), or the segment's CV is below its lower limit while the
forearm segment is normal — with triceps (branch above the groove) not neurogenic. A low superficial
radial SNAP and neurogenic brachioradialis/ECRL/PIN muscles support. Needle-only cases are localized
by the localization rule.
"""

from __future__ import annotations

from typing import Any

from edxkit.interpret.evidence import comparison_row, segment_row
from edxkit.interpret.facts import NcsFacts
from edxkit.interpret.model import Impression
from edxkit.interpret.rules.common import (
    FOCAL_SEVERITY_SCHEME,
    chronicity_of,
    focal_severity,
    muscle_evidence,
    ncs_evidence,
)
from edxkit.interpret.state import State

__all__ = ["RULE", "radial_spiral_groove", "spiral_groove_criteria"]

RULE = "radial_spiral_groove"
BLOCK_DROP_PCT = 50.0
BELOW_GROOVE = ("elbow", "forearm")
RADIAL_BELOW_GROOVE = (
    "brachioradialis",
    "extensor_carpi_radialis_longus",
    "supinator",
    "extensor_digitorum_communis",
    "extensor_carpi_ulnaris",
    "abductor_pollicis_longus",
    "extensor_pollicis_longus",
    "extensor_indicis",
)


def spiral_groove_criteria(motor: NcsFacts) -> list[tuple[str, dict[str, Any]]]:
    """Block or focal slowing between the elbow (or forearm) and the spiral groove."""
    out: list[tuple[str, dict[str, Any]]] = []
    groove = motor.site("spiral_groove")
    r = motor.result
    for lower_name in BELOW_GROOVE:
        lower = motor.site(lower_name)
        seg = motor.segment(f"{lower_name}-spiral_groove")
        if lower is None or groove is None or seg is None:
            continue
        if lower.amplitude and lower.response == "present":
            drop = (
                100.0
                if groove.response == "absent"
                else (1 - (groove.amplitude or 0) / lower.amplitude) * 100
            )
            if seg.conduction_block or drop > BLOCK_DROP_PCT:
                row = comparison_row("radial_spiral_groove_amplitude_drop_pct", r.side, drop, BLOCK_DROP_PCT)
                out.append(("conduction block at the spiral groove", row))
        if not motor.cold and "cv_m_s" in seg.abnormal:
            out.append(("focal slowing across the spiral groove", segment_row(r, seg, "cv_m_s")))
        break
    return out


def _side(state: State, side: str) -> None:
    f = state.facts
    motors = f.nerves("radial", "motor", side)
    found = [c for m in motors for c in spiral_groove_criteria(m)]
    triceps = f.muscle("triceps", side)
    if not found or (triceps is not None and triceps.abnormal):
        return
    muscles = [m for m in (f.muscle(n, side) for n in RADIAL_BELOW_GROOVE) if m is not None and m.abnormal]
    sensory = f.nerves("superficial_radial", "sensory", side)
    block = any("block" in label for label, _ in found)
    severity = focal_severity(motors, sensory, muscles, block=block)
    labels = "; ".join(dict.fromkeys(label for label, _ in found))
    state.add(
        Impression(
            code="radial_neuropathy_spiral_groove",
            side=side,
            severity=severity,
            chronicity=chronicity_of(muscles),
            evidence=[row for _, row in found] + ncs_evidence(motors + sensory) + muscle_evidence(muscles),
            rule=RULE,
            criteria=f"Preston & Shapiro radial neuropathy (TB); {FOCAL_SEVERITY_SCHEME}",
            text=f"{side.capitalize()} radial neuropathy at the spiral groove, {severity}: {labels}.",
        ),
        [*motors, *sensory, *muscles],
    )
    if triceps is None:
        state.limit(f"{side} triceps not examined: a radial lesion above the spiral groove is not excluded")


def radial_spiral_groove(state: State) -> None:
    """Rule ``radial_spiral_groove`` on each side."""
    for side in state.facts.sides:
        _side(state, side)
