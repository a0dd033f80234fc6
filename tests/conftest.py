"""Shared fixtures: databases (SQLite always, PostgreSQL when MONITOR_TEST_DATABASE_URL is set),
settings, and the loopback servers of tests/servers/.

Each PostgreSQL test gets a database of its own (created from the server named by
MONITOR_TEST_DATABASE_URL and dropped afterwards), because the code under test opens its own
sessions and transactions; so the suite can run on every core (pytest-xdist). With
MONITOR_REQUIRE_POSTGRES=1 (set by .ci/run) a skipped PostgreSQL test is an error, and a run in
which no PostgreSQL test passed fails.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from monitor import store
from tests.servers.feeds import feed_server  # noqa: F401

REPO = Path(__file__).resolve().parents[1]
WATCHLISTS = REPO / "watchlists"
PG_URL = os.environ.get("MONITOR_TEST_DATABASE_URL", "")
REQUIRE_PG = os.environ.get("MONITOR_REQUIRE_POSTGRES") == "1"
_postgres_passed = 0


def _postgres_database() -> Iterator[str]:
    if not PG_URL:
        message = "PostgreSQL tests need MONITOR_TEST_DATABASE_URL"
        if REQUIRE_PG:
            pytest.fail(message)
        pytest.skip(message)
    server = make_url(store.db.normalise_url(PG_URL))
    name = f"monitor_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'monitor.db'}"
    else:
        yield from _postgres_database()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated database."""
    engine = store.make_engine(database_url)
    store.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return store.make_sessions(engine)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'monitor.db'}"


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    global _postgres_passed
    if report.when == "call" and report.passed and "postgres" in report.keywords:
        _postgres_passed += 1


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # Under pytest-xdist the controller sees every worker's reports; a worker alone may have run
    # no PostgreSQL test, so only the controller (no `workerinput`) judges the whole run.
    if hasattr(session.config, "workerinput"):
        return
    if REQUIRE_PG and _postgres_passed == 0 and exitstatus == 0:
        print("\nMONITOR_REQUIRE_POSTGRES=1 but no PostgreSQL test passed")
        session.exitstatus = 1
