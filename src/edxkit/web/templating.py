"""Jinja2 environment of the pages: autoescaping on for every template, so all output is escaped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from fastapi.templating import Jinja2Templates

TEMPLATES = Path(__file__).resolve().parent / "templates"


def make_templates(globals_: dict[str, Any]) -> Jinja2Templates:
    """Templates from ``web/templates`` with autoescape forced on (also for macros and strings)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        trim_blocks=False,
    )
    env.globals.update(globals_)
    return Jinja2Templates(env=env)
