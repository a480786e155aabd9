"""Errors and problems about user input, each naming the file, the field and the reason."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding about an input: which file, which field, why, and how serious.

    Parameters
    ----------
    file : str
        Path of the file the problem is in (as the user gave it, or resolved).
    field : str
        Dotted path of the field (``ncs[0].sites[1].segment_mm``), or a part of the file
        (``header``, ``samples``) for recordings.
    reason : str
        Plain-language reason, one line.
    severity : {"error", "warning"}
        Errors make the input unusable; warnings are reported and the input is used.
    """

    file: str
    field: str
    reason: str
    severity: Severity = "error"

    def __str__(self) -> str:
        tag = "" if self.severity == "error" else "warning: "
        return f"{self.file}: {self.field}: {tag}{self.reason}"


class EdxInputError(Exception):
    """Bad input: one clear line naming the file, the field and the reason."""

    def __init__(self, file: str | Path, field: str, reason: str) -> None:
        self.problem = Problem(str(file), field, reason, "error")
        super().__init__(str(self.problem))

    @property
    def file(self) -> str:
        return self.problem.file

    @property
    def field(self) -> str:
        return self.problem.field

    @property
    def reason(self) -> str:
        return self.problem.reason


class StudyInvalidError(EdxInputError):
    """A study file with one or more problems; all of them are in ``problems``."""

    def __init__(self, file: str | Path, problems: list[Problem]) -> None:
        self.problems = problems
        first = problems[0] if problems else Problem(str(file), "study", "invalid")
        super().__init__(first.file, first.field, first.reason)
        extra = len([p for p in problems if p.severity == "error"]) - 1
        if extra > 0:
            self.args = (f"{first} (and {extra} more problem{'s' if extra > 1 else ''})",)
