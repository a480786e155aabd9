"""Roots and plexus elements of each muscle, parsed from ``muscles.csv``; SNAP territories.

``muscles.csv`` writes roots as ``"C5 C6"``, ranges (``"C3-C8"``, ``"L1-S1"``), cranial nerves
(``"XI"``) or ``"segmental"`` (paraspinals), and plexus elements as text such as ``"posterior cord
(upper trunk posterior division)"``, ``"medial+lateral cords"``, ``"lateral cord (upper/middle
trunk)"``, ``"root level (before trunks)"`` or ``"sacral plexus (anterior division)"``. This module turns
them into sets of spinal roots and plexus element ids (``upper_trunk``, ``lateral_cord``,
``upper_trunk_posterior_division``, ``sacral_plexus_anterior_division``, ``lumbosacral_trunk`` ...),
split into ``main`` (the predominant supply: a lesion there is expected to show) and ``all``
(the commonly cited range: a lesion there may show).

Brachial plexus anatomy used when the table names only a cord (TB, standard texts): C5–C6 form the
upper trunk, C7 the middle, C8–T1 the lower; the lateral cord takes the anterior divisions of the upper
and middle trunks, the medial cord that of the lower trunk, the posterior cord the posterior divisions of
all three. Lumbosacral: sacral-plexus supply with L4 or L5 fibres passes the lumbosacral trunk.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from dataclasses import dataclass
from importlib.resources import files

from edxkit.anatomy.names import Muscle, muscles

__all__ = [
    "ROOT_ORDER",
    "ElementSets",
    "MuscleSupply",
    "SensoryTerritory",
    "element_label",
    "expand_roots",
    "muscle_supply",
    "paraspinal_region",
    "sensory_territory",
]

ROOT_ORDER: tuple[str, ...] = (
    *(f"C{i}" for i in range(1, 9)),
    *(f"T{i}" for i in range(1, 13)),
    *(f"L{i}" for i in range(1, 6)),
    *(f"S{i}" for i in range(1, 6)),
)
_TRUNK_OF_ROOT = {"C5": "upper", "C6": "upper", "C7": "middle", "C8": "lower", "T1": "lower"}
_CORD_TRUNKS = {
    "lateral": ("upper", "middle"),
    "medial": ("lower",),
    "posterior": ("upper", "middle", "lower"),
}
_CORD_DIVISION = {"lateral": "anterior", "medial": "anterior", "posterior": "posterior"}
_PARASPINAL_REGIONS = {
    "cervical_paraspinals": ("C3", "T1"),
    "thoracic_paraspinals": ("T1", "T12"),
    "lumbosacral_paraspinals": ("L1", "S1"),
}
_RANGE = re.compile(r"^([CTLS])(\d+)-([CTLS])(\d+)$")
_ROOT = re.compile(r"^[CTLS]\d+$")


@dataclass(frozen=True, slots=True)
class ElementSets:
    """Plexus elements a muscle's supply passes through: ``main`` (predominant) and ``all`` (range)."""

    main: frozenset[str]
    all: frozenset[str]


@dataclass(frozen=True, slots=True)
class MuscleSupply:
    """Parsed innervation of one muscle.

    Parameters
    ----------
    muscle : str
        Canonical muscle id.
    main_roots, all_roots : frozenset of str
        Spinal roots (``"C5"``); cranial-nerve tokens are left out.
    elements : ElementSets
        Plexus elements; empty for axial, cranial and root-level (pre-trunk) muscles.
    segmental : bool
        Paraspinal muscle supplied segmentally by dorsal rami (``main_roots`` empty).
    root_level : bool
        Supplied by a nerve leaving the roots before the trunks (rhomboids, serratus anterior).
    cranial : bool
        Supplied by a cranial nerve (``VII``, ``XI``, ``XII`` ...).
    """

    muscle: str
    main_roots: frozenset[str]
    all_roots: frozenset[str]
    elements: ElementSets
    segmental: bool
    root_level: bool
    cranial: bool


@dataclass(frozen=True, slots=True)
class SensoryTerritory:
    """Root fibres and plexus elements of one sensory response (one row of ``sensory_territories.csv``)."""

    nerve: str
    record: str
    roots: frozenset[str]
    elements: frozenset[str]
    source: str


def expand_roots(tokens: tuple[str, ...] | list[str]) -> frozenset[str]:
    """Spinal roots named by table tokens; ranges are expanded, other tokens ignored.

    Parameters
    ----------
    tokens : sequence of str
        Tokens as in ``muscles.csv`` (``"C5"``, ``"C3-C8"``, ``"L1-S1"``, ``"XI"``, ``"segmental"``).

    Returns
    -------
    frozenset of str
        Roots such as ``{"C5", "C6"}``.
    """
    out: set[str] = set()
    for token in tokens:
        text = token.strip().upper()
        match = _RANGE.match(text)
        if match:
            first = ROOT_ORDER.index(f"{match[1]}{match[2]}")
            last = ROOT_ORDER.index(f"{match[3]}{match[4]}")
            out.update(ROOT_ORDER[first : last + 1])
        elif _ROOT.match(text) and text in ROOT_ORDER:
            out.add(text)
    return frozenset(out)


def paraspinal_region(muscle: str) -> frozenset[str]:
    """Roots whose dorsal rami supply a paraspinal muscle (empty for other muscles)."""
    if muscle not in _PARASPINAL_REGIONS:
        return frozenset()
    first, last = _PARASPINAL_REGIONS[muscle]
    return frozenset(ROOT_ORDER[ROOT_ORDER.index(first) : ROOT_ORDER.index(last) + 1])


def element_label(element: str) -> str:
    """Readable name of an element id (``upper_trunk`` → ``upper trunk``)."""
    return element.replace("_", " ")


def _cords(text: str) -> tuple[list[str], list[str]]:
    """Cords named in a plexus-element text: (named as the supply, reached only ``via`` a cord)."""
    via = re.findall(r"via\s+(lateral|medial|posterior)\s+cord", text)
    text = re.sub(r"via\s+(lateral|medial|posterior)\s+cord", " ", text)
    named: list[str] = []
    for group in re.findall(r"((?:(?:lateral|medial|posterior)\s*\+?\s*)+)cords?", text):
        named += re.findall(r"lateral|medial|posterior", group)
    return named, via


def _trunks(text: str) -> list[str]:
    """Trunks named explicitly (``upper trunk``, ``upper/middle trunk``, ``all trunks``)."""
    if "all trunks" in text:
        return ["upper", "middle", "lower"]
    out: list[str] = []
    for group in re.findall(r"((?:(?:upper|middle|lower)\s*/?\s*)+)trunk", text):
        out += re.findall(r"upper|middle|lower", group)
    return out


def _brachial(text: str, main_roots: frozenset[str], all_roots: frozenset[str]) -> ElementSets:
    cords, via = _cords(text)
    named = [] if "all trunks" in text else _trunks(text)
    root_trunks = sorted({_TRUNK_OF_ROOT[r] for r in main_roots if r in _TRUNK_OF_ROOT})
    main_trunks = named or root_trunks
    all_trunks = set(main_trunks) | {_TRUNK_OF_ROOT[r] for r in all_roots if r in _TRUNK_OF_ROOT}
    if "all trunks" in text:
        all_trunks |= {"upper", "middle", "lower"}
    main_cords = [c for c in cords if set(_CORD_TRUNKS[c]) & set(main_trunks)] or cords
    main = _with_divisions(set(main_trunks), main_cords, text)
    everything = _with_divisions(all_trunks, [*cords, *via], text) | main
    return ElementSets(frozenset(main), frozenset(everything))


def _with_divisions(trunks: set[str], cords: list[str], text: str) -> set[str]:
    """Trunks, cords and the divisions joining them (only trunk/cord pairs that connect)."""
    out = {f"{t}_trunk" for t in trunks} | {f"{c}_cord" for c in cords}
    for cord in cords:
        for trunk in trunks & set(_CORD_TRUNKS[cord]):
            out.add(f"{trunk}_trunk_{_CORD_DIVISION[cord]}_division")
    for trunk, division in re.findall(r"(upper|middle|lower) trunk (anterior|posterior) division", text):
        out.add(f"{trunk}_trunk_{division}_division")
    return out


def _lumbosacral(text: str, main_roots: frozenset[str], all_roots: frozenset[str]) -> ElementSets:
    plexus = "lumbar_plexus" if "lumbar plexus" in text else "sacral_plexus"
    base = {plexus}
    division = re.search(r"(anterior|posterior) division", text)
    if division:
        base.add(f"{plexus}_{division[1]}_division")
    main, everything = set(base), set(base)
    if plexus == "sacral_plexus":
        if main_roots & {"L4", "L5"}:
            main.add("lumbosacral_trunk")
        if all_roots & {"L4", "L5"}:
            everything.add("lumbosacral_trunk")
    return ElementSets(frozenset(main), frozenset(everything))


def _elements(row: Muscle, main_roots: frozenset[str], all_roots: frozenset[str]) -> ElementSets:
    text = row.plexus_element.lower()
    if text.startswith(("none", "root level", "cervical plexus")):
        return ElementSets(frozenset(), frozenset())
    if "plexus" in text:
        return _lumbosacral(text, main_roots, all_roots)
    return _brachial(text, main_roots, all_roots)


@functools.cache
def _supplies() -> dict[str, MuscleSupply]:
    out: dict[str, MuscleSupply] = {}
    for muscle_id, row in muscles().items():
        main_roots = expand_roots(row.main_roots)
        all_roots = expand_roots(row.all_roots) | main_roots
        segmental = "segmental" in row.main_roots
        if segmental:
            all_roots |= paraspinal_region(muscle_id)
        out[muscle_id] = MuscleSupply(
            muscle=muscle_id,
            main_roots=main_roots,
            all_roots=all_roots,
            elements=_elements(row, main_roots, all_roots),
            segmental=segmental,
            root_level=row.plexus_element.lower().startswith("root level"),
            cranial=not (main_roots or segmental),
        )
    return out


def muscle_supply(muscle: str) -> MuscleSupply:
    """Parsed roots and plexus elements of a muscle.

    Parameters
    ----------
    muscle : str
        Canonical muscle id (``muscles.csv``).

    Returns
    -------
    MuscleSupply

    Raises
    ------
    KeyError
        If the muscle is not in the table.
    """
    return _supplies()[muscle]


@functools.cache
def _territories() -> dict[tuple[str, str], SensoryTerritory]:
    text = files("edxkit.anatomy").joinpath("sensory_territories.csv").read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    out: dict[tuple[str, str], SensoryTerritory] = {}
    for row in csv.DictReader(io.StringIO(body)):
        key = (row["nerve"].strip(), row["record"].strip())
        out[key] = SensoryTerritory(
            nerve=key[0],
            record=key[1],
            roots=expand_roots(row["roots"].split()),
            elements=frozenset(row["elements"].split()),
            source=row["source"].strip(),
        )
    return out


def sensory_territory(nerve: str, record: str | None = None) -> SensoryTerritory | None:
    """Roots and plexus elements of a sensory response, or None for a nerve not in the table.

    Parameters
    ----------
    nerve : str
        Canonical nerve id of the sensory study (``median``, ``sural``).
    record : str, optional
        Recording site (``digit_1``); a row for that site wins over the nerve's general row.
    """
    table = _territories()
    return table.get((nerve, record or "")) or table.get((nerve, ""))
