"""Reading the normative CSV tables: a lab's file or a packaged one, ``#`` comment lines (one names the table
version), a header row with the required columns, then rows reported by their line number in the file."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from edxkit.errors import EdxInputError


@dataclass(frozen=True, slots=True)
class CsvTable:
    """A table's name (file), version and rows, each with its line number in the file."""

    name: str
    version: str
    rows: tuple[tuple[int, dict[str, str]], ...]


def lab_table(path: str | Path, columns: Sequence[str], version_marker: str = "version") -> CsvTable:
    """A lab's own table; a missing file or column is an :class:`EdxInputError` naming it."""
    path = Path(path)
    if not path.exists():
        raise EdxInputError(path, "file", "not found")
    return parse_table(path.read_text(encoding="utf-8"), str(path), columns, version_marker)


def packaged_table(filename: str, columns: Sequence[str], version_marker: str = "version") -> CsvTable:
    """A table shipped in ``edxkit.norms``."""
    text = files("edxkit.norms").joinpath(filename).read_text(encoding="utf-8")
    return parse_table(text, f"edxkit/norms/{filename}", columns, version_marker)


def parse_table(text: str, where: str, columns: Sequence[str], version_marker: str = "version") -> CsvTable:
    """Split off the comment lines, find the version after ``version_marker``, check the header."""
    lines = text.splitlines()
    comments = [line for line in lines if line.startswith("#")]
    version = next(
        (c.split(version_marker, 1)[1].strip() for c in comments if version_marker in c), "unversioned"
    )
    body = "\n".join(line for line in lines if not line.startswith("#"))
    reader = csv.DictReader(io.StringIO(body))
    missing = [c for c in columns if c not in (reader.fieldnames or [])]
    if missing:
        raise EdxInputError(where, "header", f"missing columns: {', '.join(missing)}")
    rows = tuple((n + 2 + len(comments), row) for n, row in enumerate(reader))
    return CsvTable(where, version, rows)


def optional_number(where: str, line: int, row: dict[str, str], key: str) -> float | None:
    """The number in column ``key`` (None when empty); anything else is an error naming line and column."""
    text = (row.get(key) or "").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise EdxInputError(where, f"line {line}: {key}", f"{text!r} is not a number") from None
