"""Users, roles and permissions, argon2 password hashes, server-side sessions with CSRF tokens.

Roles (issue 8): a **technologist** enters and edits studies; a **physician** also interprets and signs;
an **admin** manages users. :data:`PERMISSIONS` is the table of actions × roles that :func:`can` reads;
every service checks it with :func:`require` against the user's current row (a role removed mid-session
takes effect at once). Passwords are hashed with Argon2id through pwdlib (RFC 9106 parameters of
argon2-cffi's defaults); hashes start with ``$argon2id$``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence
from typing import Any

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from edxkit.store.audit import record
from edxkit.store.errors import NotFoundError, PermissionDeniedError
from edxkit.store.models import ROLES, Role, User, WebSession, utcnow

PERMISSIONS: dict[str, frozenset[str]] = {
    "study.view": frozenset({"technologist", "physician"}),
    "study.import": frozenset({"technologist", "physician"}),
    "study.edit": frozenset({"technologist", "physician"}),
    "study.analyze": frozenset({"technologist", "physician"}),
    "report.view": frozenset({"technologist", "physician"}),
    "report.draft": frozenset({"physician"}),
    "report.sign": frozenset({"physician"}),
    "report.addendum": frozenset({"physician"}),
    "audit.view": frozenset({"physician", "admin"}),
    "user.manage": frozenset({"admin"}),
}
MIN_PASSWORD_LENGTH = 8
SESSION_TTL = dt.timedelta(hours=12)

_HASHER = PasswordHash((Argon2Hasher(),))


def configure_password_hashing(
    *, time_cost: int = 3, memory_cost_kib: int = 65536, parallelism: int = 4
) -> None:
    """Set the Argon2id cost of new hashes (defaults: argon2-cffi's RFC 9106 low-memory profile).

    Existing hashes keep verifying: their parameters are read from the hash itself.
    """
    global _HASHER
    _HASHER = PasswordHash(
        (Argon2Hasher(time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=parallelism),)
    )


def can(user: User | None, action: str) -> bool:
    """Whether ``user`` (active) may do ``action``; unknown actions are refused."""
    if user is None or not user.active:
        return False
    if action not in PERMISSIONS:
        raise KeyError(f"unknown action {action!r}; known: {', '.join(sorted(PERMISSIONS))}")
    return user.role in PERMISSIONS[action]


def require(session: Session, actor: User, action: str) -> User:
    """The actor's current row, if it may do ``action``; PermissionDeniedError otherwise."""
    current = session.get(User, actor.id)
    if current is None or not current.active:
        raise PermissionDeniedError(f"user {actor.username!r} is not an active user")
    if not can(current, action):
        allowed = " or ".join(sorted(PERMISSIONS[action]))
        raise PermissionDeniedError(f"{current.username} ({current.role}) may not {action}: needs {allowed}")
    return current


def hash_password(password: str) -> str:
    """An Argon2id hash (``$argon2id$...``) of ``password``."""
    return _HASHER.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    """Whether ``password`` matches ``password_hash``."""
    try:
        return bool(_HASHER.verify(password, password_hash))
    except Exception:  # a malformed stored hash never signs anyone in
        return False


def _check_new(username: str, role: str, password: str) -> None:
    if not username.strip() or len(username) > 64:
        raise ValueError("a username is 1 to 64 characters")
    if role not in ROLES:
        raise ValueError(f"role {role!r} is not one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"a password has at least {MIN_PASSWORD_LENGTH} characters")


USERNAME_PUNCTUATION = frozenset("._-@")


def _check_username(username: str) -> None:
    """A new username is letters, digits and ``. _ - @``, starting with a letter or digit.

    It appears in URLs (``/admin/users/{username}``): a ``/``, ``?``, ``#``, ``%``, space or a name like
    ``..`` would name another address, so the user could never be managed.
    """
    if not username[:1].isalnum() or not all(ch.isalnum() or ch in USERNAME_PUNCTUATION for ch in username):
        raise ValueError(
            f"username {username!r} is not allowed: use letters, digits and . _ - @ only "
            "(no spaces or slashes), starting with a letter or digit"
        )


def _user_view(user: User) -> dict[str, Any]:
    return {"username": user.username, "full_name": user.full_name, "role": user.role, "active": user.active}


def create_user(
    session: Session,
    actor: User | None,
    *,
    username: str,
    password: str,
    role: Role,
    full_name: str = "",
) -> User:
    """Create a user (admins only; ``actor=None`` is allowed only for the very first user, the admin)."""
    if actor is None:
        if session.scalar(select(User.id).limit(1)) is not None:
            raise PermissionDeniedError("only an admin can create users once the first user exists")
        if role != "admin":
            raise PermissionDeniedError("the first user must be an admin")
    else:
        actor = require(session, actor, "user.manage")
    _check_new(username, role, password)
    _check_username(username.strip())
    if session.scalar(select(User.id).where(User.username == username.strip())) is not None:
        raise ValueError(f"user {username!r} already exists")
    user = User(
        username=username.strip(),
        full_name=full_name.strip(),
        role=role,
        password_hash=hash_password(password),
        active=True,
    )
    session.add(user)
    session.flush()
    record(session, actor or user, "user.create", "user", user.id, after=_user_view(user))
    return user


def list_users(session: Session, actor: User) -> Sequence[User]:
    """Every user, by name (admins only)."""
    require(session, actor, "user.manage")
    return session.scalars(select(User).order_by(User.username)).all()


def update_user(
    session: Session,
    actor: User,
    username: str,
    *,
    role: Role | None = None,
    active: bool | None = None,
    password: str | None = None,
    full_name: str | None = None,
    keep_token: str | None = None,
) -> User:
    """Change a user's role, active flag, name or password (admins; anyone may change their own password).

    A new password or deactivation ends every sign-in session of the user (a session on a lost or
    shared device must not outlive the password it was opened with), except the session whose cookie
    token is ``keep_token`` (the one making the change, when users change their own password).
    """
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFoundError(f"no user {username!r}")
    own_password_only = role is None and active is None and full_name is None and actor.id == user.id
    if not own_password_only:
        actor = require(session, actor, "user.manage")
    before = _user_view(user)
    if (
        user.role == "admin"
        and (role not in (None, "admin") or active is False)
        and _active_admins(session) <= 1
    ):
        raise PermissionDeniedError("the last active admin cannot be removed: make another admin first")
    if role is not None:
        _check_new(user.username, role, "x" * MIN_PASSWORD_LENGTH)
        user.role = role
    if active is not None:
        user.active = active
    if full_name is not None:
        user.full_name = full_name.strip()
    after = _user_view(user)
    if password is not None:
        _check_new(user.username, user.role, password)
        user.password_hash = hash_password(password)
        after["password"] = "changed"
    if password is not None or active is False:
        ends = delete(WebSession).where(WebSession.user_id == user.id)
        if keep_token is not None:
            ends = ends.where(WebSession.token_sha256 != _token_hash(keep_token))
        session.execute(ends)
    session.flush()
    record(session, actor, "user.update", "user", user.id, before=before, after=after)
    return user


def _active_admins(session: Session) -> int:
    query = select(func.count()).select_from(User).where(User.role == "admin", User.active.is_(True))
    return int(session.scalar(query) or 0)


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this name and password, or None (the same answer for every kind of failure)."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        hash_password(password)  # same time whether or not the user exists
        return None
    if not verify_password(password, user.password_hash) or not user.active:
        return None
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(session: Session, user: User, *, ttl: dt.timedelta = SESSION_TTL) -> tuple[str, str]:
    """A new server-side session: (cookie token, CSRF token); only the token's SHA-256 is stored."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        WebSession(
            token_sha256=_token_hash(token),
            user_id=user.id,
            csrf_token=csrf,
            created_at=now,
            expires_at=now + ttl,
        )
    )
    record(session, user, "session.start", "user", user.id)
    return token, csrf


def session_user(session: Session, token: str) -> tuple[User, str] | None:
    """The active user of a live session and its CSRF token, or None (unknown, expired, inactive)."""
    row = session.get(WebSession, _token_hash(token))
    if row is None:
        return None
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=dt.UTC)
    if expires <= utcnow() or not row.user.active:
        return None
    return row.user, row.csrf_token


def check_csrf(expected: str, given: str | None) -> bool:
    """Constant-time comparison of a form's CSRF token with the session's."""
    return given is not None and secrets.compare_digest(expected.encode(), given.encode())


def end_session(session: Session, token: str) -> None:
    """Sign out: delete the session (and every expired one)."""
    session.execute(delete(WebSession).where(WebSession.token_sha256 == _token_hash(token)))
    session.execute(delete(WebSession).where(WebSession.expires_at <= utcnow()))
