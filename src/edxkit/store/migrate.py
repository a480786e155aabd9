"""Alembic migrations without an alembic.ini: ``upgrade(url)``, ``downgrade(url)``, ``current(url)``.

The migration scripts are in ``edxkit/store/migrations`` (``versions/0001_initial.py`` creates every table).
A URL or an engine may be given; a SQLite file's folder is created.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from edxkit.store.db import make_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    """An Alembic configuration pointing at the packaged migration scripts."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _engine(target: str | Engine) -> Engine:
    return target if isinstance(target, Engine) else make_engine(target)


def upgrade(target: str | Engine, revision: str = "head") -> None:
    """Migrate the database at ``target`` (URL or engine) up to ``revision`` (default: the newest)."""
    engine = _engine(target)
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(target: str | Engine, revision: str = "base") -> None:
    """Migrate the database at ``target`` down to ``revision`` (default: empty, every table dropped)."""
    engine = _engine(target)
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def current(target: str | Engine) -> str | None:
    """The revision the database is at (None for an empty database)."""
    with _engine(target).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head() -> str | None:
    """The newest revision of the packaged migrations."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
