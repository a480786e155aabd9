"""Request context: the signed-in user, the CSRF check on every state-changing request, permissions.

Sessions are the store's server-side sessions (:mod:`edxkit.store.auth`): the cookie holds a random
token, the database its SHA-256, the user and the session's CSRF token. A form sends the token in the
``csrf_token`` field, JavaScript in the ``X-CSRF-Token`` header; a request without the right token is
refused (403) before anything is read or written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Form, HTTPException, Path, Request

from edxkit.store.auth import can, check_csrf, session_user
from edxkit.store.errors import PermissionDeniedError
from edxkit.store.models import User

if TYPE_CHECKING:
    from edxkit.web.state import AppState

SESSION_COOKIE = "edx_session"
LOGIN_CSRF_COOKIE = "edx_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_ID = 2**63 - 1
"""The largest id or version a URL or form may name (a signed 64-bit integer; larger ones are 422)."""
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
"""A database id in the URL: 1 to 2**63 - 1, else 422 (a larger one would overflow the database driver)."""
VersionForm = Annotated[int, Form(ge=0, le=MAX_ID)]
"""A study or report version sent by a form."""


class NotSignedInError(Exception):
    """No valid session: pages redirect to the login page, the API answers 401."""


@dataclass(frozen=True, slots=True)
class Ctx:
    """The signed-in user of a request, their session's CSRF token and the cookie token."""

    user: User
    csrf: str
    token: str

    def can(self, action: str) -> bool:
        return can(self.user, action)

    def require(self, action: str) -> None:
        """Refuse (403) unless the user's role allows ``action``."""
        if not can(self.user, action):
            raise PermissionDeniedError(
                f"{self.user.username} ({self.user.role}) is not allowed to do this ({action})"
            )


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.edx
    return state


async def signed_in(request: Request) -> Ctx:
    """The request's user; for unsafe methods the CSRF token must match the session's (else 403)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token or len(token) > 200:
        raise NotSignedInError
    state = app_state(request)
    with state.db.sessions() as session:
        found = session_user(session, token)
        if found is None:
            raise NotSignedInError
        user, csrf = found
        session.expunge(user)
    if request.method in UNSAFE_METHODS:
        given = request.headers.get(CSRF_HEADER)
        if given is None and _is_form(request):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            given = value if isinstance(value, str) else None
        if not check_csrf(csrf, given):
            raise HTTPException(403, "missing or wrong CSRF token: reload the page and try again")
    return Ctx(user, csrf, token)


def _is_form(request: Request) -> bool:
    kind = request.headers.get("content-type", "")
    return kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


CtxDep = Annotated[Ctx, Depends(signed_in)]
