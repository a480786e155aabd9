"""Nerve segments and entrapment sites (``nerve_segments.csv``): what a lesion at each site affects.

Each row is a lesion site along a nerve path, proximal first, listing the branches (muscles and
sensory responses ``snap:<nerve>``) that leave the nerve below it; child paths (anterior
interosseous, posterior interosseous, deep and superficial peroneal, tibial and peroneal from the
sciatic) hang from a parent row. :func:`affected_by` gives everything a lesion at a site reaches.
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from importlib.resources import files

from edxkit.anatomy.names import muscles, nerves

__all__ = [
    "NerveSegment",
    "affected_by",
    "find_segment",
    "nerve_segments",
    "peripheral_nerve_of",
    "segments_of_path",
    "snap_token",
]

_FILE = "nerve_segments.csv"


@dataclass(frozen=True, slots=True)
class NerveSegment:
    """One lesion site along a nerve path.

    Parameters
    ----------
    path : str
        Nerve path id (``ulnar``, ``deep_peroneal``, ``posterior_interosseous``).
    segment : str
        Lesion-site id along the path (``elbow``, ``fibular_head``, ``spiral_groove``).
    order : int
        Position along the path, 1 = most proximal.
    parent : tuple of (str, str) or None
        ``(path, segment)`` of the parent row this path leaves below, or None.
    peripheral_nerve : str
        Named nerve for "different peripheral nerves" counting (``peroneal`` for both branches).
    limb : str
        ``upper``, ``lower`` or ``head_neck``.
    ncs_segments : tuple of str
        Motor-NCS segments ``"<distal>-<proximal>"`` that cross this site.
    entrapment : str
        Name of the entrapment site there, or ``""``.
    branches : tuple of str
        Muscle ids and ``snap:<nerve>`` tokens leaving below this site (before the next row).
    often_spared : tuple of str
        Muscles below the site often spared by a lesion there.
    notes, status, source : str
        Clinical note, status tag (V, V*, TB) and provenance.
    """

    path: str
    segment: str
    order: int
    parent: tuple[str, str] | None
    peripheral_nerve: str
    limb: str
    ncs_segments: tuple[str, ...]
    entrapment: str
    branches: tuple[str, ...]
    often_spared: tuple[str, ...]
    notes: str
    status: str
    source: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.path, self.segment)


def snap_token(nerve: str) -> str:
    """The branch token of a sensory response of ``nerve`` (``snap:sural``)."""
    return f"snap:{nerve}"


def _row(index: int, row: dict[str, str]) -> NerveSegment:
    where = f"edxkit/anatomy/{_FILE} row {index + 1}"
    parent = row["parent"].strip()
    if parent and ":" not in parent:
        raise RuntimeError(f"{where}: parent {parent!r} must be '<path>:<segment>'")
    branches = tuple(row["branches"].split())
    known_muscles, known_nerves = muscles(), nerves()
    for token in branches + tuple(row["often_spared"].split()):
        name = token.removeprefix("snap:")
        if (token.startswith("snap:") and name not in known_nerves) or (
            not token.startswith("snap:") and token not in known_muscles
        ):
            raise RuntimeError(f"{where}: unknown branch {token!r}")
    return NerveSegment(
        path=row["path"].strip(),
        segment=row["segment"].strip(),
        order=int(row["order"]),
        parent=tuple(parent.split(":", 1)) if parent else None,  # type: ignore[arg-type]
        peripheral_nerve=row["peripheral_nerve"].strip(),
        limb=row["limb"].strip(),
        ncs_segments=tuple(row["ncs_segments"].split()),
        entrapment=row["entrapment"].strip(),
        branches=branches,
        often_spared=tuple(row["often_spared"].split()),
        notes=row["notes"].strip(),
        status=row["status"].strip(),
        source=row["source"].strip(),
    )


@functools.cache
def nerve_segments() -> tuple[NerveSegment, ...]:
    """Every row of ``nerve_segments.csv``, in table order (checked: branches are known ids).

    Returns
    -------
    tuple of NerveSegment
    """
    text = files("edxkit.anatomy").joinpath(_FILE).read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    rows = tuple(_row(i, row) for i, row in enumerate(csv.DictReader(io.StringIO(body))))
    keys = {r.key for r in rows}
    for r in rows:
        if r.parent is not None and r.parent not in keys:
            raise RuntimeError(f"edxkit/anatomy/{_FILE}: {r.key} has unknown parent {r.parent}")
    return rows


def segments_of_path(path: str) -> tuple[NerveSegment, ...]:
    """Rows of one nerve path, proximal first."""
    return tuple(sorted((r for r in nerve_segments() if r.path == path), key=lambda r: r.order))


def find_segment(path: str, segment: str) -> NerveSegment | None:
    """The row for ``path`` at ``segment``, or None."""
    return next((r for r in nerve_segments() if r.key == (path, segment)), None)


@functools.cache
def affected_by(path: str, segment: str) -> frozenset[str]:
    """Every branch token (muscles and ``snap:`` responses) a lesion at this site reaches.

    Parameters
    ----------
    path, segment : str
        The lesion site (a row of ``nerve_segments.csv``).

    Returns
    -------
    frozenset of str
        Branches of this row and every more distal row of the path, plus whole child paths that
        leave at or below this row.
    """
    row = find_segment(path, segment)
    if row is None:
        raise KeyError(f"no nerve segment {path}:{segment}")
    out: set[str] = set()
    for below in segments_of_path(path):
        if below.order < row.order:
            continue
        out.update(below.branches)
        for child in {r.path for r in nerve_segments() if r.parent == below.key}:
            out.update(affected_by(child, segments_of_path(child)[0].segment))
    return frozenset(out)


@functools.cache
def _nerve_of_token() -> dict[str, str]:
    return {token: r.peripheral_nerve for r in nerve_segments() for token in r.branches}


def peripheral_nerve_of(token: str) -> str | None:
    """The named peripheral nerve of a muscle (or ``snap:`` token), or None if not in the table.

    Paraspinal, cranial-nerve and other muscles without a nerve path get their nerve from
    ``muscles.csv`` (``dorsal rami``, ``facial (CN VII)`` ...), normalized to snake_case.
    """
    found = _nerve_of_token().get(token)
    if found is not None:
        return found
    row = muscles().get(token)
    if row is None:
        return None
    name = row.nerve.split("(")[0].split("+")[0].strip().lower()
    return "_".join(name.replace("-", " ").split())
