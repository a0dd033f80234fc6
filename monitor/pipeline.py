"""The poll of one source, read top to bottom: fetch → parse → store → match → store hits.

This is the only sequencer; the CLI and the daemon both call `poll_sources`. Expected failures
(a FetchError of any kind) become a failed PollReport and a health row; an unexpected exception
in one source is logged with its traceback and reported as kind "internal", and never stops
the other sources.

Parsing is CPU-bound (feedparser manages ~1,500 items/s on one core), so `Parser` runs it in
worker processes, one per core; fetching stays on the event loop. Matching runs here, on the
articles the store says are new or edited, so unchanged items cost nothing.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

from monitor import store
from monitor.alerts import AlertPolicy, queue_alerts
from monitor.errors import FetchError
from monitor.feeds import extract_main_text, parse_feed, with_full_text
from monitor.fetch import FetchLimits, HostLimiter, fetch, fetch_page
from monitor.logs import log
from monitor.matching import Matcher, snippet
from monitor.records import (
    ArticleMatches,
    Entry,
    FetchResult,
    Hit,
    ParsedFeed,
    PollReport,
    Source,
    SourceHealth,
    StoredArticle,
)

if TYPE_CHECKING:
    import httpx

logger = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=6)
MAX_CACHE_DELAY = timedelta(hours=12)
FIELDS = ("title", "summary", "content")


class Parser:
    """parse_feed in worker processes (or inline with workers=1, e.g. in tests)."""

    def __init__(self, workers: int = 0) -> None:
        workers = workers or os.cpu_count() or 1
        self._pool: Executor | None = ProcessPoolExecutor(workers) if workers > 1 else None

    async def parse(self, result: FetchResult, source: Source, now: datetime) -> ParsedFeed:
        if self._pool is None:
            return parse_feed(result, source, now)
        return await asyncio.get_running_loop().run_in_executor(self._pool, parse_feed, result, source, now)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)


@dataclass(frozen=True)
class PollDeps:
    """Everything a poll touches, built once by the CLI or the daemon."""

    client: httpx.AsyncClient
    hosts: HostLimiter
    limits: FetchLimits
    sessions: sessionmaker[Session]
    matcher: Matcher
    parser: Parser
    clock: Callable[[], datetime]
    alerts: AlertPolicy = AlertPolicy()  # who gets alerted about what; see monitor/alerts.py


async def poll_sources(
    sources: Sequence[Source], deps: PollDeps, on_report: Callable[[PollReport], None] | None = None
) -> list[PollReport]:
    """Poll the sources concurrently (fetch limits bound the requests in flight)."""
    with deps.sessions.begin() as session:
        store.sync_sources(session, sources)
        health = {h.id: h for h in store.source_health(session, [s.id for s in sources])}

    async def one(source: Source) -> PollReport:
        report = await poll_source(source, health[source.id], deps)
        if on_report is not None:
            on_report(report)
        return report

    return list(await asyncio.gather(*(one(source) for source in sources)))


async def poll_source(source: Source, health: SourceHealth, deps: PollDeps) -> PollReport:
    started = time.monotonic()
    now = deps.clock()
    try:
        result = await fetch(
            deps.client, source, health.caching, limits=deps.limits, hosts=deps.hosts, now=now
        )
        if result.not_modified:
            return _record_success(source, deps, result, None, now, started, saved_new=0)
        parsed = await deps.parser.parse(result, source, now)
        entries = await _with_full_text(source, parsed.entries, deps, now)
        return _store_and_match(source, deps, result, replace(parsed, entries=entries), now, started)
    except FetchError as error:
        return _record_failure(
            source, health, deps, error.kind.value, str(error), now, started, error.retry_after
        )
    except Exception as error:  # one source's bug must not stop the others
        logger.exception("poll.internal_error", extra={"fields": {"source": source.id}})
        return _record_failure(source, health, deps, "internal", repr(error), now, started, None)


def _store_and_match(
    source: Source, deps: PollDeps, result: FetchResult, parsed: ParsedFeed, now: datetime, started: float
) -> PollReport:
    with deps.sessions.begin() as session:
        saved = store.save_entries(session, source.id, parsed.entries, now=now)
        matches = [match_article(a, deps.matcher) for a in saved.new]
        matches += [replace(match_article(a, deps.matcher), edited=True) for a in saved.updated]
        hits = store.save_matches(session, matches, now=now)
        queued = queue_alerts(session, matches, deps.alerts, now)  # with the hits: a crash loses neither
    for warning in parsed.warnings:
        log(logger, "poll.warning", logging.WARNING, source=source.id, warning=warning)
    report = _record_success(source, deps, result, parsed, now, started, saved_new=len(saved.new))
    return replace(
        report,
        entries=len(parsed.entries),
        new=len(saved.new),
        updated=len(saved.updated),
        hits=hits,
        alerts=queued,
    )


def rematch(
    sessions: sessionmaker[Session], matcher: Matcher, *, since: datetime, now: datetime, batch: int = 500
) -> tuple[int, int]:
    """Match stored articles first seen since `since` again; store only hits not stored yet.
    Returns (articles matched, new hits)."""
    with sessions() as session:
        articles = store.articles_seen_since(session, since)
    new_hits = 0
    for i in range(0, len(articles), batch):
        matches = [match_article(article, matcher) for article in articles[i : i + batch]]
        with sessions.begin() as session:
            new_hits += store.save_matches(session, [m for m in matches if m.hits], now=now)
    return len(articles), new_hits


def match_article(article: StoredArticle, matcher: Matcher) -> ArticleMatches:
    """Every field of the article through the matcher; hits carry offsets into that field."""
    fields = {"title": article.title, "summary": article.summary, "content": article.content}
    mentions = {name: matcher.find(text) for name, text in fields.items() if text}
    hits = tuple(
        Hit(
            article_id=article.id,
            entity=m.entity,
            alias=m.alias,
            field=name,  # type: ignore[arg-type]
            start=m.start,
            end=m.end,
            surface=m.text,
            snippet=snippet(fields[name], m.start, m.end),
        )
        for name, found in mentions.items()
        for m in found
    )
    priority = matcher.prioritise(fields, mentions) if hits else None
    return ArticleMatches(article=article, hits=hits, priority=priority)


async def _with_full_text(
    source: Source, entries: tuple[Entry, ...], deps: PollDeps, now: datetime
) -> tuple[Entry, ...]:
    """For full_text sources, fetch the pages of entries not stored yet; failures keep feed text."""
    if not source.full_text or not entries:
        return entries
    with deps.sessions() as session:
        known = store.known_keys(session, source.id, [e.key for e in entries])

    async def enrich(entry: Entry) -> Entry:
        if entry.key in known:
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


def _record_success(
    source: Source,
    deps: PollDeps,
    result: FetchResult,
    parsed: ParsedFeed | None,
    now: datetime,
    started: float,
    *,
    saved_new: int,
) -> PollReport:
    ttl = parsed.ttl if parsed else None
    next_at = next_poll_at(source, now, ttl=ttl, max_age=result.max_age, jitter=random.random())
    with deps.sessions.begin() as session:
        store.record_success(session, source.id, result, now=now, next_poll_at=next_at, new_items=saved_new)
    if result.permanent_redirect:
        log(logger, "source.moved", logging.WARNING, source=source.id, to=result.permanent_redirect)
    status = "not_modified" if result.not_modified else "ok"
    return PollReport(source.id, status, next_poll_at=next_at, elapsed=time.monotonic() - started)


def _record_failure(
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
    with deps.sessions.begin() as session:
        store.record_failure(session, source.id, kind=kind, message=message, now=now, next_poll_at=next_at)
    log(logger, "poll.failed", logging.WARNING, source=source.id, kind=kind, error=message, failures=failures)
    status = "deferred" if retry_after else "failed"
    return PollReport(
        source.id,
        status,
        error_kind=kind,
        error=message,
        next_poll_at=next_at,
        elapsed=time.monotonic() - started,
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
