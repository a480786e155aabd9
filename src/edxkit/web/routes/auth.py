"""Log in and out. The login form is protected by a double-submit CSRF token (cookie = hidden field)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from edxkit.store.auth import authenticate, check_csrf, end_session, start_session
from edxkit.web.deps import LOGIN_CSRF_COOKIE, SESSION_COOKIE, CtxDep, app_state
from edxkit.web.pages import render

router = APIRouter()


def _safe_next(target: str | None) -> str:
    """Only local paths are followed after login (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/studies"
    return target


@router.get("/", include_in_schema=False)
def home() -> RedirectResponse:
    return RedirectResponse("/studies", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> Response:
    import secrets

    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = render(request, None, "login.html", login_csrf=token, next=_safe_next(next))
    _set_cookie(request, response, LOGIN_CSRF_COOKIE, token, max_age=3600)
    return response


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str | None, Form()] = None,
    next: Annotated[str | None, Form()] = None,
) -> Response:
    if not check_csrf(request.cookies.get(LOGIN_CSRF_COOKIE) or "", csrf_token):
        raise HTTPException(403, "missing or wrong CSRF token: reload the login page and try again")
    state = app_state(request)
    with state.db.transaction() as session:
        user = authenticate(session, username.strip(), password)
        if user is None:
            refused = render(
                request,
                None,
                "login.html",
                status_code=401,
                login_csrf=csrf_token,
                next=_safe_next(next),
                username=username,
                flashes=[("error", "Wrong user name or password.")],
            )
            return refused
        token, _csrf = start_session(session, user, ttl=dt.timedelta(hours=state.settings.session_hours))
    done = RedirectResponse(_safe_next(next) if user.role != "admin" else "/admin/users", status_code=303)
    _set_cookie(request, done, SESSION_COOKIE, token, max_age=int(state.settings.session_hours * 3600))
    done.delete_cookie(LOGIN_CSRF_COOKIE)
    return done


@router.post("/logout")
def logout(request: Request, ctx: CtxDep) -> Response:
    state = app_state(request)
    with state.db.transaction() as session:
        end_session(session, ctx.token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


def _set_cookie(request: Request, response: Response, name: str, value: str, *, max_age: int) -> None:
    state = app_state(request)
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=state.settings.secure_cookies,
        path="/",
    )
