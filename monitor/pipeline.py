"""The poll of one source, read top to bottom: fetch → parse and match → store articles →
store hits and queue alerts (one transaction).

This is the only sequencer; the CLI and the daemon both call `poll_sources`. Expected failures
(a FetchError of any kind) become a failed PollReport and a health row; an unexpected exception
in one source is logged with its traceback and reported as kind "internal", and never stops
the other sources. A database fault (`StoreUnavailable`) is no source's failure: it is raised to
the caller, which retries the poll later; nothing of the poll was stored, not even its validators.

Parsing and matching are CPU-bound (feedparser manages ~1,500 items/s on one core):
`feed_workers.FeedWorkers` runs both on the event loop between fetches, or in worker processes
while fetching goes on (`fetch.parse_workers`); only the entries the store says are new or edited
have their hits stored. Polls whose
feeds are ready at about the same time share the store step's transaction (`StoreBatcher`):
each feed is written as it would be alone, and one commit serves a burst of polls. Writes run in
one `StoreThread`, never on the event loop.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from sqlalchemy.orm import Session, sessionmaker

from monitor import kinds, store
from monitor.alerts import AlertPolicy, queue_alerts
from monitor.errors import FetchError, FetchErrorKind, StoreUnavailable
from monitor.feed_workers import AnalysedFeed, FeedWorkers, match_text, text_of
from monitor.feeds import extract_main_text, with_full_text
from monitor.fetch import FetchLimits, HostLimiter, fetch, fetch_page
from monitor.logs import log
from monitor.outage import Outage
from monitor.records import (
    ArticleMatches,
    CachingInfo,
    Entry,
    FetchResult,
    Hit,
    ParsedFeed,
    PollReport,
    PollStatus,
    Source,
    SourceHealth,
    StoredArticle,
    TextMatches,
)
from monitor.stories import Signatures, StoryIndex

if TYPE_CHECKING:
    import httpx

    from monitor.matching import Matcher

logger = logging.getLogger(__name__)
T = TypeVar("T")

MAX_BACKOFF = timedelta(hours=6)
BATCH_WINDOW = 0.05  # seconds a ready feed waits for others to share its transaction
BATCH_MOST = 20  # feeds in one transaction at most
MAX_CACHE_DELAY = timedelta(hours=12)
IN_FLIGHT = 2  # x fetch concurrency: sources fetched and not yet stored, at most
CATCH_UP_MOST = 1000  # entries a paged source reads at most after its first poll (a long outage)
# An older page that is not there (gone, or a page with no posts: the channel's beginning) ends
# the paging and the newer pages are kept; other failures fail the poll, to be tried again.
PAST_THE_END = frozenset({FetchErrorKind.HTTP_4XX, FetchErrorKind.NOT_A_FEED})


@dataclass(frozen=True, slots=True)
class ReadyFeed:
    """A poll waiting for its store step: a 304 (`parsed` is None) or an analysed feed, with what
    matching found per text in the workers (full text fetched since is matched when stored)."""

    source: Source
    result: FetchResult
    parsed: ParsedFeed | None
    by_text: Mapping[tuple[str, str, str], tuple[TextMatches, Signatures | None]]
    now: datetime
    started: float
    deps: PollDeps


class StoreThread:
    """The one thread that runs the process's database writes, off the event loop.

    A slow or locked database (another process holding SQLite's write lock, a PostgreSQL server
    restarting) then stalls only the writes waiting here, while fetching, delivery and the
    scheduler's clock go on; and SQLite's one writer is never fought over by our own threads.
    With an `outage` (the daemon's), writes fail at once while it lasts, even those already
    queued, instead of each waiting out a lock or a connect timeout: only the daemon's probe
    (`probe=True`) tries the database then.
    """

    def __init__(self, outage: Outage | None = None) -> None:
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="store")
        self._outage = outage

    async def run(self, work: Callable[..., T], *args: Any, probe: bool = False) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(self._call, probe, work, *args))

    def _call(self, probe: bool, work: Callable[..., T], *args: Any) -> T:
        outage = self._outage
        if outage is not None and outage.active and not probe:
            raise StoreUnavailable(outage.reason, "waiting for the database to come back", refused=True)
        try:
            return work(*args)
        except Exception as error:
            if outage is not None and (fault := store.unavailable(error)):
                outage.failed(fault)
            raise

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


class StoreBatcher:
    """The store step of every poll, batched: feeds ready within BATCH_WINDOW of each other are
    written in one transaction, each exactly as it would be alone (articles, hits, alerts and the
    source's success together), so a burst of polls pays one session and one commit, not one per
    feed. A batch that fails is written again feed by feed, so one feed's problem stays its own
    (unless the database itself failed: then every feed in it gets the StoreUnavailable); a
    poll cancelled before its batch is written is left out, so a cancelled poll stores nothing.
    Batches are written in the StoreThread, one after the other."""

    def __init__(self, window: float = BATCH_WINDOW, most: int = BATCH_MOST) -> None:
        self._window = window
        self._most = most
        self._waiting: list[tuple[ReadyFeed, asyncio.Future[PollReport]]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._writing: set[asyncio.Task[None]] = set()

    async def store(self, feed: ReadyFeed) -> PollReport:
        loop = asyncio.get_running_loop()
        stored: asyncio.Future[PollReport] = loop.create_future()
        self._waiting.append((feed, stored))
        if len(self._waiting) >= self._most:
            self._store_waiting()
        elif self._timer is None:
            self._timer = loop.call_later(self._window, self._store_waiting)
        return await stored

    def _store_waiting(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._waiting = self._waiting, []
        if batch:
            task = asyncio.get_running_loop().create_task(self._write(batch))
            self._writing.add(task)
            task.add_done_callback(self._writing.discard)

    async def _write(self, batch: list[tuple[ReadyFeed, asyncio.Future[PollReport]]]) -> None:
        """Every poll in the batch gets its outcome, whatever happens here."""
        writer = batch[0][0].deps.writer
        try:
            outcomes = await writer.run(_write_batch, batch)
        except Exception as error:  # the database failed, or was known down and not tried
            outcomes = [error] * len(batch)
        for (_, stored), outcome in zip(batch, outcomes, strict=True):
            if stored.done() or outcome is None:
                continue
            if isinstance(outcome, Exception):
                stored.set_exception(outcome)
            else:
                stored.set_result(outcome)


def _write_batch(
    batch: Sequence[tuple[ReadyFeed, asyncio.Future[PollReport]]],
) -> list[PollReport | Exception | None]:
    """In the StoreThread: the batch's feeds not cancelled meanwhile (None for those)."""
    wanted = [i for i, (_, stored) in enumerate(batch) if not stored.cancelled()]
    outcomes: list[PollReport | Exception | None] = [None] * len(batch)
    if not wanted:
        return outcomes
    feeds = [batch[i][0] for i in wanted]
    try:
        written: Sequence[PollReport | Exception] = _store_feeds(feeds)
    except Exception as error:
        if fault := store.unavailable(error):  # the database's, so every feed's: raised whole
            raise fault from None
        written = [_store_alone(feed) for feed in feeds]
    for i, outcome in zip(wanted, written, strict=True):
        outcomes[i] = outcome
    return outcomes


@dataclass(frozen=True)
class PollDeps:
    """Everything a poll touches, built once by the CLI or the daemon."""

    client: httpx.AsyncClient
    hosts: HostLimiter
    limits: FetchLimits
    sessions: sessionmaker[Session]
    matcher: Callable[[], Matcher]  # built when first needed: an all-304 poll matches nothing
    workers: FeedWorkers
    clock: Callable[[], datetime]
    alerts: AlertPolicy = AlertPolicy()  # who gets alerted about what; see monitor/alerts.py
    stories: StoryIndex = field(default_factory=StoryIndex)  # recent stories, kept between polls
    batcher: StoreBatcher = field(default_factory=StoreBatcher)  # the polls' store step
    writer: StoreThread = field(default_factory=StoreThread)  # where database writes run
    warned: dict[str, frozenset[str]] = field(default_factory=dict)  # each source's last poll's warnings


async def poll_sources(
    sources: Sequence[Source], deps: PollDeps, on_report: Callable[[PollReport], None] | None = None
) -> list[PollReport]:
    """Poll the sources concurrently (fetch limits bound the requests in flight). At most
    IN_FLIGHT x the fetch concurrency are between their fetch and their store step at once:
    parsing is slower than fetching, and feeds fetched ahead of it would wait in memory, so
    without a bound a poll's peak memory grows with its number of sources."""
    with deps.sessions.begin() as session:
        store.sync_sources(session, sources)
        health = {h.id: h for h in store.source_health(session, [s.id for s in sources])}
    slots = asyncio.Semaphore(IN_FLIGHT * deps.limits.max_connections)

    async def one(source: Source) -> PollReport:
        async with slots:
            report = await poll_source(source, health[source.id], deps)
        if on_report is not None:
            on_report(report)
        return report

    return list(await asyncio.gather(*(one(source) for source in sources)))


async def poll_source(source: Source, health: SourceHealth, deps: PollDeps) -> PollReport:
    started = time.monotonic()
    now = deps.clock()
    try:
        page = replace(source, url=kinds.load(source.kind).page_url(source, None))
        result = await fetch(deps.client, page, health.caching, limits=deps.limits, hosts=deps.hosts, now=now)
        if result.not_modified:
            report = await deps.batcher.store(ReadyFeed(source, result, None, {}, now, started, deps))
            return _after_failures(report, health)
        most = source.backfill if health.last_success_at is None else CATCH_UP_MOST
        analysed = await _analyse_pages(source, result, deps, now, most)
        entries = await _with_full_text(source, analysed.parsed.entries, deps, now)
        by_text = {
            text_of(e): (m, sigs)
            for e, m, sigs in zip(analysed.parsed.entries, analysed.matches, analysed.signatures, strict=True)
        }
        parsed = replace(analysed.parsed, entries=entries)
        report = await deps.batcher.store(ReadyFeed(source, result, parsed, by_text, now, started, deps))
        return _after_failures(report, health)
    except FetchError as error:
        return await _record_failure(
            source, health, deps, error.kind.value, error.message, now, started, error.retry_after
        )
    except Exception as error:
        if fault := store.unavailable(error):  # the database's fault, not the source's: the
            raise fault from None  # caller retries; nothing was stored, validators included
        # one source's bug must not stop the others
        logger.exception("poll.internal_error", extra={"fields": {"source": source.id}})
        return await _record_failure(source, health, deps, "internal", repr(error), now, started, None)


def _after_failures(report: PollReport, health: SourceHealth) -> PollReport:
    """A source that answers again after failing: the one line that ends its fault's WARNING."""
    if health.consecutive_failures and report.status in ("ok", "not_modified"):
        log(logger, "poll.recovered", source=report.source_id, failures=health.consecutive_failures)
    return report


async def _analyse_pages(
    source: Source, first: FetchResult, deps: PollDeps, now: datetime, most: int
) -> AnalysedFeed:
    """The page fetched, analysed; for paged kinds (Telegram: entries newest first), older pages
    too while no entry of the last page is stored yet, up to `most` entries: a first poll
    backfills, a later one stops at the newest stored post. One request at a time, spaced."""
    pages = [await deps.workers.analyse(first, source, now)]
    count = len(pages[0].parsed.entries)
    ended: tuple[str, ...] = ()
    cursors: set[str] = set()
    while (older := pages[-1].parsed.older) and count < most:
        if older in cursors or (len(pages) > 1 and not pages[-1].parsed.entries):
            # a cursor seen before, or a page of service messages or bare media only: without
            # this, such a page that keeps its cursor was followed back to the channel's start
            # (or forever), every poll
            ended = (f"older page before {older}: no new posts on the page before it, paging stopped",)
            break
        cursors.add(older)
        keys = [e.key for e in pages[-1].parsed.entries]
        if await asyncio.to_thread(_known_keys, deps.sessions, source.id, keys):
            break
        await asyncio.sleep(deps.limits.page_delay)
        page = replace(source, url=kinds.load(source.kind).page_url(source, older))
        try:
            result = await fetch(
                deps.client, page, CachingInfo(), limits=deps.limits, hosts=deps.hosts, now=now
            )
            pages.append(await deps.workers.analyse(result, source, now))
        except FetchError as error:
            if error.kind not in PAST_THE_END:
                raise  # transient: nothing of this poll is stored, the next one starts again
            ended = (f"older page {page.url} ({error}): paging stopped there",)
            break
        count += len(pages[-1].parsed.entries)
    if len(pages) == 1 and pages[0].parsed.older is None:
        return pages[0]
    parsed = replace(
        pages[0].parsed,
        entries=tuple(e for p in pages for e in p.parsed.entries)[:most],
        warnings=(*(w for p in pages for w in p.parsed.warnings), *ended),
    )
    matches = tuple(m for p in pages for m in p.matches)[:most]
    return AnalysedFeed(parsed, matches, tuple(s for p in pages for s in p.signatures)[:most])


def _store_alone(feed: ReadyFeed) -> PollReport | Exception:
    try:
        return _store_feeds([feed])[0]
    except Exception as error:  # the poll reports it, as kind "internal"
        return error


def _store_feeds(feeds: Sequence[ReadyFeed]) -> list[PollReport]:
    """Write the feeds in one transaction: alerts go into the outbox with the hits that raise
    them, so a crash between the two loses neither; and a source's validators (ETag,
    Last-Modified) advance with its entries, so a feed whose entries could not be stored is
    fetched in full again by the next poll."""
    try:
        with feeds[0].deps.sessions.begin() as session:
            stored = [_store_feed(session, feed) for feed in feeds]
            store.record_successes(session, [success for _, success in stored])
    except Exception:
        for feed in feeds:
            feed.deps.stories.reset()  # it may hold stories of the transaction rolled back
        raise
    for feed in feeds:
        _log_warnings(feed)
    return [report for report, _ in stored]


def _log_warnings(feed: ReadyFeed) -> None:
    """A feed's warnings (a broken feed whose entries were recovered, a link dropped): at WARNING
    when new, at DEBUG while the feed keeps them poll after poll."""
    if feed.parsed is None:  # not modified: the warnings of its last content still stand
        return
    before = feed.deps.warned.pop(feed.source.id, frozenset())
    if feed.parsed.warnings:
        feed.deps.warned[feed.source.id] = frozenset(feed.parsed.warnings)
    for warning in feed.parsed.warnings:
        level = logging.DEBUG if warning in before else logging.WARNING
        log(logger, "poll.warning", level, source=feed.source.id, warning=warning)


def _store_feed(session: Session, feed: ReadyFeed) -> tuple[PollReport, store.Success]:
    """A feed's new and edited articles, their hits and alerts; and the source's success, which
    the caller stores with the batch's others."""
    source, parsed, deps, now = feed.source, feed.parsed, feed.deps, feed.now
    if parsed is None:
        success = _success(source, feed.result, None, now, new_items=0)
        next_at = success.next_poll_at
        return PollReport(source.id, "not_modified", next_poll_at=next_at, elapsed=_since(feed)), success

    def matches_of(article: StoredArticle, edited: bool = False) -> ArticleMatches:
        text = text_of(article)
        year = article.published.year
        found, sigs = feed.by_text.get(text) or (match_text(*text, deps.matcher(), year=year), None)
        return article_matches(article, found, edited, sigs)

    saved = store.save_entries(session, source.id, parsed.entries, now=now)
    matches = [matches_of(a) for a in saved.new] + [matches_of(a, True) for a in saved.updated]
    hits = store.save_matches(session, matches, now=now)
    queued = queue_alerts(session, matches, deps.alerts, now, deps.stories)
    success = _success(source, feed.result, parsed, now, new_items=len(saved.new))
    report = PollReport(
        source.id,
        "ok",
        entries=len(parsed.entries),
        new=len(saved.new),
        updated=len(saved.updated),
        hits=hits,
        alerts=queued,
        next_poll_at=success.next_poll_at,
        elapsed=_since(feed),
    )
    return report, success


def _since(feed: ReadyFeed) -> float:
    return time.monotonic() - feed.started


def rematch(
    sessions: sessionmaker[Session], matcher: Matcher, *, since: datetime, now: datetime, batch: int = 500
) -> tuple[int, int]:
    """Match stored articles first seen since `since` again; store only hits not stored yet.
    Returns (articles matched, new hits)."""
    with sessions() as session:
        articles = store.articles_seen_since(session, since)
    new_hits = 0
    for i in range(0, len(articles), batch):
        matches = [
            article_matches(a, match_text(*text_of(a), matcher, year=a.published.year))
            for a in articles[i : i + batch]
        ]
        with sessions.begin() as session:
            new_hits += store.save_matches(session, [m for m in matches if m.hits], now=now)
    return len(articles), new_hits


def article_matches(
    article: StoredArticle, found: TextMatches, edited: bool = False, signatures: Signatures | None = None
) -> ArticleMatches:
    hits = tuple(
        Hit(article.id, m.entity, m.alias, field, m.start, m.end, m.text, text)  # type: ignore[arg-type]
        for field, m, text in found.mentions
    )
    return ArticleMatches(article, hits, found.priority, edited, signatures, found.event_types)


async def _with_full_text(
    source: Source, entries: tuple[Entry, ...], deps: PollDeps, now: datetime
) -> tuple[Entry, ...]:
    """For full_text sources, fetch the pages of entries not stored yet; failures keep feed text."""
    if not source.full_text or not entries:
        return entries
    known = await asyncio.to_thread(_known_keys, deps.sessions, source.id, [e.key for e in entries])

    async def enrich(entry: Entry) -> Entry:
        if entry.key in known or not entry.url or _is_aggregator_link(entry.url):
            return entry
        try:
            page = await fetch_page(deps.client, entry.url, limits=deps.limits, hosts=deps.hosts, now=now)
        except FetchError as error:
            log(
                logger, "full_text.failed", logging.WARNING, source=source.id, url=entry.url, error=str(error)
            )
            return entry
        text = extract_main_text(page.content, page.final_url)
        return with_full_text(entry, text) if text else entry

    return tuple(await asyncio.gather(*(enrich(e) for e in entries)))


def _known_keys(sessions: sessionmaker[Session], source_id: str, keys: list[str]) -> set[str]:
    with sessions() as session:
        return store.known_keys(session, source_id, keys)


def _is_aggregator_link(url: str) -> bool:
    """Google News links lead to Google, not to the article: nothing to extract there."""
    return urlsplit(url).hostname == "news.google.com"


def _success(
    source: Source, result: FetchResult, parsed: ParsedFeed | None, now: datetime, *, new_items: int
) -> store.Success:
    """A successful poll, with the next one scheduled."""
    ttl = parsed.ttl if parsed else None
    next_at = next_poll_at(source, now, ttl=ttl, max_age=result.max_age, jitter=random.random())
    if result.permanent_redirect:
        log(logger, "source.moved", logging.WARNING, source=source.id, to=result.permanent_redirect)
    return store.Success(source.id, result, now, next_at, new_items)


async def _record_failure(
    source: Source,
    health: SourceHealth,
    deps: PollDeps,
    kind: str,
    message: str,
    now: datetime,
    started: float,
    retry_after: float | None,
) -> PollReport:
    failures = health.consecutive_failures + 1
    next_at = next_poll_at(source, now, failures=failures, retry_after=retry_after, jitter=random.random())
    wait_until = now + timedelta(seconds=retry_after) if retry_after else None
    await deps.writer.run(_write_failure, deps.sessions, source.id, kind, message, now, next_at, wait_until)
    # A WARNING when the fault starts, INFO while it lasts, and "poll.recovered" when it ends;
    # sources failing for long reach people through the health notices and `monitor sources`.
    level = logging.WARNING if failures == 1 else logging.INFO
    log(logger, "poll.failed", level, source=source.id, kind=kind, error=message, failures=failures)
    status: PollStatus = "deferred" if retry_after else "failed"
    return PollReport(
        source.id,
        status,
        error_kind=kind,
        error=message,
        next_poll_at=next_at,
        elapsed=time.monotonic() - started,
    )


def _write_failure(
    sessions: sessionmaker[Session],
    source_id: str,
    kind: str,
    message: str,
    now: datetime,
    next_at: datetime,
    wait_until: datetime | None,
) -> None:
    with sessions.begin() as session:
        store.record_failure(
            session,
            source_id,
            kind=kind,
            message=message,
            now=now,
            next_poll_at=next_at,
            retry_after_until=wait_until,
        )


def next_poll_at(
    source: Source,
    now: datetime,
    *,
    ttl: timedelta | None = None,
    max_age: float | None = None,
    failures: int = 0,
    retry_after: float | None = None,
    jitter: float = 0.0,
) -> datetime:
    """When to poll next: the interval, stretched by ttl/max-age, backed off on failures,
    never before Retry-After; plus up to 10% jitter (jitter in [0, 1)) so polls spread out."""
    delay = source.interval
    hinted = max(ttl or timedelta(0), timedelta(seconds=max_age or 0))
    delay = max(delay, min(hinted, MAX_CACHE_DELAY))
    if failures:
        delay = min(delay * 2 ** min(failures - 1, 10), max(MAX_BACKOFF, source.interval))
    delay = max(delay, timedelta(seconds=retry_after or 0))
    return now + delay + source.interval * (0.1 * jitter)
