"""Alembic migration scripts of the store (see ``edxkit.store.migrate``)."""
