"""Sample reports for the report tests: the example study and simulated scenarios (built once per process)."""

from __future__ import annotations

import datetime as dt
import tempfile
from functools import cache
from pathlib import Path

from edxkit import load_study
from edxkit.analyze import analyze_study
from edxkit.model import Study
from edxkit.report import Report, build_report
from edxkit.simulate.study import NeedleSettings, simulate_study

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "carpal_tunnel"
CREATED = dt.datetime(2026, 11, 27, 9, 30, tzinfo=dt.UTC)
# Short needle recordings keep the analysis fast; the report only needs some units and a strip.
QUICK_NEEDLE = NeedleSettings(fs_hz=20000.0, rest_s=1.0, minimal_s=1.0, minimal_sites=1)


@cache
def example_study() -> Study:
    return load_study(EXAMPLE)


def example_report() -> Report:
    """The report of examples/carpal_tunnel (typed-in values and CSV sweeps; figures included).

    A fresh deep copy each call: tests may change it (tampering, signing) without affecting the others.
    """
    return _example_report().model_copy(deep=True)


@cache
def _example_report() -> Report:
    study = example_study()
    return build_report(study, analyze_study(study), created=CREATED)


@cache
def scenario_study(name: str, seed: int = 1) -> Study:
    """A simulated scenario written to a temporary folder (kept for the process) and loaded."""
    folder = Path(tempfile.mkdtemp(prefix=f"edx-report-{name}-"))
    simulate_study(name, folder, seed=seed, needle=QUICK_NEEDLE)
    return load_study(folder)


def scenario_report(name: str, seed: int = 1) -> Report:
    """The report of a simulated scenario (e.g. ``als``: many nerves and muscles, F waves, needle figures).

    A fresh deep copy each call, like :func:`example_report`.
    """
    return _scenario_report(name, seed).model_copy(deep=True)


@cache
def _scenario_report(name: str, seed: int) -> Report:
    study = scenario_study(name, seed)
    return build_report(study, analyze_study(study), created=CREATED)
