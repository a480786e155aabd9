"""Polyneuropathy: length-dependent (axonal/mixed) or demyelinating (clinical.md §4.6, §4.7, §2.6).

Rule ``polyneuropathy_length_dependent`` (England et al. 2005 minimal NCS case definition, V for the
document): an abnormality of any attribute of nerve conduction in two separate nerves, one of which
is the sural; the other a leg nerve, or an arm nerve other than the median alone (an isolated median
abnormality is more often carpal tunnel syndrome). Length dependence: symmetric where both legs are
studied (an abnormal sural on one side and a normal one on the other is a focal process), and no
neurogenic proximal leg muscle unless both surals are abnormal.

Rule ``polyneuropathy_demyelinating``: demyelinating parameters (``demyelination.py``) in at least
the number of motor nerves the criteria set requires (EFNS/PNS 2010 by default: 2), with or without
sural involvement (sural sparing is typical of acquired demyelination). Conduction block or temporal
dispersion among them (outside compression sites) is named in the impression as acquired demyelination.

Attributes: fibers = sensory (SNAPs only), motor (CMAPs, F-waves, demyelinating parameters or distal
denervation only) or sensorimotor; pathology = demyelinating (criteria met, at most one motor nerve
with purely axonal CMAP loss), mixed (criteria met with axonal loss in ≥2 other motor nerves, or one
demyelinating nerve beside axonal findings), axonal (no demyelinating parameter). Severity
(clinical.md §4.6 convention, TB): mild = leg sensory only; moderate = leg motor involvement;
severe = upper-limb involvement or all leg responses absent.
"""

from __future__ import annotations

from edxkit.anatomy.names import muscles
from edxkit.interpret.criteria import comparison_tests, demyelinating_criteria
from edxkit.interpret.facts import Facts, NcsFacts
from edxkit.interpret.model import Impression
from edxkit.interpret.needle import MuscleFacts
from edxkit.interpret.rules.common import chronicity_of, muscle_evidence, ncs_evidence
from edxkit.interpret.rules.cts import comparison_results
from edxkit.interpret.rules.demyelination import Feature, demyelinating_nerves, motor_features
from edxkit.interpret.state import State

__all__ = ["RULE_AXONAL", "RULE_DEMYELINATING", "polyneuropathy"]

RULE_AXONAL = "polyneuropathy_length_dependent"
RULE_DEMYELINATING = "polyneuropathy_demyelinating"
LEG_NERVES = frozenset(
    {"sural", "superficial_peroneal", "peroneal", "tibial", "medial_plantar", "lateral_plantar"}
)
ARM_SENSORY = frozenset({"ulnar", "superficial_radial", "median"})
DISTAL_REGIONS = frozenset({"leg", "foot"})
HAND = frozenset({"hand"})
PROXIMAL_LEG = frozenset({"hip", "thigh"})


def _features(state: State, criteria: str) -> dict[tuple[str, ...], list[Feature]]:
    f, c = state.facts, demyelinating_criteria()[criteria]
    out = {}
    for motor in f.nerves(kind="motor"):
        out[motor.key] = motor_features(f, motor, c, exclude_dml=_median_cts_like(f, motor))
    return out


def _median_cts_like(f: Facts, motor: NcsFacts) -> bool:
    """Median DML is left out (EFNS I-A) where carpal tunnel syndrome is likely."""
    if motor.nerve != "median":
        return False
    values = comparison_results(f, motor.side)
    if any(values.get(t.name, 0.0) > t.abnormal_above_ms for t in comparison_tests()):
        return True
    ulnar = f.nerves("ulnar", "motor", motor.side)
    return motor.latency_abnormal and any(not u.latency_abnormal for u in ulnar)


def _second_nerve(abnormal: list[NcsFacts]) -> bool:
    """An abnormal nerve besides the sural: a leg nerve, or arm nerves other than the median alone."""
    others = {n.nerve for n in abnormal if n.nerve != "sural"}
    return bool(others & LEG_NERVES) or bool(others - {"median"} - LEG_NERVES)


def _symmetric(f: Facts) -> bool:
    surals = f.nerves("sural", "sensory")
    sides = {s.side: s.abnormal for s in surals}
    return all(sides.values()) if len(sides) > 1 else True


def _muscles(f: Facts, regions: frozenset[str]) -> list[MuscleFacts]:

    table = muscles()
    return [
        m
        for m in f.muscles
        if m.classification in ("neurogenic", "mixed") and table[m.muscle].region in regions
    ]


def _length_dependent(state: State) -> list[NcsFacts] | None:
    f = state.facts
    abnormal = [n for n in f.ncs if n.abnormal and n.kind != "rns"]
    if not any(n.nerve == "sural" for n in abnormal) or not _second_nerve(abnormal):
        return None
    if not _symmetric(f):
        state.note("the sural response is abnormal on one side only: not a symmetric polyneuropathy")
        return None
    bilateral = len({s.side for s in f.nerves("sural", "sensory") if s.abnormal}) > 1
    if _muscles(f, PROXIMAL_LEG) and not bilateral:
        state.note("proximal leg muscles are neurogenic: not a length-dependent pattern")
        return None
    return abnormal


def _fibers(nerves: list[NcsFacts], demyelinating: bool, distal_muscles: list[MuscleFacts]) -> str:
    sensory = any(n.kind == "sensory" and n.abnormal for n in nerves)
    motor = (
        demyelinating or distal_muscles or any(n.kind in ("motor", "f_wave") and n.abnormal for n in nerves)
    )
    if sensory and motor:
        return "sensorimotor"
    return "sensory" if sensory else "motor"


def _pathology(features: dict[tuple[str, ...], list[Feature]], motors: list[NcsFacts], required: int) -> str:
    demy = demyelinating_nerves(features)
    axonal = [m for m in motors if m.low_amplitude and m.key not in demy]
    if len(demy) >= required:
        return "mixed" if len(axonal) >= 2 else "demyelinating"
    return "mixed" if demy else "axonal"


def _severity(nerves: list[NcsFacts], distal_muscles: list[MuscleFacts]) -> str:
    upper = [n for n in nerves if n.limb == "upper" and n.kind in ("motor", "sensory") and n.low_amplitude]
    leg = [n for n in nerves if n.limb == "lower" and n.kind in ("motor", "sensory")]
    if upper or (leg and all(n.absent for n in leg)):
        return "severe"
    motor = [n for n in leg if n.kind == "motor" and n.abnormal]
    return "moderate" if motor or distal_muscles else "mild"


def polyneuropathy(state: State) -> None:
    """Rules ``polyneuropathy_length_dependent`` and ``polyneuropathy_demyelinating`` (module docstring)."""
    f = state.facts
    criteria = demyelinating_criteria()[state.criteria]
    features = _features(state, state.criteria)
    demy = demyelinating_nerves(features)
    nerves = _length_dependent(state)
    demyelinating = len(demy) >= criteria.nerves_required
    if nerves is None and not demyelinating:
        return
    nerves = [n for n in f.ncs if n.abnormal and n.kind != "rns"] if nerves is None else nerves
    upper = any(n.limb == "upper" and n.kind in ("sensory", "motor") and n.abnormal for n in nerves)
    distal = _muscles(f, DISTAL_REGIONS | (HAND if upper else frozenset()))
    motors = f.nerves(kind="motor")
    pathology = _pathology(features, motors, criteria.nerves_required)
    rule = RULE_DEMYELINATING if demyelinating else RULE_AXONAL
    _add(state, nerves, distal, pathology, rule, demy)


def _criteria_text(state: State, rule: str, demy: dict[tuple[str, ...], list[Feature]]) -> str:
    c = demyelinating_criteria()[state.criteria]
    found = sorted({x.code for v in demy.values() for x in v})
    met = f"{', '.join(found)} in {len(demy)} nerve(s)" if found else "no demyelinating parameter"
    named = f"demyelinating criteria {c.name} ({met}; {c.source})"
    if rule == RULE_DEMYELINATING:
        return named
    england = "England 2005 minimal case definition (sural + another nerve)"
    return f"{england}; {named}; severity: clinical.md 4.6 convention"


def _acquired_features(demy: dict[tuple[str, ...], list[Feature]]) -> str:
    """``, with conduction block in 2 nerves (acquired demyelination)`` when the demyelinating parameters
    include partial conduction block (I-E) or temporal dispersion (I-F), which ``demyelination.py`` only
    reads outside the common compression sites: CB and TD at non-compression sites point to an acquired
    (e.g. CIDP) rather than a hereditary, uniform demyelination (clinical.md §4.7)."""
    names = {"I-E": "conduction block", "I-F": "temporal dispersion"}
    found = {code: sum(any(x.code == code for x in v) for v in demy.values()) for code in names}
    parts = [f"{names[c]} in {n} nerve{'s' if n > 1 else ''}" for c, n in found.items() if n]
    return f", with {' and '.join(parts)} (acquired demyelination)" if parts else ""


def _add(
    state: State,
    nerves: list[NcsFacts],
    distal: list[MuscleFacts],
    pathology: str,
    rule: str,
    demy: dict[tuple[str, ...], list[Feature]],
) -> None:
    f = state.facts
    fibers = _fibers(nerves, bool(demy), distal)
    severity = _severity(nerves, distal) if rule == RULE_AXONAL else None
    evidence = ncs_evidence(nerves) + [x.row for found in demy.values() for x in found]
    prefix = "Length-dependent " if rule == RULE_AXONAL else ""
    text = f"{prefix}{fibers} polyneuropathy, {pathology}" + (f", {severity}" if severity else "")
    if rule == RULE_DEMYELINATING:
        text += _acquired_features(demy)
    state.add(
        Impression(
            code="polyneuropathy",
            fibers=fibers,
            pathology=pathology,
            severity=severity,
            chronicity=chronicity_of(distal),
            evidence=evidence + muscle_evidence(distal),
            rule=rule,
            criteria=_criteria_text(state, rule, demy),
            text=text[0].upper() + text[1:] + ".",
        ),
        [*nerves, *distal],
    )
    if len({n.side for n in nerves}) < 2:
        state.limit("polyneuropathy: only one side studied, symmetry not established")
    if not any(n.limb == "upper" for n in f.ncs):
        state.limit("polyneuropathy: upper limbs not studied, extent and severity grading limited")
