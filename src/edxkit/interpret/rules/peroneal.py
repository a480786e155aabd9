"""Peroneal (fibular) neuropathy at the fibular head (clinical.md §4.3).

Criteria (rule ``peroneal_fibular_head``): a peroneal motor study (EDB or TA) with focal conduction
block or slowing across the fibular head — amplitude drop from below to above the fibular head >25%
(Buschbacher 1999, 97th percentile, V), or across-fibular-head CV more than 10 m/s slower than the leg
segment (Buschbacher, V), or across-fibular-head CV below its lower limit with a normal leg segment —
and no neurogenic short head of biceps femoris (that would place the lesion at the sciatic nerve).
Velocities are not used below the temperature floor; with a polyneuropathy only block or relative
slowing count. Supportive: neurogenic TA/EHL/peroneus longus with normal tibialis posterior, FDL,
gluteus medius and paraspinals (excluding L5 radiculopathy and plexopathy); a low superficial peroneal
SNAP shows axon loss of the superficial branch.
"""

from __future__ import annotations

from typing import Any

from edxkit.interpret.evidence import comparison_row, segment_row
from edxkit.interpret.facts import NcsFacts
from edxkit.interpret.model import Impression
from edxkit.interpret.needle import MuscleFacts
from edxkit.interpret.rules.common import (
    FOCAL_SEVERITY_SCHEME,
    chronicity_of,
    focal_severity,
    muscle_evidence,
    ncs_evidence,
)
from edxkit.interpret.state import State

__all__ = ["RULE", "fibular_head_criteria", "peroneal_fibular_head"]

RULE = "peroneal_fibular_head"
MAX_DROP_PCT = 25.0
MAX_CV_DROP_M_S = 10.0
ACROSS = (("below_fibular_head", "above_fibular_head"), ("below_fibular_head", "popliteal_fossa"))
LEG = "ankle-below_fibular_head"
PERONEAL_MUSCLES = (
    "tibialis_anterior",
    "extensor_hallucis_longus",
    "extensor_digitorum_longus",
    "extensor_digitorum_brevis",
    "peroneus_longus",
)


def _drop(motor: NcsFacts, lower: str, upper: str) -> float | None:
    low, high = motor.site(lower), motor.site(upper)
    if low is None or high is None or low.response == "absent" or not low.amplitude:
        return None
    return 100.0 if high.response == "absent" else (1 - (high.amplitude or 0.0) / low.amplitude) * 100


def fibular_head_criteria(
    motor: NcsFacts, *, relative_only: bool = False
) -> list[tuple[str, dict[str, Any]]]:
    """Focal block or slowing across the fibular head in one peroneal motor study."""
    out: list[tuple[str, dict[str, Any]]] = []
    r = motor.result
    for lower, upper in ACROSS:
        drop = _drop(motor, lower, upper)
        if drop is not None and drop > MAX_DROP_PCT:
            row = comparison_row(
                "peroneal_across_fibular_head_amplitude_drop_pct", r.side, drop, MAX_DROP_PCT
            )
            out.append(("conduction block across the fibular head (amplitude drop >25%)", row))
        across, leg = motor.segment(f"{lower}-{upper}"), motor.segment(LEG)
        if across is None or across.cv_m_s is None or motor.cold:
            continue
        leg_cv = leg.cv_m_s if leg is not None else None
        if leg_cv is not None and leg_cv - across.cv_m_s > MAX_CV_DROP_M_S:
            row = segment_row(r, across, "cv_drop_m_s", leg_cv - across.cv_m_s) | {"limit": MAX_CV_DROP_M_S}
            out.append(("slowing across the fibular head (>10 m/s below the leg segment)", row))
        elif (
            not relative_only
            and "cv_m_s" in across.abnormal
            and leg is not None
            and "cv_m_s" not in leg.abnormal
        ):
            out.append(("focal slowing across the fibular head", segment_row(r, across, "cv_m_s")))
    return out


def _abnormal(state: State, side: str, names: tuple[str, ...]) -> list[MuscleFacts]:
    found = (state.facts.muscle(n, side) for n in names)
    return [m for m in found if m is not None and m.abnormal]


def _side(state: State, side: str) -> None:
    f = state.facts
    motors = f.nerves("peroneal", "motor", side)
    relative = state.has("polyneuropathy")
    found = [c for m in motors for c in fibular_head_criteria(m, relative_only=relative)]
    if not found or _abnormal(state, side, ("biceps_femoris_short_head",)):
        return
    muscles = _abnormal(state, side, PERONEAL_MUSCLES)
    sensory = f.nerves("superficial_peroneal", "sensory", side)
    block = any("block" in label for label, _ in found)
    severity = focal_severity(motors, sensory, muscles, block=block)
    studies = motors + sensory + f.nerves("peroneal", "f_wave", side)
    labels = "; ".join(dict.fromkeys(label for label, _ in found))
    state.add(
        Impression(
            code="peroneal_neuropathy_fibular_head",
            side=side,
            severity=severity,
            chronicity=chronicity_of(muscles),
            evidence=[row for _, row in found] + ncs_evidence(studies) + muscle_evidence(muscles),
            rule=RULE,
            criteria=f"Buschbacher 1999 peroneal limits (clinical.md 4.3); {FOCAL_SEVERITY_SCHEME}",
            text=f"{side.capitalize()} peroneal neuropathy at the fibular head, {severity}: {labels}.",
        ),
        [*studies, *muscles],
    )
    if f.muscle("biceps_femoris_short_head", side) is None:
        state.limit(
            f"{side} short head of biceps femoris not examined: a sciatic (peroneal division) lesion "
            "is not excluded"
        )


def peroneal_fibular_head(state: State) -> None:
    """Rule ``peroneal_fibular_head``: peroneal neuropathy at the fibular head on each side."""
    for side in state.facts.sides:
        _side(state, side)
