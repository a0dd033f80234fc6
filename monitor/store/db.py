"""Engines, sessions and migrations.

SQLite gets WAL and a busy timeout (a poll writes while the CLI reads); PostgreSQL gets a small
pre-pinged pool and a connect timeout. `upgrade()` brings the schema to head, so a poll or the
daemon on a new database creates it; `check()` is the drift check the tests run (`alembic check`).
Alembic is imported only when there is something to migrate: a database already at head is told
apart with one plain SELECT of its version row, and an empty one is created from the models and
stamped at head, as Alembic's cookbook builds a database from scratch (importing Alembic, reading
its scripts and running every revision cost a new database's first poll ~0.2 s, most of its
start-up). The tests check that both ways give the same schema on both backends.

`unavailable()` is the one place that tells an expected database fault (server down or
restarting, disk full, file locked or read-only, I/O error) from a bug: the first becomes a
`StoreUnavailable` with a short reason, retried without a traceback; anything else stays an
error with its traceback.
"""

from __future__ import annotations

import functools
import re
import shutil
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    create_engine,
    event,
    inspect,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.dml import UpdateBase

from monitor.errors import StoreError, StoreUnavailable

if TYPE_CHECKING:
    from alembic.config import Config

BUSY_TIMEOUT = 30.0  # seconds a SQLite statement waits for another process's write lock
CONNECT_TIMEOUT = 10  # seconds to reach PostgreSQL: a host that drops packets fails, not hangs


def make_engine(url: str, *, busy_timeout: float = BUSY_TIMEOUT) -> Engine:
    try:
        parsed = make_url(normalise_url(url))
    except ArgumentError as exc:
        raise StoreError(f"database_url is not a database URL: {exc}") from None
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, busy_timeout)
    connect_args = {"connect_timeout": CONNECT_TIMEOUT} if parsed.get_driver_name() == "psycopg" else {}
    return create_engine(parsed, pool_pre_ping=True, pool_size=5, max_overflow=5, connect_args=connect_args)


def normalise_url(url: str) -> str:
    """postgres:// and postgresql:// use psycopg 3, the driver we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_engine(url: Any, busy_timeout: float) -> Engine:
    on_disk = url.database and url.database != ":memory:" and not url.query.get("uri")  # a URI is SQLite's
    path = Path(url.database) if on_disk else None
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": busy_timeout})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # A checkpoint copies every page changed since the last one, hot index pages included, and
        # then syncs: every 40 MB of WAL instead of SQLite's 4 MB saves ~2 ms per feed stored.
        cursor.execute("PRAGMA wal_autocheckpoint=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
        if path is not None:
            record.info["file"] = _file_identity(path)

    if path is not None:
        _watch_file(engine, path)
    return engine


def _watch_file(engine: Engine, path: Path) -> None:
    """A connection writes into the file it opened, even once that file is deleted or another is
    put in its place (a restore): every write since would be lost unseen. So a connection is
    checked against the path each time it is taken from the pool: deleted, a fault until the
    file is back; replaced, the pool opens the new one. And once the database exists, a new
    connection no longer creates it (SQLite's mode=rw): a pool reconnecting after a deletion
    would have made an empty database in its place."""
    created = path.exists()

    @event.listens_for(engine, "do_connect")
    def _existing_only(_dialect: Any, _record: Any, cargs: list[Any], cparams: dict[str, Any]) -> None:
        if created:
            cargs[0] = f"file:{quote(str(path.resolve()))}?mode=rw"
            cparams["uri"] = True

    @event.listens_for(engine, "first_connect")
    def _created(_dbapi_connection: Any, _record: Any) -> None:
        nonlocal created
        created = True

    @event.listens_for(engine, "checkout")
    def _same_file(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        now = _file_identity(path)
        if now is None:
            raise StoreUnavailable("database file deleted", str(path))
        if now != record.info.get("file"):
            raise DisconnectionError(f"{path} was replaced")


def _file_identity(path: Path) -> tuple[int, int] | None:
    try:
        found = path.stat()
    except FileNotFoundError:
        return None
    return found.st_dev, found.st_ino


# SQLite primary result codes (sqlite3 exceptions carry them since Python 3.11)
_SQLITE_REASONS = {
    5: "database locked",  # SQLITE_BUSY: another process holds the write lock past the busy timeout
    6: "database locked",  # SQLITE_LOCKED
    8: "read-only file",  # SQLITE_READONLY
    10: "I/O error",  # SQLITE_IOERR
    13: "disk full",  # SQLITE_FULL
    14: "cannot open the database file",  # SQLITE_CANTOPEN
}
SCHEMA_MISSING = "schema missing"  # its tables gone: the daemon's probe makes them again
# PostgreSQL SQLSTATEs (and classes) that pass: the server is going away, out of room, read-only
_PG_REASONS = {
    "57P01": "server shutting down",
    "57P02": "server shutting down",
    "57P03": "server starting up or shutting down",
    "53100": "disk full",
    "53200": "server out of memory",
    "53300": "too many connections",
    "58030": "I/O error",
    "25006": "read-only transaction",
    "08": "connection lost",
    "42P01": SCHEMA_MISSING,  # undefined_table: the database was dropped and made again, empty
}


def unavailable(exc: BaseException) -> StoreUnavailable | None:
    """The expected fault `exc` is (or wraps), as a StoreUnavailable; None for anything else."""
    if isinstance(exc, StoreUnavailable):
        return exc
    if isinstance(exc, SQLAlchemyTimeoutError):
        return StoreUnavailable("no free connection in the pool", str(exc).splitlines()[0])
    if not isinstance(exc, DBAPIError):
        return None
    orig = exc.orig
    detail = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None:
        reason = _SQLITE_REASONS.get(code & 0xFF)
        if reason is None and detail.startswith("no such table:"):  # a new file in the old one's place
            reason = SCHEMA_MISSING
        return StoreUnavailable(reason, detail) if reason else None
    sqlstate = getattr(orig, "sqlstate", None)
    if type(orig).__module__ == "sqlite3":
        return None
    if sqlstate:
        reason = _PG_REASONS.get(sqlstate) or _PG_REASONS.get(sqlstate[:2])
        return StoreUnavailable(reason, detail) if reason else None
    if exc.connection_invalidated or isinstance(exc, (OperationalError, InterfaceError)):
        # a driver error with no SQLSTATE: the connection failed or broke on the client side
        lowered = detail.lower()
        if "refused" in lowered:
            reason = "connection refused"
        elif "shutting down" in lowered or "starting up" in lowered:
            reason = "server shutting down"
        elif "timeout" in lowered or "timed out" in lowered:
            reason = "connection timed out"
        else:
            reason = "connection lost"
        return StoreUnavailable(reason, detail)
    return None


@contextmanager
def faults() -> Iterator[None]:
    """Raise an expected database fault as StoreUnavailable; bugs pass through unchanged."""
    try:
        yield
    except Exception as exc:
        fault = unavailable(exc)
        if fault is None or fault is exc:
            raise
        raise fault from exc


def free_space(sessions: sessionmaker[Session]) -> int | None:
    """Bytes free on the filesystem holding a SQLite file (None for a server database)."""
    engine = sessions.kw.get("bind")
    if not isinstance(engine, Engine) or engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:":
        return None
    return shutil.disk_usage(Path(database).resolve().parent).free


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("monitor.migrations")))
    config.attributes["connection_engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to head; unreachable databases become a StoreError with the reason."""
    head = head_revision()
    if head is not None:
        with _store_errors(), engine.connect() as connection:
            if _stored_revision(connection) == head or _created_at(connection, head):
                return
    from alembic import command
    from alembic.util import CommandError

    try:
        with _store_errors(), _migration_lock(engine):
            command.upgrade(alembic_config(engine), "head")
    except CommandError as exc:  # e.g. a revision this code does not know: a newer monitor migrated it
        message = f"its schema is unknown here ({exc}): migrated by a newer monitor?"
        raise StoreError(f"database error: {message}") from None


@contextmanager
def _store_errors() -> Iterator[None]:
    try:
        yield
    except OperationalError as exc:
        raise StoreError(f"database unreachable: {exc.orig}") from None
    except SQLAlchemyError as exc:
        raise StoreError(f"database error: {exc}") from None


def _stored_revision(connection: Connection) -> str | None:
    """The revision Alembic recorded in the database (None: none yet, or several branches)."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    return rows[0][0] if len(rows) == 1 else None


# Alembic's version table, as its MigrationContext makes it
_ALEMBIC_VERSION = Table(
    "alembic_version",
    MetaData(),
    Column("version_num", String(32), nullable=False),
    PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
)


def _created_at(connection: Connection, head: str) -> bool:
    """On an empty database, create every table of the models and record `head` as its revision,
    in one transaction under the write lock (False, and nothing done, when it holds any table).
    Processes starting together on a new database wait for each other; the later ones find it
    created at head."""
    if inspect(connection).get_table_names():
        return False
    connection.rollback()  # the inspection's implicit transaction: the lock must come first
    from monitor.store.models import Base

    with connection.begin():
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock before the look
        else:
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
        if inspect(connection).get_table_names():
            return _stored_revision(connection) == head
        Base.metadata.create_all(connection)
        _ALEMBIC_VERSION.create(connection)
        connection.execute(_ALEMBIC_VERSION.insert().values(version_num=head))
    return True


_REVISION_LINE = re.compile(r'^(down_revision|revision)\s*(?::[^=]*)?=\s*(?:"([^"]*)"|None)\s*$', re.M)


@functools.cache
def head_revision() -> str | None:
    """The one head of the migration scripts, read from their `revision = "..."` and
    `down_revision = "..."` lines without importing Alembic; None when that is not plain (a merge,
    several heads, a script written otherwise): Alembic then decides."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (resources.files("monitor.migrations") / "versions").iterdir():
        if not script.name.endswith(".py") or script.name == "__init__.py":
            continue
        found = dict((key, value) for key, value in _REVISION_LINE.findall(script.read_text()))
        if not found.get("revision") or "down_revision" not in found:
            return None
        revisions.add(found["revision"])
        if found["down_revision"]:
            parents.add(found["down_revision"])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


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
    from alembic import command

    command.check(alembic_config(engine))


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def upsert_insert(session: Session, model: Any) -> Any:
    """The dialect's INSERT on the model's table, which has on_conflict_do_nothing /
    on_conflict_do_update. A Core statement on the Table, not the ORM entity: the poll inserts
    thousands of rows a cycle, and ORM bulk inserts cost several times more per row."""
    return _dialect_insert(session.get_bind().dialect.name, model.__table__)


@functools.cache
def _dialect_insert(dialect_name: str, table: Table) -> Any:
    """One INSERT per dialect and table, shared: statements are immutable (each clause added
    makes a copy), and its `excluded` columns are built on first use and then kept, where a new
    statement built them anew for every upsert (~1 ms each, a poll's story links: measured)."""
    return (sqlite if dialect_name == "sqlite" else postgresql).insert(table)


def rows_changed(session: Session, statement: UpdateBase) -> int:
    """How many rows an UPDATE or DELETE changed. `Session.execute` is typed as returning a
    `Result`; for these statements it is a `CursorResult`, the one that carries the count."""
    result = session.execute(statement)
    assert isinstance(result, CursorResult)
    return result.rowcount


def chunks(items: Sequence[Any], size: int = 500) -> Iterable[Sequence[Any]]:
    """Slices small enough for SQLite's bound-parameter limit in IN (...) lists."""
    for i in range(0, len(items), size):
        yield items[i : i + size]
