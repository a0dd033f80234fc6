"""The daemon: poll leases (unit), then real `monitor run` processes against loopback servers."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from monitor import store
from monitor.daemon import Daemon
from monitor.errors import StoreError
from monitor.polling import PollOutcome
from monitor.records import Entry, FetchResult, Source
from monitor.store import leases, retention
from tests.conftest import PG_URL
from tests.faultkit import rss
from tests.servers.feeds import FeedServer
from tests.servers.slack import SlackServer
from tests.servers.smtp import SmtpServer

REPO = Path(__file__).resolve().parents[1]
BASIC_WATCHLISTS = REPO / "tests" / "data" / "watchlists" / "basic"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
LEASE = timedelta(minutes=5)


# --- leases --------------------------------------------------------------------------------------


def _sources(sessions: sessionmaker[Session], n: int) -> list[str]:
    ids = [f"s{i}" for i in range(n)]
    with sessions.begin() as session:
        store.sync_sources(session, [Source(id=i, name=i, url=f"http://127.0.0.1/{i}") for i in ids])
    return ids


def _claim(sessions: sessionmaker[Session], source_id: str, owner: str, now: datetime = NOW) -> bool:
    with sessions.begin() as session:
        return leases.claim_poll(session, source_id, owner=owner, now=now, lease=LEASE)


def _lease(sessions: sessionmaker[Session], source_id: str) -> leases.PollLease:
    with sessions() as session:
        return leases.poll_leases(session, [source_id])[0]


def _race(sessions: sessionmaker[Session], source_id: str, owners: list[str]) -> list[str]:
    """Every owner claims the source at the same moment, each on its own connection."""
    barrier = threading.Barrier(len(owners))
    won: list[str] = []

    def claimer(owner: str) -> None:
        barrier.wait()
        if _claim(sessions, source_id, owner):
            won.append(owner)

    threads = [threading.Thread(target=claimer, args=(owner,)) for owner in owners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return won


def test_two_claimers_racing_one_wins(sessions: sessionmaker[Session]) -> None:
    for source_id in _sources(sessions, 20):
        won = _race(sessions, source_id, ["a", "b"])
        assert len(won) == 1, source_id
        assert _lease(sessions, source_id).lease_owner == won[0]


def test_claim_waits_for_a_live_lease_and_takes_an_expired_one(sessions: sessionmaker[Session]) -> None:
    [source_id] = _sources(sessions, 1)
    assert _claim(sessions, source_id, "a")
    assert not _claim(sessions, source_id, "b", NOW + LEASE - timedelta(seconds=1))
    assert _claim(sessions, source_id, "b", NOW + LEASE + timedelta(seconds=1))
    assert _lease(sessions, source_id).lease_owner == "b"


def test_claim_refuses_a_source_not_due(sessions: sessionmaker[Session]) -> None:
    [source_id] = _sources(sessions, 1)
    _set_next_poll(sessions, source_id, NOW + timedelta(minutes=1))
    assert not _claim(sessions, source_id, "a")
    assert _claim(sessions, source_id, "a", NOW + timedelta(minutes=1))


def test_release_frees_only_the_owners_lease(sessions: sessionmaker[Session]) -> None:
    [source_id] = _sources(sessions, 1)
    assert _claim(sessions, source_id, "a")
    with sessions.begin() as session:
        leases.release_poll(session, source_id, owner="b")
    assert _lease(sessions, source_id).lease_owner == "a"
    with sessions.begin() as session:
        leases.release_poll(session, source_id, owner="a")
    assert _lease(sessions, source_id).lease_owner is None
    assert _claim(sessions, source_id, "b")


def test_release_all_at_shutdown(sessions: sessionmaker[Session]) -> None:
    ids = _sources(sessions, 3)
    for source_id in ids[:2]:
        assert _claim(sessions, source_id, "a")
    assert _claim(sessions, ids[2], "b")
    with sessions.begin() as session:
        assert leases.release_all(session, owner="a") == 2
    assert [_lease(sessions, i).lease_owner for i in ids] == [None, None, "b"]


def test_retention_clears_old_article_text_only(sessions: sessionmaker[Session]) -> None:
    [source_id] = _sources(sessions, 1)
    old = Entry(
        source_id, "old", None, "https://x.example/old", "Old", "sum", "old text", NOW, content_hash="a"
    )
    new = replace(
        old, key="new", url="https://x.example/new", title="New", content="new text", content_hash="b"
    )
    with sessions.begin() as session:
        store.save_entries(session, source_id, [old], now=NOW - timedelta(days=400))
        store.save_entries(session, source_id, [new], now=NOW - timedelta(days=10))
    with sessions.begin() as session:
        report = retention.apply(session, now=NOW, keep_text_days=365, keep_attempts_days=90)
    assert report == retention.RetentionReport(texts_cleared=1, attempts_pruned=0)
    with sessions() as session:
        kept = {a.title: (a.summary, a.content) for a in store.list_articles(session)}
    assert kept == {"Old": ("sum", ""), "New": ("sum", "new text")}


def _set_next_poll(sessions: sessionmaker[Session], source_id: str, when: datetime) -> None:
    result = FetchResult(source_id, "u", "u", 200, b"", {}, 0.0)
    with sessions.begin() as session:
        store.record_success(session, source_id, result, now=NOW, next_poll_at=when, new_items=0)


@pytest.mark.parametrize(
    ("lease", "expected"),
    [
        (None, NOW + timedelta(seconds=1)),
        (leases.PollLease("s", NOW - timedelta(minutes=1), None, None), NOW + timedelta(seconds=1)),
        (leases.PollLease("s", NOW + timedelta(seconds=30), None, None), NOW + timedelta(seconds=30)),
        (leases.PollLease("s", NOW, "other", NOW + timedelta(seconds=20)), NOW + timedelta(seconds=20)),
        (leases.PollLease("s", NOW, "me", NOW + timedelta(seconds=20)), NOW + timedelta(seconds=1)),
        (leases.PollLease("s", NOW + timedelta(hours=5), None, None), NOW + timedelta(minutes=1)),
    ],
)
def test_next_try(lease: leases.PollLease | None, expected: datetime) -> None:
    when = leases.next_try(
        lease, owner="me", now=NOW, at_least=timedelta(seconds=1), at_most=timedelta(minutes=1)
    )
    assert when == expected


class _SlowReads:
    """The part of DaemonJobs the clock uses for polls, with the read that decides a source's next
    run taking 0.3 s (a busy machine), and deciding "due again in 0.1 s" after the first poll: the
    answer is already past when the run applies it."""

    def __init__(self, source: Source) -> None:
        self.loaded = SimpleNamespace(sources={source.id: source})
        self.polling = self
        self.polls: list[float] = []

    def first_run(self, lease: leases.PollLease | None, source: Source, now: datetime) -> datetime:
        return now + timedelta(seconds=0.1)  # not overdue: no start-up spread

    async def poll(self, source: Source) -> PollOutcome:
        self.polls.append(time.monotonic())
        return PollOutcome()

    async def next_run(self, source: Source, now: datetime, failed: bool) -> datetime:
        await asyncio.sleep(0.3)
        return now + (timedelta(seconds=0.1) if len(self.polls) == 1 else timedelta(hours=1))


def test_a_next_run_already_past_when_the_poll_ends_is_not_skipped() -> None:
    """APScheduler skips a run that falls due while the job still runs (max_instances=1) and
    moves the job an interval on: the next run is applied once the poll has ended."""
    source = Source(id="s", name="s", url="http://127.0.0.1/s", interval=timedelta(hours=1))
    jobs = _SlowReads(source)

    async def two_polls() -> None:
        clock = Daemon(jobs)  # type: ignore[arg-type]  # the clock's side of DaemonJobs only
        clock.scheduler.start()
        clock._schedule_source(source, None, datetime.now(timezone.utc))
        until = time.monotonic() + 5
        while len(jobs.polls) < 2 and time.monotonic() < until:
            await asyncio.sleep(0.05)
        clock.scheduler.shutdown(wait=False)

    asyncio.run(two_polls())
    assert len(jobs.polls) == 2, "the second poll was skipped, to an interval later"
    assert jobs.polls[1] - jobs.polls[0] < 2


def test_sqlite_daemon_lock_is_exclusive(sqlite_url: str) -> None:
    with leases.DaemonLock(sqlite_url) as first:
        assert first.path is not None and first.path.name == "monitor.db.daemon.lock"
        with pytest.raises(StoreError, match="SQLite allows one daemon"):
            leases.DaemonLock(sqlite_url).acquire()
    with leases.DaemonLock(sqlite_url):
        pass


def test_a_forked_child_does_not_keep_the_lock_of_a_killed_daemon(sqlite_url: str) -> None:
    """A parse worker outliving its daemon (kill -9) must not keep the next daemon out. The child
    lets go of the lock when it starts running (an at-fork hook), which on a loaded machine may
    come a moment after its parent died: the next daemon gets the lock within DEADLINE, while
    the child sleeps on far longer."""
    script = (
        "import multiprocessing, os, signal, time\n"
        "from monitor.store.leases import DaemonLock\n"
        f"lock = DaemonLock({sqlite_url!r})\nlock.acquire()\n"
        f"child = multiprocessing.get_context('fork').Process(target=time.sleep, args=({4 * DEADLINE},))\n"
        "child.start()\n"
        "print(child.pid, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    with closing(proc.stdout):  # the orphan holds the pipe open: read one line, not to EOF
        assert proc.stdout is not None
        child = int(proc.stdout.readline())
    assert proc.wait(timeout=60) == -signal.SIGKILL
    try:
        wait_until(lambda: _lock_free(sqlite_url), "the lock to be free")
        assert _running(child)  # the orphan lives on
    finally:
        os.kill(child, signal.SIGKILL)


def _lock_free(sqlite_url: str) -> bool:
    try:
        with leases.DaemonLock(sqlite_url):
            return True
    except StoreError:
        return False


def test_server_databases_need_no_lock_file(engine: Engine, database_url: str) -> None:
    lock = leases.DaemonLock(database_url)
    assert (lock.path is None) == (not store.is_sqlite(engine))


# --- real daemon processes -----------------------------------------------------------------------

MONITOR = [sys.executable, "-m", "monitor"]
DEADLINE = 30.0  # seconds to wait for something that should happen within a few intervals


class DaemonProcess:
    """`monitor run` in a subprocess; its stderr (the log) is collected line by line."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        with self.proc.stderr:
            for line in self.proc.stderr:
                self.lines.append(line.rstrip("\n"))

    @property
    def log(self) -> str:
        return "\n".join(self.lines)

    def wait_for_log(self, text: str, after: int = 0) -> str:
        """The first log line (from index `after`) containing `text`, waiting up to DEADLINE."""
        until = time.monotonic() + DEADLINE
        while time.monotonic() < until:
            found = [line for line in self.lines[after:] if text in line]
            if found:
                return found[0]
            if self.proc.poll() is not None:
                self._reader.join(timeout=5)
                break
            time.sleep(0.05)
        raise AssertionError(f"no log line with {text!r}; log:\n{self.log}")

    def metrics_port(self) -> int:
        return int(self.wait_for_log("metrics.listening").rsplit("port=", 1)[1])

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 10.0, *, group: bool = False) -> int:
        """Signal the daemon (with `group`, its whole process group, as Ctrl-C in a terminal
        does) and wait for it to exit."""
        if group:
            os.killpg(self.proc.pid, signum)
        else:
            self.proc.send_signal(signum)
        return self.wait(timeout)

    def wait(self, timeout: float) -> int:
        """The exit code, once the process has ended and its log has been read to the end."""
        code = self.proc.wait(timeout=timeout)
        self._reader.join(timeout=5)
        return code

    def kill(self) -> None:
        """SIGKILL to the daemon alone, as a crash would (its parse workers end with it)."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def kill_group(self) -> None:
        """The daemon and every process it started (its own session), at the end of a test."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self._reader.join(timeout=5)


def start(
    config: Path, cwd: Path, *, program: list[str] = MONITOR, stdin: int | None = None
) -> DaemonProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    command = [*program, "--config", str(config), "run"]
    return DaemonProcess(
        subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=stdin,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its own process group, so kill_group reaches it and its workers
        )
    )


@pytest.fixture
def slack() -> Iterator[SlackServer]:
    with SlackServer() as server:
        yield server


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    yield server
    server.stop()


@pytest.fixture
def daemons() -> Iterator[list[DaemonProcess]]:
    """Started daemons, killed at the end of the test whatever happened."""
    started: list[DaemonProcess] = []
    yield started
    for daemon in started:
        daemon.kill_group()


def write_config(
    tmp_path: Path,
    database_url: str,
    sources: dict[str, str],
    *,
    interval: str = "1s",
    watchlists: Path = BASIC_WATCHLISTS,
    daemon: str = "",
    extra: str = "",
    name: str = "monitor.toml",
) -> Path:
    entries = "".join(
        f'[[sources]]\nid = "{sid}"\nurl = "{url}"\ninterval = "{interval}"\n\n'
        for sid, url in sources.items()
    )
    text = (
        f'database_url = "{database_url}"\ndefault_sources = false\nwatchlists = "{watchlists}"\n\n{entries}'
        f'[digest]\nout_dir = "{tmp_path / "digests"}"\n\n[daemon]\nmetrics_port = 0\n{daemon}\n\n{extra}\n'
    )
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def wait_until(condition: Callable[[], object], what: str) -> None:
    until = time.monotonic() + DEADLINE
    while time.monotonic() < until:
        try:
            if condition():
                return
        except DBAPIError:  # the daemon has not created the tables yet
            pass
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


class Db:
    """The test's own view of the daemon's database."""

    def __init__(self, url: str) -> None:
        self.engine = store.make_engine(url)
        self.sessions = store.make_sessions(self.engine)

    def titles(self) -> set[str]:
        with self.sessions() as session:
            return {a.title for a in store.list_articles(session)}

    def hit_entities(self, title: str) -> set[str]:
        with self.sessions() as session:
            return {e for h in store.list_hits(session) if h.title == title for e in h.entities}

    def close(self) -> None:
        self.engine.dispose()


@pytest.fixture
def db(database_url: str) -> Iterator[Db]:
    found = Db(database_url)
    yield found
    found.close()


def _feed(feed_server: FeedServer, items: list[tuple[str, str]]) -> tuple[str, str]:
    path = f"/daemon/{uuid.uuid4().hex[:10]}.xml"
    return path, feed_server.set_feed(path, rss(items))


def test_schedules_fire_and_new_items_are_stored(
    tmp_path: Path, database_url: str, db: Db, feed_server: FeedServer, daemons: list[DaemonProcess]
) -> None:
    path, url = _feed(feed_server, [("1", "Clashes near al-Bukamal")])
    daemons.append(start(write_config(tmp_path, database_url, {"src": url}), tmp_path))
    wait_until(lambda: "Clashes near al-Bukamal" in db.titles(), "the first poll")
    feed_server.set_feed(
        path, rss([("2", "Kata'ib Hezbollah convoy at Abu Kamal"), ("1", "Clashes near al-Bukamal")])
    )
    wait_until(lambda: "Kata'ib Hezbollah convoy at Abu Kamal" in db.titles(), "the new item")
    assert db.hit_entities("Kata'ib Hezbollah convoy at Abu Kamal") >= {"kataib-hezbollah", "bukamal"}
    assert len(feed_server.requests_to(path)) >= 2
    assert daemons[0].stop() == 0


def test_sigterm_lets_the_poll_in_flight_finish(
    tmp_path: Path, sqlite_url: str, feed_server: FeedServer, daemons: list[DaemonProcess]
) -> None:
    path, _ = _feed(feed_server, [("1", "Late news from al-Bukamal")])
    slow = feed_server.url(f"/slow?delay=3&to={path}")
    config = write_config(tmp_path, sqlite_url, {"slow": slow}, interval="10s")
    daemon = start(config, tmp_path)
    daemons.append(daemon)
    wait_until(
        lambda: any(path in r.path for r in feed_server.requests_to("/slow")), "the slow poll to start"
    )
    assert daemon.stop(signal.SIGTERM, timeout=10) == 0  # within 10 s, or this raises
    # the poll, and perhaps a start-up job (digest, housekeeping) still running, all finished
    assert re.search(r"daemon\.drained finished=[1-9]\d* cancelled=0", daemon.log), daemon.log
    with closing(Db(sqlite_url)) as db:
        assert "Late news from al-Bukamal" in db.titles()


def test_a_poll_cancelled_at_stop_is_no_error(
    tmp_path: Path, sqlite_url: str, feed_server: FeedServer, daemons: list[DaemonProcess]
) -> None:
    """A poll that outlasts the stop's grace is cancelled: a routine restart, not a bug (APScheduler
    logged it as an ERROR with a CancelledError traceback)."""
    path, _ = _feed(feed_server, [("1", "Late news from al-Bukamal")])
    slow = feed_server.url(f"/slow?delay=25&to={path}")
    daemon = start(write_config(tmp_path, sqlite_url, {"slow": slow}, interval="10s"), tmp_path)
    daemons.append(daemon)
    wait_until(
        lambda: any(path in r.path for r in feed_server.requests_to("/slow")), "the slow poll to start"
    )
    assert daemon.stop(signal.SIGTERM, timeout=15) == 0
    assert re.search(r"daemon\.drained finished=\d+ cancelled=[1-9]", daemon.log), daemon.log
    assert "job.cancelled" in daemon.log
    assert "Traceback" not in daemon.log and " error " not in daemon.log, daemon.log


def test_sigint_stops_too_and_a_second_one_changes_nothing(
    tmp_path: Path, sqlite_url: str, feed_server: FeedServer, daemons: list[DaemonProcess]
) -> None:
    """Ctrl-C twice (or `timeout`, which signals the process and then its group): one stop."""
    path, _ = _feed(feed_server, [("1", "Quiet day")])
    slow = feed_server.url(f"/slow?delay=3&to={path}")  # a poll in flight keeps the daemon draining
    daemon = start(write_config(tmp_path, sqlite_url, {"src": slow}, interval="10s"), tmp_path)
    daemons.append(daemon)
    wait_until(
        lambda: any(path in r.path for r in feed_server.requests_to("/slow")), "the slow poll to start"
    )
    daemon.proc.send_signal(signal.SIGINT)
    daemon.wait_for_log("daemon.stopping")
    assert daemon.stop(signal.SIGINT, timeout=10) == 0  # the second, while the poll finishes
    assert "daemon.stopped" in daemon.log and daemon.log.count("daemon.stopping") == 1, daemon.log


# `monitor run` whose event loop the test can hold busy (a callback that waits for a line on stdin)
# while a thread floods it with `call_soon_threadsafe`, as fetch, store and parse threads do under
# load: every call writes a byte to the loop's self-pipe, and a loop that does not read it fills it.
FLOODED_RUN = """
import asyncio, sys, threading
from monitor.cli import app

loops = []
class Recording(asyncio.DefaultEventLoopPolicy):
    def new_event_loop(self):
        loops.append(super().new_event_loop())
        return loops[-1]

asyncio.set_event_loop_policy(Recording())
held = threading.Event()

def hold():
    held.set()
    sys.stdin.readline()

def flood():
    sys.stdin.readline()
    loop = loops[-1]
    loop.call_soon_threadsafe(hold)
    held.wait()
    for _ in range(20_000):  # about 300 fill the socket's buffer
        loop.call_soon_threadsafe(int)
    print("flooded", file=sys.stderr, flush=True)

threading.Thread(target=flood, daemon=True).start()
sys.argv[0] = "monitor"
app()
"""


def _pending(pid: int, signum: int) -> bool:
    """Is `signum` sent to the process still waiting for the kernel to deliver it?"""
    status = Path(f"/proc/{pid}/status").read_text()
    shared = int(status.split("ShdPnd:")[1].split()[0], 16)
    return bool(shared & (1 << (signum - 1)))


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_is_not_lost_when_the_loops_wakeup_socket_is_full(
    tmp_path: Path, sqlite_url: str, feed_server: FeedServer, daemons: list[DaemonProcess], signum: int
) -> None:
    """Under load the loop's self-pipe fills with the threads' wake-up bytes; a signal that
    asyncio learns of only through that pipe was dropped there: the daemon never stopped (or
    reloaded)."""
    _, url = _feed(feed_server, [("1", "Quiet day")])
    config = write_config(tmp_path, sqlite_url, {"src": url}, interval="10s")
    daemon = start(config, tmp_path, program=[sys.executable, "-c", FLOODED_RUN], stdin=subprocess.PIPE)
    daemons.append(daemon)
    proc = daemon.proc
    assert proc.stdin is not None
    daemon.wait_for_log("daemon.started")
    proc.stdin.write("hold\n")
    proc.stdin.flush()
    daemon.wait_for_log("flooded")
    proc.send_signal(signum)
    wait_until(lambda: not _pending(proc.pid, signum), "the signal to be delivered")
    proc.stdin.write("release\n")
    proc.stdin.close()
    if signum == signal.SIGHUP:
        daemon.wait_for_log("reload.applied")  # or this fails, with the log
        assert daemon.stop() == 0
    else:
        daemon.wait_for_log("daemon.stopped")
        assert daemon.wait(DEADLINE) == 0, daemon.log
    assert daemon.log.count("daemon.stopping") == 1 and "daemon.stopped" in daemon.log, daemon.log
    assert "wakeup fd" not in daemon.log, daemon.log


def _catches(pid: int, signum: int) -> bool:
    """Has the process a handler of its own for `signum` (not the default action, not ignored)?"""
    status = Path(f"/proc/{pid}/status").read_text()
    return bool(int(status.split("SigCgt:")[1].split()[0], 16) & (1 << (signum - 1)))


def test_a_sighup_while_the_daemon_starts_is_a_reload_not_its_end(
    tmp_path: Path, sqlite_url: str, feed_server: FeedServer, daemons: list[DaemonProcess]
) -> None:
    """Loading the daemon, its lists and its database takes seconds, and Python's default for
    SIGHUP ends the process: a logrotate or `systemctl reload` just after a restart killed it."""
    _, url = _feed(feed_server, [("1", "Quiet day")])
    daemon = start(write_config(tmp_path, sqlite_url, {"src": url}), tmp_path)
    daemons.append(daemon)
    wait_until(lambda: _catches(daemon.proc.pid, signal.SIGHUP), "`monitor run` to handle SIGHUP")
    assert "daemon.started" not in daemon.log  # still starting
    daemon.proc.send_signal(signal.SIGHUP)
    started = daemon.wait_for_log("daemon.started")
    assert daemon.lines.index(started) < daemon.lines.index(daemon.wait_for_log("reload.applied"))
    assert daemon.stop() == 0


def test_sighup_rejects_a_broken_watchlist_and_applies_a_good_one(
    tmp_path: Path, sqlite_url: str, feed_server: FeedServer, daemons: list[DaemonProcess]
) -> None:
    watchlists = tmp_path / "watchlists"
    shutil.copytree(BASIC_WATCHLISTS, watchlists)
    actors = watchlists / "actors.yaml"
    good = actors.read_text(encoding="utf-8")
    path, url = _feed(feed_server, [("1", "Morning report")])
    daemon = start(write_config(tmp_path, sqlite_url, {"src": url}, watchlists=watchlists), tmp_path)
    daemons.append(daemon)
    db = Db(sqlite_url)
    wait_until(lambda: "Morning report" in db.titles(), "the first poll")

    actors.write_text(good + "  - id: [this is not\n", encoding="utf-8")
    mark = len(daemon.lines)
    daemon.proc.send_signal(signal.SIGHUP)
    rejected = daemon.wait_for_log("reload.rejected", after=mark)
    assert "actors.yaml" in rejected and "kept=" in rejected
    feed_server.set_feed(path, rss([("2", "Hezbollah moves into al-Bukamal"), ("1", "Morning report")]))
    wait_until(lambda: db.hit_entities("Hezbollah moves into al-Bukamal"), "hits under the old watchlists")
    assert db.hit_entities("Hezbollah moves into al-Bukamal") >= {"hezbollah", "bukamal"}

    zorblax = (
        "  - id: zorblax\n    name: Zorblax Brigade\n    kind: militia\n    aliases: [Zorblax Brigade]\n"
    )
    actors.write_text(good.rstrip("\n") + "\n" + zorblax, encoding="utf-8")
    mark = len(daemon.lines)
    daemon.proc.send_signal(signal.SIGHUP)
    daemon.wait_for_log("reload.applied", after=mark)
    feed_server.set_feed(path, rss([("3", "Zorblax Brigade seen in al-Bukamal"), ("1", "Morning report")]))
    wait_until(
        lambda: "zorblax" in db.hit_entities("Zorblax Brigade seen in al-Bukamal"), "the new entity's hit"
    )
    db.close()
    assert daemon.stop() == 0


def _children(pid: int) -> set[int]:
    return {int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}


def _running(pid: int) -> bool:
    """Alive and not a zombie waiting to be reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_parse_workers_end_with_their_daemon_and_leave_signals_to_it(
    tmp_path: Path, sqlite_url: str, feed_server: FeedServer, daemons: list[DaemonProcess], signum: int
) -> None:
    """Ctrl-C, or a service manager's SIGTERM, reaches the whole process group: the daemon stops
    once, cleanly (its workers neither echo the signal back to it nor die under a poll). A daemon
    killed with -9 takes its parse workers with it."""
    path, url = _feed(feed_server, [("1", "Clashes near al-Bukamal")])
    config = write_config(tmp_path, sqlite_url, {"src": url}, extra="[fetch]\nparse_workers = 2\n")
    daemon = start(config, tmp_path)
    daemons.append(daemon)
    daemon.wait_for_log("poll.done")  # the workers start with the first feed to parse
    workers = _children(daemon.proc.pid)
    assert len(workers) == 2
    assert daemon.stop(signum, group=True) == 0
    assert daemon.log.count("daemon.stopping") == 1 and "Traceback" not in daemon.log, daemon.log

    feed_server.set_feed(path, rss([("2", "Convoy at Abu Kamal"), ("1", "Clashes near al-Bukamal")]))
    again = start(config, tmp_path)
    daemons.append(again)
    again.wait_for_log("poll.done")
    workers = _children(again.proc.pid)
    assert len(workers) == 2
    again.kill()
    wait_until(lambda: not any(_running(pid) for pid in workers), "the workers to end")


def test_kill_9_mid_poll_then_restart_loses_nothing(
    tmp_path: Path,
    database_url: str,
    db: Db,
    feed_server: FeedServer,
    slack: SlackServer,
    daemons: list[DaemonProcess],
) -> None:
    path, url = _feed(feed_server, [("1", "Hezbollah at al-Bukamal")])
    to_slack = f'[slack]\nwebhook_url = "{slack.webhook_url}"\n'
    config = write_config(tmp_path, database_url, {"src": url}, daemon='poll_lease = "4s"', extra=to_slack)
    first = start(config, tmp_path)
    daemons.append(first)
    wait_until(lambda: db.hit_entities("Hezbollah at al-Bukamal"), "hits before the kill")

    slow = feed_server.url(f"/slow?delay=5&to={path}")  # from now on a poll takes 5 s: kill one midway
    write_config(tmp_path, database_url, {"src": slow}, daemon='poll_lease = "4s"', extra=to_slack)
    mark = len(first.lines)
    first.proc.send_signal(signal.SIGHUP)
    first.wait_for_log("reload.applied", after=mark)
    news = [("2", "Kata'ib Hezbollah in Abu Kamal"), ("1", "Hezbollah at al-Bukamal")]
    feed_server.set_feed(path, rss(news))
    wait_until(
        lambda: any(path in r.path for r in feed_server.requests_to("/slow")), "the slow poll to start"
    )
    first.kill()  # SIGKILL mid-poll: its lease stays behind, its poll stored nothing
    assert "Kata'ib Hezbollah in Abu Kamal" not in db.titles()

    second = start(config, tmp_path)
    daemons.append(second)
    wait_until(lambda: "Kata'ib Hezbollah in Abu Kamal" in db.titles(), "polling to resume after the restart")
    assert db.hit_entities("Hezbollah at al-Bukamal") >= {"hezbollah", "bukamal"}
    assert db.hit_entities("Kata'ib Hezbollah in Abu Kamal") >= {"kataib-hezbollah", "bukamal"}
    wait_until(lambda: len(slack.delivered) >= 2, "both alerts at Slack")
    texts = slack.texts()
    assert [
        sum(title in t for t in texts) for title in ("Hezbollah at al-Bukamal", "Kata'ib Hezbollah in")
    ] == [1, 1]
    assert second.stop() == 0


def test_a_second_daemon_on_one_sqlite_file_refuses(
    tmp_path: Path, sqlite_url: str, feed_server: FeedServer, daemons: list[DaemonProcess]
) -> None:
    _, url = _feed(feed_server, [("1", "Quiet day")])
    config = write_config(tmp_path, sqlite_url, {"src": url})
    first = start(config, tmp_path)
    daemons.append(first)
    first.wait_for_log("daemon.started")
    second = start(config, tmp_path)
    daemons.append(second)
    assert second.proc.wait(timeout=DEADLINE) == 1
    second._reader.join(timeout=5)
    assert "SQLite allows one daemon" in second.log
    assert first.proc.poll() is None
    assert first.stop() == 0


def test_healthz_and_metrics(
    tmp_path: Path, database_url: str, db: Db, feed_server: FeedServer, daemons: list[DaemonProcess]
) -> None:
    _, url = _feed(feed_server, [("1", "Hezbollah at al-Bukamal")])
    daemon = start(write_config(tmp_path, database_url, {"src": url}), tmp_path)
    daemons.append(daemon)
    base = f"http://127.0.0.1:{daemon.metrics_port()}"
    wait_until(lambda: db.hit_entities("Hezbollah at al-Bukamal"), "the first poll")
    wait_until(lambda: _get(base + "/healthz")[0] == 200, "a healthy daemon")
    status, body = _get(base + "/healthz")
    health = json.loads(body)
    assert health["ok"] is True and health["database"] is True and health["sources_due"] == 0
    _, text = _get(base + "/metrics")
    assert 'monitor_polls_total{status="ok"}' in text
    assert _metric(text, "monitor_articles_total") >= 1
    assert _metric(text, "monitor_hits_total") >= 2
    wait_until(
        lambda: _metric(_get(base + "/metrics")[1], "monitor_alerts", '{state="sent"}') >= 1, "an alert sent"
    )
    # The gauge reads the database, which says "sent" as soon as the round commits; the histogram is
    # observed when the round has ended: wait for it rather than race it.
    wait_until(
        lambda: _metric(_get(base + "/metrics")[1], "monitor_alert_delivery_seconds_count") >= 1,
        "the delivery latency observed (console: the default channel)",
    )
    assert daemon.stop() == 0


def test_status_summarises_the_running_system(
    tmp_path: Path, database_url: str, db: Db, feed_server: FeedServer, daemons: list[DaemonProcess]
) -> None:
    _, url = _feed(feed_server, [("1", "Hezbollah at al-Bukamal"), ("2", "Weather")])
    config = write_config(tmp_path, database_url, {"src": url, "dead": feed_server.url("/status/500")})
    daemon = start(config, tmp_path)
    daemons.append(daemon)
    wait_until(lambda: db.hit_entities("Hezbollah at al-Bukamal"), "the first poll")
    daemon.wait_for_log("poll.failed")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    out = subprocess.run(
        [*MONITOR, "--config", str(config), "status", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    status = json.loads(out.stdout)
    assert status["sources"] | {"overdue": 0} == {
        "total": 2,
        "ok": 1,
        "failing": 1,
        "never_polled": 0,
        "overdue": 0,
    }
    assert status["articles"] == {"24h": 2, "7d": 2}
    assert status["hits"] == {"24h": 1, "7d": 1}  # articles with hits, as `monitor hits` lists them
    assert set(status["alerts"]) >= {"pending", "sent", "failed"}
    assert status["last_poll_at"] is not None
    assert daemon.stop() == 0


@pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_healthz_says_503_when_the_database_is_gone(
    tmp_path: Path, database_url: str, feed_server: FeedServer, daemons: list[DaemonProcess]
) -> None:
    _, url = _feed(feed_server, [("1", "Quiet day")])
    daemon = start(write_config(tmp_path, database_url, {"src": url}), tmp_path)
    daemons.append(daemon)
    base = f"http://127.0.0.1:{daemon.metrics_port()}"
    wait_until(lambda: _get(base + "/healthz")[0] == 200, "a healthy daemon")
    admin = create_engine(make_url(store.db.normalise_url(PG_URL)), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{make_url(database_url).database}" WITH (FORCE)'))
    admin.dispose()
    status, body = _get(base + "/healthz")
    assert status == 503
    assert json.loads(body)["status"] == "degraded"
    assert daemon.stop() == 0
    assert "daemon.leases_kept" in daemon.log


@pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_the_compose_start_up_without_docker(tmp_path: Path, database_url: str, smtp: SmtpServer) -> None:
    """docker-compose.yml's environment, hosts pointed at loopback: no config file, an empty
    database, the bundled sources (failing offline) and watchlists; it migrates, serves
    /healthz and mails the digest."""
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
    environment = dict(compose["services"]["monitor"]["environment"])
    assert environment["MONITOR_DATABASE_URL"].startswith("postgresql+psycopg://monitor:monitor@postgres/")
    assert environment["MONITOR_EMAIL_SMTP_URL"] == "smtp://mailpit:1025"
    environment |= {
        "MONITOR_DATABASE_URL": database_url,
        "MONITOR_EMAIL_SMTP_URL": smtp.url(),
        "MONITOR_SLACK_WEBHOOK_URL": "",
        "MONITOR_DAEMON_METRICS_HOST": "127.0.0.1",
        "MONITOR_DAEMON_METRICS_PORT": "0",
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")} | environment
    proc = subprocess.Popen(
        [*MONITOR, "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    daemon = DaemonProcess(proc)
    try:
        started = json.loads(daemon.wait_for_log('"daemon.started"'))  # MONITOR_DAEMON_LOG_JSON=true
        assert started["sources"] >= 10
        port = json.loads(daemon.wait_for_log('"metrics.listening"'))["port"]
        wait_until(lambda: _get(f"http://127.0.0.1:{port}/healthz")[0] == 200, "a healthy daemon")
        wait_until(lambda: smtp.messages, "the digest mail")
        assert smtp.messages[0].rcpt_tos == ("analysts@example.org",)
        assert daemon.stop() == 0
    finally:
        daemon.kill_group()


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _metric(text: str, name: str, labels: str = "") -> float:
    """The value of one sample in a Prometheus exposition (0 when absent: a counter never touched)."""
    for line in text.splitlines():
        if line.startswith(f"{name}{labels} "):
            return float(line.split()[-1])
    return 0.0


STORIES = [
    "Hezbollah convoy reaches the al-Bukamal crossing",
    "Kata'ib Hezbollah drones spotted over Abu Kamal farms",
    "Hezbollah officers inspect warehouses in Albu Kamal",
    "Night raid by Kata'ib Hezbollah near al-Bukamal bridge",
    "Hezbollah trucks queue at Abu Kamal grain depot",
    "Kata'ib Hezbollah recruits teenagers around al-Bukamal",
    "Hezbollah engineers dig tunnels beside Albu Kamal road",
    "Kata'ib Hezbollah fuel smuggling through Abu Kamal desert",
]


@pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_three_daemons_share_polls_alerts_and_the_digest(
    tmp_path: Path,
    database_url: str,
    feed_server: FeedServer,
    slack: SlackServer,
    smtp: SmtpServer,
    daemons: list[DaemonProcess],
) -> None:
    feeds = {f"s{i}": _feed(feed_server, [(f"{i}a", STORIES[i])]) for i in range(4)}
    extra = (
        f'[slack]\nwebhook_url = "{slack.webhook_url}"\n\n[fetch]\nparse_workers = 1\n\n'
        f'[email]\nsmtp_url = "{smtp.url()}"\nfrom = "monitor@example.org"\n'
        'to = ["analyst1@example.org", "analyst2@example.org"]\n'
    )
    sources = {sid: url for sid, (_, url) in feeds.items()}
    config = write_config(tmp_path, database_url, sources, interval="2s", extra=extra)
    for _ in range(3):
        daemons.append(start(config, tmp_path))
    for daemon in daemons:
        daemon.wait_for_log("daemon.started")
    wait_until(lambda: len(slack.delivered) >= 4, "the first four alerts")
    for i, (path, _) in enumerate(feeds.values()):
        feed_server.set_feed(path, rss([(f"{i}b", STORIES[i + 4]), (f"{i}a", STORIES[i])]))
    wait_until(lambda: len(slack.delivered) >= 8, "the next four alerts")
    wait_until(lambda: len(smtp.messages) >= 2, "the digest")
    time.sleep(4)  # two more intervals in which a duplicate poll or send would show
    polls = [_polls(d) for d in daemons]
    assert [d.stop() for d in daemons] == [0, 0, 0]

    for path, _ in feeds.values():
        times = [r.at for r in feed_server.requests_to(path)]
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert len(times) >= 3, path
        assert min(gaps) > 1.0, (path, gaps)  # interval 2 s; a second daemon polling too shows as ~0
    texts = slack.texts()
    assert len(texts) == 8
    assert all(sum(story in text for text in texts) == 1 for story in STORIES), texts
    recipients = sorted(to for m in smtp.messages for to in m.rcpt_tos)
    assert recipients == ["analyst1@example.org", "analyst2@example.org"]
    assert sorted(polls)[-2] > 0, polls  # the work was shared, not one daemon doing it all


def _polls(daemon: DaemonProcess) -> float:
    """Polls this daemon made (each one request), from its /metrics."""
    _, text = _get(f"http://127.0.0.1:{daemon.metrics_port()}/metrics")
    return sum(_metric(text, "monitor_polls_total", f'{{status="{s}"}}') for s in ("ok", "not_modified"))
