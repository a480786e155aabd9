"""Find the jobs of a batch run under one or more paths.

* A folder holding ``study.yaml`` / ``study.yml`` / ``study.json`` is **one study job**: its needle recordings
  take muscle, side, age and condition from the study, and its nerve conduction studies are measured too.
  The folder is not searched further (every file in it belongs to the study).
* Any other ``.edf``, ``.bdf``, ``.rec``, ``.hea`` or ``.npy`` file is a **needle-recording job**: muscle, age
  and condition come from the options or from a manifest CSV (``file,muscle,age,condition,channel``; one
  row per file or per channel, empty cells fall back to the options). Without a channel, every voltage
  channel (µV or mV) of the file is analysed, one row each.
* A ``.csv`` outside a study folder is a nerve-conduction sweep without its context (nerve, site, distance,
  stimulus): it cannot be measured against normal limits, so it is listed as **skipped** with that reason
  rather than silently ignored. WFDB signal files (``.dat`` next to their ``.hea``), NPY sidecars, the
  manifest itself and other files (notes, annotations) are not recordings and are passed over.

Each job has a stable id: the path relative to the common root of the inputs (POSIX separators), with
``#channel`` appended when a manifest names a channel. Rows, resume and ordering all use that id.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from edxkit.errors import EdxInputError
from edxkit.io.study import STUDY_FILE_NAMES

NEEDLE_SUFFIXES = (".edf", ".bdf", ".rec", ".hea", ".npy")
MANIFEST_COLUMNS = ("file", "muscle", "age", "condition", "channel")
CSV_SKIP_REASON = (
    "not analysed: a CSV outside a study folder has no nerve, site or distance to measure it against "
    "(put nerve-conduction sweeps in a study folder with study.yaml)"
)
JobKind = Literal["needle", "study", "skipped"]


@dataclass(frozen=True, slots=True)
class Context:
    """What a needle recording is: muscle id, patient age (years) and contraction level; None = unknown."""

    muscle: str | None = None
    age_years: float | None = None
    condition: str | None = None

    def checked(self, where: str | Path = "options", line: str = "") -> Context:
        """This context with the muscle normalized; EdxInputError names a bad value."""
        from edxkit.anatomy.names import normalize_muscle
        from edxkit.emg.analysis import CONDITIONS

        field = f"{line}: " if line else ""
        if self.condition is not None and self.condition not in CONDITIONS:
            raise EdxInputError(
                where, f"{field}condition", f"{self.condition!r} is not one of {', '.join(CONDITIONS)}"
            )
        if self.age_years is not None and not 0 <= self.age_years <= 120:
            raise EdxInputError(where, f"{field}age", f"{self.age_years:g} is not an age in years (0–120)")
        if self.muscle is None:
            return self
        try:
            return replace(self, muscle=normalize_muscle(self.muscle))
        except ValueError as exc:
            raise EdxInputError(where, f"{field}muscle", str(exc)) from None


@dataclass(frozen=True, slots=True)
class Job:
    """One unit of work: a needle recording, a study folder, or a file skipped with its reason.

    Attributes
    ----------
    id : str
        Stable key: relative POSIX path (``+ '#channel'`` when a channel is named).
    file : str
        Relative POSIX path of the file or study folder.
    kind : {"needle", "study", "skipped"}
    path : str
        Absolute path to open.
    channel : int, str or None
        Channel index or label; None analyses every voltage channel.
    context : Context
        Muscle, age and condition of a needle recording.
    reason : str
        Why a skipped file is skipped.
    """

    id: str
    file: str
    kind: JobKind
    path: str
    channel: int | str | None = None
    context: Context = Context()
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    channel: int | str | None
    context: Context


def _channel(text: str) -> int | str | None:
    text = text.strip()
    if not text:
        return None
    return int(text) if text.isdigit() else text


def _entry(row: dict[str, str], defaults: Context, manifest: Path, line: str) -> ManifestEntry:
    age_text = (row.get("age") or "").strip()
    try:
        age = float(age_text) if age_text else defaults.age_years
    except ValueError:
        raise EdxInputError(manifest, f"{line}: age", f"{age_text!r} is not a number of years") from None
    context = Context(
        muscle=(row.get("muscle") or "").strip() or defaults.muscle,
        age_years=age,
        condition=(row.get("condition") or "").strip().lower() or defaults.condition,
    )
    return ManifestEntry(_channel(row.get("channel") or ""), context.checked(manifest, line))


def read_manifest(manifest: str | Path, defaults: Context = Context()) -> dict[Path, list[ManifestEntry]]:
    """The manifest CSV as resolved file path → entries (one per row); files are relative to the manifest.

    Raises
    ------
    EdxInputError
        Missing ``file`` column, unknown column, or a bad value (the line is named).
    """
    manifest = Path(manifest)
    if not manifest.is_file():
        raise EdxInputError(manifest, "file", "manifest not found")
    with manifest.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        columns = [c.strip().lower() for c in reader.fieldnames or []]
        if "file" not in columns:
            raise EdxInputError(manifest, "header", f"needs a 'file' column; columns: {MANIFEST_COLUMNS}")
        unknown = sorted(set(columns) - set(MANIFEST_COLUMNS))
        if unknown:
            raise EdxInputError(manifest, "header", f"unknown columns {unknown}; known: {MANIFEST_COLUMNS}")
        reader.fieldnames = columns
        out: dict[Path, list[ManifestEntry]] = {}
        for number, row in enumerate(reader, start=2):
            name = (row.get("file") or "").strip()
            if not name:
                raise EdxInputError(manifest, f"line {number}: file", "empty file name")
            path = (manifest.parent / name).resolve()
            out.setdefault(path, []).append(_entry(row, defaults, manifest, f"line {number}"))
    return out


def _key(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix() or "."
    except ValueError:
        return path.as_posix()


def _needle_jobs(
    path: Path, root: Path, defaults: Context, entries: dict[Path, list[ManifestEntry]]
) -> list[Job]:
    file = _key(path, root)
    found = entries.get(path) or [ManifestEntry(None, defaults)]
    return [
        Job(
            id=file if e.channel is None else f"{file}#{e.channel}",
            file=file,
            kind="needle",
            path=str(path),
            channel=e.channel,
            context=e.context,
        )
        for e in found
    ]


def _is_study_folder(folder: Path) -> bool:
    return any((folder / name).is_file() for name in STUDY_FILE_NAMES)


def _file_jobs(
    path: Path, root: Path, defaults: Context, entries: dict[Path, list[ManifestEntry]], manifest: Path | None
) -> list[Job]:
    """Jobs for one file outside study folders (see the module docstring for what is passed over)."""
    suffix = path.suffix.lower()
    if suffix in NEEDLE_SUFFIXES:
        return _needle_jobs(path, root, defaults, entries)
    if suffix == ".csv" and path != manifest:
        key = _key(path, root)
        return [Job(id=key, file=key, kind="skipped", path=str(path), reason=CSV_SKIP_REASON)]
    if suffix == ".dat" and not path.with_suffix(".hea").exists():
        key = _key(path, root)
        reason = "looks like a WFDB signal file but its .hea header is missing"
        return [Job(id=key, file=key, kind="skipped", path=str(path), reason=reason)]
    return []


def _walk(
    top: Path, root: Path, defaults: Context, entries: dict[Path, list[ManifestEntry]], manifest: Path | None
) -> list[Job]:
    """Every job under ``top`` (hidden folders and files are passed over)."""
    jobs: list[Job] = []
    for folder, dirnames, filenames in os.walk(top):
        here = Path(folder)
        if _is_study_folder(here):
            key = _key(here, root)
            jobs.append(Job(id=key, file=key, kind="study", path=str(here)))
            dirnames[:] = []
            continue
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                jobs.extend(_file_jobs(here / name, root, defaults, entries, manifest))
    return jobs


def common_root(paths: Sequence[Path]) -> Path:
    """The deepest folder holding every input (a folder input is its own root, except a study folder:
    its parent, so that the study's job is named after its folder)."""
    folders = [p if p.is_dir() and not _is_study_folder(p) else p.parent for p in paths]
    return Path(os.path.commonpath([str(f) for f in folders]))


def discover(
    paths: Iterable[str | Path],
    *,
    context: Context = Context(),
    manifest: str | Path | None = None,
) -> list[Job]:
    """The jobs under ``paths`` (folders or files), sorted by id; ids are relative to the common root.

    Files named in the manifest but not found become needle jobs anyway, so that their rows say
    "not found" instead of the files silently disappearing from the results.
    """
    resolved = [Path(p).resolve() for p in paths]
    if not resolved:
        raise EdxInputError("paths", "value", "give at least one folder or recording")
    for p in resolved:
        if not p.exists():
            raise EdxInputError(p, "file", "not found")
    context = context.checked()
    manifest_path = Path(manifest).resolve() if manifest is not None else None
    entries = read_manifest(manifest_path, context) if manifest_path is not None else {}
    root = common_root(resolved)
    jobs: list[Job] = []
    for p in resolved:
        if p.is_dir():
            jobs.extend(_walk(p, root, context, entries, manifest_path))
        elif _is_study_folder(p.parent) and p.name in STUDY_FILE_NAMES:
            key = _key(p.parent, root)
            jobs.append(Job(id=key, file=key, kind="study", path=str(p.parent)))
        else:
            jobs.extend(_file_jobs(p, root, context, entries, manifest_path))
    seen = {Path(j.path) for j in jobs}
    for path in entries:
        if path not in seen:
            jobs.extend(_needle_jobs(path, root, context, entries))
    unique = {j.id: j for j in jobs}
    return [unique[k] for k in sorted(unique)]
