"""What the daemon's jobs do (`monitor.daemon` only says when): each job is a call into a flow
(`polling.Polling`, `alerts.deliver_due`, `digest_delivery.send_weekly_digest`,
`spikes.queue_spikes`), with the state the jobs share (the loaded config, the poll dependencies,
the metrics, the database outage) and what their reports say in the log and on /metrics.

`running()` holds what lives as long as the daemon serves: the poll dependencies (HTTP client,
parse workers, store thread), the metrics server (/metrics, /healthz, Slack's actions) and
Slack's socket. `reload()` swaps in a new config and watchlists only if everything loads.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

from monitor import triage
from monitor.alerts import DeliveryReport, deliver_due
from monitor.app import Loaded, loaded_from, needs_restart, poll_deps, utc_now
from monitor.config import Settings, load_settings
from monitor.digest_delivery import DigestReport, send_weekly_digest
from monitor.errors import ConfigError, StoreUnavailable, WatchlistError
from monitor.feed_workers import FeedWorkers
from monitor.logs import log
from monitor.metrics import Health, Metrics, MetricsServer, assess
from monitor.outage import Outage
from monitor.pipeline import PollDeps
from monitor.polling import Polling, PollLease, PollOutcome, in_thread, lease_time
from monitor.records import PollReport, Source
from monitor.spikes import SpikeRule, queue_spikes

if TYPE_CHECKING:
    from monitor.matching import Matcher

logger = logging.getLogger("monitor.daemon")  # the daemon's log lines, whichever module writes them

MIN_FREE = 1 << 20  # bytes free next to a SQLite file before a full disk counts as freed


def daemon_id() -> str:
    """host:pid:random, unique even when containers all run as pid 1."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(2)}"


class DaemonJobs:
    def __init__(
        self, config: Path | None, loaded: Loaded, sessions: sessionmaker[Session], *, local_leases: bool
    ) -> None:
        self.config = config
        self.loaded = loaded
        self.sessions = sessions
        self.local_leases = local_leases  # the sole daemon of a SQLite file: leases in memory
        self.owner = daemon_id()
        self.outage = Outage(utc_now)
        self.metrics = Metrics(self.alert_states)
        self._deps: PollDeps | None = None
        self._polling: Polling | None = None
        self._background: set[asyncio.Task[None]] = set()  # retiring workers: not waited for at stop
        gate = triage.gatekeeping(loaded.settings)  # POST /slack/actions on the metrics server
        slack = triage.responder(loaded.settings)
        self.triage = triage.Triage(gate, sessions, slack, utc_now) if gate else None

    @property
    def deps(self) -> PollDeps:
        assert self._deps is not None, "deps are built in running()"
        return self._deps

    @property
    def polling(self) -> Polling:
        assert self._polling is not None, "built in running(), with the deps"
        return self._polling

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """The poll dependencies, the metrics server and Slack's socket, while the daemon serves."""
        settings = self.loaded.settings
        async with poll_deps(
            settings, self.sessions, self.loaded.matcher.watchlist, self.outage, matcher=self.loaded.matcher
        ) as deps:
            self._deps = deps
            self._polling = Polling(
                self.sessions, deps.writer, self.outage, owner=self.owner, local_leases=self.local_leases
            )
            try:
                with _endpoints(settings, self.metrics, self.health, self.triage):
                    yield
            finally:
                self.deps.workers.close()  # the workers in use now, perhaps not the ones we started with

    async def sync_sources(self) -> dict[str, PollLease] | None:
        """Store the enabled sources; each one's stored schedule and lease (None: the database is
        down, the outage is recorded)."""
        try:
            return await self.polling.sync(list(self.loaded.sources.values()))
        except StoreUnavailable as fault:
            self.outage.failed(fault)
            return None

    async def poll(self, source: Source) -> PollOutcome:
        """The source's turn, if it is this process's; its report counted and logged."""
        outcome = await self.polling.poll(source, self.deps, utc_now(), lease_time(self.loaded.settings))
        if outcome.report is not None:
            _observe(self.metrics, outcome.report)
        return outcome

    async def deliver(self) -> None:
        """One delivery round of the outbox, as `monitor alerts` does it."""
        now = utc_now()
        loaded = self.loaded
        report = await in_thread(
            deliver_due, self.sessions, loaded.notifiers, now, loaded.policy, worker=self.owner
        )
        if report.sent:
            queued = await self.polling.sent_in_round(now)
            done = utc_now()
            for created in queued:
                self.metrics.delivery.observe((done - created).total_seconds())
        _log_delivery(report)

    async def digest(self) -> None:
        loaded = self.loaded
        reports = await in_thread(
            send_weekly_digest,
            loaded.settings,
            self.sessions,
            utc_now(),
            watchlist=loaded.matcher.watchlist,
            sender=loaded.sender,
        )
        _log_digest(reports)

    async def spikes(self) -> bool:
        """Volume spikes queued as alerts; True when any was."""
        rule = SpikeRule.from_settings(self.loaded.settings)
        return bool(await self.polling.write(queue_spikes, self.loaded.policy, rule, utc_now()))

    async def housekeeping(self) -> None:
        report = await self.polling.housekeeping(self.loaded.settings.daemon, utc_now())
        log(
            logger,
            "housekeeping.done",
            texts_cleared=report.texts_cleared,
            attempts_pruned=report.attempts_pruned,
        )

    async def probe(self) -> bool:
        """Is the database back? A write that changes nothing; after a full disk, also room on
        the disk (SQLite) or a later write that stored rows (a server). True when the outage ended
        (the releases that failed meanwhile are done again)."""
        try:
            free = await self.polling.probe()
        except StoreUnavailable as fault:
            self.outage.failed(fault)
            return False
        self.outage.succeeded(grew=free is not None and free >= MIN_FREE)
        if self.outage.active:
            return False
        await self.polling.recovered()
        return True

    async def reload(self, users: Sequence[asyncio.Task[None]]) -> bool:
        """The config and watchlists read again and swapped in, all or nothing; the old parse
        workers close once `users` (the jobs running now) are done. False when nothing changed."""
        try:
            fresh = loaded_from(load_settings(self.config))
        except (ConfigError, WatchlistError) as exc:
            kept = "the running config and watchlists"
            log(logger, "reload.rejected", logging.ERROR, error=str(exc), kept=kept)
            return False
        if restart := needs_restart(self.loaded.settings, fresh.settings):
            log(logger, "reload.needs_restart", logging.WARNING, changed=restart)
        old_workers = self.deps.workers

        def matcher() -> Matcher:  # the fresh one, built at load
            return fresh.matcher

        workers = FeedWorkers(matcher, self.loaded.settings.fetch.parse_workers)
        self._deps = replace(self.deps, matcher=matcher, workers=workers, alerts=fresh.policy)
        self.loaded = fresh
        retiring = asyncio.get_running_loop().create_task(_retire(old_workers, set(users)))
        self._background.add(retiring)
        retiring.add_done_callback(self._background.discard)
        return True

    async def release_leases(self) -> None:
        """Our poll leases back, at stop (if the database is down, they expire after lease_time)."""
        try:
            await self.polling.release_all()
        except StoreUnavailable as fault:
            log(logger, "daemon.leases_kept", logging.WARNING, error=fault.reason)

    def health(self) -> Health:
        last, age = self.metrics.since_tick()
        ids = list(self.loaded.sources)
        return assess(
            last, age, lambda: self.polling.overdue_sources(ids, utc_now()), self.outage.describe(), utc_now()
        )

    def alert_states(self) -> dict[str, int]:
        return self.polling.alert_states()


@contextmanager
def _endpoints(
    settings: Settings, metrics: Metrics, health: Callable[[], Health], slack: triage.Triage | None
) -> Iterator[None]:
    """The metrics server (/metrics, /healthz, Slack's actions) and Slack's socket."""
    server = _start_metrics(settings, metrics, health, slack)
    slack_socket = triage.socket_mode(settings, slack) if slack is not None else None
    if slack_socket is not None:
        slack_socket.start()
    try:
        yield
    finally:
        if server is not None:
            server.close()
        if slack_socket is not None:
            slack_socket.close()
        if slack is not None:
            slack.close()


def _start_metrics(
    settings: Settings, metrics: Metrics, health: Callable[[], Health], slack: triage.Triage | None
) -> MetricsServer | None:
    d = settings.daemon
    if not d.metrics:
        return None
    try:
        actions = slack.receive if slack is not None else None
        server = MetricsServer(metrics, health, d.metrics_host, d.metrics_port, actions)
    except OSError as exc:
        raise ConfigError(
            "daemon.metrics_port",
            f"cannot listen on {d.metrics_host}:{d.metrics_port} ({exc.strerror}); "
            "pick another port (0 = any free port) or set daemon.metrics = false",
        ) from None
    server.start()
    log(logger, "metrics.listening", host=d.metrics_host, port=server.port)
    return server


async def _retire(workers: FeedWorkers, users: set[asyncio.Task[None]]) -> None:
    """Close the old parse workers once the polls that may still use them are done."""
    if users:
        await asyncio.wait(users)
    workers.close()


def _observe(metrics: Metrics, report: PollReport) -> None:
    metrics.observe_poll(report)
    if report.new or report.status == "failed":
        log(
            logger,
            "poll.done",
            source=report.source_id,
            status=report.status,
            new=report.new,
            hits=report.hits,
        )


def _log_delivery(report: DeliveryReport) -> None:
    if report.sent or report.retrying or report.failed:
        log(logger, "alerts.delivered", sent=report.sent, retrying=report.retrying, failed=report.failed)


def _log_digest(reports: Sequence[DigestReport]) -> None:
    for report in reports:
        for outcome in report.outcomes:
            if outcome.status != "skipped":
                log(
                    logger,
                    "digest.send",
                    week=report.week,
                    recipient=outcome.recipient,
                    status=outcome.status,
                )
