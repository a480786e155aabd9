"""Run a case of the library and grade the impressions found against the expected ones.

Grades: ``exact`` — every expected impression found with all its listed attributes and nothing else;
``partial`` — at least one expected code found (an attribute differs, one is missing or one is extra);
``miss`` — none of the expected codes found (for a case expecting no impression: any impression).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from edxkit.analyze import analyze_study
from edxkit.interpret import Interpretation, interpret
from edxkit.io.study import load_study

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Outcome:
    """One case: expected and found impressions (as dicts), the grade and the interpretation."""

    name: str
    expected: list[dict[str, Any]]
    found: list[dict[str, Any]]
    grade: str
    interpretation: Interpretation


def manifest() -> dict[str, dict[str, Any]]:
    """``expected.yaml``: case name → description, impressions and extra expectations."""
    return yaml.safe_load((HERE / "expected.yaml").read_text(encoding="utf-8"))


def matches(expected: dict[str, Any], found: dict[str, Any]) -> bool:
    """True when ``found`` has every attribute ``expected`` lists, with the same value."""
    return all(found.get(key) == value for key, value in expected.items())


def grade(expected: list[dict[str, Any]], found: list[dict[str, Any]]) -> str:
    """exact | partial | miss (see module docstring)."""
    if not expected:
        return "exact" if not found else "miss"
    unused = list(found)
    full = 0
    for exp in expected:
        hit = next((f for f in unused if matches(exp, f)), None)
        if hit is not None:
            unused.remove(hit)
            full += 1
    if full == len(expected) and not unused:
        return "exact"
    codes = {f["code"] for f in found}
    return "partial" if any(e["code"] in codes for e in expected) else "miss"


def run(name: str) -> Outcome:
    """Analyze and interpret one case file and grade it."""
    study = load_study(HERE / f"{name}.yaml")
    result = interpret(study, analyze_study(study))
    found = [
        {k: v for k, v in i.to_dict().items() if k not in ("evidence", "criteria", "text")}
        for i in result.impressions
    ]
    expected = manifest()[name]["impressions"]
    return Outcome(name, expected, found, grade(expected, found), result)


def label(impressions: list[dict[str, Any]]) -> str:
    """Short text of impressions: ``median_neuropathy_wrist(right, mild)``."""
    keys = ("side", "root", "element", "nerve", "site", "fibers", "pathology", "irritable", "severity")
    parts = []
    for imp in impressions:
        attrs = [str(imp[k]) for k in keys if k in imp and k != "irritable"]
        if "irritable" in imp:
            attrs.append("irritable" if imp["irritable"] else "not irritable")
        parts.append(f"{imp['code']}({', '.join(attrs)})" if attrs else imp["code"])
    return "; ".join(parts) or "(none)"
