"""The composition root: builds the real dependencies from Settings, once, for the CLI and the daemon."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import replace
from datetime import datetime, timezone

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from monitor import store
from monitor.alerts import AlertPolicy
from monitor.config import Settings
from monitor.fetch import FetchLimits, HostLimiter, build_client
from monitor.matching import Matcher
from monitor.outage import Outage
from monitor.pipeline import FeedWorkers, PollDeps, StoreThread
from monitor.watchlists import Watchlist, load_watchlists


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def open_database(
    settings: Settings, *, busy_timeout: float = store.db.BUSY_TIMEOUT
) -> tuple[Engine, sessionmaker[Session]]:
    """Engine and sessions, with the schema brought to head (a new database is created)."""
    engine = store.make_engine(settings.database_url, busy_timeout=busy_timeout)
    store.upgrade(engine)
    return engine, store.make_sessions(engine)


@contextmanager
def database(settings: Settings) -> Iterator[sessionmaker[Session]]:
    """Sessions on a migrated database for one command; the pool is closed afterwards."""
    engine, sessions = open_database(settings)
    try:
        yield sessions
    finally:
        engine.dispose()


def load_matcher(settings: Settings) -> Matcher:
    return Matcher(load_watchlist(settings))


def load_watchlist(settings: Settings) -> Watchlist:
    return load_watchlists(settings.watchlists_path())


def fetch_limits(settings: Settings) -> FetchLimits:
    f = settings.fetch
    limits = FetchLimits(
        max_bytes=f.max_bytes,
        connect_timeout=f.connect_timeout,
        read_timeout=f.read_timeout,
        total_timeout=f.total_timeout,
        retries=f.retries,
        per_host=f.per_host,
        max_connections=f.concurrency,
        page_delay=f.page_delay,
    )
    return replace(limits, user_agent=f.user_agent) if f.user_agent else limits


@asynccontextmanager
async def poll_deps(
    settings: Settings, sessions: sessionmaker[Session], matcher: Matcher, outage: Outage | None = None
) -> AsyncIterator[PollDeps]:
    limits = fetch_limits(settings)
    workers = FeedWorkers(matcher, settings.fetch.parse_workers)
    client = build_client(limits)
    writer = StoreThread(outage)
    try:
        yield PollDeps(
            client=client,
            hosts=HostLimiter(limits.per_host, limits.max_connections),
            limits=limits,
            sessions=sessions,
            matcher=matcher,
            workers=workers,
            clock=utc_now,
            alerts=AlertPolicy.from_settings(settings, matcher.watchlist),
            writer=writer,
        )
    finally:
        await client.aclose()
        workers.close()
        writer.close()
