"""A poll as a whole process, side by side with its peers, in one run on one machine.

Contenders, each a process of its own on an empty SQLite file:

  monitor   `monitor --config C poll`: fetch, parse, store, match, story signatures, alert queue
            and console delivery (alerts to /dev/null)
  reader    lemon24's `reader` (the best-kept Python feed library), update_feeds(workers=40,
            scheduled=False): every feed, as `monitor poll` does (by default reader 3.x skips a feed
            updated less than an hour ago, so its all-304 cycle fetched nothing), in a
            virtualenv of its own (made with --install-reader; its vendored feedparser needs
            sgmllib3k)
  script    a plain script: feedparser + 20 threads + sqlite3, ETags kept (the floor of "store
            the entries, nothing else")

Feeds: bench/ingest.py's synthetic outlets (default 300 x 50 items, ~67 KB each) on 30 loopback
hosts in a separate process, 150 ms per response, every server answering 304 to a matching ETag.
For each contender: the first cycle (every entry new), the all-304 cycle (same database, nothing
changed) and the start-up (a poll of zero feeds). Measured: wall time; CPU seconds of the process
tree (getrusage of reaped children); peak PSS of the process tree (sampled every 20 ms from
/proc/*/smaps_rollup). Rounds are interleaved and the best of each is kept, as timeit does.

Usage:
  python bench/peers.py --install-reader           # once: makes the reader virtualenv
  python bench/peers.py [--feeds 300] [--items 50] [--repeat 3] [--check] [--baseline DIR]
                        [--current DIR] [--flat N]

--current DIR runs the monitor package found in DIR instead of the installed one (a snapshot:
edits made while the benchmark runs then do not change what it measures). --baseline DIR adds
"monitor before", the monitor package found in DIR, so a change is measured against what it
replaced in the same run. Make either with `git archive COMMIT | tar -x -C DIR`; the links an
install would make (monitor/migrations, monitor/bundled_watchlists) are made in DIR.

--check exits 1 when a goal of issue 14 is missed (the regression guard: run it, don't time tests),
or, with --baseline, when the monitor does worse than the baseline by more than 10% on a measure.
--flat N also runs the monitor's first cycle over N feeds (e.g. 1000): memory must not grow with
the run, so --check fails when that peak tree PSS exceeds the default run's by more than 10%.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from bytecode import compile_checkout
from ingest import HOSTS, make_feed, serve_elsewhere

READER_VERSION = "3.26"  # the last release for Python 3.11 (3.27 needs 3.12)
READER_VENV = Path.home() / ".cache" / "border-monitor-bench" / f"reader-{READER_VERSION}"
MONITOR = Path(sys.executable).with_name("monitor")
REPO = Path(__file__).resolve().parents[1]

READER_SCRIPT = """
import sys
from reader import make_reader
db, urls = sys.argv[1], sys.argv[2:]
reader = make_reader(db)
for url in urls:
    reader.add_feed(url, exist_ok=True)
reader.update_feeds(workers=40, scheduled=False)
print(reader.get_entry_counts().total)
"""

PLAIN_SCRIPT = """
import sqlite3, sys
from concurrent.futures import ThreadPoolExecutor
import feedparser
db, urls = sys.argv[1], sys.argv[2:]
con = sqlite3.connect(db)
con.execute("create table if not exists feeds (url text primary key, etag text)")
con.execute("create table if not exists entries (feed text, id text, title text, link text,"
            " published text, summary text, primary key (feed, id))")
etags = dict(con.execute("select url, etag from feeds"))
def fetch(url):
    return url, feedparser.parse(url, etag=etags.get(url))
with ThreadPoolExecutor(20) as pool:
    for url, feed in pool.map(fetch, urls):
        if feed.get("status") == 304:
            continue
        con.execute("insert or replace into feeds values (?, ?)", (url, feed.get("etag")))
        con.executemany("insert or ignore into entries values (?, ?, ?, ?, ?, ?)", [
            (url, e.get("id") or e.get("link"), e.get("title"), e.get("link"),
             e.get("published"), e.get("summary")) for e in feed.entries])
        con.commit()
print(con.execute("select count(*) from entries").fetchone()[0])
"""


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    pss_mb: float
    stored: int


def tree_pss_kb(root: int) -> int:
    """PSS of `root` and all its descendants, from /proc (0 for processes gone meanwhile)."""
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
            for task in Path(f"/proc/{pid}/task").iterdir():
                pending.extend(int(c) for c in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def measure(cmd: list[str], count: Callable[[], int]) -> Run:
    """Run `cmd` to its end: wall, CPU of the whole tree, peak tree PSS, then `count()` rows."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.02):
            peak = max(peak, tree_pss_kb(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = process.communicate()
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({process.returncode}):\n{stderr.decode()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(wall, cpu, peak / 1024, count())


def count_rows(db: Path, table: str) -> int:
    with sqlite3.connect(db) as con:
        return con.execute(f"select count(*) from {table}").fetchone()[0]


class Contender:
    """One peer: how to run a cycle over `urls` against the database in `folder`."""

    name = ""

    def command(self, folder: Path, urls: list[str]) -> list[str]:
        raise NotImplementedError

    def stored(self, folder: Path) -> int:
        raise NotImplementedError


class Monitor(Contender):
    name = "monitor poll"

    def __init__(self, baseline: Path | None = None, name: str = "monitor poll") -> None:
        self.baseline = baseline
        self.name = name
        if baseline is not None:
            # what pyproject's package-dir does for an install: the schema and the watchlists
            for package, folder in (("migrations", "migrations"), ("bundled_watchlists", "watchlists")):
                link = baseline / "monitor" / package
                if not link.exists():
                    link.symlink_to(baseline / folder, target_is_directory=True)
        compile_checkout(baseline)  # as an install does (see bench/bytecode.py), like the peers'

    def command(self, folder: Path, urls: list[str]) -> list[str]:
        config = folder / "monitor.toml"
        # its own watchlists: the default folder is read from the working directory (this
        # checkout's, whose schema may be newer than a baseline's)
        watchlists = (self.baseline or REPO) / "watchlists"
        lines = [f'database_url = "sqlite:///{folder / "monitor.db"}"', "default_sources = false"]
        lines.append(f'watchlists = "{watchlists}"')
        for n, url in enumerate(urls):
            lines += ["[[sources]]", f'id = "feed-{n}"', f'url = "{url}"']
        config.write_text("\n".join(lines) + "\n")
        if self.baseline is None:
            return [str(MONITOR), "--config", str(config), "poll"]
        # PYTHONPATH comes before the editable install on sys.path: DIR's monitor package wins
        run = f"import sys; sys.path.insert(0, {str(self.baseline)!r}); from monitor.cli import app; app()"
        return [sys.executable, "-c", run, "--config", str(config), "poll"]

    def stored(self, folder: Path) -> int:
        return count_rows(folder / "monitor.db", "articles") if (folder / "monitor.db").exists() else 0


class Reader(Contender):
    name = f"reader {READER_VERSION}, 40 workers"

    def command(self, folder: Path, urls: list[str]) -> list[str]:
        return [str(READER_VENV / "bin" / "python"), "-c", READER_SCRIPT, str(folder / "reader.db"), *urls]

    def stored(self, folder: Path) -> int:
        return count_rows(folder / "reader.db", "entries")


class Script(Contender):
    name = "feedparser + 20 threads + sqlite3"

    def command(self, folder: Path, urls: list[str]) -> list[str]:
        return [sys.executable, "-c", PLAIN_SCRIPT, str(folder / "script.db"), *urls]

    def stored(self, folder: Path) -> int:
        return count_rows(folder / "script.db", "entries")


@dataclass
class Figures:
    first: list[Run]
    cached: list[Run]
    startup: list[Run]


def one_round(contender: Contender, urls: list[str], figures: Figures) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        command = contender.command(folder, urls)
        figures.first.append(measure(command, lambda: contender.stored(folder)))
        figures.cached.append(measure(command, lambda: contender.stored(folder)))
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        figures.startup.append(measure(contender.command(folder, []), lambda: 0))


def install_reader() -> None:
    subprocess.run([sys.executable, "-m", "venv", str(READER_VENV)], check=True)
    pip = [str(READER_VENV / "bin" / "pip"), "install", "-q"]
    subprocess.run([*pip, f"reader=={READER_VERSION}", "sgmllib3k"], check=True)
    print(f"reader {READER_VERSION} installed in {READER_VENV}")


def best(runs: list[Run]) -> Run:
    """The best round of each measure (each may come from another round, as timeit's min does)."""
    return Run(
        min(r.wall for r in runs), min(r.cpu for r in runs), min(r.pss_mb for r in runs), runs[0].stored
    )


def regressions(ours: Figures, before: Figures, tolerance: float = 1.1) -> list[str]:
    """The measures where the monitor does worse than the baseline (beyond `tolerance`)."""
    missed = []
    for cycle in ("first", "cached", "startup"):
        now, then = best(getattr(ours, cycle)), best(getattr(before, cycle))
        for measure in ("wall", "cpu", "pss_mb"):
            value, limit = getattr(now, measure), getattr(then, measure) * tolerance
            if value > limit:
                missed.append(f"{cycle} {measure} {value:.2f} over the baseline's {limit / tolerance:.2f}")
    return missed


def report(results: dict[str, Figures], expected: int) -> list[str]:
    """Print the table and the ratios; return the goals missed."""
    print(
        f"{'contender':36} {'first wall/CPU':>16} {'tree PSS':>9} {'stored':>7} "
        f"{'304 wall/CPU':>14} {'start-up':>16}"
    )
    for name, figures in results.items():
        first, cached, startup = best(figures.first), best(figures.cached), best(figures.startup)
        print(
            f"{name:36} {first.wall:6.2f} s / {first.cpu:5.2f} {first.pss_mb:6.0f} MB {first.stored:7d} "
            f"{cached.wall:5.2f} s / {cached.cpu:4.2f} {startup.wall:5.2f} s {startup.pss_mb:5.0f} MB"
        )
    ours = {k: best(v) for k, v in vars(results["monitor poll"]).items()}
    peers = {name: f for name, f in results.items() if not name.startswith("monitor")}
    fastest = min(best(f.first).wall for f in peers.values())
    missed = []
    checks = [
        ("first-cycle wall <= 0.8x the fastest peer", ours["first"].wall / fastest, 0.8),
        ("peak tree PSS <= 120 MB", ours["first"].pss_mb, 120),
        ("all-304 CPU <= 1 s", ours["cached"].cpu, 1.0),
        ("zero-source poll <= 0.4 s", ours["startup"].wall, 0.4),
    ]
    reader = next((f for name, f in peers.items() if name.startswith("reader")), None)
    if reader:
        checks += [
            ("first-cycle CPU <= reader's", ours["first"].cpu / best(reader.first).cpu, 1.0),
            ("all-304 wall <= reader's", ours["cached"].wall / best(reader.cached).wall, 1.0),
        ]
    print()
    for label, value, limit in checks:
        ok = value <= limit
        print(f"{'ok  ' if ok else 'MISS'} {label:45} {value:7.2f} (limit {limit})")
        if not ok:
            missed.append(label)
    for name, figures in results.items():
        stored = {r.stored for r in figures.first}
        if stored != {expected}:
            missed.append(f"{name} stored {sorted(stored)} entries, expected {expected}")
            print(f"MISS {name} stored {sorted(stored)} entries, expected {expected}")
    return missed


def flat_memory(monitor: Monitor, urls: list[str], repeat: int, default: Run) -> list[str]:
    """The monitor's first cycle over more feeds: its peak tree PSS within 10% of `default`'s."""
    runs = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as name:
            runs.append(measure(monitor.command(Path(name), urls), lambda: 0))
    large, limit = best(runs), default.pss_mb * 1.1
    ok = large.pss_mb <= limit
    label = f"peak tree PSS at {len(urls)} feeds <= 1.1x"
    print(f"{'ok  ' if ok else 'MISS'} {label:45} {large.pss_mb:7.2f} (limit {limit:.2f})", end=" ")
    print(f"[wall {large.wall:.2f} s, CPU {large.cpu:.2f} s]")
    return [] if ok else [f"{label}: {large.pss_mb:.0f} MB"]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--feeds", type=int, default=300)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--delay", type=float, default=0.15)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--install-reader", action="store_true", help="make the reader virtualenv and exit")
    parser.add_argument("--check", action="store_true", help="exit 1 when a goal is missed")
    parser.add_argument("--baseline", type=Path, help="also run the monitor package found in this folder")
    parser.add_argument(
        "--current", type=Path, help="run the monitor package found in this folder, not the installed one"
    )
    parser.add_argument("--flat", type=int, metavar="N", help="also the monitor's first cycle over N feeds")
    args = parser.parse_args()
    if args.install_reader:
        install_reader()
        return

    rng = random.Random(7)
    now = datetime.now(timezone.utc)
    served = max(args.feeds, args.flat or 0)
    feeds = {f"/feed/{n}.xml": make_feed(n, args.items, rng, now) for n in range(served)}
    size = sum(len(b) for b in feeds.values()) / len(feeds) / 1000
    every_url = serve_elsewhere(feeds, args.delay, served)
    urls = every_url[: args.feeds]
    current = Monitor(args.current.resolve() if args.current else None)
    contenders: list[Contender] = [current, Script()]
    if args.baseline:
        contenders.insert(1, Monitor(args.baseline.resolve(), "monitor before"))
    if (READER_VENV / "bin" / "python").exists():
        contenders.insert(1, Reader())
    else:
        print(f"reader skipped: no virtualenv at {READER_VENV} (run with --install-reader once)")
    print(
        f"{args.feeds} feeds x {args.items} items (~{size:.0f} KB each) on {len(HOSTS)} loopback hosts, "
        f"{args.delay * 1000:.0f} ms per response, {os.cpu_count()} cores; best of {args.repeat} rounds\n"
    )
    results = {c.name: Figures([], [], []) for c in contenders}
    for _ in range(args.repeat):  # interleaved: a noisy minute hits every contender alike
        for contender in contenders:
            one_round(contender, urls, results[contender.name])
    missed = report(results, args.feeds * args.items)
    if args.baseline:
        for regression in regressions(results["monitor poll"], results["monitor before"]):
            print(f"MISS {regression}")
            missed.append(regression)
    if args.flat:
        default = best(results["monitor poll"].first)
        missed += flat_memory(current, every_url[: args.flat], args.repeat, default)
    if args.check and missed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
