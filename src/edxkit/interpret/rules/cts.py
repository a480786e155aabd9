"""Carpal tunnel syndrome: median neuropathy at the wrist (clinical.md §4.1).

Criteria (AAEM/AAN/AAPM&R practice parameter, Muscle Nerve 2002;25:918): focal slowing of median
fibres across the wrist — prolonged median sensory peak latency (or slowed sensory CV) at the standard
13–14 cm distance, an abnormal internal comparison test (``data/cts_comparisons.csv``: median–ulnar
D4 >0.4 ms, median–radial D1 >0.5 ms, median–ulnar palmar >0.3 ms, combined sensory index ≥1.0,
2nd lumbrical–interossei >0.4 ms, palm–wrist >2.2 ms), or a prolonged median distal motor latency —
with a normal comparison nerve in the same limb. When the ulnar sensory study is abnormal too (a
diffuse process), CTS is called only on an abnormal internal comparison test or a prolonged median
motor latency with a normal ulnar motor latency.

Severity, common US 3-level scheme (AANEM-style / Stevens; clinical.md §4.1): mild = sensory (or
mixed) abnormality only, normal motor latency; moderate = also prolonged median distal motor latency
with preserved CMAP; severe = absent SNAP and/or low or absent CMAP (axon loss). The Bland grade
(Muscle Nerve 2000, 0–6) is given alongside.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from edxkit.interpret.criteria import ComparisonTest, comparison_tests
from edxkit.interpret.evidence import comparison_row
from edxkit.interpret.facts import Facts, NcsFacts
from edxkit.interpret.model import Impression
from edxkit.interpret.needle import MuscleFacts
from edxkit.interpret.rules.common import chronicity_of, muscle_evidence, ncs_evidence
from edxkit.interpret.state import State
from edxkit.ncs.results import SiteResult

__all__ = ["RULE", "carpal_tunnel", "comparison_results"]

RULE = "cts_aaem_2002"
SCHEME = "3-level CTS severity (AANEM-style/Stevens, clinical.md 4.1)"
THENAR = ("abductor_pollicis_brevis", "opponens_pollicis")
OTHER_C8_T1 = (
    "first_dorsal_interosseous",
    "abductor_digiti_minimi_hand",
    "adductor_pollicis",
    "extensor_indicis",
    "flexor_pollicis_longus",
)
_LUMBRICAL = ("second_lumbrical", "lumbrical")


@dataclass(slots=True)
class _Median:
    """Median findings of one side."""

    sensory: list[NcsFacts] = field(default_factory=list)
    motor: NcsFacts | None = None
    positive: list[tuple[ComparisonTest, float]] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def sensory_slow(self) -> bool:
        return any(
            s.latency_abnormal or "cv_m_s" in s.site_abnormal(s.distal) for s in self.sensory if s.distal
        )

    @property
    def sensory_absent(self) -> bool:
        digital = [s for s in self.sensory if (s.record or "").startswith("digit")]
        return bool(digital) and all(s.absent for s in digital)

    @property
    def motor_slow(self) -> bool:
        return self.motor is not None and self.motor.latency_abnormal

    @property
    def motor_low(self) -> bool:
        return self.motor is not None and (self.motor.low_amplitude or self.motor.absent)


def _site(study: NcsFacts, site: str) -> SiteResult | None:
    return study.site(site) if site else study.distal


def _latency(
    facts: Facts,
    nerve: str,
    kind: str,
    side: str,
    records: tuple[str, ...],
    site: str,
    measure: str,
    distance_mm: float | None,
) -> float | None:
    for study in facts.nerves(nerve, kind, side):
        if study.record not in records or study.cold:
            continue
        found = _site(study, site)
        if found is None or found.response == "absent":
            continue
        if distance_mm and found.distance_mm and abs(found.distance_mm - distance_mm) > 10:
            continue
        value = getattr(found, measure)
        if value is not None:
            return float(value)
    return None


def comparison_results(facts: Facts, side: str) -> dict[str, float]:
    """Value of every CTS comparison test that can be computed on ``side`` (ms)."""
    out: dict[str, float] = {}
    for test in comparison_tests():
        if test.kind == "csi":
            if all(p in out for p in test.parts):
                out[test.name] = sum(out[p] for p in test.parts)
            continue
        a = _latency(
            facts,
            test.nerve_a,
            test.kind_a,
            side,
            test.records_a,
            test.site_a,
            test.measure,
            test.distance_mm,
        )
        if a is None:
            continue
        if test.kind == "single":
            out[test.name] = a
            continue
        b = _latency(
            facts,
            test.nerve_b,
            test.kind_b,
            side,
            test.records_b,
            test.site_b,
            test.measure,
            test.distance_mm,
        )
        if b is not None:
            out[test.name] = a - b
    return out


def _gather(facts: Facts, side: str) -> _Median:
    found = _Median()
    found.sensory = facts.nerves("median", "sensory", side)
    motors = [m for m in facts.nerves("median", "motor", side) if m.record not in _LUMBRICAL]
    found.motor = motors[0] if motors else None
    values = comparison_results(facts, side)
    for test in comparison_tests():
        if test.name in values and values[test.name] > test.abnormal_above_ms:
            found.positive.append((test, values[test.name]))
            found.rows.append(comparison_row(test.name, side, values[test.name], test.abnormal_above_ms))
    return found


def _bland(m: _Median) -> int:
    """Bland grade 1–6 (clinical.md 4.1) of a median neuropathy at the wrist."""
    dml = m.motor.latency if m.motor is not None else None
    cmap = m.motor.amplitude if m.motor is not None else None
    if m.sensory_absent and (cmap is None or cmap < 0.2):
        return 6
    if dml is not None and dml > 6.5:
        return 5
    if m.sensory_absent:
        return 4
    if m.motor_slow:
        return 3
    return 2 if m.sensory_slow else 1


def _severity(m: _Median) -> str:
    if m.sensory_absent or m.motor_low:
        return "severe"
    return "moderate" if m.motor_slow else "mild"


def _comparison_nerves(facts: Facts, side: str) -> list[NcsFacts]:
    return [n for n in facts.ncs if n.side == side and n.nerve in ("ulnar", "superficial_radial")]


def _diffuse(state: State, side: str) -> bool:
    ulnar = state.facts.nerves("ulnar", "sensory", side)
    return state.has("polyneuropathy") or any(u.abnormal for u in ulnar)


def _disproportionate(facts: Facts, m: _Median, side: str) -> bool:
    """Internal comparison abnormal, or median motor latency prolonged with a normal ulnar one."""
    if m.positive:
        return True
    ulnar = [u for u in facts.nerves("ulnar", "motor", side) if u.distal is not None]
    return m.motor_slow and bool(ulnar) and not any(u.latency_abnormal for u in ulnar)


def _thenar(state: State, side: str) -> tuple[list[MuscleFacts], bool]:
    """Abnormal thenar muscles, and whether other C8/T1 muscles are abnormal too (then not claimed)."""
    f = state.facts
    thenar = [m for m in (f.muscle(n, side) for n in THENAR) if m is not None and m.abnormal]
    others = [m for m in (f.muscle(n, side) for n in OTHER_C8_T1) if m is not None and m.abnormal]
    return thenar, bool(others)


def _cts_side(state: State, side: str) -> None:
    f = state.facts
    m = _gather(f, side)
    focal = m.sensory_slow or bool(m.positive) or m.motor_slow or (m.sensory_absent and m.motor_low)
    if not focal:
        return
    if _diffuse(state, side) and not _disproportionate(f, m, side):
        state.note(
            f"{side} median abnormalities are part of a diffuse process; no internal comparison test is "
            "abnormal, so carpal tunnel syndrome is not called separately"
        )
        return
    thenar, c8_t1 = _thenar(state, side)
    claimed_muscles = [] if c8_t1 else thenar
    severity, bland = _severity(m), _bland(m)
    studies = [*m.sensory, *([m.motor] if m.motor else []), *f.nerves("median", "f_wave", side)]
    studies += [n for n in f.nerves("median", "motor", side) if n.record in _LUMBRICAL]
    tests = ", ".join(t.label for t, _ in m.positive)
    state.add(
        Impression(
            code="median_neuropathy_wrist",
            side=side,
            severity=severity,
            chronicity=chronicity_of(claimed_muscles),
            evidence=ncs_evidence(studies) + m.rows + muscle_evidence(claimed_muscles),
            rule=RULE,
            criteria=(
                f"AAEM/AAN/AAPM&R CTS practice parameter 2002; {SCHEME}: {severity}; Bland grade {bland}"
            ),
            text=(
                f"{side.capitalize()} median neuropathy at the wrist (carpal tunnel syndrome), {severity}"
                + (f"; abnormal comparison tests: {tests}" if tests else "")
                + "."
            ),
        ),
        [*studies, *claimed_muscles],
    )
    if not _comparison_nerves(f, side):
        state.limit(
            f"{side} carpal tunnel syndrome called without a comparison nerve (ulnar or radial) in the "
            "same limb (AAEM 2002 practice parameter): a diffuse process is not excluded"
        )
    if c8_t1:
        state.note(f"{side} thenar denervation is accompanied by other C8/T1 muscle abnormalities")


def carpal_tunnel(state: State) -> None:
    """Rule ``cts_aaem_2002``: median neuropathy at the wrist on each side (see module docstring)."""
    for side in state.facts.sides:
        _cts_side(state, side)
