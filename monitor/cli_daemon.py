"""`monitor run` (the daemon) and `monitor status` (the running system, read from the database).

Registered on the app in monitor/cli.py; they share `state`, `user_errors` and JSON output with
the other commands through monitor/cli_common.py.
"""

from __future__ import annotations

import signal
from datetime import datetime
from typing import TYPE_CHECKING, Any

import typer

from monitor.cli_common import JsonOption, database_errors, open_database, print_json, state, user_errors
from monitor.logs import setup_logging

if TYPE_CHECKING:
    from monitor.config import Settings
    from monitor.store import summary


def run(ctx: typer.Context) -> None:
    """Run the daemon: poll each source on its schedule, deliver alerts, send the weekly digest.

    Example: monitor --config monitor.toml run

    Upgrades the database first. SIGTERM or Ctrl-C: finish running work, then exit (within 10
    s). SIGHUP: reload the config file and watchlists (a bad file is rejected, the old ones
    stay). Serves /metrics and /healthz on daemon.metrics_host:metrics_port (127.0.0.1:9108).
    With SQLite only one daemon may run; with PostgreSQL, run as many as you like.
    """
    hangups = HangupsUntilServing()  # first: loading the daemon, its lists and database takes seconds
    from monitor import daemon
    from monitor.app import loaded_from
    from monitor.config import secret_values

    with user_errors():
        settings = state.settings()
        setup_logging(
            level=_log_level(ctx, settings),
            json_format=state.log_json or settings.daemon.log_json,
            secrets=secret_values(settings),
        )
        with database_errors(settings):
            daemon.run(state.config, loaded_from(settings), hung_up=hangups.seen)


class HangupsUntilServing:
    """SIGHUP between the start of `monitor run` and the daemon's own signal handling, recorded:
    Python's default ends the process, so a logrotate or `systemctl reload` just after a restart
    killed the daemon. The daemon reloads once for them when it starts serving."""

    def __init__(self) -> None:
        self._seen = False
        signal.signal(signal.SIGHUP, self._record)

    def _record(self, signum: int, frame: object) -> None:
        self._seen = True

    def seen(self) -> bool:
        return self._seen


def _log_level(ctx: typer.Context, settings: Settings) -> str:
    """--log-level when given on the command line, else daemon.log_level (INFO)."""
    source = ctx.find_root().get_parameter_source("log_level")
    if source is not None and source.name == "COMMANDLINE":
        return state.log_level
    return settings.daemon.log_level


def status(as_json: JsonOption = False) -> None:
    """Summarise the running system from the database: sources, articles, hits, alerts, digest, daemons.

    Example: monitor status --json
    """
    from monitor.app import utc_now
    from monitor.store import summary

    with user_errors():
        settings = state.settings()
        with open_database(settings, existing=True) as sessions, sessions() as session:
            found = summary.summarise(session, utc_now())
    data = status_data(found)
    if as_json:
        print_json(data)
        return
    for line in status_lines(data):
        typer.echo(line)


def status_data(s: summary.SystemSummary) -> dict[str, Any]:
    digest = s.last_digest
    return {
        "now": s.now,
        "sources": {
            "total": s.sources.total,
            "ok": s.sources.ok,
            "failing": s.sources.failing,
            "never_polled": s.sources.never_polled,
            "overdue": s.sources.overdue,
        },
        "articles": {"24h": s.articles_24h, "7d": s.articles_7d},
        "hits": {"24h": s.hits_24h, "7d": s.hits_7d},
        "alerts": {"pending": 0, "sent": 0, "failed": 0} | s.alerts,
        "last_digest": {"week": digest.week, "sent_at": digest.sent_at, "recipients": digest.recipients}
        if digest
        else None,
        "daemons": [{"owner": d.owner, "leases": d.leases, "lease_until": d.until} for d in s.daemons],
        "last_poll_at": s.last_poll_at,
    }


def status_lines(data: dict[str, Any]) -> list[str]:
    src, alerts, digest = data["sources"], data["alerts"], data["last_digest"]
    daemons = (
        ", ".join(f"{d['owner']} ({d['leases']} polls in flight)" for d in data["daemons"])
        or "none polling now"
    )
    return [
        f"sources   {src['total']} configured: {src['ok']} ok, {src['failing']} failing, "
        f"{src['never_polled']} never polled, {src['overdue']} overdue",
        f"articles  {data['articles']['24h']} in 24h, {data['articles']['7d']} in 7d",
        f"hits      {data['hits']['24h']} in 24h, {data['hits']['7d']} in 7d",
        "alerts    " + ", ".join(f"{count} {state_}" for state_, count in alerts.items()),
        f"digest    {digest['week']} sent {_when(digest['sent_at'])} to {digest['recipients']}"
        if digest
        else "digest    none sent yet",
        f"last poll {_when(data['last_poll_at'])}; daemons: {daemons}",
    ]


def _when(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M} UTC" if value else "never"
