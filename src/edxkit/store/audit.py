"""The audit log: every change is written with who, when, what, and the values before and after."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from edxkit.store.models import AuditEntry, User, utcnow


def record(
    session: Session,
    actor: User | None,
    action: str,
    entity: str,
    entity_id: str | int,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    study_id: int | None = None,
) -> AuditEntry:
    """Add one audit entry to the session (written with the change it describes, in its transaction)."""
    entry = AuditEntry(
        at=utcnow(),
        user_id=actor.id if actor is not None else None,
        username=actor.username if actor is not None else "system",
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        study_id=study_id,
        before=before,
        after=after,
    )
    session.add(entry)
    return entry


def audit_entries(
    session: Session,
    *,
    study_id: int | None = None,
    username: str | None = None,
    action: str | None = None,
    entity: str | None = None,
    since: dt.datetime | None = None,
    limit: int = 200,
) -> Sequence[AuditEntry]:
    """Audit entries matching every given filter, newest first (at most ``limit``)."""
    query = select(AuditEntry)
    if study_id is not None:
        query = query.where(AuditEntry.study_id == study_id)
    if username is not None:
        query = query.where(AuditEntry.username == username)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    if entity is not None:
        query = query.where(AuditEntry.entity == entity)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    return session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit)).all()
