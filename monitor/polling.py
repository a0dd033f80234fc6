"""Polling on a schedule, shared with other daemons: the flow the daemon's jobs call, so that the
daemon itself stays a clock and never touches the store.

`Polling` owns this process's side of the store for scheduled work: it syncs the configured
sources, takes a source's turn (its lease in the database; the sole daemon of a SQLite file
only checks that it is due, `DaemonLock` keeping every other daemon out), runs
`pipeline.poll_source`, gives the lease back (again once the database is back, if it was down
then), says when to try a source next, applies retention, probes the database during an
outage, and reads the figures /healthz and /metrics show.

The one daemon of a SQLite file keeps its poll leases in memory (`DaemonLock` keeps every other
daemon out), so a locked or full file does not stop fetching; on PostgreSQL a lease whose
release failed is released again when the database is back, and a process always reclaims its
own lease. A lease lasts `daemon.poll_lease`, at most twice the longest poll (`lease_time`).

Writes go, one transaction each, to the one `StoreThread` (never on the event loop); reads to
worker threads. An expected database fault comes out as `StoreUnavailable`, which the daemon
reports through its `Outage`.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from monitor import store
from monitor.config import DaemonSettings, Settings, parse_duration
from monitor.errors import StoreError, StoreUnavailable
from monitor.outage import Outage
from monitor.pipeline import PollDeps, StoreThread, poll_source
from monitor.records import PollReport, Source
from monitor.store import leases, retention, summary
from monitor.store.db import unavailable
from monitor.store.leases import DaemonLock, PollLease
from monitor.store.retention import RetentionReport

__all__ = [
    "DaemonLock",
    "PollLease",
    "PollOutcome",
    "Polling",
    "RetentionReport",
    "in_thread",
    "lease_time",
    "release_dead_leases",
    "unavailable",
]

T = TypeVar("T")
MIN_RETRY = timedelta(seconds=1)  # a source is never tried again sooner than this
OUTAGE_RETRY = timedelta(seconds=5)  # a poll that met a database fault runs again no sooner
SOURCES_MISSING = "sources missing: another database in place of ours"  # an outage until the resync
STORE_ALLOWANCE = timedelta(seconds=30)  # a poll's store step, in the longest poll (lease_time)


@dataclass(frozen=True, slots=True)
class PollOutcome:
    """One scheduled poll: its report when this process had the turn; `failed` when a database
    fault stopped it (nothing was stored: it is polled again after OUTAGE_RETRY)."""

    report: PollReport | None = None
    failed: bool = False


def lease_time(settings: Settings) -> timedelta:
    """`daemon.poll_lease`, capped at twice the longest poll: a feed fetch and then its full-text
    pages each wait at most `fetch.total_timeout` for their host and take at most as long, plus
    STORE_ALLOWANCE for the store step (defaults: min(5m, 2 x (4 x 60s + 30s)) = 5 minutes)."""
    longest = 4 * timedelta(seconds=settings.fetch.total_timeout) + STORE_ALLOWANCE
    return min(parse_duration(settings.daemon.poll_lease), 2 * longest)


async def in_thread(work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Blocking work in a daemon thread (a hung send must not hold the process open at exit)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def target() -> None:
        try:
            result, error = work(*args, **kwargs), None
        except BaseException as exc:  # handed to the awaiting task, which logs it
            result, error = None, exc
        with contextlib.suppress(RuntimeError):  # the loop is gone: we are past shutdown
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=target, name=getattr(work, "__name__", "job"), daemon=True).start()
    return await future


def release_dead_leases(sessions: sessionmaker[Session]) -> None:
    """Every lease in the database: for the sole daemon of a SQLite file at start, where any
    lease is a killed predecessor's."""
    with sessions.begin() as session:
        leases.release_all(session, owner=None)


class Polling:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        writer: StoreThread,
        outage: Outage,
        *,
        owner: str,
        local_leases: bool,
    ) -> None:
        self.sessions = sessions
        self.writer = writer
        self.outage = outage
        self.owner = owner
        self.local_leases = local_leases
        self._unreleased: set[str] = set()  # leases whose release met a database fault

    async def write(self, work: Callable[..., T], *args: Any, probe: bool = False, **kwargs: Any) -> T:
        """`work(session, ...)` in one transaction in the store thread; an expected database
        fault is raised as StoreUnavailable (at once during an outage, unless `probe`)."""

        def in_transaction() -> T:
            with self.sessions.begin() as session:
                return work(session, *args, **kwargs)

        with store.faults():
            return await self.writer.run(in_transaction, probe=probe)

    async def read(self, work: Callable[..., T], *args: Any) -> T:
        """`work(session, ...)` in a worker thread (reads need not wait for the writer)."""

        def in_session() -> T:
            with self.sessions() as session:
                return work(session, *args)

        with store.faults():
            return await asyncio.to_thread(in_session)

    # --- sources and their turns -----------------------------------------------------------------

    async def sync(self, sources: Sequence[Source]) -> dict[str, PollLease]:
        """Store the configured sources; each one's schedule and lease as stored."""
        return await self.write(_sync_sources, list(sources))

    async def poll(self, source: Source, deps: PollDeps, now: datetime, lease: timedelta) -> PollOutcome:
        """Poll the source if it is this process's turn (due, and its lease won)."""
        try:
            if not await self._claim(source, now, lease):
                return PollOutcome()
            try:
                found = await self.read(store.source_health, [source.id])
                if not found:  # a database put in place of ours (restored, made again): synced when back
                    raise StoreUnavailable(SOURCES_MISSING, source.id)
                report = await poll_source(source, found[0], deps)
            finally:
                await self.release(source.id)
            self.outage.succeeded(grew=bool(report.new or report.updated))
            return PollOutcome(report)
        except StoreUnavailable as fault:
            self.outage.failed(fault)
            return PollOutcome(failed=True)

    async def _claim(self, source: Source, now: datetime, lease: timedelta) -> bool:
        if self.local_leases:
            return await self.read(leases.is_due, source.id, now)
        claimed = await self.write(leases.claim_poll, source.id, owner=self.owner, now=now, lease=lease)
        self.outage.succeeded(grew=False)
        return claimed

    async def release(self, source_id: str) -> None:
        """Give the lease back; if the database is down, again when it is back (`recovered`)."""
        if self.local_leases:
            return
        try:
            await self.write(leases.release_poll, source_id, owner=self.owner)
            self._unreleased.discard(source_id)
        except StoreUnavailable as fault:
            self.outage.failed(fault)
            self._unreleased.add(source_id)

    async def release_all(self) -> None:
        """Our leases back, at shutdown (raises StoreUnavailable: they expire anyway)."""
        if not self.local_leases:
            await self.write(leases.release_all, owner=self.owner)

    async def recovered(self) -> None:
        """The releases that failed while the database was down."""
        for source_id in sorted(self._unreleased):
            await self.release(source_id)

    def first_run(self, lease: PollLease | None, source: Source, now: datetime) -> datetime:
        """When a newly scheduled source is first tried: when the database says it is due."""
        return leases.next_try(
            lease, owner=self.owner, now=now, at_least=timedelta(0), at_most=source.interval
        )

    async def next_run(self, source: Source, now: datetime, failed: bool) -> datetime:
        """When to try the source again: when it is due and its lease is free, by the database;
        after a database fault, one interval on (but no sooner than OUTAGE_RETRY)."""
        retry = now + max(source.interval, OUTAGE_RETRY) * (1 + 0.1 * random.random())
        if failed:
            return retry
        try:
            found = await self.read(leases.poll_leases, [source.id])
        except StoreUnavailable as fault:
            self.outage.failed(fault)
            return retry
        lease = found[0] if found else None
        return leases.next_try(lease, owner=self.owner, now=now, at_least=MIN_RETRY, at_most=source.interval)

    # --- upkeep and figures ----------------------------------------------------------------------

    async def housekeeping(self, settings: DaemonSettings, now: datetime) -> RetentionReport:
        return await self.write(
            retention.apply,
            now=now,
            keep_text_days=settings.keep_article_text_days,
            keep_attempts_days=settings.keep_attempts_days,
        )

    async def probe(self) -> int | None:
        """A write that changes nothing, to learn whether the database is back (StoreUnavailable
        if not); then the bytes free beside a SQLite file (None for a server). A database found
        without its tables (dropped and made again, a new file put in place of a deleted one)
        gets its schema again, as at the daemon's start; its sources are synced when it is back."""
        try:
            await self.write(leases.probe, probe=True)
        except StoreUnavailable as fault:
            if fault.reason != store.db.SCHEMA_MISSING:
                raise
            await self._restore_schema()
            await self.write(leases.probe, probe=True)
        return store.db.free_space(self.sessions)

    async def _restore_schema(self) -> None:
        try:
            await self.writer.run(store.upgrade, self.sessions.kw["bind"], probe=True)
        except StoreUnavailable:
            raise
        except StoreError as error:  # the database's own refusal, as a fault that lasts
            raise StoreUnavailable(store.db.SCHEMA_MISSING, str(error)) from error

    async def sent_in_round(self, round_at: datetime) -> list[datetime]:
        """When the alerts this process sent in the round at `round_at` were queued."""
        return await self.read(_sent_in_round, self.owner, round_at)

    def overdue_sources(self, ids: list[str], now: datetime) -> int:
        """Of these sources, how many are overdue (summary.OVERDUE_GRACE)."""
        with store.faults(), self.sessions() as session:
            return summary.overdue_sources(session, ids, now)

    def alert_states(self) -> dict[str, int]:
        with store.faults(), self.sessions() as session:
            return summary.alert_states(session)


def _sync_sources(session: Session, sources: list[Source]) -> dict[str, PollLease]:
    store.sync_sources(session, sources)
    return {lease.source_id: lease for lease in leases.poll_leases(session, [s.id for s in sources])}


def _sent_in_round(session: Session, worker: str, round_at: datetime) -> list[datetime]:
    return list(summary.sent_in_round(session, worker=worker, sent_at=round_at))
