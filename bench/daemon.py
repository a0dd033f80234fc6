"""The daemon under load: 1,000 sources at a 1-minute interval on loopback, for a few minutes.

Runs a real `monitor run` process (SQLite by default, or --database-url) against 1,000 small
feeds served from 10 loopback addresses (127.0.0.1 … 127.0.0.10, so the per-host fetch limit
behaves as with real sources) and a loopback Slack webhook. After a warm-up in which every
source is polled once, it publishes a new border item in a random feed every few seconds and
records when the item's alert reaches the Slack server. Prints:

  CPU share     the daemon and its parse workers, CPU seconds over wall seconds during the
                measured minutes (/proc/<pid>/stat utime+stime), of one core and of the machine
  peak RSS      VmHWM of the daemon process, and of the daemon plus its workers; the growth of
                the tree's PSS per minute over the measured minutes (a leak shows here)
  latency       item published in a feed → message at Slack: p50, p95, max (target p95 ≤
                interval + 5 s); and → article stored (first_seen), for comparison

  poll period   time between two requests of one feed during the measured minutes: p50, p95,
                max, and how many exceeded 1.5 intervals (a poll skipped or queued for long)
  late items    each item alerted later than interval + 5 s: its feed's requests around it, to
                tell a poll that came late from a poll that missed it or an alert that waited
                ("poll start" is the article's first_seen: the start of the poll that stored it)

Usage: python bench/daemon.py [--minutes 3] [--sources 1000] [--interval 1m] [--every 2]
                              [--throttle-messages N] [--keep DIR] [--cold-cache]
--keep DIR runs in DIR (created; it must be empty) and leaves there the daemon's log, its database
and requests.tsv (every feed request: feed number, time.time()).
A burst through the product's default throttle:
  python bench/daemon.py --sources 40 --interval 10s --every 0.25 --minutes 0.17 --throttle-messages 10
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the loopback servers live in tests/servers

from sqlalchemy import create_engine, text  # noqa: E402

from monitor.config import parse_duration  # noqa: E402
from tests.servers.feeds import FeedServer  # noqa: E402
from tests.servers.slack import SlackServer  # noqa: E402

HOSTS = [f"127.0.0.{n}" for n in range(1, 11)]
WORDS = (  # noqa: SIM905 - a sentence of words reads better than a 40-item list literal
    "officials markets wheat bridge convoy rain council tribe truck fuel clinic school road depot "
    "farm river militia checkpoint bakery court market drone village water power border family "
    "harvest price bread teacher doctor engineer smuggler shepherd lorry warehouse orchard desert"
).split()
TICKS = os.sysconf("SC_CLK_TCK")


def item(guid: str, title: str, when: datetime) -> str:
    return (
        f"<item><guid isPermaLink='false'>{guid}</guid><title>{title}</title>"
        f"<link>https://news.example/{guid}</link><description>{title}.</description>"
        f"<pubDate>{format_datetime(when)}</pubDate></item>"
    )


def feed(items: list[str]) -> bytes:
    return (
        "<?xml version='1.0'?><rss version='2.0'><channel><title>f</title>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


def filler(rng: random.Random, n: int) -> str:
    return " ".join(rng.sample(WORDS, n))


class Feeds:
    """1,000 feeds of 10 quiet items each, spread over the loopback hosts."""

    def __init__(self, count: int, rng: random.Random) -> None:
        self.servers = [FeedServer(host) for host in HOSTS]
        self.items: dict[int, list[str]] = {}
        now = datetime.now(timezone.utc)
        for n in range(count):
            self.items[n] = [item(f"{n}-{i}", f"Local news {filler(rng, 6)}", now) for i in range(10)]
            self._publish(n)

    def _publish(self, n: int) -> None:
        self.servers[n % len(self.servers)].set_feed(f"/f/{n}.xml", feed(self.items[n]))

    def url(self, n: int) -> str:
        return self.servers[n % len(self.servers)].url(f"/f/{n}.xml")

    def inject(self, n: int, guid: str, title: str) -> float:
        self.items[n] = [item(guid, title, datetime.now(timezone.utc)), *self.items[n][:9]]
        self._publish(n)
        return time.time()

    def requests(self) -> int:
        return sum(len(s.requests) for s in self.servers)

    def requested(self, n: int) -> list[float]:
        """When feed n was requested (time.time(), as `inject` returns)."""
        offset = time.time() - time.monotonic()
        return sorted(r.at + offset for r in self.servers[n % len(self.servers)].requests_to(f"/f/{n}.xml"))

    def close(self) -> None:
        for server in self.servers:
            server.close()


class SlackClock:
    """When each delivered message reached the Slack server, by sampling its record every 20 ms."""

    def __init__(self, server: SlackServer) -> None:
        self.server, self.seen, self.arrivals = server, 0, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            delivered = list(self.server.delivered)
            now = time.time()
            self.arrivals += [(now, json.dumps(r.body)) for r in delivered[self.seen :]]
            self.seen = len(delivered)

    def arrival(self, token: str) -> float | None:
        return next((at for at, body in self.arrivals if token in body), None)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


def write_config(
    folder: Path, database_url: str, feeds: Feeds, count: int, interval: str, webhook: str, throttle: int
) -> Path:
    sources = "".join(
        f'[[sources]]\nid = "b{n}"\nurl = "{feeds.url(n)}"\ninterval = "{interval}"\n\n' for n in range(count)
    )
    path = folder / "bench.toml"
    path.write_text(
        f'database_url = "{database_url}"\ndefault_sources = false\nwatchlists = "{REPO / "watchlists"}"\n\n'
        f"{sources}"
        f'[slack]\nwebhook_url = "{webhook}"\n\n'
        f"[alerts]\nthrottle_messages = {throttle}\n\n"
        f'[digest]\nout_dir = "{folder / "digests"}"\n\n'
        '[daemon]\nmetrics_port = 0\nalert_tick = "2s"\n',
        encoding="utf-8",
    )
    return path


def process_tree(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo += children.get(current, [])
    return tree


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime
    return total


def pss_mb(pids: list[int]) -> float:
    """Proportional set size: pages shared by the forked workers are counted once in the sum."""
    total = 0
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        total += sum(int(line.split()[1]) for line in text.splitlines() if line.startswith("Pss:"))
    return total / 1024


def peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def wait_for(condition, what: str, timeout: float) -> None:  # noqa: ANN001 - a small script
    until = time.monotonic() + timeout
    while time.monotonic() < until:
        if condition():
            return
        time.sleep(0.5)
    raise SystemExit(f"gave up waiting for {what}")


def polled_sources(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(
                text("SELECT count(*) FROM sources WHERE last_polled_at IS NOT NULL")
            ).scalar()
    except Exception:  # tables not there yet
        return 0
    finally:
        engine.dispose()


def stored_at(database_url: str, tokens: dict[str, float]) -> dict[str, float]:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT title, first_seen FROM articles WHERE title LIKE '%ref-%'")
        ).all()
    engine.dispose()
    found = {}
    for title, first_seen in rows:
        token = title.rsplit(" ", 1)[-1]
        when = first_seen if isinstance(first_seen, datetime) else datetime.fromisoformat(first_seen)
        found[token] = when.replace(tzinfo=when.tzinfo or timezone.utc).timestamp()
    return {t: found[t] for t in tokens if t in found}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=3.0, help="measured minutes after the warm-up")
    parser.add_argument("--sources", type=int, default=1000)
    parser.add_argument("--interval", default="1m")
    parser.add_argument("--every", type=float, default=2.0, help="seconds between injected items")
    parser.add_argument("--database-url", default="", help="default: SQLite in a temporary folder")
    parser.add_argument("--keep", type=Path, help="run in this new folder and keep it (log, database)")
    parser.add_argument(
        "--cold-cache",
        action="store_true",
        help="an empty cache folder, as on the first start after an install or an upgrade: the daemon "
        "builds the alias automaton and the event typer instead of reading them back",
    )
    parser.add_argument(
        "--throttle-messages",
        type=int,
        default=10000,
        help="alerts.throttle_messages (default: no throttle, every alert its own message, so each is "
        "timed; 10 is the product's default: a burst then goes out in roll-ups a minute apart)",
    )
    args = parser.parse_args()
    interval = parse_duration(args.interval).total_seconds()
    rng = random.Random(7)

    with _folder(args.keep) as folder, SlackServer() as slack:
        database_url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
        feeds = Feeds(args.sources, rng)
        throttle = args.throttle_messages
        config = write_config(
            folder, database_url, feeds, args.sources, args.interval, slack.webhook_url, throttle
        )
        clock = SlackClock(slack)
        env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
        if args.cold_cache:
            env["XDG_CACHE_HOME"] = str(folder / "cache")
        log = (folder / "daemon.log").open("w")
        started = time.monotonic()
        daemon = subprocess.Popen(
            [sys.executable, "-m", "monitor", "--config", str(config), "run"], cwd=folder, env=env, stderr=log
        )
        try:
            wait_for(
                lambda: polled_sources(database_url) >= args.sources,
                "every source's first poll",
                10 * interval,
            )
            warm_up = time.monotonic() - started
            pids = process_tree(daemon.pid)
            cpu_before, wall_before = cpu_seconds(pids), time.monotonic()
            measured_from = time.time()
            pss_before = pss_mb(pids)
            injected: dict[str, float] = {}
            feed_of: dict[str, int] = {}
            end = time.monotonic() + args.minutes * 60
            next_sample, pss_by_minute = time.monotonic() + 60, [pss_before]
            while time.monotonic() < end:
                if time.monotonic() >= next_sample:
                    pss_by_minute.append(pss_mb(process_tree(daemon.pid)))
                    next_sample += 60
                token = f"ref-{len(injected):04d}"
                title = f"Kataib Hezbollah {filler(rng, 5)} near al-Bukamal crossing {token}"
                feed_of[token] = rng.randrange(args.sources)
                injected[token] = feeds.inject(feed_of[token], token, title)
                time.sleep(args.every)
            measured_to = time.time()
            pids = process_tree(daemon.pid)
            cpu = cpu_seconds(pids) - cpu_before
            wall = time.monotonic() - wall_before
            growth = (pss_mb(pids) - pss_before) / (wall / 60)
            rollups = 70 if args.throttle_messages < 10000 else 0  # roll-ups go out a minute apart
            time.sleep(interval * 1.1 + 10 + rollups)  # the last items' polls and alerts
            rss_main = peak_rss_mb(daemon.pid)
            tree = process_tree(daemon.pid)
            pss_all, workers = pss_mb(tree), len(tree) - 1
            requests = feeds.requests()
            stop_started = time.monotonic()
            daemon.send_signal(signal.SIGTERM)
            code = daemon.wait(timeout=30)
            stop = time.monotonic() - stop_started
        finally:
            if daemon.poll() is None:
                daemon.kill()
            clock.close()
            feeds.close()
            log.close()

        alerted = {t: clock.arrival(t) for t in injected}
        to_slack = [at - injected[t] for t, at in alerted.items() if at is not None]
        stored = stored_at(database_url, injected)
        to_store = [stored[t] - injected[t] for t in stored]
        print(
            f"{args.sources} sources every {args.interval} on {len(HOSTS)} loopback hosts; "
            f"warm-up (every source polled once) {warm_up:.0f} s; measured {wall / 60:.1f} min"
        )
        print(
            f"requests served: {requests}; items injected: {len(injected)}, alerted: {len(to_slack)}, "
            f"stored: {len(to_store)}"
        )
        cores = os.cpu_count() or 1
        print(f"CPU: {cpu:.1f} s over {wall:.0f} s = {100 * cpu / wall:.1f}% of one core, ", end="")
        print(f"{100 * cpu / wall / cores:.1f}% of {cores} cores (daemon + parse workers)")
        print(f"peak RSS of the daemon: {rss_main:.0f} MB (target < 200 MB); ", end="")
        print(f"daemon + {workers} workers now: {pss_all:.0f} MB PSS; ", end="")
        print(f"growth over the measured minutes {growth:+.1f} MB/min (target <= 2)")
        print("tree PSS at each measured minute: " + " ".join(f"{mb:.0f}" for mb in pss_by_minute) + " MB")
        for name, values in (("Slack", to_slack), ("stored", to_store)):
            if values:
                p50, p95 = statistics.median(values), percentile(values, 95)
                print(
                    f"published → {name}: p50 {p50:.1f} s, p95 {p95:.1f} s, max {max(values):.1f} s", end=""
                )
                print(f"   (target p95 ≤ {interval + 5:.0f} s)" if name == "Slack" else "")
        print(f"SIGTERM → exit {code} in {stop:.1f} s")
        periods = [
            b - a
            for n in range(args.sources)
            for a, b in itertools.pairwise(feeds.requested(n))
            if measured_from <= a <= measured_to
        ]
        if periods:
            print(
                f"poll period: p50 {statistics.median(periods):.1f} s, p95 {percentile(periods, 95):.1f} s, "
                f"max {max(periods):.1f} s; over 1.5 intervals: {sum(p > 1.5 * interval for p in periods)}"
                f" of {len(periods)}"
            )
        late = [t for t, at in alerted.items() if at is None or at - injected[t] > interval + 5]
        for token in late:
            at, n = alerted[token], feed_of[token]
            polls = " ".join(f"{when - injected[token]:+.1f}" for when in feeds.requested(n))
            slack_after = "never" if at is None else f"{at - injected[token]:.1f} s"
            print(
                f"late: {token} feed b{n}: Slack {slack_after}, "
                f"poll start {stored[token] - injected[token] if token in stored else float('nan'):.1f} s; "
                f"requests at {polls} s"
            )
        if args.keep:
            rows = [f"{n}\t{when:.3f}" for n in range(args.sources) for when in feeds.requested(n)]
            (folder / "requests.tsv").write_text("feed\trequested\n" + "\n".join(rows) + "\n")
            print(f"log, database and feed requests (requests.tsv) kept in {folder}")


@contextmanager
def _folder(keep: Path | None) -> Iterator[Path]:
    """A new folder for the run: `keep` (left in place), else a temporary one."""
    if keep is None:
        with tempfile.TemporaryDirectory() as tmp:
            yield Path(tmp)
        return
    keep.mkdir(parents=True, exist_ok=True)
    if any(keep.iterdir()):
        raise SystemExit(f"error: {keep} is not empty")
    yield keep.resolve()


if __name__ == "__main__":
    main()
