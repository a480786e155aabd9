"""Study files (``edxkit.study/1``) in YAML or JSON: load with every problem named, save, JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from edxkit.errors import EdxInputError, Problem, StudyInvalidError
from edxkit.io.dispatch import open_recording
from edxkit.model import SCHEMA_ID, Study, WaveformRef
from edxkit.waveform import Waveform

STUDY_FILE_NAMES = ("study.yaml", "study.yml", "study.json")


def find_study_file(path: str | Path) -> Path:
    """The study file itself, or the study file inside a study folder."""
    path = Path(path)
    if path.is_dir():
        for name in STUDY_FILE_NAMES:
            if (path / name).exists():
                return path / name
        raise EdxInputError(path, "file", f"folder holds no {' / '.join(STUDY_FILE_NAMES)}")
    if not path.exists():
        raise EdxInputError(path, "file", "not found")
    return path


class YamlAliasError(yaml.YAMLError):
    """A YAML alias (``*name``) in a study file: refused, it could expand into billions of nodes."""

    def __init__(self, mark: Any) -> None:
        self.problem_mark = mark
        self.problem = "YAML aliases are not allowed in a study file"
        super().__init__(self.problem)


class NoAliasLoader(yaml.SafeLoader):
    """PyYAML's safe loader refusing aliases (anchors alone are harmless and allowed).

    An alias repeats an anchored node; nested aliases make a few hundred bytes expand into billions of
    nodes (the "billion laughs" attack), tying up the process that loads them. A study file never needs
    them, so the composer refuses the first alias event.
    """

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise YamlAliasError(self.peek_event().start_mark)
        return super().compose_node(parent, index)


def load_yaml(text: str) -> Any:
    """Parse YAML text safely (no Python objects) and without aliases (:class:`YamlAliasError`)."""
    return yaml.load(text, Loader=NoAliasLoader)


def read_document(path: Path) -> dict[str, Any]:
    """Parse YAML or JSON into a mapping; syntax errors name the line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise EdxInputError(path, "file", f"not UTF-8 text (byte {exc.start})") from None
    suffix = path.suffix.lower()
    if suffix == ".json":
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise EdxInputError(path, f"line {exc.lineno}", f"invalid JSON: {exc.msg}") from None
    elif suffix in (".yaml", ".yml"):
        try:
            doc = load_yaml(text)
        except YamlAliasError as exc:
            raise EdxInputError(path, f"line {exc.problem_mark.line + 1}", exc.problem) from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}" if mark is not None else "file"
            raise EdxInputError(
                path, where, f"invalid YAML: {getattr(exc, 'problem', None) or exc}"
            ) from None
    else:
        raise EdxInputError(
            path, "format", f"study files are .yaml, .yml or .json, not {suffix or 'no suffix'!r}"
        )
    if not isinstance(doc, dict):
        raise EdxInputError(path, "file", "a study file holds a mapping of fields (schema, id, patient, ...)")
    return doc


def parse_study(doc: dict[str, Any], path: Path) -> tuple[Study | None, list[Problem]]:
    """Validate a parsed document; returns the study (None if invalid) and every schema problem."""
    schema = doc.get("schema")
    if schema != SCHEMA_ID:
        reason = "missing" if schema is None else f"{schema!r} is not supported"
        return None, [Problem(str(path), "schema", f"{reason}; this edxkit reads {SCHEMA_ID}")]
    try:
        study = Study.model_validate(doc)
    except ValidationError as exc:
        return None, [_problem(path, err) for err in exc.errors()]
    study._source = path.resolve()
    return study, []


def load_study(path: str | Path) -> Study:
    """Load a study file (or the study file of a folder); StudyInvalidError lists every problem."""
    file = find_study_file(path)
    study, problems = parse_study(read_document(file), file)
    if study is None:
        raise StudyInvalidError(file, problems)
    return study


def save_study(study: Study, path: str | Path) -> Path:
    """Write a study file as YAML or JSON by suffix."""
    path = Path(path)
    doc = study.to_document()
    if path.suffix.lower() == ".json":
        path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def read_sweeps(study: Study, ref: WaveformRef) -> list[Waveform]:
    """The sweeps a study's waveform reference names: one channel, or every channel for ``channel: all``."""
    with open_recording(study.resolve(ref.file)) as recording:
        if ref.all_channels:
            return [recording.read(c.index) for c in recording.info.channels]
        return [recording.read(ref.channel)]


def study_json_schema() -> dict[str, Any]:
    """The JSON Schema of the study file."""
    schema = Study.model_json_schema(by_alias=True)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def _problem(path: Path, err: Any) -> Problem:
    field = _location(err["loc"])
    kind = err["type"]
    if kind == "extra_forbidden":
        reason = "unknown field (not part of edxkit.study/1)"
    elif kind == "missing":
        reason = "required field is missing"
    else:
        message = str(err["msg"]).removeprefix("Value error, ")
        shown = err.get("input")
        reason = message if isinstance(shown, dict | list) else f"{message} (got {shown!r})"
    return Problem(str(path), field, reason)


def _location(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not str(part).startswith(("function-", "literal[")):
            out += ("." if out else "") + str(part)
    return out or "study"
