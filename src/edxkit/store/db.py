"""Engines and sessions from a database URL: a SQLite file by default, PostgreSQL via psycopg 3.

``sqlite:///path.db`` and ``postgresql+psycopg://user:password@host/db`` are accepted; a bare
``postgresql://`` URL is given the psycopg 3 driver. SQLite connections enforce foreign keys.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from edxkit.store.errors import ConcurrentEditError

DEFAULT_DB_NAME = "edxkit.db"


def default_url() -> str:
    """``$EDX_DB_URL``, else the SQLite file ``edxkit.db`` in ``$EDX_DATA_DIR`` (~/.local/share/edxkit)."""
    url = os.environ.get("EDX_DB_URL")
    if url:
        return url
    folder = Path(os.environ.get("EDX_DATA_DIR", Path.home() / ".local" / "share" / "edxkit"))
    return sqlite_url(folder / DEFAULT_DB_NAME)


def sqlite_url(path: str | Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{Path(path).expanduser().resolve()}"


def normalize_url(url: str) -> str:
    """Give ``postgresql://`` and ``postgres://`` URLs the psycopg 3 driver; other URLs are returned as is."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; creates the folder of a SQLite file and turns on its foreign keys."""
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer (several web workers)
    cursor.close()


@dataclass(slots=True)
class Database:
    """An engine and its session factory; ``transaction()`` is the unit of work of every service call."""

    engine: Engine
    sessions: sessionmaker[Session]

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in a transaction: committed when the block ends, rolled back if it raises.

        The rollback is explicit (not ``session.begin()``'s context manager, which answers a flush that
        failed inside the block with "Can't operate on closed transaction" and hides the real error), so
        the block's own exception is what the caller sees. A version check that failed at the final flush
        (``StaleDataError``: a concurrent transaction changed the row first) becomes
        :class:`ConcurrentEditError`.
        """
        with self.sessions() as session:
            session.begin()
            try:
                yield session
                session.commit()
            except StaleDataError:
                session.rollback()
                raise ConcurrentEditError("record", "being saved", None, None) from None
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        self.engine.dispose()


def connect(url: str | None = None, *, migrate: bool = True, **engine_kwargs: Any) -> Database:
    """Open the database at ``url`` (default :func:`default_url`), bringing its schema up to date first.

    ``migrate=False`` skips the Alembic upgrade (for a database known to be current).
    """
    engine = make_engine(url or default_url(), **engine_kwargs)
    if migrate:
        from edxkit.store.migrate import upgrade

        upgrade(engine)
    return Database(engine, sessionmaker(engine, expire_on_commit=False))
