"""Poll throughput: the real poll path against N synthetic feeds on loopback, with baselines.

Serves N feeds (default 300 × 50 items, ~60 KB each) from 30 loopback addresses
(127.0.0.1 … 127.0.0.30, as real sources sit on many hosts) in a separate process, each
response delayed 150 ms as over a real network, and prints, in one run:

  first cycle   the real path (fetch → parse in worker processes → store in SQLite → match)
  304 cycle     the same sources again; every server answers 304 Not Modified
  naive         a sequential loop of feedparser.parse(url), the way a script would do it
  floor         async fetch with the same concurrency, then parse on every core, nothing stored

Usage: python bench/ingest.py [--feeds 300] [--items 50] [--delay 0.15] [--repeat 3] [--naive-sample 0]
(--naive-sample N times the naive loop on N feeds and scales it up, to save a minute). The
cycles and the floor run --repeat times, interleaved; the best of each is compared, as timeit does.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import multiprocessing
import os
import random
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path

import feedparser
import httpx

from monitor.app import load_matcher, open_database, poll_deps
from monitor.config import Settings
from monitor.pipeline import poll_sources
from monitor.records import Source

HOSTS = [f"127.0.0.{n}" for n in range(1, 31)]
WORDS = (
    "the government said on monday that talks would resume next week as markets rose and prices of "
    "fuel bread and medicine climbed while officials met aid agencies schools reopened farmers "
    "harvested wheat roads were repaired and residents reported power cuts water shortages and rain"
).split()
# One item in five is about the border, as in the general-news feeds we poll.
BORDER = (
    "A convoy of Kataib Hezbollah fighters crossed near al-Bukamal on Sunday.",
    "Drone strikes hit positions along the Euphrates east of Deir ez-Zor.",
    "Tribal leaders met officials in al-Qaim about the crossing.",
    "قصفت طائرات مجهولة مواقع للحرس الثوري في البوكمال.",
)


def make_feed(feed_no: int, items: int, rng: random.Random, now: datetime) -> bytes:
    """One outlet's feed; items published in the minutes before `now`, so the border items
    fall inside the alert window and the first cycle queues their alerts, as a live poll does."""
    parts = []
    for i in range(items):
        text = " ".join(rng.choice(WORDS) for _ in range(150))
        if i % 5 == 0:
            text += " " + rng.choice(BORDER)
        parts.append(
            f"<item><title>Report {feed_no}-{i}: {' '.join(rng.choice(WORDS) for _ in range(8))}</title>"
            f"<link>https://outlet{feed_no}.example/archives/2026/11/report-{i}/</link>"
            f'<guid isPermaLink="false">https://outlet{feed_no}.example/?p={1000 + i}</guid>'
            f"<pubDate>{format_datetime(now - timedelta(minutes=i))}</pubDate>"
            "<dc:creator><![CDATA[Staff]]></dc:creator>"
            f"<description><![CDATA[<p>{text}</p>]]></description></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>Outlet {feed_no}</title><link>https://outlet{feed_no}.example/</link>"
        + "".join(parts)
        + "</channel></rss>"
    ).encode()


def serve(feeds: dict[str, bytes], delay: float) -> list[ThreadingHTTPServer]:
    etags = {path: '"' + hashlib.sha1(body).hexdigest()[:16] + '"' for path, body in feeds.items()}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - stdlib naming
            time.sleep(delay)
            body = feeds.get(self.path)
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if self.headers.get("If-None-Match") == etags[self.path]:
                self.send_response(304)
                self.send_header("ETag", etags[self.path])
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("ETag", etags[self.path])
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    servers = []
    for host in HOSTS:
        server = ThreadingHTTPServer((host, 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    return servers


def serve_elsewhere(feeds: dict[str, bytes], delay: float, count: int) -> list[str]:
    """`serve` in a process of its own, as remote hosts would be: the servers' threads then do
    not compete for the poller's GIL (their CPU still comes out of the same cores)."""
    ours, theirs = multiprocessing.Pipe()
    multiprocessing.Process(target=_serve_forever, args=(feeds, delay, count, theirs), daemon=True).start()
    return ours.recv()


def _serve_forever(feeds: dict[str, bytes], delay: float, count: int, conn: Connection) -> None:
    conn.send(feed_urls(serve(feeds, delay), count))
    threading.Event().wait()


def feed_urls(servers: list[ThreadingHTTPServer], count: int) -> list[str]:
    urls = []
    for n in range(count):
        host, port = servers[n % len(servers)].server_address[:2]
        urls.append(f"http://{host}:{port}/feed/{n}.xml")
    return urls


async def real_cycle(settings: Settings, sources: list[Source]) -> tuple[float, int, int]:
    _, sessions = open_database(settings)
    matcher = load_matcher(settings)
    async with poll_deps(settings, sessions, matcher.watchlist, matcher=matcher) as deps:
        started = time.perf_counter()
        reports = await poll_sources(sources, deps)
        elapsed = time.perf_counter() - started
    failed = [r for r in reports if r.status == "failed"]
    if failed:
        raise SystemExit(f"{len(failed)} sources failed, e.g. {failed[0].error}")
    return elapsed, sum(r.new for r in reports), sum(r.alerts for r in reports)


def naive(urls: list[str]) -> float:
    started = time.perf_counter()
    for url in urls:
        feedparser.parse(url)
    return time.perf_counter() - started


async def floor(urls: list[str], concurrency: int) -> float:
    """Fetch everything with the same concurrency, then parse on every core; store nothing."""
    started = time.perf_counter()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=0)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        semaphore = asyncio.Semaphore(concurrency)

        async def get(url: str) -> bytes:
            async with semaphore:
                return (await client.get(url)).content

        bodies = await asyncio.gather(*(get(u) for u in urls))
    with ProcessPoolExecutor(os.cpu_count()) as pool:
        list(pool.map(feedparser.parse, bodies, chunksize=4))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--feeds", type=int, default=300)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--delay", type=float, default=0.15)
    parser.add_argument("--repeat", type=int, default=3, help="rounds of first cycle, 304 cycle and floor")
    parser.add_argument("--naive-sample", type=int, default=0, help="time naive on N feeds and scale up")
    args = parser.parse_args()

    rng = random.Random(7)
    now = datetime.now(timezone.utc)
    feeds = {f"/feed/{n}.xml": make_feed(n, args.items, rng, now) for n in range(args.feeds)}
    size = sum(len(b) for b in feeds.values()) / len(feeds) / 1000
    urls = serve_elsewhere(feeds, args.delay, args.feeds)
    sources = [Source(id=f"feed-{n}", name=f"Feed {n}", url=url) for n, url in enumerate(urls)]
    firsts, seconds, floors = [], [], []
    for _ in range(args.repeat):  # interleaved, so a noisy minute hits the path and its baseline alike
        with tempfile.TemporaryDirectory() as folder:
            settings = Settings.model_validate(
                {"database_url": f"sqlite:///{Path(folder) / 'bench.db'}", "default_sources": False}
            )
            first, new, alerts = asyncio.run(real_cycle(settings, sources))
            second, _, _ = asyncio.run(real_cycle(settings, sources))
        firsts.append(first)
        seconds.append(second)
        floors.append(asyncio.run(floor(urls, settings.fetch.concurrency)))
    sample = urls[: args.naive_sample] if args.naive_sample else urls
    naive_time = naive(sample) * len(urls) / len(sample)

    first, second, floor_time = min(firsts), min(seconds), min(floors)
    print(
        f"{args.feeds} feeds × {args.items} items (~{size:.0f} KB each) on {len(HOSTS)} loopback hosts, "
        f"{args.delay * 1000:.0f} ms per response, {os.cpu_count()} cores; best of {args.repeat} rounds"
    )
    print(
        f"first cycle (real path, SQLite):  {first:6.2f} s   {new} articles stored, {alerts} alerts queued"
        f"  {_runs(firsts)}"
    )
    print(f"all-304 cycle:                    {second:6.2f} s   (target < 3 s)  {_runs(seconds)}")
    scaled = f" (scaled from {len(sample)} feeds)" if len(sample) < len(urls) else ""
    print(f"naive sequential feedparser:      {naive_time:6.2f} s{scaled}")
    print(f"floor (fetch, then parse):        {floor_time:6.2f} s  {_runs(floors)}")
    print(f"speed-up over naive:              {naive_time / first:6.1f}x  (target >= 5x)")
    print(f"first cycle / floor:              {first / floor_time:6.2f}   (target <= 1.3)")


def _runs(times: list[float]) -> str:
    return "[" + " ".join(f"{t:.2f}" for t in times) + "]"


if __name__ == "__main__":
    main()
