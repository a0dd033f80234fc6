"""Database faults, for real: a PostgreSQL cluster of the test's own stopped and started, a SQLite
file on a full tmpfs, another process holding SQLite's write lock, a read-only file; then the
daemon riding them out (issue 11). Nothing here patches what a real server does."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from monitor import store
from monitor.app import fetch_limits
from monitor.config import Settings
from monitor.errors import StoreUnavailable
from monitor.fetch import HostLimiter
from monitor.matching import Matcher
from monitor.outage import REMIND_EVERY, Outage
from monitor.pipeline import FeedWorkers, PollDeps, poll_source
from monitor.polling import lease_time
from monitor.records import PollReport, Source, SourceHealth
from monitor.store import leases
from monitor.watchlists import load_watchlists
from tests.faultkit import (
    BASIC_WATCHLISTS,
    Daemon,
    Newsroom,
    PgCluster,
    Tmpfs,
    delivered_counts,
    free_port,
    rss,
    sqlite_write_lock,
    wait_until,
    write_config,
)
from tests.servers.feeds import FeedServer
from tests.servers.slack import SlackServer

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)


# --- classification -------------------------------------------------------------------------


def _fault_of(engine_url: str, statement: str, busy_timeout: float = 30.0) -> StoreUnavailable | None:
    engine = store.make_engine(engine_url, busy_timeout=busy_timeout)
    try:
        with engine.begin() as connection:
            connection.execute(text(statement))
    except DBAPIError as exc:
        return store.unavailable(exc)
    finally:
        engine.dispose()
    raise AssertionError("the statement went through")


def test_a_locked_sqlite_file_is_an_expected_fault(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    sqlite3.connect(path).executescript("CREATE TABLE t (x); PRAGMA journal_mode=WAL;")
    with sqlite_write_lock(path):
        fault = _fault_of(f"sqlite:///{path}", "INSERT INTO t VALUES (1)", busy_timeout=0.1)
    assert fault is not None and fault.reason == "database locked"


def test_a_read_only_sqlite_file_is_an_expected_fault(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "m.db"
    sqlite3.connect(path).executescript("CREATE TABLE t (x);")
    monkeypatch.chdir(tmp_path)
    fault = _fault_of(f"sqlite:///file:{path}?mode=ro&uri=true", "INSERT INTO t VALUES (1)")
    assert fault is not None and fault.reason == "read-only file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.db"]  # no folder named after the URI


def test_a_refused_postgresql_port_is_an_expected_fault() -> None:
    fault = _fault_of(f"postgresql://postgres@127.0.0.1:{free_port()}/x", "SELECT 1")
    assert fault is not None and fault.reason == "connection refused"


def test_a_bug_is_not_a_fault(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    sqlite3.connect(path).executescript("CREATE TABLE t (x UNIQUE); INSERT INTO t VALUES (1);")
    assert _fault_of(f"sqlite:///{path}", "INSERT INTO t VALUES (1)") is None  # IntegrityError
    assert _fault_of(f"sqlite:///{path}", "SELECT nope FROM t") is None


# --- the outage's log lines ------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_outage_logs_once_then_once_a_minute_then_back(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    outage = Outage(lambda: NOW, clock)
    caplog.set_level("INFO", logger="monitor.outage")
    for _ in range(50):  # 50 failures in the first minute
        outage.failed(StoreUnavailable("connection refused"))
        clock.now += 1
    assert outage.describe() == "unavailable since 2026-12-01T12:00:00+00:00: connection refused"
    clock.now += REMIND_EVERY
    outage.failed(StoreUnavailable("connection refused"))
    outage.succeeded()
    outage.succeeded()
    assert not outage.active and outage.describe() is None
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", "database unavailable: connection refused; retrying"),
        ("WARNING", "database still unavailable: connection refused; retrying"),
        ("INFO", "database back after 110s"),
    ]


def test_a_full_disk_ends_only_with_a_write_that_stored_rows() -> None:
    outage = Outage(lambda: NOW)
    outage.failed(StoreUnavailable("disk full"))
    outage.succeeded(grew=False)  # a schedule update fitted in pages SQLite already had
    assert outage.active
    outage.succeeded(grew=True)
    assert not outage.active


# --- leases ------------------------------------------------------------------------------------


def test_a_process_reclaims_its_own_lease(sessions) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        store.sync_sources(session, [Source(id="s", name="s", url="http://127.0.0.1/s")])
    lease = timedelta(minutes=5)
    claims = []
    for owner in ("a", "a", "b"):  # a's release failed (database down); a claims again, b may not
        with sessions.begin() as session:
            claims.append(leases.claim_poll(session, "s", owner=owner, now=NOW, lease=lease))
    assert claims == [True, True, False]


def test_the_lease_is_at_most_twice_the_longest_poll() -> None:
    settings = Settings.model_validate({"fetch": {"total_timeout": 10}, "daemon": {"poll_lease": "1h"}})
    # a wait for its host and a fetch, each twice
    assert lease_time(settings) == timedelta(seconds=2 * (4 * 10 + 30))
    short = Settings.model_validate({"daemon": {"poll_lease": "4s"}})
    assert lease_time(short) == timedelta(seconds=4)


# --- nothing fetched is lost -----------------------------------------------------------------


def test_validators_advance_only_with_the_entries(tmp_path: Path, feed_server: FeedServer) -> None:
    """A poll whose store step meets a locked file stores nothing, its ETag included, so the
    next poll fetches the feed in full again and stores the entries."""
    path = tmp_path / "m.db"
    engine = store.make_engine(f"sqlite:///{path}", busy_timeout=0.2)
    store.upgrade(engine)
    sessions = store.make_sessions(engine)
    feed_path = "/faults/validators.xml"
    url = feed_server.set_feed(feed_path, rss([("1", "Raid at al-Bukamal")]))
    source = Source(id="src", name="src", url=url)
    with sessions.begin() as session:
        store.sync_sources(session, [source])
    matcher = Matcher(load_watchlists(BASIC_WATCHLISTS))

    def health() -> SourceHealth:
        with sessions() as session:
            return store.source_health(session, ["src"])[0]

    async def polls() -> PollReport:
        async with httpx.AsyncClient() as client:
            deps = PollDeps(
                client,
                HostLimiter(4, 8),
                fetch_limits(Settings()),
                sessions,
                lambda: matcher,
                FeedWorkers(lambda: matcher, 1),
                lambda: NOW,
            )
            with sqlite_write_lock(path), pytest.raises(StoreUnavailable) as raised:
                await poll_source(source, health(), deps)
            assert raised.value.reason == "database locked"
            assert health().caching.etag is None
            with sessions() as session:
                assert store.list_articles(session) == []
            try:
                return await poll_source(source, health(), deps)
            finally:
                deps.writer.close()

    report = asyncio.run(polls())
    assert report.status == "ok" and report.new == 1
    first, second = feed_server.requests_to(feed_path)
    assert "if-none-match" not in second.headers  # fetched in full, not answered 304
    engine.dispose()


# --- the daemon through real faults ----------------------------------------------------------


def healthz(port: int) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


@pytest.fixture
def slack() -> Iterator[SlackServer]:
    with SlackServer() as server:
        yield server


@pytest.fixture
def cluster() -> Iterator[PgCluster]:
    try:
        found = PgCluster()
    except (RuntimeError, OSError) as exc:
        pytest.skip(f"cannot run a PostgreSQL cluster of our own: {exc}")
    yield found
    found.remove()


@pytest.fixture
def tmpfs() -> Iterator[Tmpfs]:
    try:
        found = Tmpfs(20)
    except (PermissionError, FileNotFoundError) as exc:
        pytest.skip(f"no tmpfs to fill (needs root and mount): {exc}")
    yield found
    found.remove()


class Run:
    """A daemon on `url` polling 4 newsroom feeds every second, alerting a loopback Slack."""

    def __init__(self, folder: Path, url: str, feeds: FeedServer, slack: SlackServer) -> None:
        self.newsroom = Newsroom(feeds, 4)
        self.slack = slack
        self.daemon = Daemon(write_config(folder, url, self.newsroom.urls, slack, interval="1s"), folder)
        self.port = self.daemon.metrics_port()
        wait_until(lambda: healthz(self.port)[0] == 200, "a healthy daemon")

    def all_delivered_once(self) -> bool:
        return delivered_counts(self.slack, self.newsroom.stories) == [1] * len(self.newsroom.stories)

    def publish_and_deliver(self, n: int) -> None:
        for _ in range(n):
            self.newsroom.publish()
        wait_until(self.all_delivered_once, "every story at Slack")

    def ride_out(self, fault: contextlib.AbstractContextManager[None], reason: str) -> list[str]:
        """Stories before, during and after the fault: each delivered exactly once; /healthz 503
        naming the fault while it lasts, 200 after; one WARNING, one INFO, no traceback."""
        self.publish_and_deliver(2)
        mark = len(self.daemon.lines)
        with fault:
            self.newsroom.publish()
            self.newsroom.publish()
            started = self.daemon.wait_for_log("database unavailable: ", after=mark)
            assert re.search(f"database unavailable: {reason}; retrying", started), started
            wait_until(lambda: healthz(self.port)[0] == 503, "/healthz to say 503")
            status, body = healthz(self.port)
            assert body["status"] == "degraded", body
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=10) as scrape:
                assert b"monitor_polls_total" in scrape.read()  # the scrape answers, no traceback logged
            assert re.fullmatch(f"unavailable since .+: {reason}", str(body["database"])), body
        self.daemon.wait_for_log("database back after", after=mark)
        wait_until(lambda: healthz(self.port)[0] == 200, "/healthz to say 200 again")
        self.publish_and_deliver(1)
        window = self.daemon.lines[mark:]
        loud = [line for line in window if re.search(r" (warning|error|critical) ", line)]
        assert len(loud) <= 20, loud
        assert not any("Traceback" in line for line in self.daemon.lines), "\n".join(self.daemon.lines)
        assert self.all_delivered_once()
        assert self.daemon.stop() == 0
        return window


def test_the_daemon_rides_out_postgresql_stopped_and_started(
    tmp_path: Path, cluster: PgCluster, feed_server: FeedServer, slack: SlackServer
) -> None:
    run = Run(tmp_path, cluster.url, feed_server, slack)

    @contextlib.contextmanager
    def stopped() -> Iterator[None]:
        cluster.stop()
        yield
        cluster.start()

    try:
        window = run.ride_out(stopped(), "(connection refused|connection lost|server shutting down)")
    finally:
        run.daemon.kill()
    assert sum("database unavailable" in line for line in window) == 1


def test_the_daemon_rides_out_a_full_disk(
    tmp_path: Path, tmpfs: Tmpfs, feed_server: FeedServer, slack: SlackServer
) -> None:
    run = Run(tmp_path, f"sqlite:///{tmpfs.path / 'monitor.db'}", feed_server, slack)

    @contextlib.contextmanager
    def full() -> Iterator[None]:
        tmpfs.fill()
        yield
        tmpfs.free()

    try:
        run.ride_out(full(), "disk full")
    finally:
        run.daemon.kill()


def _replaced_database(
    run: Run, mark: int, replace: contextlib.AbstractContextManager[None], reason: str
) -> None:
    """While `replace` runs, the database is gone: one WARNING naming `reason`, /healthz 503; once
    another stands in its place, the daemon carries on in it (sources synced again, a new story
    delivered); no traceback anywhere."""
    with replace:
        run.newsroom.publish()
        started = run.daemon.wait_for_log("database unavailable: ", after=mark)
        assert re.search(f"database unavailable: {reason}; retrying", started), started
        wait_until(lambda: healthz(run.port)[0] == 503, "/healthz to say 503")
    run.daemon.wait_for_log("database back after", after=mark)
    wait_until(lambda: healthz(run.port)[0] == 200, "/healthz to say 200 again")
    story = run.newsroom.publish()
    wait_until(lambda: delivered_counts(run.slack, [story]) == [1], "a story stored in the new database")
    assert not any("Traceback" in line for line in run.daemon.lines), "\n".join(run.daemon.lines)
    assert sum("database unavailable" in line for line in run.daemon.lines[mark:]) == 1
    assert run.daemon.stop() == 0


def test_a_deleted_sqlite_file_is_a_fault_not_a_silent_loss(
    tmp_path: Path, feed_server: FeedServer, slack: SlackServer
) -> None:
    """A connection writes on into a file deleted under it: every story since was lost unseen,
    and /healthz said ok. Nor may the pool make an empty database in its place."""
    path = tmp_path / "monitor.db"
    run = Run(tmp_path, f"sqlite:///{path}", feed_server, slack)

    @contextlib.contextmanager
    def deleted() -> Iterator[None]:
        for name in ("monitor.db", "monitor.db-wal", "monitor.db-shm"):
            (tmp_path / name).unlink(missing_ok=True)
        yield
        assert not path.exists()  # not made again behind the operator's back
        done = subprocess.run(
            [sys.executable, "-m", "monitor", "db", "upgrade"],
            env={**os.environ, "MONITOR_DATABASE_URL": f"sqlite:///{path}", "PYTHONPATH": str(Path.cwd())},
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr

    try:
        run.publish_and_deliver(1)
        # the pool's next connection says so, or SQLite itself once its -wal or -shm went too
        _replaced_database(
            run,
            len(run.daemon.lines),
            deleted(),
            "(database file deleted|cannot open the database file|I/O error)",
        )
    finally:
        run.daemon.kill()


def test_a_postgresql_database_made_again_empty_gets_its_schema_back(
    tmp_path: Path, cluster: PgCluster, feed_server: FeedServer, slack: SlackServer
) -> None:
    """Dropped and created again: every job failed with a traceback (relation does not exist)
    every few seconds, and once migrated by hand the daemon never polled again."""
    run = Run(tmp_path, cluster.url, feed_server, slack)
    admin = store.make_engine(cluster.url.replace("/monitor", "/postgres")).execution_options(
        isolation_level="AUTOCOMMIT"
    )

    @contextlib.contextmanager
    def made_again() -> Iterator[None]:
        with admin.connect() as connection:
            connection.execute(text("DROP DATABASE monitor WITH (FORCE)"))
            connection.execute(text("CREATE DATABASE monitor"))
        yield

    try:
        run.publish_and_deliver(1)
        _replaced_database(run, len(run.daemon.lines), made_again(), "schema missing|connection lost")
    finally:
        run.daemon.kill()
        admin.dispose()


def test_polling_goes_on_while_another_process_holds_the_write_lock(
    tmp_path: Path, feed_server: FeedServer, slack: SlackServer
) -> None:
    run = Run(tmp_path, f"sqlite:///{tmp_path / 'monitor.db'}", feed_server, slack)
    try:
        run.publish_and_deliver(1)
        mark = len(run.daemon.lines)
        with sqlite_write_lock(tmp_path / "monitor.db"):
            run.newsroom.publish()
            during = run.newsroom.requests()
            # every feed is asked again while the lock is held: the event loop is not waiting
            wait_until(lambda: run.newsroom.requests() >= during + 2 * len(run.newsroom.paths), "polls")
            run.daemon.wait_for_log("database unavailable: database locked", after=mark)
            assert healthz(run.port)[0] == 503
        wait_until(run.all_delivered_once, "the story stored and sent after the lock")
        assert not any("Traceback" in line for line in run.daemon.lines)
        assert run.daemon.stop() == 0
    finally:
        run.daemon.kill()


def test_sighup_with_a_broken_then_a_valid_config(
    tmp_path: Path, feed_server: FeedServer, slack: SlackServer
) -> None:
    run = Run(tmp_path, f"sqlite:///{tmp_path / 'monitor.db'}", feed_server, slack)
    config = tmp_path / "monitor.toml"
    good = config.read_text(encoding="utf-8")
    try:
        run.publish_and_deliver(1)
        config.write_text(good + "\n[daemon\nbroken = \n", encoding="utf-8")
        mark = len(run.daemon.lines)
        run.daemon.proc.send_signal(signal.SIGHUP)
        assert "monitor.toml" in run.daemon.wait_for_log("reload.rejected", after=mark)
        run.publish_and_deliver(1)  # still polling and alerting on the old config
        extra = Newsroom(feed_server, 1)
        config.write_text(
            good.replace(
                "[slack]",
                f'[[sources]]\nid = "added"\nurl = "{extra.urls["feed-0"]}"\ninterval = "1s"\n\n[slack]',
            ),
            encoding="utf-8",
        )
        mark = len(run.daemon.lines)
        run.daemon.proc.send_signal(signal.SIGHUP)
        assert "sources=5" in run.daemon.wait_for_log("reload.applied", after=mark)
        title = extra.publish()
        wait_until(lambda: delivered_counts(slack, [title]) == [1], "the added source's story")
        assert run.all_delivered_once()
        assert not any("Traceback" in line for line in run.daemon.lines)
        assert run.daemon.stop() == 0
    finally:
        run.daemon.kill()


def test_a_full_disk_under_the_log_stops_nothing(
    tmp_path: Path, tmpfs: Tmpfs, feed_server: FeedServer, slack: SlackServer
) -> None:
    """stderr to a file on the full disk: lines written meanwhile are lost (logging drops them),
    the daemon polls and alerts on, and the log resumes once there is room again."""
    newsroom = Newsroom(feed_server, 2)
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'monitor.db'}", newsroom.urls, slack, "1s")
    log = tmpfs.path / "monitor.log"
    with log.open("w") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "monitor", "--config", str(config), "run"],
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
        )
    try:
        wait_until(lambda: "daemon.started" in log.read_text(encoding="utf-8"), "the daemon to start")
        tmpfs.fill()
        stories = [newsroom.publish(), newsroom.publish()]
        wait_until(lambda: delivered_counts(slack, stories) == [1, 1], "alerts while the log is full")
        tmpfs.free()
        before = log.read_text(encoding="utf-8").count("alerts.delivered")
        stories.append(newsroom.publish())
        wait_until(lambda: delivered_counts(slack, stories) == [1, 1, 1], "alerts after")
        wait_until(lambda: log.read_text(encoding="utf-8").count("alerts.delivered") > before, "log lines")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        assert "daemon.stopped" in log.read_text(encoding="utf-8")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
