"""The composition root: builds the real dependencies from Settings, once, for the CLI and the daemon.

Each builder imports what it builds when it is called: many commands come here for `utc_now` or
`database` alone, and a poll of no sources needs neither httpx, the parse pool, the pipeline
nor the alert queue's story signatures (numpy).
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from monitor import store
from monitor.config import Settings
from monitor.records import Source

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from monitor.alerts import AlertPolicy
    from monitor.fetch import FetchLimits
    from monitor.matching import Matcher
    from monitor.notify import Notifier
    from monitor.notify.email import EmailSender
    from monitor.outage import Outage
    from monitor.pipeline import PollDeps
    from monitor.watchlists import Watchlist


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def open_database(
    settings: Settings, *, busy_timeout: float = store.db.BUSY_TIMEOUT
) -> tuple[Engine, sessionmaker[Session]]:
    """Engine and sessions, with the schema brought to head (a new database is created)."""
    engine = store.make_engine(settings.database_url, busy_timeout=busy_timeout)
    store.upgrade(engine)
    return engine, store.make_sessions(engine)


def open_store(
    settings: Settings, *, sole: bool, busy_timeout: float
) -> tuple[Engine, sessionmaker[Session]]:
    """The daemon's database: migrated (store.upgrade lets daemons starting together migrate
    once); the sole daemon of a SQLite file frees the leases a killed predecessor left."""
    from monitor.polling import release_dead_leases

    engine, sessions = open_database(settings, busy_timeout=busy_timeout)
    if sole:
        release_dead_leases(sessions)
    return engine, sessions


@contextmanager
def database(settings: Settings) -> Iterator[sessionmaker[Session]]:
    """Sessions on a migrated database for one command; the pool is closed afterwards."""
    engine, sessions = open_database(settings)
    try:
        yield sessions
    finally:
        engine.dispose()


def load_matcher(settings: Settings) -> Matcher:
    from monitor.matching import Matcher

    return Matcher(load_watchlist(settings))


def load_watchlist(settings: Settings) -> Watchlist:
    from monitor.watchlist_cache import load_cached

    return load_cached(settings.watchlists_path())


def fetch_limits(settings: Settings) -> FetchLimits:
    from monitor.fetch import FetchLimits

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
    settings: Settings,
    sessions: sessionmaker[Session],
    watchlist: Watchlist,
    outage: Outage | None = None,
    *,
    matcher: Matcher | None = None,
) -> AsyncIterator[PollDeps]:
    """What polls use; `matcher` (the daemon's, built with its config) or else one of `watchlist`,
    built when a feed is first parsed: a poll where every feed answers 304 builds none (~30 MB
    and 0.1 CPU-s, the cached automaton included)."""
    from monitor.alerts import AlertPolicy
    from monitor.feed_workers import FeedWorkers
    from monitor.fetch import HostLimiter, build_client
    from monitor.pipeline import PollDeps, StoreThread

    def built() -> Matcher:
        from monitor.matching import Matcher  # with the event typer: loaded when first matched

        return Matcher(watchlist) if matcher is None else matcher

    limits = fetch_limits(settings)
    matcher_of = functools.cache(built)
    workers = FeedWorkers(matcher_of, settings.fetch.parse_workers)
    client = build_client(limits)
    writer = StoreThread(outage)
    try:
        yield PollDeps(
            client=client,
            hosts=HostLimiter(limits.per_host, limits.max_connections),
            limits=limits,
            sessions=sessions,
            matcher=matcher_of,
            workers=workers,
            clock=utc_now,
            alerts=AlertPolicy.from_settings(settings, watchlist),
            writer=writer,
        )
    finally:
        await client.aclose()
        workers.close()
        writer.close()


@dataclass(frozen=True)
class Loaded:
    """Everything the daemon builds from the config files; a SIGHUP replaces it all at once or
    not at all."""

    settings: Settings
    matcher: Matcher
    notifiers: Mapping[str, Notifier]
    policy: AlertPolicy
    sender: EmailSender

    @functools.cached_property
    def sources(self) -> dict[str, Source]:
        """Built once: the daemon looks a source up at each of its polls (1,000 sources, 1,000
        Source records built per poll, took most of the event loop's time)."""
        return {s.id: s for s in self.settings.enabled_sources()}


def loaded_from(settings: Settings) -> Loaded:
    """Watchlists, channels and the digest sender for these settings; raises ConfigError or
    WatchlistError, so every mistake a reload could bring is found before anything is swapped."""
    from monitor.alerts import AlertPolicy
    from monitor.digest_delivery import build_sender, timezone_of  # Jinja2, matplotlib: the daemon's
    from monitor.notify import build_notifiers

    matcher = load_matcher(settings)
    timezone_of(settings.digest)
    return Loaded(
        settings=settings,
        matcher=matcher,
        notifiers=build_notifiers(settings),
        policy=AlertPolicy.from_settings(settings, matcher.watchlist),
        sender=build_sender(settings),
    )


def needs_restart(old: Settings, new: Settings) -> str:
    """The changed settings a reload cannot apply in place (named for the log line)."""
    endpoint = ("metrics", "metrics_host", "metrics_port", "log_json", "log_level")
    changed = [key for key in ("database_url", "fetch") if getattr(old, key) != getattr(new, key)]
    changed += [f"daemon.{key}" for key in endpoint if getattr(old.daemon, key) != getattr(new.daemon, key)]
    clicks = ("signing_secret", "app_token", "team_id", "api_app_id")  # the triage endpoint and socket
    changed += [f"slack.{key}" for key in clicks if getattr(old.slack, key) != getattr(new.slack, key)]
    return ", ".join(changed)
