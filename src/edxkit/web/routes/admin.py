"""Users (admins) and the audit log (physicians and admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from edxkit.store.audit import audit_entries
from edxkit.store.auth import create_user, update_user
from edxkit.store.models import ROLES, User
from edxkit.web.deps import MAX_ID, CtxDep, app_state
from edxkit.web.pages import render

router = APIRouter()


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, ctx: CtxDep) -> HTMLResponse:
    ctx.require("user.manage")
    with app_state(request).db.sessions() as session:
        users = session.scalars(select(User).order_by(User.username)).all()
    return render(request, ctx, "users.html", users=users, roles=ROLES)


@router.post("/admin/users")
def add_user(
    request: Request,
    ctx: CtxDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    role: Annotated[str, Form(max_length=16)],
    full_name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    ctx.require("user.manage")
    if role not in ROLES:
        raise HTTPException(400, f"role must be one of {', '.join(ROLES)}")
    try:
        with app_state(request).db.transaction() as session:
            create_user(
                session, ctx.user, username=username, password=password, role=role, full_name=full_name
            )
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{username}")
def change_user(
    request: Request,
    username: str,
    ctx: CtxDep,
    role: Annotated[str, Form(max_length=16)] = "",
    active: Annotated[str, Form(max_length=8)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    ctx.require("user.manage")
    if role and role not in ROLES:
        raise HTTPException(400, f"role must be one of {', '.join(ROLES)}")
    try:
        with app_state(request).db.transaction() as session:
            update_user(
                session,
                ctx.user,
                username,
                role=role or None,
                active={"yes": True, "no": False}.get(active),
                password=password or None,
                keep_token=ctx.token,
            )
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_page(
    request: Request, ctx: CtxDep, study: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None
) -> HTMLResponse:
    ctx.require("audit.view")
    with app_state(request).db.sessions() as session:
        entries = audit_entries(session, study_id=study, limit=300)
    return render(request, ctx, "audit.html", entries=entries, study=study)
