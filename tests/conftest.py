"""Shared fixtures: the real recordings in ../shared/data, and a runner for the ``edx`` command."""

from __future__ import annotations

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
