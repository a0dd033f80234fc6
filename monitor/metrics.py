"""/metrics and /healthz for the daemon, on a small HTTP server in a thread of its own; and
POST /slack/actions (Slack's interactivity requests) when the daemon passes a handler for them.

Counters (polls, failures by kind, new articles, hits, delivery latency) are this process's own:
with several daemons, Prometheus sums them across instances. "Alerts by state" is different:
it is the outbox as the database holds it, read at scrape time, so every daemon reports the
same numbers (use max(), not sum(), across instances).

The server runs in a thread rather than on the event loop on purpose: if the loop is stuck,
/healthz still answers, and says 503 because the scheduler's heartbeat stopped. It also says 503
("degraded") while the database cannot be written: the daemon keeps running and recovers by
itself, so an orchestrator should alert on it, not restart the process.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from monitor.errors import StoreUnavailable
from monitor.records import PollReport

logger = logging.getLogger(__name__)

Actions = Callable[[bytes, Mapping[str, str]], int]  # body, headers → HTTP status
ACTIONS_PATH = "/slack/actions"  # Slack's interactivity requests (monitor/slack_actions.py)
MAX_BODY = 64 * 1024  # bytes; larger POST bodies are refused (413) without being read
# A client that sends nothing for CLIENT_TIMEOUT seconds is hung up on, and past MAX_CLIENTS at once
# a new one is: idle or half-sent connections must not hold the daemon's threads and files
# (Prometheus, a health check and Slack need a few).
CLIENT_TIMEOUT = 10.0
MAX_CLIENTS = 32
STUCK_AFTER = 60.0  # seconds without a scheduler heartbeat before /healthz says 503
LATENCY_BUCKETS = (0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600)


@dataclass(frozen=True, slots=True)
class Health:
    """What /healthz answers: 200 when `ok`, 503 otherwise."""

    ok: bool
    status: str  # ok | stuck | degraded
    last_tick: datetime | None
    seconds_since_tick: float | None
    sources_due: int | None  # enabled sources overdue by more than their grace period
    database: bool | str  # true, or "unavailable since <iso>: <reason>"
    error: str | None = None

    def body(self) -> bytes:
        fields = asdict(self)
        fields["last_tick"] = self.last_tick.isoformat() if self.last_tick else None
        return json.dumps(fields).encode()


def assess(
    last_tick: datetime | None,
    seconds_since_tick: float | None,
    sources_due: Callable[[], int],
    outage: str | None = None,
    now: datetime | None = None,
) -> Health:
    """Judge health from the heartbeat's age, the daemon's own view of the database (`outage`:
    its writes meet a fault, e.g. a full disk that still lets this read through) and one
    database round trip (`sources_due`)."""
    stuck = seconds_since_tick is None or seconds_since_tick > STUCK_AFTER
    database: bool | str = outage or True
    try:
        due, error = sources_due(), None
    except Exception as exc:  # any driver error means the same thing here: no database
        due, error = None, f"{type(exc).__name__}: {exc}"[:300]
        reason = getattr(exc, "reason", None) or "unreachable"
        since = (now or datetime.now().astimezone()).isoformat(timespec="seconds")
        database = outage or f"unavailable since {since}: {reason}"
    status = "degraded" if database is not True else "stuck" if stuck else "ok"
    return Health(status == "ok", status, last_tick, seconds_since_tick, due, database, error)


class _AlertStates(Collector):
    def __init__(self, read: Callable[[], dict[str, int]]) -> None:
        self._read = read

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "monitor_alerts", "Alerts in the outbox by state (database-wide).", labels=["state"]
        )
        try:
            states = self._read()
        except StoreUnavailable:  # a scrape during a database outage still returns the other
            states = {}  # metrics; the daemon's log already tells of the outage, once
        except Exception:
            logger.warning("metrics.alert_states_unavailable", exc_info=True)
            states = {}
        for state, count in sorted(states.items()):
            family.add_metric([state], count)
        yield family


class Metrics:
    """This daemon's registry, plus the heartbeat the scheduler beats."""

    def __init__(self, alert_states: Callable[[], dict[str, int]]) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.polls = Counter("monitor_polls", "Polls by outcome.", ["status"], registry=r)
        self.failures = Counter("monitor_poll_failures", "Failed polls by kind.", ["kind"], registry=r)
        self.articles = Counter("monitor_articles", "New articles stored.", registry=r)
        self.hits = Counter("monitor_hits", "New watchlist hits stored.", registry=r)
        self.delivery = Histogram(
            "monitor_alert_delivery_seconds", "Alert queued → sent.", buckets=LATENCY_BUCKETS, registry=r
        )
        self.job_errors = Counter("monitor_job_errors", "Jobs that raised, by job kind.", ["job"], registry=r)
        self.heartbeat = Gauge(
            "monitor_scheduler_heartbeat_timestamp_seconds", "Last scheduler tick.", registry=r
        )
        r.register(_AlertStates(alert_states))
        self._last_tick: tuple[datetime, float] | None = None

    def observe_poll(self, report: PollReport) -> None:
        self.polls.labels(report.status).inc()
        if report.error_kind:
            self.failures.labels(report.error_kind).inc()
        self.articles.inc(report.new)
        self.hits.inc(report.hits)

    def tick(self, now: datetime) -> None:
        self._last_tick = (now, time.monotonic())
        self.heartbeat.set(now.timestamp())

    def since_tick(self) -> tuple[datetime | None, float | None]:
        if self._last_tick is None:
            return None, None
        at, mono = self._last_tick
        return at, time.monotonic() - mono

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class MetricsServer:
    """GET /metrics and GET /healthz on host:port (port 0: any free port, see `.port`), and
    POST /slack/actions given `actions` (else 404); bodies over MAX_BODY are refused unread."""

    def __init__(
        self,
        metrics: Metrics,
        health: Callable[[], Health],
        host: str,
        port: int,
        actions: Actions | None = None,
    ) -> None:
        self._httpd = _Server((host, port), _handler(metrics, health, actions))
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="metrics", daemon=True)

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self._clients = threading.BoundedSemaphore(MAX_CLIENTS)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._clients.acquire(blocking=False):
            self.shutdown_request(request)  # too many at once: hang up rather than run out of files
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._clients.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._clients.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away before its answer (a scrape timed out, a health check gave
        up) is no error of ours: socketserver printed a traceback for each. Anything else is
        logged, with its traceback."""
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        logger.exception("metrics.request_failed", extra={"fields": {"client": client_address[0]}})


def _handler(
    metrics: Metrics, health: Callable[[], Health], actions: Actions | None
) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        timeout = CLIENT_TIMEOUT

        def do_GET(self) -> None:  # noqa: N802 - stdlib naming
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                self._send(200, metrics.exposition(), CONTENT_TYPE_LATEST)
            elif path == "/healthz":
                report = health()
                self._send(200 if report.ok else 503, report.body(), "application/json")
            else:
                self._send(404, b"try /metrics or /healthz\n", "text/plain")

        do_HEAD = do_GET  # health checks that want the status only: `_send` leaves the body out

        def do_POST(self) -> None:  # noqa: N802 - stdlib naming
            if self.path.split("?", 1)[0] != ACTIONS_PATH or actions is None:
                self.close_connection = True
                self._send(404, b"not found\n", "text/plain")
                return
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if not 0 <= length <= MAX_BODY:
                self.close_connection = True  # the body is not read
                self._send(413 if length > MAX_BODY else 400, b"", "text/plain")
                return
            status = actions(self.rfile.read(length), dict(self.headers.items()))
            self._send(status, b"", "text/plain")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
            pass  # scrapes every 15 s would drown the daemon's own log

    return Handler
