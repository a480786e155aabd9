"""First start: the first users and a demo study.

On an empty database ``ensure_first_users`` creates one admin, one physician and one technologist. Their
passwords come from ``EDX_ADMIN_PASSWORD``, ``EDX_PHYSICIAN_PASSWORD`` and ``EDX_TECHNOLOGIST_PASSWORD``
when set; otherwise random passwords are generated and returned so that ``edx serve`` prints them once on
the console (they are stored only as Argon2id hashes). ``ensure_demo_study`` simulates the
``carpal_tunnel_mild`` scenario into a temporary folder and imports it, once.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from sqlalchemy import select

from edxkit.store.auth import create_user
from edxkit.store.db import Database
from edxkit.store.models import Role, StudyRow, User
from edxkit.store.studies import import_study

FIRST_USERS: tuple[tuple[str, Role, str, str], ...] = (
    ("admin", "admin", "Administrator", "EDX_ADMIN_PASSWORD"),
    ("physician", "physician", "Dr Demo Physician", "EDX_PHYSICIAN_PASSWORD"),
    ("technologist", "technologist", "Demo Technologist", "EDX_TECHNOLOGIST_PASSWORD"),
)
DEMO_SCENARIO = "carpal_tunnel_mild"


def ensure_first_users(db: Database) -> dict[str, str]:
    """Create the first three users on an empty database; return {username: password} of generated ones."""
    generated: dict[str, str] = {}
    with db.transaction() as session:
        if session.scalar(select(User.id).limit(1)) is not None:
            return generated
        admin: User | None = None
        for username, role, full_name, env in FIRST_USERS:
            password = os.environ.get(env) or ""
            if not password:
                password = secrets.token_urlsafe(12)
                generated[username] = password
            user = create_user(
                session,
                admin,
                username=username,
                password=password,
                role=role,
                full_name=full_name,
            )
            admin = admin or user
    return generated


def ensure_demo_study(db: Database, *, scenario: str = DEMO_SCENARIO, seed: int = 1) -> int | None:
    """Simulate and import the demo study when the database holds no study; its id, or None."""
    with db.sessions() as session:
        if session.scalar(select(StudyRow.id).limit(1)) is not None:
            return None
    from edxkit.simulate.study import simulate_study

    with tempfile.TemporaryDirectory(prefix="edxkit-demo-") as tmp, db.transaction() as session:
        actor = session.scalar(select(User).where(User.role == "technologist", User.active).limit(1))
        if actor is None:
            return None
        path = simulate_study(scenario, Path(tmp) / "demo", seed=seed)
        return import_study(session, actor, path.parent).id
