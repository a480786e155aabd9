"""The clinic's web application: ``create_app(db_url)`` builds the FastAPI app on the store.

Pages are server-rendered Jinja2 templates (autoescaped) with htmx and two plain-JavaScript viewers on
uPlot (NCS sweeps with draggable markers, needle recordings with scroll, zoom and sound). Every page and
API route needs a signed-in user; every state-changing request needs the session's CSRF token; every
action is checked against the role table of :mod:`edxkit.store.auth`; every change goes through the
store, which writes the audit log and detects concurrent edits.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from edxkit.errors import EdxInputError
from edxkit.report.states import ReportStateError
from edxkit.store.auth import can
from edxkit.store.db import connect
from edxkit.store.errors import (
    ConcurrentEditError,
    NotFoundError,
    PermissionDeniedError,
    ReportLockedError,
    StoreError,
)
from edxkit.web.analysis import AnalysisCache
from edxkit.web.config import WebSettings
from edxkit.web.deps import NotSignedInError
from edxkit.web.middleware import MB, BodyLimit, ResponseHeaders
from edxkit.web.samples import TraceCache
from edxkit.web.state import AppState
from edxkit.web.templating import make_templates

STATIC = Path(__file__).resolve().parent / "static"


def create_app(
    db_url: str,
    *,
    settings: WebSettings | None = None,
    migrate: bool = True,
    engine_kwargs: dict[str, Any] | None = None,
) -> FastAPI:
    """The web app on the database at ``db_url`` (migrated to the newest schema unless ``migrate=False``).

    Parameters
    ----------
    db_url : str
        SQLAlchemy URL: ``sqlite:///path.db`` or ``postgresql://user:password@host/db``.
    settings : WebSettings, optional
        Upload limits, session lifetime, cookie flags.
    migrate : bool
        Run the Alembic migrations to head before serving.
    engine_kwargs : dict, optional
        Passed to SQLAlchemy's ``create_engine`` (e.g. ``connect_args`` choosing a PostgreSQL schema).
    """
    from edxkit.web.routes import admin, auth, new_study, report, studies, waveforms

    settings = settings or WebSettings()
    app = FastAPI(title="edxkit", docs_url=None, redoc_url=None, openapi_url=None)
    templates = make_templates({"can": can})
    app.state.edx = AppState(
        db=connect(db_url, migrate=migrate, **(engine_kwargs or {})),
        settings=settings,
        templates=templates,
        analyses=AnalysisCache(settings.analysis_cache),
        traces=TraceCache(),
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (auth, new_study, studies, waveforms, report, admin):
        app.include_router(module.router)
    app.add_middleware(BodyLimit, max_bytes=int((settings.max_upload_mb + 1) * MB))
    app.add_middleware(ResponseHeaders)
    _add_handlers(app)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        """Liveness probe (and the benchmark's trivial baseline endpoint)."""
        return {"status": "ok"}

    return app


_STATUS_TITLES = {400: "Bad request", 403: "Not allowed", 404: "Not found", 409: "Conflict", 413: "Too large"}


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return (
        request.url.path.startswith("/api/")
        or "application/json" in accept
        or "hx-request" in request.headers
    )


def error_response(request: Request, status: int, message: str) -> Response:
    """JSON ``{"detail": message}`` for the API and scripts, an error page for browsers."""
    if _wants_json(request):
        return JSONResponse({"detail": message}, status_code=status)
    state: AppState = request.app.state.edx
    return state.templates.TemplateResponse(
        request,
        "error.html",
        {
            "user": None,
            "csrf": None,
            "flashes": [],
            "status": status,
            "title": _STATUS_TITLES.get(status, "Error"),
            "message": message,
            "back": request.headers.get("referer"),
        },
        status_code=status,
    )


def _add_handlers(app: FastAPI) -> None:
    async def not_signed_in(request: Request, _exc: Exception) -> Response:
        if _wants_json(request) or request.method != "GET":
            return JSONResponse({"detail": "sign in first"}, status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    async def store_error(request: Request, exc: Exception) -> Response:
        status = 400
        if isinstance(exc, PermissionDeniedError):
            status = 403
        elif isinstance(exc, ConcurrentEditError | ReportLockedError):
            status = 409
        elif isinstance(exc, NotFoundError):
            status = 404
        return error_response(request, status, str(exc))

    async def input_error(request: Request, exc: Exception) -> Response:
        return error_response(request, 400, str(exc))

    async def state_error(request: Request, exc: Exception) -> Response:
        return error_response(request, 409, str(exc))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        return error_response(request, exc.status_code, str(exc.detail))

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        parts = []
        for err in exc.errors()[:3]:
            where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "form"))
            parts.append(f"{where}: {err.get('msg', 'invalid')}")
        return error_response(request, 422, "invalid request: " + "; ".join(parts))

    handlers: dict[Any, Any] = {
        NotSignedInError: not_signed_in,
        StoreError: store_error,
        EdxInputError: input_error,
        ReportStateError: state_error,
        StarletteHTTPException: http_error,
        RequestValidationError: validation_error,
    }
    for kind, handler in handlers.items():
        app.add_exception_handler(kind, handler)
