"""`monitor run`: the clock. APScheduler 3.x jobs that call the same functions as the CLI.

Jobs (all `coalesce=True`, `max_instances=1`, no misfire limit, so runs missed while the process
was down or busy collapse into one run as soon as it can):

- `poll:<source>`, one per enabled source: claim the source's lease (`store.leases`), run
  `pipeline.poll_source`, release. The schedule lives in the database, not here: after every
  run, won or lost, the job moves its own next run to the source's stored `next_poll_at` (the
  pipeline's decision: interval plus jitter, stretched by ttl/max-age, backed off on failures,
  never before Retry-After). So a restart resumes where the last process stopped, overdue
  sources run once at start, and several daemons on PostgreSQL never poll a source twice in one
  interval: only the claimer of a due, unleased row may poll it.
- `alerts`: `alerts.deliver_due` (what `monitor alerts` runs) every `daemon.alert_tick`, at
  start, and at once after a poll that stored hits.
- `digest`: `digest_delivery.send_weekly_digest` at the configured weekday, time and timezone,
  at start, and every few minutes for retries. It sends the latest week whose send time has
  passed, once per recipient (recorded in `digest_sends`), so a digest missed while the daemon
  was down goes out at start, and one already sent, by this daemon or another, is not resent.
- `housekeeping`: retention (`store.retention`), at start and every `daemon.housekeeping`.
- `spikes`: `spikes.queue_spikes` (what `monitor poll` runs after a poll) at start and every 10 minutes.
- `heartbeat`: every few seconds, for /healthz.

Slack, SMTP and chart rendering block, so those jobs run in daemon threads, off the event loop
that fetches. Database work never runs on the loop either: writes (lease claims, the polls'
store batches, schedules, retention) go to the one `StoreThread`, reads to worker threads.

Database faults (`StoreUnavailable`: server down, disk full, file locked or read-only) are
expected: `Outage` logs one WARNING when one starts, a reminder a minute at most, one INFO when
it ends, never a traceback; a poll that met one stored nothing (its validators included), so it
is simply polled again, at its interval but no sooner than OUTAGE_RETRY; the heartbeat probes
the database every HEARTBEAT while the fault lasts, and /healthz answers 503 "degraded" meanwhile.
The one daemon of a SQLite file keeps its poll leases in memory (`DaemonLock` keeps every other
daemon out), so a locked or full file does not stop fetching; on PostgreSQL a lease whose
release failed is released again when the database is back, and a process always reclaims its
own lease. A lease lasts `daemon.poll_lease`, at most twice the longest poll (`lease_time`).

Signals only set flags or queue a job: SIGTERM/SIGINT stop new work, let running jobs finish
for up to `STOP_GRACE` seconds, cancel what is left (a cancelled poll stores nothing: its store
step is one transaction; a send cut off mid-way is retried when its claim expires, which is the
one message that can go out twice) and give back our leases; SIGHUP queues a reload that swaps
in the new config and watchlists only if everything loads cleanly. A reload applies sources,
watchlists, Slack, email, alert and digest settings and retention; `database_url`, `[fetch]`
and the metrics endpoint need a restart (the log says so).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import secrets
import signal
import socket
import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from monitor import store, triage
from monitor.alerts import AlertPolicy, DeliveryReport, deliver_due
from monitor.app import load_matcher, open_database, poll_deps, utc_now
from monitor.config import Settings, load_settings, parse_duration
from monitor.digest_delivery import build_sender, send_weekly_digest, timezone_of
from monitor.errors import ConfigError, StoreUnavailable, WatchlistError
from monitor.logs import log
from monitor.matching import Matcher
from monitor.metrics import Health, Metrics, MetricsServer, assess
from monitor.notify import Notifier, build_notifiers
from monitor.notify.email import EmailSender
from monitor.outage import Outage
from monitor.pipeline import FeedWorkers, PollDeps, poll_source
from monitor.records import PollReport, Source
from monitor.spikes import SpikeRule, queue_spikes
from monitor.store import leases, retention, summary

logger = logging.getLogger(__name__)

STOP_GRACE = 8.0  # seconds running jobs get after SIGTERM; cleanup fits in the rest of 10 s
HEARTBEAT = timedelta(seconds=5)
DIGEST_RETRY = timedelta(minutes=5)  # how often due digest retries are looked for
SPIKE_CHECK = timedelta(minutes=10)  # how often volume spikes are looked for (monitor/spikes.py)
MIN_RETRY = timedelta(seconds=1)  # a poll job never reschedules itself sooner than this
START_SPREAD = timedelta(seconds=10)  # overdue sources at start are spread over at most this
OVERDUE_GRACE = timedelta(minutes=2)  # a source due longer ago than this counts as overdue
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}
BUSY_TIMEOUT = 5.0  # seconds a write waits for another process's SQLite lock before it is a fault
OUTAGE_RETRY = timedelta(seconds=5)  # a poll that met a database fault runs again no sooner
STORE_ALLOWANCE = timedelta(seconds=30)  # a poll's store step, in the longest poll (lease_time)
MIN_FREE = 1 << 20  # bytes free next to a SQLite file before a full disk counts as freed

T = TypeVar("T")


class _LateRunsAreExpected(logging.Filter):
    """APScheduler warns each time a job's trigger fires while its last run still goes on (a poll
    waiting for a locked database, a delivery waiting for Slack). With coalesce and one instance
    per job that is the design, not a fault: the run just starts late; so these lines go."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in record.getMessage()


def daemon_id() -> str:
    """host:pid:random, unique even when containers all run as pid 1."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(2)}"


@dataclass(frozen=True)
class Loaded:
    """Everything built from the config files; a SIGHUP replaces it all at once or not at all."""

    settings: Settings
    matcher: Matcher
    notifiers: Mapping[str, Notifier]
    policy: AlertPolicy
    sender: EmailSender

    @property
    def sources(self) -> dict[str, Source]:
        return {s.id: s for s in self.settings.enabled_sources()}


def loaded_from(settings: Settings) -> Loaded:
    """Watchlists, channels and the digest sender for these settings; raises ConfigError or
    WatchlistError, so every mistake a reload could bring is found before anything is swapped."""
    matcher = load_matcher(settings)
    timezone_of(settings.digest)
    return Loaded(
        settings=settings,
        matcher=matcher,
        notifiers=build_notifiers(settings),
        policy=AlertPolicy.from_settings(settings, matcher.watchlist),
        sender=build_sender(settings),
    )


def lease_time(settings: Settings) -> timedelta:
    """`daemon.poll_lease`, capped at twice the longest poll: a feed fetch and then its full-text
    pages are each bounded by `fetch.total_timeout`, plus STORE_ALLOWANCE for the store step
    (defaults: min(5m, 2 x (2 x 60s + 30s)) = 5 minutes)."""
    longest = 2 * timedelta(seconds=settings.fetch.total_timeout) + STORE_ALLOWANCE
    return min(parse_duration(settings.daemon.poll_lease), 2 * longest)


def open_store(settings: Settings, *, sole: bool) -> tuple[Engine, sessionmaker[Session]]:
    """A migrated database (store.upgrade lets daemons starting together migrate once). The sole
    daemon of a SQLite file frees the leases a killed predecessor left, instead of waiting."""
    engine, sessions = open_database(settings, busy_timeout=BUSY_TIMEOUT)
    if sole:
        with sessions.begin() as session:
            leases.release_all(session, owner=None)
    return engine, sessions


def run(config: Path | None, loaded: Loaded) -> None:
    """The `monitor run` process: lock (SQLite), migrate, schedule, run until a stop signal."""
    with leases.DaemonLock(loaded.settings.database_url) as lock:
        engine, sessions = open_store(loaded.settings, sole=lock.sole)
        try:
            asyncio.run(Daemon(config, loaded, sessions, local_leases=lock.sole).serve())
        finally:
            engine.dispose()


async def in_thread(work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Blocking work in a daemon thread: a send hung past the stop grace cannot hold the
    process open (unlike the default executor, which interpreter exit waits for)."""
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


class Daemon:
    def __init__(
        self,
        config: Path | None,
        loaded: Loaded,
        sessions: sessionmaker[Session],
        *,
        local_leases: bool = False,
    ) -> None:
        self.config = config
        self.loaded = loaded
        self.sessions = sessions
        self.local_leases = local_leases  # the sole daemon of a SQLite file: leases in memory
        self.owner = daemon_id()
        self.outage = Outage(utc_now)
        self._unreleased: set[str] = set()  # leases whose release met a database fault
        self._resync = False  # the sources could not be synced: again when the database is back
        self._probing: asyncio.Task[None] | None = None  # the database probe during an outage
        self.metrics = Metrics(self._alert_states)
        self.scheduler = AsyncIOScheduler(timezone=timezone.utc, job_defaults=JOB_DEFAULTS)
        self._stop = asyncio.Event()
        self._running: set[asyncio.Task[None]] = set()
        self._deps: PollDeps | None = None
        self._hits_waiting = False  # a poll stored hits: the deliverer should (re)run now
        self._background: set[asyncio.Task[None]] = set()  # not jobs: not waited for at stop
        gate = triage.gatekeeping(loaded.settings)  # POST /slack/actions on the metrics server
        slack = triage.responder(loaded.settings)
        self.triage = triage.Triage(gate, sessions, slack, utc_now) if gate else None

    @property
    def deps(self) -> PollDeps:
        assert self._deps is not None, "deps are built in serve()"
        return self._deps

    async def serve(self) -> None:
        logging.getLogger("apscheduler.scheduler").addFilter(_LateRunsAreExpected())
        settings = self.loaded.settings
        async with poll_deps(settings, self.sessions, self.loaded.matcher, self.outage) as deps:
            self._deps = deps
            server = self._start_metrics(settings)
            socket = triage.socket_mode(settings, self.triage) if self.triage is not None else None
            if socket is not None:
                socket.start()
            try:
                await self._schedule(utc_now())
                self.scheduler.start()
                self._install_signals()
                log(logger, "daemon.started", owner=self.owner, sources=len(self.loaded.sources))
                await self._stop.wait()
                await self._drain()
            finally:
                if server is not None:
                    server.close()
                if socket is not None:
                    socket.close()
                if self.triage is not None:
                    self.triage.close()
                self.deps.workers.close()  # the workers in use now, perhaps not the ones we started with
        log(logger, "daemon.stopped", owner=self.owner)

    # --- lifecycle -------------------------------------------------------------------------------

    def _install_signals(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self._request_stop, signum)
        loop.add_signal_handler(signal.SIGHUP, self._request_reload)

    def _request_stop(self, signum: int) -> None:
        log(logger, "daemon.stopping", signal=signal.Signals(signum).name, running=len(self._running))
        self._stop.set()

    def _request_reload(self) -> None:
        job = self._job("reload", self._reload)
        self.scheduler.add_job(job, id="reload", name="reload", replace_existing=True)

    async def _drain(self) -> None:
        """No new runs; running jobs get STOP_GRACE seconds; then our leases go back."""
        self.scheduler.pause()
        running = set(self._running)
        if running:
            _, late = await asyncio.wait(running, timeout=STOP_GRACE)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
            log(logger, "daemon.drained", finished=len(running) - len(late), cancelled=len(late))
        self.scheduler.shutdown(wait=False)
        if self.local_leases:
            return
        try:
            await self._write(leases.release_all, owner=self.owner)
        except StoreUnavailable as fault:  # they expire after lease_time anyway
            log(logger, "daemon.leases_kept", logging.WARNING, error=fault.reason)

    def _start_metrics(self, settings: Settings) -> MetricsServer | None:
        d = settings.daemon
        if not d.metrics:
            return None
        try:
            actions = self.triage.receive if self.triage is not None else None
            server = MetricsServer(self.metrics, self._health, d.metrics_host, d.metrics_port, actions)
        except OSError as exc:
            raise ConfigError(
                "daemon.metrics_port",
                f"cannot listen on {d.metrics_host}:{d.metrics_port} ({exc.strerror}); "
                "pick another port (0 = any free port) or set daemon.metrics = false",
            ) from None
        server.start()
        log(logger, "metrics.listening", host=d.metrics_host, port=server.port)
        return server

    # --- scheduling ------------------------------------------------------------------------------

    async def _schedule(self, now: datetime) -> None:
        """Every job, each with a first run now (catch-up) except the polls, which the database times."""
        await self._schedule_sources(now)
        self._every("heartbeat", self._heartbeat, IntervalTrigger(seconds=HEARTBEAT.total_seconds()), now)
        self._every("alerts", self._deliver, self._tick("alert_tick"), now)
        self._every("housekeeping", self._housekeeping, self._tick("housekeeping"), now)
        self._every("digest", self._digest, self._digest_trigger(), now)
        self._every("spikes", self._spikes, IntervalTrigger(seconds=SPIKE_CHECK.total_seconds()), now)

    def _every(
        self, kind: str, work: Callable[[], Awaitable[None] | None], trigger: Any, first: datetime
    ) -> None:
        self.scheduler.add_job(
            self._job(kind, work), trigger, id=kind, name=kind, next_run_time=first, replace_existing=True
        )

    def _tick(self, name: str) -> IntervalTrigger:
        return IntervalTrigger(
            seconds=parse_duration(getattr(self.loaded.settings.daemon, name)).total_seconds()
        )

    def _digest_trigger(self) -> OrTrigger:
        """The configured weekday and time, and a short interval so due retries go out too."""
        d = self.loaded.settings.digest
        hour, minute = (int(part) for part in d.time.split(":"))
        weekly = CronTrigger(day_of_week=d.weekday, hour=hour, minute=minute, timezone=timezone_of(d))
        return OrTrigger([weekly, IntervalTrigger(seconds=DIGEST_RETRY.total_seconds())])

    def _reschedule_settings(self) -> None:
        """After a reload: the clocks that come from settings (no catch-up run)."""
        for kind, trigger in (
            ("alerts", self._tick("alert_tick")),
            ("housekeeping", self._tick("housekeeping")),
            ("digest", self._digest_trigger()),
        ):
            self.scheduler.reschedule_job(kind, trigger=trigger)

    async def _schedule_sources(self, now: datetime) -> None:
        """One job per enabled source, first run when the database says it is due (at once if
        it cannot say: the sources are synced again when it is back)."""
        sources = self.loaded.sources
        try:
            stored = await self._write(_sync_sources, list(sources.values()))
            self._resync = False
        except StoreUnavailable as fault:
            self.outage.failed(fault)
            self._resync, stored = True, {}
        for job in self.scheduler.get_jobs():
            if job.id.startswith("poll:") and job.id.removeprefix("poll:") not in sources:
                job.remove()
        for source in sources.values():
            self._schedule_source(source, stored.get(source.id), now)

    def _schedule_source(self, source: Source, lease: leases.PollLease | None, now: datetime) -> None:
        job_id = f"poll:{source.id}"
        seconds = source.interval.total_seconds()
        existing = self.scheduler.get_job(job_id)
        if existing is not None and existing.trigger.interval == source.interval:
            return
        first = leases.next_try(
            lease, owner=self.owner, now=now, at_least=timedelta(0), at_most=source.interval
        )
        if first <= now:  # overdue: spread the start-up burst a little
            first = now + min(source.interval / 10, START_SPREAD) * random.random()
        self.scheduler.add_job(
            self._job("poll", self._poll, source.id),
            IntervalTrigger(seconds=seconds, jitter=seconds / 10),
            id=job_id,
            name=job_id,
            next_run_time=first,
            replace_existing=True,
        )

    def _job(
        self, kind: str, work: Callable[..., Awaitable[None] | None], *args: object
    ) -> Callable[[], Awaitable[None]]:
        """Wrap a unit of work: tracked for the drain on SIGTERM, and a failure is logged, not fatal."""

        async def job() -> None:
            task = asyncio.current_task()
            assert task is not None
            self._running.add(task)
            try:
                result = work(*args)
                if asyncio.iscoroutine(result):
                    await result
            except Exception as exc:  # one job's bug must not stop the clock
                if fault := store.unavailable(exc):  # expected: one line per outage, no traceback
                    self.outage.failed(fault)
                    return
                self.metrics.job_errors.labels(kind).inc()
                logger.exception("job.failed", extra={"fields": {"job": kind, "args": list(args)}})
            finally:
                self._running.discard(task)

        return job

    # --- polls -----------------------------------------------------------------------------------

    async def _write(self, work: Callable[..., T], *args: Any, probe: bool = False, **kwargs: Any) -> T:
        """`work(session, ...)` in one transaction in the store thread; an expected database
        fault is raised as StoreUnavailable (at once during an outage, unless `probe`)."""

        def in_transaction() -> T:
            with self.sessions.begin() as session:
                return work(session, *args, **kwargs)

        with store.faults():
            return await self.deps.writer.run(in_transaction, probe=probe)

    async def _read(self, work: Callable[..., T], *args: Any) -> T:
        """`work(session, ...)` in a worker thread (reads need not wait for the writer)."""

        def in_session() -> T:
            with self.sessions() as session:
                return work(session, *args)

        with store.faults():
            return await asyncio.to_thread(in_session)

    async def _poll(self, source_id: str) -> None:
        source = self.loaded.sources.get(source_id)
        if source is None:
            return
        failed = False
        try:
            if await self._claim(source, lease_time(self.loaded.settings)):
                report = await self._poll_claimed(source)
                self.outage.succeeded(grew=bool(report.new or report.updated))
                self._observe(report)
        except StoreUnavailable as fault:  # nothing stored: polled again after OUTAGE_RETRY
            self.outage.failed(fault)
            failed = True
        finally:
            await self._reschedule(source, failed)

    async def _claim(self, source: Source, lease: timedelta) -> bool:
        now = utc_now()
        if self.local_leases:
            return await self._read(leases.is_due, source.id, now)
        claimed = await self._write(leases.claim_poll, source.id, owner=self.owner, now=now, lease=lease)
        self.outage.succeeded(grew=False)
        return claimed

    async def _poll_claimed(self, source: Source) -> PollReport:
        try:
            [health] = await self._read(store.source_health, [source.id])
            return await poll_source(source, health, self.deps)
        finally:
            await self._release(source.id)

    async def _release(self, source_id: str) -> None:
        """Give the lease back; if the database is down, again when it is back (`_recovered`)."""
        if self.local_leases:
            return
        try:
            await self._write(leases.release_poll, source_id, owner=self.owner)
            self._unreleased.discard(source_id)
        except StoreUnavailable as fault:
            self.outage.failed(fault)
            self._unreleased.add(source_id)

    def _observe(self, report: PollReport) -> None:
        self.metrics.observe_poll(report)
        if report.new or report.status == "failed":
            fields = {
                "source": report.source_id,
                "status": report.status,
                "new": report.new,
                "hits": report.hits,
            }
            log(logger, "poll.done", **fields)
        if report.alerts or report.hits:
            self._hits_waiting = True
            self.scheduler.modify_job("alerts", next_run_time=utc_now())

    async def _reschedule(self, source: Source, failed: bool) -> None:
        if self._stop.is_set() or self.scheduler.get_job(f"poll:{source.id}") is None:
            return
        now = utc_now()
        retry = now + max(source.interval, OUTAGE_RETRY) * (1 + 0.1 * random.random())
        if failed:
            when = retry
        else:
            try:
                [lease] = await self._read(leases.poll_leases, [source.id]) or [None]
                when = leases.next_try(
                    lease, owner=self.owner, now=now, at_least=MIN_RETRY, at_most=source.interval
                )
            except StoreUnavailable as fault:
                self.outage.failed(fault)
                when = retry
        if self.scheduler.get_job(f"poll:{source.id}") is not None:  # a reload may have removed it
            self.scheduler.modify_job(f"poll:{source.id}", next_run_time=when)

    # --- alerts, digest, housekeeping ------------------------------------------------------------

    async def _deliver(self) -> None:
        """One delivery round, again while polls keep storing hits meanwhile."""
        while True:
            self._hits_waiting = False
            now = utc_now()
            report = await in_thread(
                deliver_due, self.sessions, self.loaded.notifiers, now, self.loaded.policy, worker=self.owner
            )
            await self._observe_delivery(report, now)
            if not self._hits_waiting or self._stop.is_set():
                return

    async def _observe_delivery(self, report: DeliveryReport, round_at: datetime) -> None:
        if report.sent:
            queued = await self._read(_sent_in_round, self.owner, round_at)
            done = utc_now()
            for created in queued:
                self.metrics.delivery.observe((done - created).total_seconds())
        if report.sent or report.retrying or report.failed:
            log(logger, "alerts.delivered", sent=report.sent, retrying=report.retrying, failed=report.failed)

    async def _digest(self) -> None:
        loaded = self.loaded
        reports = await in_thread(
            send_weekly_digest,
            loaded.settings,
            self.sessions,
            utc_now(),
            watchlist=loaded.matcher.watchlist,
            sender=loaded.sender,
        )
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

    async def _spikes(self) -> None:
        rule = SpikeRule.from_settings(self.loaded.settings)
        if await self._write(queue_spikes, self.loaded.policy, rule, utc_now()):
            self.scheduler.modify_job("alerts", next_run_time=utc_now())

    async def _housekeeping(self) -> None:
        d = self.loaded.settings.daemon
        report = await self._write(
            retention.apply,
            now=utc_now(),
            keep_text_days=d.keep_article_text_days,
            keep_attempts_days=d.keep_attempts_days,
        )
        log(
            logger,
            "housekeeping.done",
            texts_cleared=report.texts_cleared,
            attempts_pruned=report.attempts_pruned,
        )

    def _heartbeat(self) -> None:
        self.metrics.tick(utc_now())
        if self.outage.active and self._probing is None:  # the probe may wait: the tick must not
            self._probing = asyncio.get_running_loop().create_task(self._probe())
            self._probing.add_done_callback(self._probed)

    def _probed(self, task: asyncio.Task[None]) -> None:
        self._probing = None
        if not task.cancelled() and (error := task.exception()) is not None:
            self.metrics.job_errors.labels("probe").inc()
            logger.error("probe.failed", exc_info=error)

    async def _probe(self) -> None:
        """Is the database back? A write that changes nothing; after a full disk, also room on
        the disk (SQLite) or a later write that stored rows (a server)."""
        try:
            await self._write(leases.probe, probe=True)
        except StoreUnavailable as fault:
            self.outage.failed(fault)
            return
        free = store.db.free_space(self.sessions)
        self.outage.succeeded(grew=free is not None and free >= MIN_FREE)
        if not self.outage.active:
            await self._recovered()

    async def _recovered(self) -> None:
        """What waited for the database: the sources' sync, releases that failed."""
        if self._resync:
            await self._schedule_sources(utc_now())
        for source_id in sorted(self._unreleased):
            await self._release(source_id)

    # --- reload ----------------------------------------------------------------------------------

    async def _reload(self) -> None:
        try:
            fresh = loaded_from(load_settings(self.config))
        except (ConfigError, WatchlistError) as exc:
            log(
                logger,
                "reload.rejected",
                logging.ERROR,
                error=str(exc),
                kept="the running config and watchlists",
            )
            return
        if restart := _needs_restart(self.loaded.settings, fresh.settings):
            log(logger, "reload.needs_restart", logging.WARNING, changed=restart)
        old_workers = self.deps.workers
        workers = FeedWorkers(fresh.matcher, self.loaded.settings.fetch.parse_workers)
        self._deps = replace(self.deps, matcher=fresh.matcher, workers=workers, alerts=fresh.policy)
        self.loaded = fresh
        retiring = asyncio.get_running_loop().create_task(self._retire(old_workers, set(self._running)))
        self._background.add(retiring)
        retiring.add_done_callback(self._background.discard)
        await self._schedule_sources(utc_now())
        self._reschedule_settings()
        log(
            logger,
            "reload.applied",
            sources=len(fresh.sources),
            entities=len(fresh.matcher.watchlist.entities),
        )

    async def _retire(self, workers: FeedWorkers, users: set[asyncio.Task[None]]) -> None:
        """Close the old parse workers once the polls that may still use them are done."""
        if users:
            await asyncio.wait(users)
        workers.close()

    # --- health ----------------------------------------------------------------------------------

    def _health(self) -> Health:
        last, age = self.metrics.since_tick()
        ids = list(self.loaded.sources)

        def sources_due() -> int:
            with store.faults(), self.sessions() as session:
                return summary.overdue_sources(session, ids, utc_now(), OVERDUE_GRACE)

        return assess(last, age, sources_due, self.outage.describe(), utc_now())

    def _alert_states(self) -> dict[str, int]:
        with store.faults(), self.sessions() as session:
            return summary.alert_states(session)


def _sync_sources(session: Session, sources: list[Source]) -> dict[str, leases.PollLease]:
    store.sync_sources(session, sources)
    return {lease.source_id: lease for lease in leases.poll_leases(session, [s.id for s in sources])}


def _sent_in_round(session: Session, worker: str, round_at: datetime) -> list[datetime]:
    return list(summary.sent_in_round(session, worker=worker, sent_at=round_at))


def _needs_restart(old: Settings, new: Settings) -> str:
    """The changed settings a reload cannot apply in place (named for the log line)."""
    endpoint = ("metrics", "metrics_host", "metrics_port", "log_json", "log_level")
    changed = [key for key in ("database_url", "fetch") if getattr(old, key) != getattr(new, key)]
    changed += [f"daemon.{key}" for key in endpoint if getattr(old.daemon, key) != getattr(new.daemon, key)]
    clicks = ("signing_secret", "app_token", "team_id", "api_app_id")  # the triage endpoint and socket
    changed += [f"slack.{key}" for key in clicks if getattr(old.slack, key) != getattr(new.slack, key)]
    return ", ".join(changed)
