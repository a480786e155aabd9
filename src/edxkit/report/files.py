"""Report files: read and write ``edxkit.report/1`` JSON, and write any format chosen by the file name.

``report.json`` is the report model itself (it carries the state); ``.html``, ``.pdf`` and ``.fhir.json``
are renderings of it. Files are written to a temporary name and renamed, so an interrupted write never
leaves half a report behind.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Literal

from pydantic import ValidationError

from edxkit.errors import EdxInputError
from edxkit.report.model import REPORT_SCHEMA, Report
from edxkit.report.states import verify

Format = Literal["html", "pdf", "fhir", "json"]
PAPERS = ("a4", "letter")


def output_format(path: str | Path) -> Format:
    """The format a file name asks for: ``.html``/``.htm``, ``.pdf``, ``.fhir.json``, ``.json``."""
    name = Path(path).name.lower()
    if name.endswith(".fhir.json"):
        return "fhir"
    for suffix, fmt in ((".html", "html"), (".htm", "html"), (".pdf", "pdf"), (".json", "json")):
        if name.endswith(suffix):
            return fmt  # type: ignore[return-value]
    raise EdxInputError(path, "output", "unknown report format: name it .html, .pdf, .fhir.json or .json")


def is_report_file(path: str | Path) -> bool:
    """True for a JSON file whose ``schema`` is ``edxkit.report/1`` (not a study file)."""
    path = Path(path)
    if path.suffix.lower() != ".json" or not path.is_file():
        return False
    try:
        with path.open("rb") as handle:
            head = handle.read(4096).decode("utf-8", errors="replace")
    except OSError:
        return False
    return f'"{REPORT_SCHEMA}"' in head


def load_report(path: str | Path) -> Report:
    """Read a report JSON; a damaged or tampered signed report is an :class:`EdxInputError`."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise EdxInputError(path, "file", exc.strerror or str(exc)) from None
    try:
        report = Report.model_validate_json(text)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "report"
        raise EdxInputError(path, field, str(err["msg"])) from None
    problems = verify(report)
    if problems:
        raise EdxInputError(path, "signature", "; ".join(problems))
    return report


def report_json(report: Report) -> str:
    """The report as indented ``edxkit.report/1`` JSON."""
    return json.dumps(report.model_dump(mode="json", by_alias=True), indent=2, ensure_ascii=False) + "\n"


def render(report: Report, fmt: Format, *, paper: str = "a4") -> bytes:
    """The report in one format, as bytes (UTF-8 for the text formats)."""
    if paper not in PAPERS:
        raise EdxInputError("--paper", "value", f"{paper!r} is not one of {', '.join(PAPERS)}")
    if fmt == "json":
        return report_json(report).encode("utf-8")
    if fmt == "html":
        from edxkit.report.html import render_html

        return render_html(report, paper=paper).encode("utf-8")
    from edxkit.report.pdf import render_pdf

    pdf = render_pdf(report, paper=paper)
    if fmt == "pdf":
        return pdf
    from edxkit.report.fhir import fhir_json

    return fhir_json(report, pdf=pdf).encode("utf-8")


def write_report(report: Report, path: str | Path, *, paper: str = "a4") -> Path:
    """Write ``report`` in the format its file name asks for (atomically); return the path."""
    path = Path(path)
    data = render(report, output_format(path), paper=paper)
    atomic_write(path, data)
    return path


def atomic_write(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, then rename over ``path``."""
    if path.parent and not path.parent.exists():
        raise EdxInputError(path, "output", f"folder {path.parent} does not exist")
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the permissions a plain write would
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
