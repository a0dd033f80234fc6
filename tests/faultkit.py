"""Real faults for `monitor run`: a PostgreSQL cluster of our own to stop and start, a small
tmpfs to fill to the last byte, another process holding SQLite's write lock, and a newsroom
publishing border stories into loopback feeds. Used by tests/test_faults.py and bench/faults.py.
"""

from __future__ import annotations

import contextlib
import errno
import os
import pwd
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path

from tests.servers.feeds import FeedServer
from tests.servers.slack import SlackServer

REPO = Path(__file__).resolve().parents[1]
BASIC_WATCHLISTS = REPO / "tests" / "data" / "watchlists" / "basic"
WORDS = (
    "convoy trucks checkpoint drone strike bridge crossing market council tribe elders water "
    "pumping station smuggling fuel wheat harvest school clinic patrol curfew raid warehouse "
    "depot radar tower airstrip river ferry bakery election court prison hospital generator "
    "pipeline refinery cattle sheep orchard highway tunnel barracks mosque granary"
).split()


# --- PostgreSQL, our own cluster --------------------------------------------------------------


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return found[-1].parent if found else None


def free_port() -> int:
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgCluster:
    """initdb + pg_ctl on a free port in a temp dir; as root, run as the `postgres` user."""

    def __init__(self) -> None:
        bindir = _pg_bin()
        if bindir is None:
            raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql")
        self.bin = bindir
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="monitor-pg-"))
        self.data = self.dir / "data"
        self._user = None
        if os.geteuid() == 0:
            self._user = pwd.getpwnam("postgres")
            os.chown(self.dir, self._user.pw_uid, self._user.pw_gid)
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        conf = f"port = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.dir}'\n"
        conf += "fsync = off\nlog_min_messages = fatal\n"
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as handle:
            handle.write(conf)
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "monitor")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/monitor"

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        kwargs: dict[str, object] = {}
        if self._user is not None:
            uid, gid = self._user.pw_uid, self._user.pw_gid

            def demote() -> None:
                os.setgid(gid)
                os.setuid(uid)

            kwargs = {"preexec_fn": demote, "cwd": str(self.dir)}
        subprocess.run(command, check=True, capture_output=True, timeout=120, **kwargs)  # type: ignore[call-overload]

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"), "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


# --- a full disk --------------------------------------------------------------------------------


class Tmpfs:
    """A small tmpfs (needs root and mount permission); `fill()` takes its last byte."""

    def __init__(self, size_mb: int = 20) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="monitor-tmpfs-"))
        result = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(self.path)],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            self.path.rmdir()
            raise PermissionError(result.stderr.strip() or "mount -t tmpfs refused")
        self._ballast = self.path / "ballast"

    def fill(self) -> None:
        """Write until ENOSPC, then top up in ever smaller pieces: not one byte is left."""
        chunk = 1 << 20
        with self._ballast.open("ab", buffering=0) as handle:
            while chunk:
                try:
                    handle.write(b"\0" * chunk)
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
                    chunk //= 2
        os.sync()

    def free(self) -> None:
        self._ballast.unlink(missing_ok=True)

    def remove(self) -> None:
        subprocess.run(["umount", "-l", str(self.path)], capture_output=True)
        with contextlib.suppress(OSError):
            self.path.rmdir()


@contextlib.contextmanager
def sqlite_write_lock(path: Path) -> Iterator[None]:
    """Another connection (not the daemon's process) holding BEGIN IMMEDIATE until the block ends."""
    connection = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        yield
        connection.execute("ROLLBACK")
    finally:
        connection.close()


# --- the newsroom and the daemon ----------------------------------------------------------------


class Newsroom:
    """`n` feeds on the feed server; each `publish()` puts one new border story into the next
    feed (round robin), keeping each feed's last 20 items. Every story has a unique title."""

    def __init__(self, server: FeedServer, n: int) -> None:
        self.server = server
        self.paths = [f"/newsroom/{uuid.uuid4().hex[:8]}-{i}.xml" for i in range(n)]
        self.items: dict[str, list[tuple[str, str]]] = {p: [] for p in self.paths}
        self.stories: list[str] = []
        self._lock = threading.Lock()
        for path in self.paths:
            server.set_feed(path, rss([]))

    @property
    def urls(self) -> dict[str, str]:
        return {f"feed-{i}": self.server.url(p) for i, p in enumerate(self.paths)}

    def publish(self) -> str:
        with self._lock:
            number = len(self.stories)
            words = random.sample(WORDS, 6)  # unlike any other story (cross-outlet grouping)
            title = f"Story {number} {uuid.uuid4().hex[:6]}: {' '.join(words)} seen near al-Bukamal"
            path = self.paths[number % len(self.paths)]
            self.items[path] = [(uuid.uuid4().hex, title), *self.items[path]][:20]
            self.server.set_feed(path, rss(self.items[path]))
            self.stories.append(title)
            return title

    def requests(self) -> int:
        return sum(len(self.server.requests_to(p)) for p in self.paths)


def rss(items: list[tuple[str, str]]) -> bytes:
    """An RSS feed of (guid, title) items, newest first."""
    stamp = format_datetime(datetime.now(timezone.utc))
    body = "".join(
        f"<item><guid isPermaLink='false'>{guid}</guid><title>{title}</title>"
        f"<link>https://news.example/{guid}</link><description>{title}</description>"
        f"<pubDate>{stamp}</pubDate></item>"
        for guid, title in items
    )
    head = "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>t</title>"
    return f"{head}{body}</channel></rss>".encode()


def write_config(
    folder: Path, database_url: str, sources: dict[str, str], slack: SlackServer, interval: str = "2s"
) -> Path:
    entries = "".join(
        f'[[sources]]\nid = "{sid}"\nurl = "{url}"\ninterval = "{interval}"\n\n'
        for sid, url in sources.items()
    )
    text = (
        f'database_url = "{database_url}"\ndefault_sources = false\nwatchlists = "{BASIC_WATCHLISTS}"\n\n'
        f'{entries}[slack]\nwebhook_url = "{slack.webhook_url}"\n\n'
        f'[alerts]\nthrottle_messages = 1000\n\n[digest]\nout_dir = "{folder / "digests"}"\n\n'
        f'[daemon]\nmetrics_port = 0\nalert_tick = "2s"\n'
    )
    path = folder / "monitor.toml"
    path.write_text(text, encoding="utf-8")
    return path


class Daemon:
    """`monitor run` in its own session; its stderr (the log) collected line by line."""

    def __init__(self, config: Path, cwd: Path, python: str = sys.executable) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
        env["PYTHONPATH"] = str(REPO)
        self.proc = subprocess.Popen(
            [python, "-m", "monitor", "--config", str(config), "run"],
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        with self.proc.stderr:
            for line in self.proc.stderr:
                self.lines.append(line.rstrip("\n"))

    def wait_for_log(self, text: str, after: int = 0, deadline: float = 60.0) -> str:
        until = time.monotonic() + deadline
        while time.monotonic() < until:
            found = [line for line in self.lines[after:] if text in line]
            if found:
                return found[0]
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"no log line with {text!r}; log:\n" + "\n".join(self.lines[-80:]))

    def metrics_port(self) -> int:
        return int(self.wait_for_log("metrics.listening").rsplit("port=", 1)[1])

    def stop(self, timeout: float = 20.0) -> int:
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=timeout)
        self._reader.join(timeout=5)
        return code

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self._reader.join(timeout=5)


def wait_until(condition: object, what: str, deadline: float = 90.0) -> None:
    until = time.monotonic() + deadline
    while time.monotonic() < until:
        try:
            if condition():  # type: ignore[operator]
                return
        except Exception:  # noqa: BLE001 - the thing waited for may not exist yet
            pass
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


def delivered_counts(slack: SlackServer, stories: list[str]) -> list[int]:
    """How many Slack messages name each story (each should be 1)."""
    texts = [str(r.body) for r in list(slack.delivered)]
    return [sum(story in t for t in texts) for story in stories]
