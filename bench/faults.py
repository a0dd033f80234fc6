"""`monitor run` under database faults, measured as issue 11 measured them.

8 feeds at "2s", a new border story every 2 s, Slack by webhook (loopback servers). One fault at a
time, each on a fresh database:

  pg      PostgreSQL (a cluster of our own) stopped with `pg_ctl stop -m fast`, started again
  disk    the SQLite file on a 20 MB tmpfs filled to the last byte, then freed
  lock    another process holding BEGIN IMMEDIATE on the SQLite file

Prints per fault: log lines during the fault window (fault start to 10 s after its end), log
lines at WARNING or above, tracebacks in the whole log, feed requests during the fault, stories
lost / delivered more than once 90 s after the end, /healthz answers (sampled every 0.5 s)
during and after the fault, and the largest heartbeat age /healthz reported.

Usage: python bench/faults.py [--faults pg,disk,lock] [--seconds 15]

Measured (2026-12-06, 2 shared cores, 15 s faults, 15 stories each), before -> after issue 11:

  fault   lines in window  warning+  tracebacks  feed requests  lost/dup  /healthz during  tick age max
  pg         15,354 -> 19  204 -> 1    258 -> 0       0 -> 0     0/0->0/0  503 -> 503        4.8 -> 5.0 s
  disk        5,740 -> 19  220 -> 1    220 -> 0       0 -> 24    0/0->0/0  200 -> 503        4.9 -> 4.9 s
  lock           21 -> 20    3 -> 1      0 -> 0       0 -> 16    0/0->0/0  200 -> 503 (>5s)  15.7 -> 4.9 s

(/healthz is 200 again about 4 s after each fault ends.)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.faultkit import (  # noqa: E402
    Daemon,
    Newsroom,
    PgCluster,
    Tmpfs,
    delivered_counts,
    sqlite_write_lock,
    wait_until,
    write_config,
)
from tests.servers.feeds import FeedServer  # noqa: E402
from tests.servers.slack import SlackServer  # noqa: E402

LOUD = re.compile(r" (warning|error|critical) ")


def healthz(port: int) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")
    except OSError:
        return 0, {}


class Sampler:
    """/healthz every 0.5 s, labelled with the phase the bench is in."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.phase = "before"
        self.answers: Counter[tuple[str, int]] = Counter()
        self.oldest_tick = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            status, body = healthz(self.port)
            self.answers[(self.phase, status)] += 1
            age = body.get("seconds_since_tick")
            if isinstance(age, (int, float)):
                self.oldest_tick = max(self.oldest_tick, age)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def publisher(newsroom: Newsroom, every: float, stop: threading.Event) -> None:
    while not stop.wait(every):
        newsroom.publish()


def scenario(kind: str, seconds: float, folder: Path) -> dict[str, object]:
    feeds = FeedServer()
    slack = SlackServer().__enter__()
    cluster = tmpfs = None
    try:
        if kind == "pg":
            cluster = PgCluster()
            url = cluster.url
        elif kind == "disk":
            tmpfs = Tmpfs(20)
            url = f"sqlite:///{tmpfs.path / 'monitor.db'}"
        else:
            url = f"sqlite:///{folder / 'monitor.db'}"
        newsroom = Newsroom(feeds, 8)
        daemon = Daemon(write_config(folder, url, newsroom.urls, slack), folder, python=sys.executable)
        port = daemon.metrics_port()
        wait_until(lambda: healthz(port)[0] == 200, "a healthy daemon", 60)
        stop = threading.Event()
        threading.Thread(target=publisher, args=(newsroom, 2.0, stop), daemon=True).start()
        sampler = Sampler(port)
        time.sleep(6)
        mark, requests_before = len(daemon.lines), newsroom.requests()
        sampler.phase = "fault"
        if kind == "pg":
            assert cluster is not None
            cluster.stop()
            time.sleep(seconds)
            cluster.start()
        elif kind == "disk":
            assert tmpfs is not None
            tmpfs.fill()
            time.sleep(seconds)
            tmpfs.free()
        else:
            with sqlite_write_lock(folder / "monitor.db"):
                time.sleep(seconds)
        requests_during = newsroom.requests() - requests_before
        sampler.phase = "after"
        time.sleep(10)
        window = daemon.lines[mark:]
        stop.set()
        published = list(newsroom.stories)
        with contextlib.suppress(AssertionError):
            wait_until(lambda: min(delivered_counts(slack, published)) >= 1, "every story at Slack", 90)
        sampler.stop()
        counts = delivered_counts(slack, published)
        code = daemon.stop()
        log = "\n".join(daemon.lines)
        return {
            "fault": kind,
            "seconds": seconds,
            "lines_in_window": len(window),
            "warning_lines_in_window": sum(
                bool(re.search(r" (warning|error|critical) ", line)) for line in window
            ),
            "tracebacks": log.count("Traceback (most recent call last)"),
            "feed_requests_during_fault": requests_during,
            "stories": len(published),
            "lost": sum(c == 0 for c in counts),
            "duplicated": sum(c > 1 for c in counts),
            "healthz": {f"{phase}:{status}": n for (phase, status), n in sorted(sampler.answers.items())},
            "max_seconds_since_tick": round(sampler.oldest_tick, 1),
            "exit": code,
            "first_lines": window[:3],
        }
    finally:
        feeds.close()
        slack.__exit__()
        if cluster is not None:
            cluster.remove()
        if tmpfs is not None:
            tmpfs.remove()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faults", default="pg,disk,lock")
    parser.add_argument("--seconds", type=float, default=15.0)
    args = parser.parse_args()
    for kind in args.faults.split(","):
        with tempfile.TemporaryDirectory(prefix=f"monitor-bench-{kind}-") as folder:
            print(json.dumps(scenario(kind, args.seconds, Path(folder)), indent=1), flush=True)


if __name__ == "__main__":
    main()
