"""Find the smallest lesion site that explains abnormal and normal muscles and sensory responses.

Candidates in one limb are the spinal roots (C5–T1, L2–S1, singly or two adjacent), the plexus
elements (trunks, divisions, cords; lumbar and sacral plexus, their divisions and the lumbosacral
trunk) and every nerve segment of ``nerve_segments.csv``. For each candidate a muscle is *expected*
to be abnormal (main roots / main plexus supply / below the nerve site), *possible* (commonly cited
range, or often spared) or *not reached*. The key negatives of clinical.md §4.4–4.5 follow from this:

* every abnormal muscle must be reached (an abnormal paraspinal muscle is reached only by a root, so
  it points to the root; a muscle of the same root through another nerve points away from a nerve);
* an abnormal sensory response (SNAP) the candidate does not reach costs 3 — a root lesion proximal to
  the dorsal root ganglion reaches no SNAP, so abnormal SNAPs point to the plexus or nerve;
* a normal muscle or SNAP the candidate is expected to reach costs 1 (a normal SNAP with abnormal
  muscles points proximal to the ganglion; a normal muscle of the same root through another nerve
  argues against that root);
* an abnormal limb muscle a root or plexus candidate reaches only through its minor supply (commonly
  cited range, not the main roots) costs 0.4, and two adjacent roots cost 0.5 more than one, so that
  key muscles of two roots (tibialis posterior and gastrocnemius) give both roots rather than one
  root's minor supply.

The best candidate has the least cost, then the most specific level (nerve, then root, then plexus,
the order of prior likelihood), then the fewest muscles reached, then a named entrapment site.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Literal

from edxkit.anatomy.innervation import (
    ROOT_ORDER,
    element_label,
    muscle_supply,
    sensory_territory,
)
from edxkit.anatomy.names import muscles, nerves
from edxkit.anatomy.segments import affected_by, nerve_segments, snap_token

__all__ = [
    "BRACHIAL_ELEMENTS",
    "LUMBOSACRAL_ELEMENTS",
    "Candidate",
    "Localization",
    "Snap",
    "candidates",
    "limb_of_muscle",
    "localize",
    "muscle_role",
]

Level = Literal["root", "plexus", "nerve"]
Role = Literal["expected", "possible", "no"]
Limb = Literal["upper", "lower"]

UPPER_ROOTS = ("C5", "C6", "C7", "C8", "T1")
LOWER_ROOTS = ("L2", "L3", "L4", "L5", "S1")
BRACHIAL_ELEMENTS = (
    "upper_trunk",
    "middle_trunk",
    "lower_trunk",
    *(f"{t}_trunk_{d}_division" for t in ("upper", "middle", "lower") for d in ("anterior", "posterior")),
    "lateral_cord",
    "posterior_cord",
    "medial_cord",
)
LUMBOSACRAL_ELEMENTS = (
    "lumbar_plexus",
    "lumbar_plexus_anterior_division",
    "lumbar_plexus_posterior_division",
    "lumbosacral_trunk",
    "sacral_plexus",
    "sacral_plexus_anterior_division",
    "sacral_plexus_posterior_division",
)
UNREACHED_SNAP_COST = 3.0
EXPECTED_NORMAL_COST = 1.0
TWO_ROOT_COST = 0.5
MINOR_SUPPLY_COST = 0.4
_LEVEL_PRIOR = {"nerve": 0, "root": 1, "plexus": 2}


@dataclass(frozen=True, slots=True)
class Snap:
    """A sensory response: nerve id and, where it matters, the recording site (``digit_1``)."""

    nerve: str
    record: str | None = None

    @property
    def label(self) -> str:
        return f"{self.nerve} SNAP" + (f" ({self.record})" if self.record else "")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A possible lesion site.

    Parameters
    ----------
    level : {"root", "plexus", "nerve"}
    label : str
        Readable name (``"C7 root"``, ``"lower trunk"``, ``"ulnar nerve at elbow"``).
    roots : tuple of str
        Roots of a root candidate (one, or two adjacent).
    element : str or None
        Plexus element id of a plexus candidate.
    path, segment : str or None
        Nerve path and site of a nerve candidate (``nerve_segments.csv``).
    nerve : str or None
        Named peripheral nerve of a nerve candidate.
    entrapment : str
        Entrapment site name at a nerve candidate, or ``""``.
    limb : {"upper", "lower"}
    """

    level: Level
    label: str
    limb: Limb
    roots: tuple[str, ...] = ()
    element: str | None = None
    path: str | None = None
    segment: str | None = None
    nerve: str | None = None
    entrapment: str = ""


@dataclass(frozen=True, slots=True)
class Localization:
    """The best lesion site and why.

    Parameters
    ----------
    best : Candidate
    cost : float
        Sum of the costs of findings that do not fit (0 = everything fits).
    explained_muscles, explained_snaps : tuple
        Abnormal findings the site reaches.
    unexplained_snaps : tuple of Snap
        Abnormal SNAPs it does not reach.
    against : tuple of str
        Normal findings the site was expected to reach (readable).
    alternatives : tuple of Candidate
        Other candidates with the same cost (the data cannot separate them).
    ranked : tuple of (Candidate, float)
        Every valid candidate with its cost, best first.
    """

    best: Candidate
    cost: float
    explained_muscles: tuple[str, ...]
    explained_snaps: tuple[Snap, ...]
    unexplained_snaps: tuple[Snap, ...]
    against: tuple[str, ...]
    alternatives: tuple[Candidate, ...] = ()
    ranked: tuple[tuple[Candidate, float], ...] = field(default=(), repr=False)


def limb_of_muscle(muscle: str) -> Limb | None:
    """``upper`` or ``lower`` for a limb or paraspinal muscle of a limb region, else None."""
    supply = muscle_supply(muscle)
    roots = supply.main_roots or (supply.all_roots if supply.segmental else frozenset())
    if muscle == "thoracic_paraspinals" or muscle == "rectus_abdominis":
        return None
    if roots & set(UPPER_ROOTS) or muscle == "cervical_paraspinals":
        return "upper"
    if roots & set(LOWER_ROOTS) or muscle == "lumbosacral_paraspinals":
        return "lower"
    return None


def _root_candidates(limb: Limb) -> list[Candidate]:
    roots = UPPER_ROOTS if limb == "upper" else LOWER_ROOTS
    out = [Candidate("root", f"{r} root", limb, roots=(r,)) for r in roots]
    out += [Candidate("root", f"{a} and {b} roots", limb, roots=(a, b)) for a, b in pairwise(roots)]
    return out


@functools.cache
def candidates(limb: Limb) -> tuple[Candidate, ...]:
    """Every candidate lesion site in one limb (roots, plexus elements, nerve segments)."""
    elements = BRACHIAL_ELEMENTS if limb == "upper" else LUMBOSACRAL_ELEMENTS
    out = _root_candidates(limb)
    out += [Candidate("plexus", element_label(e), limb, element=e) for e in elements]
    for row in nerve_segments():
        if row.limb != limb:
            continue
        label = f"{row.path.replace('_', ' ')} nerve at {row.segment.replace('_', ' ')}"
        out.append(
            Candidate(
                "nerve",
                label,
                limb,
                path=row.path,
                segment=row.segment,
                nerve=row.peripheral_nerve,
                entrapment=row.entrapment,
            )
        )
    return tuple(out)


def muscle_role(candidate: Candidate, muscle: str) -> Role:
    """Whether a lesion at ``candidate`` reaches ``muscle``: ``expected`` (its main supply passes through
    the site), ``possible`` (a minor contribution, or a muscle often spared at that site) or ``no``."""
    if candidate.level == "nerve":
        assert candidate.path is not None and candidate.segment is not None
        if muscle not in affected_by(candidate.path, candidate.segment):
            return "no"
        spared = next(
            r.often_spared for r in nerve_segments() if r.key == (candidate.path, candidate.segment)
        )
        return "possible" if muscle in spared else "expected"
    supply = muscle_supply(muscle)
    if candidate.level == "plexus":
        if candidate.element in supply.elements.main:
            return "expected"
        return "possible" if candidate.element in supply.elements.all else "no"
    roots = set(candidate.roots)
    if roots & supply.main_roots:
        return "expected"
    return "possible" if roots & supply.all_roots else "no"


def _snap_role(candidate: Candidate, snap: Snap) -> Role:
    if candidate.level == "root":
        return "no"  # preganglionic: the dorsal root ganglion and its axons are spared
    if candidate.level == "nerve":
        assert candidate.path is not None and candidate.segment is not None
        reached = snap_token(snap.nerve) in affected_by(candidate.path, candidate.segment)
        return "expected" if reached else "no"
    territory = sensory_territory(snap.nerve, snap.record)
    return "expected" if territory is not None and candidate.element in territory.elements else "no"


@functools.cache
def _size(candidate: Candidate) -> int:
    return sum(muscle_role(candidate, m) != "no" for m in muscles() if limb_of_muscle(m) == candidate.limb)


@dataclass(frozen=True, slots=True)
class _Score:
    valid: bool
    cost: float
    unexplained_snaps: tuple[Snap, ...]
    against: tuple[str, ...]


def _score(
    candidate: Candidate,
    abnormal: frozenset[str],
    normal: frozenset[str],
    abnormal_snaps: tuple[Snap, ...],
    normal_snaps: tuple[Snap, ...],
) -> _Score:
    if any(muscle_role(candidate, m) == "no" for m in abnormal):
        return _Score(False, 0.0, (), ())
    unreached = tuple(s for s in abnormal_snaps if _snap_role(candidate, s) == "no")
    if unreached and not abnormal:
        return _Score(False, 0.0, (), ())
    against = [m for m in sorted(normal) if muscle_role(candidate, m) == "expected"]
    against += [s.label for s in normal_snaps if _snap_role(candidate, s) == "expected"]
    minor = (
        []
        if candidate.level == "nerve"
        else [
            m for m in abnormal if muscle_role(candidate, m) == "possible" and not muscle_supply(m).segmental
        ]
    )
    cost = UNREACHED_SNAP_COST * len(unreached) + EXPECTED_NORMAL_COST * len(against)
    cost += MINOR_SUPPLY_COST * len(minor)
    cost += TWO_ROOT_COST if len(candidate.roots) > 1 else 0.0
    return _Score(True, cost, unreached, tuple(against))


def _infer_limb(muscle_ids: Iterable[str], snaps: Iterable[Snap]) -> Limb | None:
    limbs = {limb_of_muscle(m) for m in muscle_ids} | {nerves()[s.nerve].limb for s in snaps}
    limbs.discard(None)
    return limbs.pop() if len(limbs) == 1 else None  # type: ignore[return-value]


def localize(
    *,
    abnormal: Iterable[str],
    normal: Iterable[str] = (),
    abnormal_snaps: Iterable[Snap] = (),
    normal_snaps: Iterable[Snap] = (),
    limb: Limb | None = None,
) -> Localization | None:
    """The smallest lesion site in one limb explaining the abnormal findings, with the normal ones.

    Parameters
    ----------
    abnormal, normal : iterable of str
        Canonical ids of muscles with neurogenic findings / examined and normal (same side).
    abnormal_snaps, normal_snaps : iterable of Snap
        Sensory responses with low or absent amplitude / normal (same side).
    limb : {"upper", "lower"}, optional
        Inferred from the findings when not given.

    Returns
    -------
    Localization or None
        None when nothing is abnormal, the findings span both limbs, or no single site (or two
        adjacent roots) reaches every abnormal muscle.
    """
    bad, good = frozenset(abnormal), frozenset(normal) - frozenset(abnormal)
    bad_snaps, good_snaps = tuple(abnormal_snaps), tuple(normal_snaps)
    if not bad and not bad_snaps:
        return None
    limb = limb or _infer_limb(bad | good, bad_snaps + good_snaps)
    if limb is None:
        return None
    scored = []
    for cand in candidates(limb):
        score = _score(cand, bad, good, bad_snaps, good_snaps)
        if score.valid:
            scored.append((cand, score))
    if not scored:
        return None
    scored.sort(key=lambda cs: (cs[1].cost, _LEVEL_PRIOR[cs[0].level], _size(cs[0]), not cs[0].entrapment))
    best, score = scored[0]
    ties = tuple(c for c, s in scored[1:] if s.cost == score.cost)
    return Localization(
        best=best,
        cost=score.cost,
        explained_muscles=tuple(sorted(bad)),
        explained_snaps=tuple(s for s in bad_snaps if s not in score.unexplained_snaps),
        unexplained_snaps=score.unexplained_snaps,
        against=score.against,
        alternatives=ties,
        ranked=tuple((c, s.cost) for c, s in scored),
    )


def root_index(root: str) -> int:
    """Position of a root in cranio-caudal order (``C5`` < ``C6`` < ... < ``S1``)."""
    return ROOT_ORDER.index(root)
