"""Errors of the store: concurrent edits, permissions, immutable records, missing rows."""

from __future__ import annotations


class StoreError(Exception):
    """Base class of the store's errors; the message is one plain sentence for the user."""


class ConcurrentEditError(StoreError):
    """The study (or report) changed since the caller read it: reload and apply the edit again."""

    def __init__(self, entity: str, entity_id: str, expected: int | None, current: int | None) -> None:
        self.entity, self.entity_id, self.expected, self.current = entity, entity_id, expected, current
        seen = f"version {expected}" if expected is not None else "an older version"
        now = f"version {current}" if current is not None else "a newer version"
        super().__init__(
            f"{entity} {entity_id} was changed by someone else ({seen} was edited, the stored one is {now}); "
            "reload it and apply your change again"
        )


class PermissionDeniedError(StoreError):
    """The user's role does not allow the action (or the account is inactive)."""


class NotFoundError(StoreError):
    """No row with that id."""


class AppendOnlyError(StoreError):
    """An attempt to change or delete a row of an append-only table (audit log, addenda)."""


class ReportLockedError(AppendOnlyError):
    """An attempt to change a signed report (or the study behind it); corrections are addenda."""
