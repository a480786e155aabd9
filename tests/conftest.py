"""Shared fixtures: the real recordings in ../shared/data, a runner for the ``edx`` command, and a
writer of small study files."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("EDX_SHARED_DATA", ROOT.parent / "shared" / "data"))


def shared_data(*parts: str) -> Path:
    """A path under ../shared/data; skips the test with the reason when the folder is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real recordings not available: {path} is absent (set EDX_SHARED_DATA to its folder)")
    return path


def write_study_json(path: Path, ncs: list[dict[str, object]], study_id: str = "S-1") -> Path:
    """Write a study file at ``path`` with these nerve studies, a 40-year-old patient of 165 cm and
    limb temperatures of 33/32 °C; returns ``path``."""
    doc = {
        "schema": "edxkit.study/1",
        "id": study_id,
        "patient": {"id": "P-1", "age": 40, "sex": "female", "height_cm": 165},
        "performed": "2026-11-27",
        "temperature_c": {"upper": 33.0, "lower": 32.0},
        "ncs": ncs,
    }
    path.write_text(json.dumps(doc))
    return path


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def edx(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run ``edx ARGS...`` in-process through the real entry point; returns exit code and output."""
    from edxkit.cli import main

    def run(*args: str) -> CliResult:
        monkeypatch.setattr(sys, "argv", ["edx", *map(str, args)])
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out = capsys.readouterr()
        return CliResult(code, out.out, out.err)

    return run
