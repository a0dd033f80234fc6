"""Parsing and matching of fetched feeds: CPU work that depends only on the bytes and the
watchlists, done in the poll's own process or in worker processes (`monitor.pipeline`)."""

from __future__ import annotations

import asyncio
import ctypes
import gc
import hashlib
import logging
import os
import signal
import sys
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from monitor import kinds
from monitor.feeds import parse_feed
from monitor.records import Entry, FetchResult, ParsedFeed, Source, StoredArticle, TextMatches
from monitor.sentences import snippet
from monitor.stories import NUM_PERM, Signatures, signatures

if TYPE_CHECKING:
    from monitor.matching import Matcher

WORKER_NICENESS = 5

logger = logging.getLogger(__name__)

# Digests of the texts whose matching failed in this process, so that a text still in its feed
# is reported once, not at every poll. Bounded: past it, a failure is reported each time.
_FAILED_TEXTS: set[bytes] = set()
_FAILED_TEXTS_MOST = 10_000


class FeedWorkers:
    """Parsing and matching of fetched feeds, in one of two layouts (`workers`, the
    `fetch.parse_workers` setting):

    - 1 (the default): in the poll's own process, on the event loop, one feed at a time. Fetches
      in flight wait while a feed parses (~30-60 ms for 50 items), which costs a 2-core machine
      no measurable wall time, and it saves the workers' start, the pickling of every entry and
      their private pages (README, Performance: 30-45 MB of a 300-feed poll; 57 MB of the
      daemon at 1,000 sources, its alert latency unchanged).
    - N > 1 (0: one per core): N worker processes, each inheriting the Matcher when it forks
      (with the event typer and the modules `_preload` readied) and returning entries with what
      matched in them while the event loop keeps fetching. Worth it with spare cores when parsing,
      not fetching, bounds a poll (fast networks, large feeds).

    `matcher()` is asked for the Matcher (and the pool started) only with the first feed to
    parse: a poll where every feed answers 304 (or of no feeds at all) needs neither.
    """

    def __init__(self, matcher: Callable[[], Matcher], workers: int = 1) -> None:
        self.workers = workers or os.cpu_count() or 1
        self.matcher = matcher
        self._pool: Executor | None = None
        self._frozen = False  # inline: the objects made before the first feed are frozen

    async def analyse(self, result: FetchResult, source: Source, now: datetime) -> AnalysedFeed:
        if self.workers == 1:
            if not self._frozen:  # as for the pool below: the collector leaves the matcher alone
                self.matcher()
                gc.freeze()
                self._frozen = True
            return analyse_feed(result, source, now, self.matcher())
        loop = asyncio.get_running_loop()
        if self._pool is not None:
            return await loop.run_in_executor(self._pool, _analyse_in_worker, result, source, now)
        # The workers fork at this first submit. Frozen until the pool closes, the objects they
        # inherit (the matcher, the imported modules) are left alone by the garbage collectors
        # of both sides, so those pages stay shared instead of being copied into each worker,
        # or back into this process by its next full collection (~25 MB in a 300-feed poll).
        matcher = self.matcher()
        _preload(source.kind, matcher)
        gc.freeze()
        self._pool = ProcessPoolExecutor(self.workers, initializer=_init_worker, initargs=(matcher,))
        return await loop.run_in_executor(self._pool, _analyse_in_worker, result, source, now)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
        if self._pool is not None or self._frozen:
            gc.unfreeze()  # what died meanwhile can be collected (a daemon's reload retires a pool)


def _preload(kind: str, matcher: Matcher) -> None:
    """Import and build here, before the fork, what each worker would otherwise make on its
    first feed: the workers then share these pages instead of each holding its own copy. The
    kind's parser with dateutil, numpy for story signatures (about 120 modules, 0.15 CPU-s);
    the watchlist's event typer, compiled at its first use (~0.15 CPU-s and ~12 MB a worker);
    the MinHash permutations (numpy.random)."""
    from monitor.events import event_typer
    from monitor.minhash import permutations  # numpy: where signatures are made, not in every poll

    kinds.load(kind)
    event_typer(matcher.watchlist)
    permutations(NUM_PERM)


@dataclass(frozen=True, slots=True)
class AnalysedFeed:
    parsed: ParsedFeed
    matches: tuple[TextMatches, ...]  # one per parsed entry, in order
    signatures: tuple[Signatures | None, ...]  # story MinHashes of the entries that may alert


_worker_matcher: Matcher | None = None


def _init_worker(matcher: Matcher) -> None:
    global _worker_matcher
    _worker_matcher = matcher
    _forget_parent_signals()
    _exit_with_parent()
    # The parent's event loop fetches, stores and sends alerts; parsing can use what it leaves.
    os.nice(WORKER_NICENESS)


def _forget_parent_signals() -> None:
    """A forked worker inherits the daemon's signal handlers (`daemon.handle_signals`), which
    would queue a stop on the worker's copy of the loop, where nothing runs, and its wake-up
    socket, shared with the daemon. A worker ignores stop and reload signals (a service manager sends
    SIGTERM to every process of the service: the daemon drains, then shuts its pool down, and a
    worker killed midway would fail the poll it was parsing); it dies with its parent."""
    signal.set_wakeup_fd(-1)
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, signal.SIG_IGN)


def _exit_with_parent() -> None:
    """A worker outlives a parent killed with -9 (and keeps its memory and open files); on
    Linux, ask the kernel to kill it when the parent dies (PR_SET_PDEATHSIG)."""
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(0)


def _analyse_in_worker(result: FetchResult, source: Source, now: datetime) -> AnalysedFeed:
    assert _worker_matcher is not None, "worker started without its matcher"
    return analyse_feed(result, source, now, _worker_matcher)


def analyse_feed(result: FetchResult, source: Source, now: datetime, matcher: Matcher) -> AnalysedFeed:
    """Parse, match, and sign for story grouping what has a priority (so may alert): all of it
    CPU work that depends on the bytes alone, done here rather than in the storing process."""
    parsed = parse_feed(result, source, now)
    matches = tuple(match_text(*text_of(e), matcher, year=e.published.year) for e in parsed.entries)
    sigs = tuple(signatures(e) if m.priority else None for e, m in zip(parsed.entries, matches, strict=True))
    return AnalysedFeed(parsed, matches, sigs)


def match_text(
    title: str, summary: str, content: str, matcher: Matcher, *, year: int | None = None
) -> TextMatches:
    """Every field through the matcher, with a snippet per mention, the article's event types
    (near its mentions; `year`, the article's published year, dates the past: see
    EventTyper.find, and the names that changed hands: see Matcher.find) and its priority.

    A text the matcher fails on (a bug) matches nothing, and its article is stored all the
    same: one article must not fail its whole feed at every poll. The failure is logged once
    per text, with its traceback; `monitor rematch` matches the article again once fixed."""
    try:
        return _match_fields(title, summary, content, matcher, year)
    except Exception:
        digest = hashlib.blake2b(f"{title}\0{summary}\0{content}".encode(), digest_size=16).digest()
        if digest not in _FAILED_TEXTS:
            if len(_FAILED_TEXTS) < _FAILED_TEXTS_MOST:
                _FAILED_TEXTS.add(digest)
            logger.exception("match.internal_error", extra={"fields": {"title": title[:120]}})
        return TextMatches()


def _match_fields(title: str, summary: str, content: str, matcher: Matcher, year: int | None) -> TextMatches:
    from monitor.events import event_types, find_events  # the matching modules, as the Matcher's

    fields = {"title": title, "summary": summary, "content": content}
    found = matcher.find_fields(fields, published=year)
    mentions = tuple(
        (name, m, snippet(fields[name], m.start, m.end)) for name, ms in found.items() for m in ms
    )
    if not mentions:
        return TextMatches()
    events = find_events(matcher.watchlist, fields, found, year)
    return TextMatches(mentions, matcher.prioritise(fields, found, events), event_types(events))


def text_of(item: Entry | StoredArticle) -> tuple[str, str, str]:
    """The three texts of an entry or a stored article, as the matcher reads them."""
    return (item.title, item.summary, item.content)
