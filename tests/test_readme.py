"""The README gives exactly two set-up commands, and CI runs the test one as written."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def setup_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Set up", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)\n```", section, re.S)


def test_readme_has_exactly_two_setup_commands_run_and_test() -> None:
    commands = setup_commands()
    assert len(commands) == 2
    run, test = commands
    assert "\n" not in run and "\n" not in test
    assert run.startswith("python3 -m venv .venv && .venv/bin/pip install -e .")
    assert "pip install -e '.[test]'" in test
    assert "pytest" in test


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert "README.md" in ci
    assert "Test (" in (ROOT / "README.md").read_text()


def test_the_run_command_uses_files_that_exist() -> None:
    run = setup_commands()[0]
    for path in re.findall(r"examples/\S+", run):
        assert (ROOT / path).exists(), path
