"""Rendering helpers shared by the page routes."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from edxkit.web.deps import Ctx, app_state


def render(
    request: Request, ctx: Ctx | None, template: str, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """A page with the signed-in user and the CSRF token in its context (every template extends base)."""
    state = app_state(request)
    context.setdefault("flashes", [])
    context |= {"user": ctx.user if ctx else None, "csrf": ctx.csrf if ctx else None}
    response: HTMLResponse = state.templates.TemplateResponse(
        request, template, context, status_code=status_code
    )
    return response
