"""Radiculopathy, plexopathy and mononeuropathy by localization (clinical.md §4.4, §4.5; anatomy/localize.py).

The abnormal findings left unexplained in one limb (neurogenic muscles, low or absent SNAPs, low
CMAPs counted for their recording muscle) and the normal ones go to :func:`edxkit.anatomy.localize`.
The smallest site that explains them then has to meet its pattern's criteria:

* rule ``radiculopathy_lauder``: root level, ≥2 neurogenic muscles of the root through ≥2 different
  peripheral nerves (paraspinals count as the dorsal-ramus nerve), at least one a limb muscle
  (Lauder 1994, clinical.md §4.4); SNAPs of the territory normal (preganglionic lesion);
* rule ``plexopathy_element``: plexus element, abnormal findings through ≥2 peripheral nerves of the
  element, with an abnormal SNAP of its territory or examined normal paraspinals (clinical.md §4.5);
* rule ``mononeuropathy_localized``: one nerve at a segment, ≥2 abnormal findings in its territory; the
  ulnar nerve at the elbow or wrist, the peroneal nerve at the fibular head, the radial nerve at the
  spiral groove and the median nerve at the wrist get their own codes.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace

from edxkit.anatomy.localize import Candidate, Localization, Snap, localize, muscle_role
from edxkit.anatomy.names import muscles
from edxkit.anatomy.segments import peripheral_nerve_of
from edxkit.interpret.facts import NcsFacts
from edxkit.interpret.model import Impression
from edxkit.interpret.needle import MuscleFacts
from edxkit.interpret.prose import words
from edxkit.interpret.rules.common import (
    FOCAL_SEVERITY_SCHEME,
    chronicity_of,
    focal_severity,
    muscle_evidence,
    ncs_evidence,
    normal_snap_evidence,
)
from edxkit.interpret.state import State

__all__ = ["RULE_MONO", "RULE_PLEXUS", "RULE_ROOT", "localized_lesions"]

RULE_ROOT = "radiculopathy_lauder"
RULE_PLEXUS = "plexopathy_element"
RULE_MONO = "mononeuropathy_localized"
PARASPINALS = {"upper": "cervical_paraspinals", "lower": "lumbosacral_paraspinals"}
NAMED_SITES = {
    ("ulnar", "elbow"): "ulnar_neuropathy_elbow",
    ("ulnar", "wrist"): "ulnar_neuropathy_wrist",
    ("ulnar", "deep_branch"): "ulnar_neuropathy_wrist",
    ("peroneal", "fibular_head"): "peroneal_neuropathy_fibular_head",
    ("radial", "spiral_groove"): "radial_neuropathy_spiral_groove",
    ("median", "wrist"): "median_neuropathy_wrist",
}


@dataclass(slots=True)
class _Limb:
    """Findings of one limb on one side for localization."""

    side: str
    limb: str
    abnormal: list[MuscleFacts] = field(default_factory=list)
    normal: list[MuscleFacts] = field(default_factory=list)
    bad_snaps: list[NcsFacts] = field(default_factory=list)
    good_snaps: list[NcsFacts] = field(default_factory=list)
    low_cmaps: list[NcsFacts] = field(default_factory=list)

    def muscle_ids(self) -> set[str]:
        ids = {m.muscle for m in self.abnormal}
        normal = {m.muscle for m in self.normal}
        return ids | {c.record for c in self.low_cmaps if c.record and c.record not in normal}


def _gather(state: State, side: str, limb: str) -> _Limb:
    f, out = state.facts, _Limb(side, limb)
    for m in f.muscles:
        if m.side != side or m.limb != limb:
            continue
        if m.classification in ("neurogenic", "mixed") and not state.is_explained(m):
            out.abnormal.append(m)
        elif m.classification == "normal":
            out.normal.append(m)
    for n in f.nerves(side=side):
        if n.limb != limb or state.is_explained(n):
            continue
        if n.kind == "sensory":
            (out.bad_snaps if n.low_amplitude else out.good_snaps).append(n)
        elif n.kind == "motor" and n.low_amplitude and n.record in _known_muscles():
            out.low_cmaps.append(n)
    return out


@functools.cache
def _known_muscles() -> frozenset[str]:
    """Canonical muscle ids (``muscles()`` builds a fresh dict on every call; this is asked per study)."""
    return frozenset(muscles())


def _snap(n: NcsFacts) -> Snap:
    return Snap(n.nerve, n.record)


def _localize(found: _Limb) -> Localization | None:
    return localize(
        abnormal=found.muscle_ids(),
        normal=[m.muscle for m in found.normal],
        abnormal_snaps=[_snap(n) for n in found.bad_snaps],
        normal_snaps=[_snap(n) for n in found.good_snaps],
        limb=found.limb,  # type: ignore[arg-type]
    )


def _nerves_of(found: _Limb, loc: Localization) -> set[str]:
    names = {peripheral_nerve_of(m) or m for m in loc.explained_muscles}
    return names | {s.nerve for s in loc.explained_snaps}


def _explained_snaps(found: _Limb, loc: Localization) -> list[NcsFacts]:
    keep = set(loc.explained_snaps)
    return [n for n in found.bad_snaps if _snap(n) in keep]


def _evidence(found: _Limb, loc: Localization) -> list[dict[str, object]]:
    return muscle_evidence(found.abnormal) + ncs_evidence(_explained_snaps(found, loc) + found.low_cmaps)


def _late_responses(state: State, found: _Limb, site: Candidate, root: str | None = None) -> list[NcsFacts]:
    """The abnormal F-waves and H-reflexes of the limb that a lesion at ``site`` explains (clinical.md
    1.3-1.4, 4.4-4.6): those whose recorded muscle the lesion reaches (:func:`muscle_role`) — an ulnar F
    from ADM for C8 or the lower trunk, not C6; tibial F and H for a sciatic lesion — the soleus H-reflex at
    root level only for S1. ``root`` narrows a root lesion to one of its roots."""
    late = [n for n in state.facts.nerves(side=found.side) if n.kind in ("f_wave", "h_reflex") and n.abnormal]
    if root is not None:
        site = replace(site, roots=(root,))
    out = []
    for n in late:
        record = n.result.record or ""
        if n.limb != found.limb or record not in _known_muscles():
            continue
        if n.kind == "h_reflex" and site.level == "root" and "S1" not in site.roots:
            continue
        if muscle_role(site, record) != "no":
            out.append(n)
    return out


def _radiculopathy(state: State, found: _Limb, loc: Localization) -> bool:
    limb_muscles = [m for m in found.abnormal if m.muscle != PARASPINALS[found.limb]]
    nerves = {peripheral_nerve_of(m.muscle) for m in found.abnormal}
    if len(found.abnormal) < 2 or len(nerves) < 2 or not limb_muscles:
        names = ", ".join(words(m.muscle) for m in found.abnormal)
        state.note(
            f"{found.side} neurogenic findings ({names}) fit {loc.best.label} but do not meet radiculopathy "
            "criteria (≥2 muscles of the root through different nerves)"
        )
        return False
    code = "cervical_radiculopathy" if found.limb == "upper" else "lumbosacral_radiculopathy"
    evidence = _evidence(found, loc) + normal_snap_evidence(found.good_snaps)
    late = _late_responses(state, found, loc.best)
    chronicity = chronicity_of(found.abnormal)
    when = f", {chronicity.replace('_', ' ')}" if chronicity else ""
    for root in loc.best.roots:
        state.add(
            Impression(
                code=code,
                side=found.side,
                root=root,
                chronicity=chronicity,
                evidence=evidence + ncs_evidence(_late_responses(state, found, loc.best, root)),
                rule=RULE_ROOT,
                criteria="Lauder 1994: ≥2 muscles of the same root through different nerves; SNAPs normal "
                "(preganglionic); localization by anatomy/localize.py",
                text=f"{found.side.capitalize()} {root} radiculopathy{when}.",
            ),
            [*found.abnormal, *found.low_cmaps, *late],
        )
    _root_limitations(state, found, loc)
    return True


def _root_limitations(state: State, found: _Limb, loc: Localization) -> None:
    paraspinal = state.facts.muscle(PARASPINALS[found.limb], found.side)
    if paraspinal is None:
        state.limit(f"{found.side} {PARASPINALS[found.limb].replace('_', ' ')} not examined")
    if not found.good_snaps and not found.bad_snaps:
        state.limit(
            f"{found.side} {found.limb} limb: no sensory study of the territory, so root and plexus "
            "lesions are not separated"
        )
    others = [c.label for c in loc.alternatives if c.level != "root"]
    if others:
        state.limit(f"{found.side} findings fit {loc.best.label} equally well as {', '.join(others[:3])}")


def _plexopathy(state: State, found: _Limb, loc: Localization) -> bool:
    paraspinal = state.facts.muscle(PARASPINALS[found.limb], found.side)
    paraspinal_normal = paraspinal is not None and paraspinal.classification == "normal"
    if len(_nerves_of(found, loc)) < 2 or not (loc.explained_snaps or paraspinal_normal):
        state.note(f"{found.side} findings fit the {loc.best.label} but do not meet plexopathy criteria")
        return False
    element = loc.best.element
    code = "brachial_plexopathy" if found.limb == "upper" else "lumbosacral_plexopathy"
    snaps = _explained_snaps(found, loc)
    myokymia = any("myokymic" in m.exam.findings.other_discharges for m in found.abnormal)
    severity = focal_severity(found.low_cmaps, snaps, found.abnormal)
    late = _late_responses(state, found, loc.best)
    state.add(
        Impression(
            code=code,
            side=found.side,
            element=element,
            severity=severity,
            chronicity=chronicity_of(found.abnormal),
            evidence=_evidence(found, loc) + ncs_evidence(late),
            rule=RULE_PLEXUS,
            criteria=f"clinical.md 4.5 element patterns; {FOCAL_SEVERITY_SCHEME}",
            text=f"{found.side.capitalize()} {code.split('_')[0]} plexopathy, {loc.best.label}, {severity}"
            + ("; myokymic discharges favour radiation plexopathy" if myokymia else "")
            + ".",
        ),
        [*found.abnormal, *snaps, *found.low_cmaps, *late],
    )
    return True


def _mono_label(code: str, path: str, segment: str) -> str:
    """``peroneal neuropathy at the fibular head`` / ``sciatic mononeuropathy at the sciatic notch``."""
    if code != "mononeuropathy":
        return code.replace("_", " ").replace("neuropathy ", "neuropathy at the ", 1)
    return f"{path.replace('_', ' ')} mononeuropathy at the {segment.replace('_', ' ')}"


def _mononeuropathy(state: State, found: _Limb, loc: Localization) -> bool:
    best = loc.best
    count = len(loc.explained_muscles) + len(loc.explained_snaps)
    if count < 2:
        state.note(f"{found.side} isolated abnormality fits {best.label}: not enough to localize a lesion")
        return False
    assert best.path is not None and best.segment is not None
    code = NAMED_SITES.get((best.path, best.segment), "mononeuropathy")
    snaps = _explained_snaps(found, loc)
    severity = focal_severity(found.low_cmaps, snaps, found.abnormal)
    generic = code == "mononeuropathy"
    late = _late_responses(state, found, best)
    state.add(
        Impression(
            code=code,
            side=found.side,
            nerve=best.path if generic else None,
            site=best.segment if generic else None,
            severity=severity,
            chronicity=chronicity_of(found.abnormal),
            evidence=_evidence(found, loc) + ncs_evidence(late),
            rule=RULE_MONO,
            criteria=f"localization by anatomy/nerve_segments.csv; {FOCAL_SEVERITY_SCHEME}",
            text=(
                f"{found.side.capitalize()} {_mono_label(code, best.path, best.segment)}, {severity}: "
                "localized by the needle and sensory findings (no focal slowing or block to localize it "
                "on conduction studies)."
            ),
        ),
        [*found.abnormal, *snaps, *found.low_cmaps, *late],
    )
    return True


def _limb(state: State, side: str, limb: str) -> None:
    found = _gather(state, side, limb)
    if not found.abnormal and not found.bad_snaps:
        return  # low CMAPs alone do not localize (generalized motor or junction disorders)
    loc = _localize(found)
    if loc is None:
        names = ", ".join(
            [words(m.muscle) for m in found.abnormal] + [words(s.nerve) for s in found.bad_snaps]
        )
        state.note(f"{side} {limb} limb findings ({names}) do not fit a single root, plexus element or nerve")
        return
    handler = {"root": _radiculopathy, "plexus": _plexopathy, "nerve": _mononeuropathy}[loc.best.level]
    handler(state, found, loc)


def localized_lesions(state: State) -> None:
    """Rules ``radiculopathy_lauder``, ``plexopathy_element``, ``mononeuropathy_localized`` per limb."""
    for side in state.facts.sides:
        for limb in ("upper", "lower"):
            _limb(state, side, limb)
