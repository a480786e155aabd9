"""Uploaded studies: a study file (YAML/JSON) or a zipped study folder, unpacked safely into a temp folder.

Checks before anything is stored: the upload's size (the request body is also limited while it
streams, see :class:`edxkit.web.middleware.BodyLimit`), zip members (no absolute paths or ``..``, no
links, bounded count and unpacked size — the zip-slip and zip-bomb guards), then the store's own checks
of the study and every waveform (:func:`edxkit.store.studies.import_study` reads everything before adding
a row).
"""

from __future__ import annotations

import lzma
import shutil
import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import Any

from edxkit.errors import EdxInputError
from edxkit.io.study import STUDY_FILE_NAMES

MB = 1024 * 1024
MAX_MEMBERS = 5000
STUDY_SUFFIXES = (".yaml", ".yml", ".json")


def save_upload(name: str, source: Any, folder: Path, *, max_bytes: int, max_unpacked: int) -> Path:
    """Write the uploaded file (``source``: a binary file object) under ``folder``; return the study path.

    A ``.zip`` is unpacked and the folder holding ``study.yaml``/``study.json`` is returned; a study file
    is returned as it is.
    """
    clean = PurePosixPath(name.replace("\\", "/")).name or "upload"
    suffix = Path(clean).suffix.lower()
    if suffix not in (*STUDY_SUFFIXES, ".zip"):
        raise EdxInputError(
            clean, "file", "upload a study file (.yaml, .yml, .json) or a zipped study folder (.zip)"
        )
    target = folder / ("upload.zip" if suffix == ".zip" else f"study{suffix}")
    size = 0
    with target.open("wb") as out:
        while chunk := source.read(1024 * 1024):
            size += len(chunk)
            if size > max_bytes:
                raise EdxInputError(
                    clean, "size", f"the upload is larger than the limit of {max_bytes / MB:.3g} MB"
                )
            out.write(chunk)
    if size == 0:
        raise EdxInputError(clean, "file", "the uploaded file is empty")
    if suffix != ".zip":
        return target
    return _unzip(clean, target, folder / "study", max_unpacked=max_unpacked)


def _unzip(name: str, archive: Path, dest: Path, *, max_unpacked: int) -> Path:
    try:
        zf = zipfile.ZipFile(archive)
    except zipfile.BadZipFile:
        raise EdxInputError(name, "file", "not a valid zip archive") from None
    with zf:
        members = zf.infolist()
        if len(members) > MAX_MEMBERS:
            raise EdxInputError(
                name, "file", f"the archive holds {len(members)} files; at most {MAX_MEMBERS}"
            )
        total = sum(m.file_size for m in members)
        if total > max_unpacked:
            raise EdxInputError(
                name,
                "file",
                f"the archive unpacks to {total / MB:.0f} MB; the limit is {max_unpacked / MB:.0f} MB",
            )
        for m in members:
            path = PurePosixPath(m.filename)
            if path.is_absolute() or ".." in path.parts or m.filename.startswith(("/", "\\")):
                raise EdxInputError(name, m.filename, "unsafe path in the archive")
            if stat.S_ISLNK(m.external_attr >> 16):
                raise EdxInputError(name, m.filename, "links are not accepted in an archive")
        dest.mkdir(parents=True)
        for m in members:
            if m.is_dir():
                continue
            try:
                _extract(zf, m, dest / m.filename)
            except _UNPACK_ERRORS as exc:
                raise EdxInputError(name, m.filename, _unpack_reason(exc)) from None
    return _study_folder(name, dest)


# What a damaged or unusual member raises while it is read: corrupt deflate/LZMA data, a wrong CRC or a
# truncated stream, an encrypted member (RuntimeError), an unknown compression method
# (NotImplementedError), a member whose path collides with another (``x`` and ``x/y``: OSError).
_UNPACK_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    lzma.LZMAError,
    EOFError,
    RuntimeError,
    NotImplementedError,
    OSError,
)


def _extract(zf: zipfile.ZipFile, member: zipfile.ZipInfo, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with zf.open(member) as src, out.open("wb") as dst:
        shutil.copyfileobj(src, dst, 1024 * 1024)


def _unpack_reason(exc: BaseException) -> str:
    """A reason without server paths (an OSError's text names the temporary folder)."""
    if isinstance(exc, NotImplementedError):
        return "the member uses a compression method this server does not support; zip it with deflate"
    if isinstance(exc, RuntimeError) and "encrypt" in str(exc).lower():
        return "encrypted (password-protected) archives are not accepted"
    if isinstance(exc, OSError) and not isinstance(exc, zipfile.BadZipFile):
        return "the member cannot be unpacked (its path clashes with another member of the archive)"
    return "the archive is damaged (corrupt or truncated data); zip the study folder again"


def _study_folder(name: str, root: Path) -> Path:
    """The folder with the study file: the archive's root or its single top folder (or one level down)."""
    for folder in (root, *sorted(p for p in root.iterdir() if p.is_dir() and p.name != "__MACOSX")):
        if any((folder / n).is_file() for n in STUDY_FILE_NAMES):
            return folder
    raise EdxInputError(name, "file", f"the archive holds no {' / '.join(STUDY_FILE_NAMES)} at its top level")
