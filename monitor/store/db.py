"""Engines, sessions and migrations.

SQLite gets WAL and a busy timeout (a poll writes while the CLI reads); PostgreSQL gets a small
pre-pinged pool. `upgrade()` runs Alembic to head, so a poll or the daemon on a new database
creates it; `check()` is the drift check the tests run (`alembic check`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.util import CommandError
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from monitor.errors import StoreError


def make_engine(url: str) -> Engine:
    try:
        parsed = make_url(normalise_url(url))
    except ArgumentError as exc:
        raise StoreError(f"database_url is not a database URL: {exc}") from None
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    return create_engine(parsed, pool_pre_ping=True, pool_size=5, max_overflow=5)


def normalise_url(url: str) -> str:
    """postgres:// and postgresql:// use psycopg 3, the driver we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_engine(url: Any) -> Engine:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # A checkpoint copies every page changed since the last one, hot index pages included, and
        # then syncs: every 40 MB of WAL instead of SQLite's 4 MB saves ~2 ms per feed stored.
        cursor.execute("PRAGMA wal_autocheckpoint=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("monitor.migrations")))
    config.attributes["connection_engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to head; unreachable databases become a StoreError with the reason."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        with _migration_lock(engine):
            command.upgrade(alembic_config(engine), "head")
    except OperationalError as exc:
        raise StoreError(f"database unreachable: {exc.orig}") from None
    except SQLAlchemyError as exc:
        raise StoreError(f"database error: {exc}") from None
    except CommandError as exc:  # e.g. a revision this code does not know: a newer monitor migrated it
        message = f"its schema is unknown here ({exc}): migrated by a newer monitor?"
        raise StoreError(f"database error: {message}") from None


_MIGRATION_LOCK_KEY = 0x6D6F6E69746F72  # "monitor"


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """On PostgreSQL, an advisory lock around migrations, so processes starting together (daemons,
    a cron `monitor poll`) run them one after the other; the later ones find nothing to do.
    SQLite serialises writers itself."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _MIGRATION_LOCK_KEY})
            connection.commit()


def check(engine: Engine) -> None:
    """Raise if the models and the migrations disagree (alembic check)."""
    command.check(alembic_config(engine))


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def upsert_insert(session: Session, model: Any) -> Any:
    """The dialect's INSERT on the model's table, which has on_conflict_do_nothing /
    on_conflict_do_update. A Core statement on the Table, not the ORM entity: the poll inserts
    thousands of rows a cycle, and ORM bulk inserts cost several times more per row."""
    dialect = sqlite if session.get_bind().dialect.name == "sqlite" else postgresql
    return dialect.insert(model.__table__)


def chunks(items: Sequence[Any], size: int = 500) -> Iterable[Sequence[Any]]:
    """Slices small enough for SQLite's bound-parameter limit in IN (...) lists."""
    for i in range(0, len(items), size):
        yield items[i : i + size]
