"""`monitor run`: the clock. APScheduler 3.x jobs that call the same functions as the CLI.

Jobs (all `coalesce=True`, `max_instances=1`, no misfire limit, so runs missed while the process
was down or busy collapse into one run as soon as it can):

- `poll:<source>`, one per enabled source: `polling.Polling.poll` (the source's turn by its
  lease, `pipeline.poll_source`, the lease back). The schedule lives in the database, not here: after every
  run, won or lost, the job's next run moves to the source's stored `next_poll_at` (the
  pipeline's decision: interval plus jitter, stretched by ttl/max-age, backed off on failures,
  never before Retry-After). So a restart resumes where the last process stopped, overdue
  sources run once at start, and several daemons on PostgreSQL never poll a source twice in one
  interval: only the claimer of a due, unleased row may poll it. The run says when, the move is
  made once the run has ended (`_after_run`): a time already past, set while APScheduler still
  counted the run as running, would be skipped for `max_instances` and the source polled a whole
  interval late.
- `alerts`: `alerts.deliver_due` (as `monitor alerts`) every `daemon.alert_tick`, at start,
  and at once after a poll that stored hits.
- `digest`: `digest_delivery.send_weekly_digest` at the configured weekday, time and timezone,
  at start, and every few minutes for retries: the latest week due, once per recipient.
- `housekeeping`: retention (`Polling.housekeeping`), at start and every `daemon.housekeeping`.
- `spikes`: `spikes.queue_spikes` (as `monitor poll` after a poll), at start and every 10 minutes.
- `heartbeat`: every few seconds, for /healthz (and the database probe during an outage).

This module is the clock: what each job does is `monitor.daemon_jobs.DaemonJobs`, a call into a
flow. Slack, SMTP and chart rendering block, so those jobs run in daemon threads, off the event
loop that fetches. The daemon never touches the store: `monitor.polling` does, off the loop.

Database faults (`StoreUnavailable`: server down, disk full, file locked or read-only) are
expected: `Outage` logs one WARNING when one starts, a reminder a minute at most, one INFO when
it ends, never a traceback; a poll that met one stored nothing (its validators included), so it
is simply polled again, at its interval but no sooner than `polling.OUTAGE_RETRY`; the heartbeat probes
the database every HEARTBEAT while the fault lasts, and /healthz answers 503 "degraded" meanwhile.

Signals only set flags or queue a job: SIGTERM/SIGINT stop new work, let running jobs finish
for up to `STOP_GRACE` seconds, cancel what is left (a cancelled poll stores nothing: its store
step is one transaction; a send cut off mid-way is retried when its claim expires, which is the
one message that can go out twice) and give back our leases; SIGHUP queues a reload that swaps
in the new config and watchlists only if everything loads cleanly. A reload applies sources,
watchlists, Slack, email, alert and digest settings and retention; `database_url`, `[fetch]`
and the metrics endpoint need a restart (the log says so). A signal is never lost under load
(`handle_signals`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
import signal
import socket
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from monitor.app import Loaded, open_store, utc_now
from monitor.config import Settings, parse_duration
from monitor.daemon_jobs import DaemonJobs
from monitor.digest_delivery import timezone_of
from monitor.logs import LateRunsAreExpected, log
from monitor.polling import DaemonLock, PollLease, unavailable
from monitor.records import Source

logger = logging.getLogger(__name__)

STOP_GRACE = 8.0  # seconds running jobs get after SIGTERM; cleanup fits in the rest of 10 s
HEARTBEAT = timedelta(seconds=5)
DIGEST_RETRY = timedelta(minutes=5)  # how often due digest retries are looked for
SPIKE_CHECK = timedelta(minutes=10)  # how often volume spikes are looked for (monitor/spikes.py)
START_SPREAD = timedelta(seconds=10)  # overdue sources at start are spread over at most this
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}
BUSY_TIMEOUT = 5.0  # seconds a write waits for another process's SQLite lock before it is a fault


def run(config: Path | None, loaded: Loaded, hung_up: Callable[[], bool] = lambda: False) -> None:
    """The `monitor run` process: lock (SQLite), migrate, schedule, run until a stop signal.
    `hung_up`: whether a SIGHUP came before the daemon handled signals (then it reloads once)."""
    with DaemonLock(loaded.settings.database_url) as lock:
        engine, sessions = open_store(loaded.settings, sole=lock.sole, busy_timeout=BUSY_TIMEOUT)
        try:
            jobs = DaemonJobs(config, loaded, sessions, local_leases=lock.sole)
            asyncio.run(Daemon(jobs, hung_up).serve())
        finally:
            engine.dispose()


def settings_triggers(settings: Settings) -> dict[str, Any]:
    """The clocks that come from settings: alert and housekeeping ticks, and the digest at the
    configured weekday and time plus a short interval so due retries go out too."""
    d = settings.digest
    hour, minute = (int(part) for part in d.time.split(":"))
    weekly = CronTrigger(day_of_week=d.weekday, hour=hour, minute=minute, timezone=timezone_of(d))
    return {
        "alerts": _interval(parse_duration(settings.daemon.alert_tick)),
        "housekeeping": _interval(parse_duration(settings.daemon.housekeeping)),
        "digest": OrTrigger([weekly, _interval(DIGEST_RETRY)]),
    }


def _interval(every: timedelta) -> IntervalTrigger:
    return IntervalTrigger(seconds=every.total_seconds())


@contextlib.contextmanager
def handle_signals(actions: dict[signal.Signals, Callable[[], None]]) -> Iterator[None]:
    """While the block runs, each signal in `actions` runs its action on the loop, whatever the load.

    Not `loop.add_signal_handler`: there asyncio learns which signal came only from a byte the C
    handler writes to the loop's self-pipe, the socket every `call_soon_threadsafe` writes to as
    well (fetch, store and parse threads, many times a second with 1,000 sources). While the loop
    is busy that socket fills, the byte is dropped ("Exception ignored when trying to write to the
    signal wakeup fd: BlockingIOError") and the stop or reload never happens. Here a Python
    handler does it: Python always runs it, in the main thread (the loop's) at its next bytecode,
    and `call_soon_threadsafe` queues the action even when its own wake-up write fails (the pipe
    is full: the loop wakes anyway), as asyncio.run's own Ctrl-C handler does. The signals' own
    wake-up socket only wakes a loop idle in select() when the kernel gave the signal to another
    thread; it is drained, never read for signal numbers, so when full it loses nothing (and
    warns of nothing)."""
    loop = asyncio.get_running_loop()
    wake, wake_writer = socket.socketpair()
    wake.setblocking(False)
    wake_writer.setblocking(False)
    loop.add_reader(wake, _drain, wake)

    def handler(signum: int, frame: object) -> None:
        loop.call_soon_threadsafe(actions[signal.Signals(signum)])

    wakeup_fd = signal.set_wakeup_fd(wake_writer.fileno(), warn_on_full_buffer=False)
    previous = {signum: signal.signal(signum, handler) for signum in actions}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
        signal.set_wakeup_fd(wakeup_fd)
        loop.remove_reader(wake)
        wake.close()
        wake_writer.close()


def _drain(wake: socket.socket) -> None:
    with contextlib.suppress(BlockingIOError):
        while wake.recv(4096):
            pass


class InFlight:
    """The jobs running now: each run is tracked for the drain at stop, and its failure is
    logged, not fatal (an expected database fault goes to the outage, without a traceback)."""

    def __init__(self, jobs: DaemonJobs) -> None:
        self.jobs = jobs
        self.tasks: set[asyncio.Task[None]] = set()
        self._alone: dict[str, asyncio.Task[None]] = {}  # not jobs: not waited for at stop

    def job(
        self, kind: str, work: Callable[..., Awaitable[Any] | None], *args: object
    ) -> Callable[[], Awaitable[None]]:
        """`work(*args)` as a scheduler job."""

        async def job() -> None:
            task = asyncio.current_task()
            assert task is not None
            self.tasks.add(task)
            try:
                result = work(*args)
                if asyncio.iscoroutine(result):
                    await result
            except asyncio.CancelledError:  # the stop's drain ran out of time: no fault of the job's
                log(logger, "job.cancelled", job=kind, args=list(args))  # (APScheduler logged an ERROR)
            except Exception as exc:  # one job's bug must not stop the clock
                if fault := unavailable(exc):  # expected: one line per outage, no traceback
                    self.jobs.outage.failed(fault)
                    return
                self.jobs.metrics.job_errors.labels(kind).inc()
                logger.exception("job.failed", extra={"fields": {"job": kind, "args": list(args)}})
            finally:
                self.tasks.discard(task)

        return job

    def alone(self, kind: str, work: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """`work()` in a task of its own (the database probe during an outage), unless the last
        one still runs; a failure is logged as `<kind>.failed`."""
        if kind not in self._alone:
            self._alone[kind] = asyncio.get_running_loop().create_task(work())
            self._alone[kind].add_done_callback(functools.partial(self._done_alone, kind))

    def _done_alone(self, kind: str, task: asyncio.Task[None]) -> None:
        del self._alone[kind]
        if not task.cancelled() and (error := task.exception()) is not None:
            self.jobs.metrics.job_errors.labels(kind).inc()
            logger.error(f"{kind}.failed", exc_info=error)

    async def drain(self, grace: float) -> None:
        """The running jobs get `grace` seconds; what is left is cancelled."""
        running = set(self.tasks)
        if running:
            _, late = await asyncio.wait(running, timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
            log(logger, "daemon.drained", finished=len(running) - len(late), cancelled=len(late))


class Daemon:
    """The clock: one APScheduler job per source and per periodic duty, each a call into `jobs`."""

    def __init__(self, jobs: DaemonJobs, hung_up: Callable[[], bool] = lambda: False) -> None:
        self.jobs = jobs
        self._hung_up = hung_up
        self.scheduler = AsyncIOScheduler(timezone=timezone.utc, job_defaults=JOB_DEFAULTS)
        self._stop = asyncio.Event()
        self._in_flight = InFlight(jobs)
        self._job = self._in_flight.job
        self._hits_waiting = False  # a poll stored hits: the deliverer should (re)run now
        self._next_polls: dict[str, datetime] = {}  # poll job id -> its next run, set by _after_run
        self.scheduler.add_listener(self._after_run, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)

    async def serve(self) -> None:
        logging.getLogger("apscheduler.scheduler").addFilter(LateRunsAreExpected())
        with contextlib.ExitStack() as signals:  # handled to the end: a second signal changes nothing
            async with self.jobs.running():
                await self._schedule(utc_now())
                self.scheduler.start()
                signals.enter_context(handle_signals(self._signal_actions()))
                log(logger, "daemon.started", owner=self.jobs.owner, sources=len(self.jobs.loaded.sources))
                if self._hung_up():  # a SIGHUP while starting: the files may have changed since read
                    self._request_reload()
                await self._stop.wait()
                await self._drain()
            log(logger, "daemon.stopped", owner=self.jobs.owner)

    # --- lifecycle -------------------------------------------------------------------------------

    def _signal_actions(self) -> dict[signal.Signals, Callable[[], None]]:
        stop = self._request_stop
        return {
            signal.SIGTERM: functools.partial(stop, signal.SIGTERM),
            signal.SIGINT: functools.partial(stop, signal.SIGINT),
            signal.SIGHUP: self._request_reload,
        }

    def _request_stop(self, signum: signal.Signals) -> None:
        if self._stop.is_set():  # a second Ctrl-C, or a signal sent to the process and its group
            return
        log(logger, "daemon.stopping", signal=signum.name, running=len(self._in_flight.tasks))
        self._stop.set()

    def _request_reload(self) -> None:
        self.scheduler.add_job(
            self._job("reload", self._reload), id="reload", name="reload", replace_existing=True
        )

    async def _drain(self) -> None:
        """No new runs; running jobs get STOP_GRACE seconds; then our leases go back."""
        self.scheduler.pause()
        await self._in_flight.drain(STOP_GRACE)
        self.scheduler.shutdown(wait=False)
        await self.jobs.release_leases()

    # --- scheduling ------------------------------------------------------------------------------

    async def _schedule(self, now: datetime) -> None:
        """Every job, each with a first run now (catch-up) except the polls, which the database times."""
        await self._schedule_sources(now)
        jobs, triggers = self.jobs, settings_triggers(self.jobs.loaded.settings)
        self._every("heartbeat", self._heartbeat, _interval(HEARTBEAT), now)
        self._every("alerts", self._deliver, triggers["alerts"], now)
        self._every("housekeeping", jobs.housekeeping, triggers["housekeeping"], now)
        self._every("digest", jobs.digest, triggers["digest"], now)
        self._every("spikes", self._spikes, _interval(SPIKE_CHECK), now)

    def _every(
        self, kind: str, work: Callable[[], Awaitable[None] | None], trigger: Any, first: datetime
    ) -> None:
        job = self._job(kind, work)
        self.scheduler.add_job(job, trigger, id=kind, name=kind, next_run_time=first, replace_existing=True)

    async def _schedule_sources(self, now: datetime) -> None:
        """One job per enabled source, first run when the database says it is due (at once if
        it cannot say: the sources are synced again when it is back)."""
        sources = self.jobs.loaded.sources
        stored = await self.jobs.sync_sources()
        for job in self.scheduler.get_jobs():
            if job.id.startswith("poll:") and job.id.removeprefix("poll:") not in sources:
                job.remove()
        for source in sources.values():
            self._schedule_source(source, (stored or {}).get(source.id), now)

    def _schedule_source(self, source: Source, lease: PollLease | None, now: datetime) -> None:
        job_id = f"poll:{source.id}"
        seconds = source.interval.total_seconds()
        existing = self.scheduler.get_job(job_id)
        if existing is not None and existing.trigger.interval == source.interval:
            return
        first = self.jobs.polling.first_run(lease, source, now)
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

    # --- the jobs --------------------------------------------------------------------------------

    async def _poll(self, source_id: str) -> None:
        """The source's turn; then its next run, when the database says it is due."""
        source = self.jobs.loaded.sources.get(source_id)
        if source is None:
            return
        failed = False
        try:
            outcome = await self.jobs.poll(source)
            failed = outcome.failed
            if outcome.report is not None and (outcome.report.alerts or outcome.report.hits):
                self._hits_waiting = True
                self.scheduler.modify_job("alerts", next_run_time=utc_now())
        finally:
            if not self._stop.is_set():
                self._next_polls[f"poll:{source.id}"] = await self.jobs.polling.next_run(
                    source, utc_now(), failed
                )

    def _after_run(self, event: JobExecutionEvent) -> None:
        """A poll's next run, once APScheduler no longer counts the run as running. Set from
        inside the run, a time already past (the read that decides it took a while on a busy
        machine) would make the job due while it still runs: with max_instances=1 APScheduler
        skips that run and moves the job on by its trigger, a whole interval."""
        when = self._next_polls.pop(event.job_id, None)
        if when is not None and self.scheduler.get_job(event.job_id) is not None:  # a reload may remove it
            self.scheduler.modify_job(event.job_id, next_run_time=when)

    async def _deliver(self) -> None:
        """One delivery round, again while polls keep storing hits meanwhile."""
        while True:
            self._hits_waiting = False
            await self.jobs.deliver()
            if not self._hits_waiting or self._stop.is_set():
                return

    async def _spikes(self) -> None:
        if await self.jobs.spikes():
            self.scheduler.modify_job("alerts", next_run_time=utc_now())

    def _heartbeat(self) -> None:
        self.jobs.metrics.tick(utc_now())
        if self.jobs.outage.active:  # the probe may wait: the tick must not
            self._in_flight.alone("probe", self._probe)

    async def _probe(self) -> None:
        """Is the database back? Then the sources' sync, as at the start: it may have failed, or
        the database may be another (made again empty, a file restored from a backup)."""
        if await self.jobs.probe():
            await self._schedule_sources(utc_now())

    async def _reload(self) -> None:
        """SIGHUP: the new config's sources and clocks, if it loaded (no catch-up run)."""
        if not await self.jobs.reload(list(self._in_flight.tasks)):
            return
        await self._schedule_sources(utc_now())
        for kind, trigger in settings_triggers(self.jobs.loaded.settings).items():
            self.scheduler.reschedule_job(kind, trigger=trigger)
        fresh = self.jobs.loaded
        entities = len(fresh.matcher.watchlist.entities)
        log(logger, "reload.applied", sources=len(fresh.sources), entities=entities)
