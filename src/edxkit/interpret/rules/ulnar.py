"""Ulnar neuropathy at the elbow and at the wrist (clinical.md §4.2).

Elbow (rule ``une_aaem``; AAEM practice parameter for UNE, criteria TB): any of, recording ADM or FDI —
(1) across-elbow motor CV <50 m/s; (2) across-elbow segment >10 m/s slower than the forearm segment;
(3) above- vs below-elbow CMAP amplitude drop >20%; (4) CMAP dispersion across the elbow (duration
increase >30%). Velocities are not used in a limb below its temperature floor. When a polyneuropathy is
present only the relative criteria (2)–(4) count. Needle: ulnar muscles (FDI, ADM, FDP 4–5, FCU)
support; abnormal non-ulnar C8 muscles (APB, EIP, FPL) point to C8/lower trunk and are not claimed.

Wrist (rule ``ulnar_wrist``; Guyon canal, TB): ulnar distal motor latency (ADM or FDI) prolonged with
normal forearm and across-elbow conduction, or a low ulnar digital SNAP with a normal dorsal ulnar
cutaneous SNAP (that branch leaves above the wrist) and normal across-elbow conduction.
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

__all__ = ["RULE_ELBOW", "RULE_WRIST", "elbow_criteria", "ulnar_elbow", "ulnar_wrist"]

RULE_ELBOW = "une_aaem"
RULE_WRIST = "ulnar_wrist"
ACROSS_ELBOW = "below_elbow-above_elbow"
FOREARM = "wrist-below_elbow"
UNE_MIN_CV_M_S = 50.0
UNE_MAX_CV_DROP_M_S = 10.0
UNE_MAX_AMPLITUDE_DROP_PCT = 20.0
DISPERSION_PCT = 30.0
ULNAR_MUSCLES = (
    "first_dorsal_interosseous",
    "abductor_digiti_minimi_hand",
    "adductor_pollicis",
    "flexor_digitorum_profundus_4_5",
    "flexor_carpi_ulnaris",
)
ULNAR_HAND = ULNAR_MUSCLES[:3]
ULNAR_FOREARM = ULNAR_MUSCLES[3:]


def _drop_pct(motor: NcsFacts, lower: str, upper: str) -> float | None:
    low, high = motor.site(lower), motor.site(upper)
    if low is None or high is None or low.response == "absent" or not low.amplitude:
        return None
    return 100.0 if high.response == "absent" else (1 - (high.amplitude or 0.0) / low.amplitude) * 100


def _dispersion_pct(motor: NcsFacts, lower: str, upper: str) -> float | None:
    low, high = motor.site(lower), motor.site(upper)
    if low is None or high is None or not low.duration_ms or high.duration_ms is None:
        return None
    return (high.duration_ms / low.duration_ms - 1) * 100


def elbow_criteria(motor: NcsFacts, *, relative_only: bool = False) -> list[tuple[str, dict[str, Any]]]:
    """AAEM UNE criteria met by one ulnar motor study: (label, evidence row) pairs."""
    out: list[tuple[str, dict[str, Any]]] = []
    across, forearm = motor.segment(ACROSS_ELBOW), motor.segment(FOREARM)
    r = motor.result
    if across is not None and across.cv_m_s is not None and not motor.cold:
        if not relative_only and across.cv_m_s < UNE_MIN_CV_M_S:
            out.append(
                ("across-elbow CV <50 m/s", segment_row(r, across, "cv_m_s") | {"limit": UNE_MIN_CV_M_S})
            )
        if forearm is not None and forearm.cv_m_s is not None:
            slowing = forearm.cv_m_s - across.cv_m_s
            if slowing > UNE_MAX_CV_DROP_M_S:
                row = segment_row(r, across, "cv_drop_m_s", slowing) | {"limit": UNE_MAX_CV_DROP_M_S}
                out.append(("across-elbow segment >10 m/s slower than the forearm", row))
    drop = _drop_pct(motor, "below_elbow", "above_elbow")
    if drop is not None and drop > UNE_MAX_AMPLITUDE_DROP_PCT:
        row = comparison_row(
            "ulnar_across_elbow_amplitude_drop_pct", r.side, drop, UNE_MAX_AMPLITUDE_DROP_PCT
        )
        out.append(("across-elbow CMAP amplitude drop >20%", row | {"record": r.record or ""}))
    widening = _dispersion_pct(motor, "below_elbow", "above_elbow")
    if widening is not None and widening > DISPERSION_PCT:
        row = comparison_row("ulnar_across_elbow_duration_increase_pct", r.side, widening, DISPERSION_PCT)
        out.append(("CMAP dispersion across the elbow", row))
    return out


def _muscles(state: State, side: str, names: tuple[str, ...]) -> list[MuscleFacts]:
    found = (state.facts.muscle(n, side) for n in names)
    return [m for m in found if m is not None and m.abnormal]


def _sensory(state: State, side: str) -> list[NcsFacts]:
    f = state.facts
    return f.nerves("ulnar", "sensory", side) + f.nerves("dorsal_ulnar_cutaneous", "sensory", side)


def _ulnar_impression(
    state: State,
    side: str,
    code: str,
    rule: str,
    found: list[tuple[str, dict[str, Any]]],
    motors: list[NcsFacts],
    sensory: list[NcsFacts],
    muscles: list[MuscleFacts],
) -> None:
    block = any("amplitude drop" in label for label, _ in found)
    severity = focal_severity(motors, sensory, muscles, block=block)
    studies = motors + sensory + state.facts.nerves("ulnar", "f_wave", side)
    site = "elbow" if code == "ulnar_neuropathy_elbow" else "wrist"
    labels = "; ".join(dict.fromkeys(label for label, _ in found))
    state.add(
        Impression(
            code=code,
            side=side,
            severity=severity,
            chronicity=chronicity_of(muscles),
            evidence=[row for _, row in found] + ncs_evidence(studies) + muscle_evidence(muscles),
            rule=rule,
            criteria=f"AAEM ulnar neuropathy practice parameter (clinical.md 4.2); {FOCAL_SEVERITY_SCHEME}",
            text=f"{side.capitalize()} ulnar neuropathy at the {site}, {severity}: {labels}.",
        ),
        [*studies, *muscles],
    )


def _elbow_side(state: State, side: str) -> None:
    motors = [m for m in state.facts.nerves("ulnar", "motor", side)]
    relative = state.has("polyneuropathy")
    found = [c for m in motors for c in elbow_criteria(m, relative_only=relative)]
    if not found:
        return
    muscles = _muscles(state, side, ULNAR_MUSCLES)
    _ulnar_impression(
        state, side, "ulnar_neuropathy_elbow", RULE_ELBOW, found, motors, _sensory(state, side), muscles
    )


def ulnar_elbow(state: State) -> None:
    """Rule ``une_aaem``: ulnar neuropathy at the elbow on each side (see module docstring)."""
    for side in state.facts.sides:
        _elbow_side(state, side)


def _elbow_normal(motors: list[NcsFacts]) -> bool:
    segments = [s for m in motors for name in (ACROSS_ELBOW, FOREARM) if (s := m.segment(name)) is not None]
    return bool(segments) and not any(m.segment_abnormal(s) for m in motors for s in segments)


def _wrist_findings(state: State, side: str) -> list[tuple[str, dict[str, Any]]]:
    f = state.facts
    motors = f.nerves("ulnar", "motor", side)
    if not _elbow_normal(motors):
        return []
    found = [
        ("ulnar distal motor latency prolonged", row)
        for m in motors
        if m.latency_abnormal
        for row in m.evidence()
        if row.get("field") == "onset_latency_ms"
    ]
    digital = [s for s in f.nerves("ulnar", "sensory", side) if s.low_amplitude]
    dorsal = f.nerves("dorsal_ulnar_cutaneous", "sensory", side)
    if digital and dorsal and not any(d.low_amplitude for d in dorsal):
        found += [
            ("low ulnar digital SNAP with normal dorsal ulnar cutaneous SNAP", row)
            for s in digital
            for row in s.evidence()
        ]
    return found


def ulnar_wrist(state: State) -> None:
    """Rule ``ulnar_wrist``: ulnar neuropathy at the wrist on each side (see module docstring)."""
    for side in state.facts.sides:
        if state.has("ulnar_neuropathy_elbow", side) or state.has("polyneuropathy"):
            continue
        found = _wrist_findings(state, side)
        if not found:
            continue
        if any(m.abnormal for m in (state.facts.muscle(n, side) for n in ULNAR_FOREARM) if m is not None):
            continue  # forearm ulnar muscles abnormal: the lesion is above the wrist
        motors = state.facts.nerves("ulnar", "motor", side)
        muscles = _muscles(state, side, ULNAR_HAND)
        _ulnar_impression(
            state, side, "ulnar_neuropathy_wrist", RULE_WRIST, found, motors, _sensory(state, side), muscles
        )
