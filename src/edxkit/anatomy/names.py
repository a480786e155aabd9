"""Canonical ids for muscles, nerves and NCS sites, and normalization of the names labs type.

The tables live next to this module as CSV files (``muscles.csv``, ``nerves.csv``, ``sites.csv``).
Every row has a canonical snake_case id and a space-separated list of aliases (abbreviations and
common spellings such as ``ADM``, ``FDI``, ``fibular``, ``BE``). Names are normalized the same way
on both sides before matching: surrounding blanks removed, lower-cased, apostrophes dropped, runs of
spaces, hyphens, dots, slashes and underscores turned into one ``_``, and leading or trailing ``_``
removed. So ``"Medial gastrocnemius"``, ``"medial-gastrocnemius"`` and ``"MEDIAL_GASTROCNEMIUS"``
all become ``gastrocnemius_medial``.

Unknown muscles and nerves raise :class:`UnknownIdError` naming the closest known ids. Unknown
sites are accepted when they normalize to valid snake_case, because labs use many sites.
"""

from __future__ import annotations

import csv
import difflib
import functools
import io
import re
from dataclasses import dataclass
from importlib.resources import files

__all__ = [
    "Muscle",
    "Nerve",
    "UnknownIdError",
    "muscles",
    "nerves",
    "normalize_muscle",
    "normalize_nerve",
    "normalize_site",
    "sites",
]

_PACKAGE = "edxkit.anatomy"
_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
_SEPARATORS = re.compile(r"[\s\-./_]+")
_APOSTROPHES = re.compile(r"['’`]")
_NERVE_KINDS = frozenset({"motor", "sensory", "mixed"})
_LIMBS = frozenset({"upper", "lower", "head_neck", "trunk"})


class UnknownIdError(ValueError):
    """A muscle, nerve or site name that is not known (or, for sites, not usable as an id).

    Parameters
    ----------
    message : str
        One-line explanation, including the closest known ids where there are any.
    kind : str
        ``"muscle"``, ``"nerve"`` or ``"site"``.
    name : str
        The name as given.
    suggestions : tuple of str
        Closest canonical ids, best first (may be empty).
    """

    def __init__(self, message: str, *, kind: str, name: str, suggestions: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.kind = kind
        self.name = name
        self.suggestions = suggestions


@dataclass(frozen=True, slots=True)
class Muscle:
    """One row of ``muscles.csv``.

    Parameters
    ----------
    id : str
        Canonical snake_case id (``first_dorsal_interosseous``).
    region : str
        Body region (``hand``, ``leg``, ...).
    nerve : str
        Peripheral nerve as written in the table (``deep peroneal (fibular)``).
    branch : str
        Named branch, or ``""``.
    plexus_element : str
        Plexus trunk/cord/division (or ``none``/root level) the supply passes through.
    main_roots : tuple of str
        Predominant roots (``("C8", "T1")``); tokens such as ``segmental``, ``XI`` or ``C3-C8`` are
        kept as written.
    all_roots : tuple of str
        Commonly cited root range, same token conventions.
    notes : str
        Clinical note, or ``""``.
    source : str
        Provenance of the row.
    """

    id: str
    region: str
    nerve: str
    branch: str
    plexus_element: str
    main_roots: tuple[str, ...]
    all_roots: tuple[str, ...]
    notes: str
    source: str


@dataclass(frozen=True, slots=True)
class Nerve:
    """One row of ``nerves.csv``.

    Parameters
    ----------
    id : str
        Canonical snake_case id (``superficial_peroneal``).
    kind : {"motor", "sensory", "mixed"}
        Kind of conduction study routinely done on the nerve (``mixed``: both motor and sensory,
        or mixed-nerve, studies).
    limb : {"upper", "lower", "head_neck", "trunk"}
        Where the nerve is studied.
    source : str
        Provenance of the row.
    """

    id: str
    kind: str
    limb: str
    source: str


@dataclass(frozen=True, slots=True)
class _Table:
    """Rows of one CSV plus the lookup from normalized name (id or alias) to canonical id."""

    filename: str
    rows: tuple[dict[str, str], ...]
    lookup: dict[str, str]


def _normalize_text(name: str) -> str:
    """Normalize a typed name: strip, lower-case, drop apostrophes, separators to single ``_``."""
    text = _APOSTROPHES.sub("", name.strip().lower())
    return _SEPARATORS.sub("_", text).strip("_")


def _read_rows(filename: str) -> tuple[dict[str, str], ...]:
    """Read one packaged CSV as a tuple of row dicts (missing cells become ``""``)."""
    text = files(_PACKAGE).joinpath(filename).read_text(encoding="utf-8")
    return tuple(
        {key: (value or "").strip() for key, value in row.items()}
        for row in csv.DictReader(io.StringIO(text, newline=""))
    )


def _row_label(filename: str, index: int, row_id: str) -> str:
    """Human-readable position of a table row (line 1 is the header)."""
    return f"edxkit/anatomy/{filename} line {index + 2} ({row_id!r})"


def _add_ids(table: _Table, id_column: str) -> None:
    """Register the canonical ids of ``table`` in its lookup, checking form and uniqueness."""
    for index, row in enumerate(table.rows):
        row_id = row[id_column]
        where = _row_label(table.filename, index, row_id)
        if not _SNAKE.match(row_id) or _normalize_text(row_id) != row_id:
            raise RuntimeError(f"{where}: id is not normalized snake_case")
        if row_id in table.lookup:
            raise RuntimeError(f"{where}: id appears more than once")
        table.lookup[row_id] = row_id


def _add_aliases(table: _Table, id_column: str) -> None:
    """Register aliases of ``table``; an alias may not name another row or another canonical id."""
    for index, row in enumerate(table.rows):
        row_id = row[id_column]
        for raw in row.get("aliases", "").split():
            alias = _normalize_text(raw)
            owner = table.lookup.setdefault(alias, row_id)
            if owner != row_id:
                where = _row_label(table.filename, index, row_id)
                raise RuntimeError(f"{where}: alias {raw!r} already names {owner!r}")


def _load_table(filename: str, id_column: str) -> _Table:
    """Read ``filename`` and build its validated id/alias lookup."""
    table = _Table(filename, _read_rows(filename), {})
    _add_ids(table, id_column)
    _add_aliases(table, id_column)
    return table


def _muscle_from_row(row: dict[str, str]) -> Muscle:
    """Build a :class:`Muscle` from one ``muscles.csv`` row."""
    return Muscle(
        id=row["muscle"],
        region=row["side_region"],
        nerve=row["peripheral_nerve"],
        branch=row["branch"],
        plexus_element=row["plexus_element"],
        main_roots=tuple(row["main_roots"].split()),
        all_roots=tuple(row["all_roots"].split()),
        notes=row["notes"],
        source=row["source"],
    )


def _nerve_from_row(index: int, row: dict[str, str]) -> Nerve:
    """Build a :class:`Nerve` from one ``nerves.csv`` row, checking ``kind`` and ``limb``."""
    where = _row_label("nerves.csv", index, row["nerve"])
    if row["kind"] not in _NERVE_KINDS:
        raise RuntimeError(f"{where}: kind {row['kind']!r} is not one of {sorted(_NERVE_KINDS)}")
    if row["limb"] not in _LIMBS:
        raise RuntimeError(f"{where}: limb {row['limb']!r} is not one of {sorted(_LIMBS)}")
    return Nerve(id=row["nerve"], kind=row["kind"], limb=row["limb"], source=row["source"])


@functools.cache
def _muscle_table() -> tuple[_Table, dict[str, Muscle]]:
    """Load ``muscles.csv`` once."""
    table = _load_table("muscles.csv", "muscle")
    return table, {row["muscle"]: _muscle_from_row(row) for row in table.rows}


@functools.cache
def _nerve_table() -> tuple[_Table, dict[str, Nerve]]:
    """Load ``nerves.csv`` once."""
    table = _load_table("nerves.csv", "nerve")
    return table, {row["nerve"]: _nerve_from_row(i, row) for i, row in enumerate(table.rows)}


@functools.cache
def _site_table() -> _Table:
    """Load ``sites.csv`` once."""
    return _load_table("sites.csv", "site")


def muscles() -> dict[str, Muscle]:
    """All known muscles.

    Returns
    -------
    dict of str to Muscle
        Canonical id to row, in table order (a fresh dict; changing it does not affect the table).
    """
    return dict(_muscle_table()[1])


def nerves() -> dict[str, Nerve]:
    """All known nerves.

    Returns
    -------
    dict of str to Nerve
        Canonical id to row, in table order (a fresh dict; changing it does not affect the table).
    """
    return dict(_nerve_table()[1])


def sites() -> tuple[str, ...]:
    """Canonical ids of the listed NCS sites (other snake_case sites are accepted too).

    Returns
    -------
    tuple of str
        Site ids in table order.
    """
    return tuple(row["site"] for row in _site_table().rows)


def _closest(token: str, lookup: dict[str, str], limit: int = 3) -> tuple[str, ...]:
    """Closest canonical ids to ``token``, matching over ids and aliases, best first, deduplicated."""
    matches = difflib.get_close_matches(token, list(lookup), n=limit * 4)
    return tuple(dict.fromkeys(lookup[match] for match in matches))[:limit]


def _resolve(name: str, kind: str, table: _Table) -> str:
    """Canonical id for ``name`` in ``table``, or :class:`UnknownIdError` with suggestions."""
    if not isinstance(name, str):
        raise UnknownIdError(f"{kind} must be text, got {type(name).__name__}", kind=kind, name=repr(name))
    token = _normalize_text(name)
    if token in table.lookup:
        return table.lookup[token]
    suggestions = _closest(token, table.lookup) if token else ()
    if suggestions:
        hint = f"closest known: {', '.join(suggestions)}"
    else:
        hint = f"known {kind}s are listed in edxkit/anatomy/{table.filename}"
    raise UnknownIdError(f"unknown {kind} '{name}'; {hint}", kind=kind, name=name, suggestions=suggestions)


def normalize_muscle(name: str) -> str:
    """Canonical muscle id for a typed muscle name or abbreviation.

    Parameters
    ----------
    name : str
        Muscle as typed (``"ADM"``, ``"Medial gastrocnemius"``, ``"first_dorsal_interosseous"``).

    Returns
    -------
    str
        Canonical id from ``muscles.csv`` (``"abductor_digiti_minimi_hand"``).

    Raises
    ------
    UnknownIdError
        If the name matches no muscle id or alias; the message lists up to 3 closest ids.
    """
    return _resolve(name, "muscle", _muscle_table()[0])


def normalize_nerve(name: str) -> str:
    """Canonical nerve id for a typed nerve name or abbreviation.

    Parameters
    ----------
    name : str
        Nerve as typed (``"fibular"``, ``"LABC"``, ``"superficial radial"``).

    Returns
    -------
    str
        Canonical id from ``nerves.csv`` (``"peroneal"``).

    Raises
    ------
    UnknownIdError
        If the name matches no nerve id or alias; the message lists up to 3 closest ids.
    """
    return _resolve(name, "nerve", _nerve_table()[0])


def normalize_site(name: str) -> str:
    """Canonical site id for a typed stimulation or recording site.

    Listed sites and their aliases (``"BE"``, ``"Erb's point"``, ``"D2"``) map to the canonical id.
    Any other name is accepted and returned normalized if it is snake_case after normalization
    (``"mid forearm"`` gives ``"mid_forearm"``).

    Parameters
    ----------
    name : str
        Site as typed.

    Returns
    -------
    str
        Canonical or normalized site id.

    Raises
    ------
    UnknownIdError
        If the name is not text, is empty after normalization, or does not normalize to
        snake_case (a letter followed by letters, digits and ``_``).
    """
    if not isinstance(name, str):
        raise UnknownIdError(f"site must be text, got {type(name).__name__}", kind="site", name=repr(name))
    token = _normalize_text(name)
    table = _site_table()
    if token in table.lookup:
        return table.lookup[token]
    if not token:
        raise UnknownIdError(f"site '{name}' is empty", kind="site", name=name)
    if not _SNAKE.match(token):
        reason = "must start with a letter and contain only letters, digits and separators"
        raise UnknownIdError(
            f"invalid site '{name}' (normalized '{token}'): {reason}", kind="site", name=name
        )
    return token
