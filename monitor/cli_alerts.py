"""`monitor alerts [--json]`, `monitor alerts retry`, `monitor alerts test`; and the delivery that
ends `monitor poll` (`deliver_after_poll`).

Registered on the app by monitor/cli.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

import typer

from monitor.cli_common import (
    MAX_ROW_ID,
    JsonOption,
    err,
    inert,
    open_database,
    print_json,
    print_table,
    state,
    user_errors,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from monitor.alerts import AlertListing, DeliveryReport
    from monitor.config import Settings
    from monitor.records import Source
    from monitor.watchlists import Watchlist

alerts_app = typer.Typer()  # its help is the callback's docstring


@alerts_app.callback(invoke_without_command=True)
def list_alerts(
    ctx: typer.Context,
    as_json: JsonOption = False,
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=MAX_ROW_ID, help="Show at most this many, newest first.")
    ] = 200,
) -> None:
    """List the outbox: pending, sent and failed alerts, newest first, with counts per state.

    Example: monitor alerts --json

    Failed alerts (a revoked token, a missing channel, a deleted webhook) stay failed until
    `monitor alerts retry`; they are never dropped.
    """
    if ctx.invoked_subcommand is not None:
        return
    from monitor import alerts

    with user_errors(), open_database(state.settings(), existing=True) as sessions:
        rows, counts = alerts.list_outbox(sessions, limit)
    if as_json:
        print_json({"counts": counts, "alerts": [_row(a) for a in rows]})
    else:
        _print_table(rows, counts)
    if counts["failed"]:
        err.print(
            f"{counts['failed']} alerts failed permanently: fix the channel, then `monitor alerts retry`",
            style="bold red",
        )


def _row(alert: AlertListing) -> dict[str, Any]:
    return {
        "id": alert.id,
        "state": alert.state,
        "channel": alert.channel,
        "kind": alert.kind,
        "title": alert.title,
        "url": alert.url,
        "priority": alert.priority,
        "attempts": alert.attempts,
        "last_error": alert.last_error,
        "created_at": alert.created_at,
        "next_attempt_at": alert.next_attempt_at if alert.state == "pending" else None,
        "sent_at": alert.sent_at,
        "story_id": alert.story_id,
        "rolled_into": alert.rolled_into,
    }


def _print_table(rows: Sequence[AlertListing], counts: dict[str, int]) -> None:
    from rich.table import Table

    typer.echo(", ".join(f"{n} {state}" for state, n in counts.items()))
    table = Table("id", "state", "channel", "kind", "attempts", "title", "error")
    for a in rows:
        title, error = inert(a.title[:60]), inert((a.last_error or "")[:50])
        table.add_row(str(a.id), a.state, a.channel, a.kind, str(a.attempts), title, error)
    print_table(table)


@alerts_app.command("retry")
def retry() -> None:
    """Re-queue every failed alert, then deliver what is due now.

    Example: monitor alerts retry
    """
    from monitor import alerts
    from monitor.app import utc_now
    from monitor.notify import build_notifiers

    with user_errors():
        settings = state.settings()
        notifiers = build_notifiers(settings)
        with open_database(settings, existing=True) as sessions:
            requeued = alerts.requeue_failed(sessions, utc_now())
            report = alerts.deliver_due(
                sessions, notifiers, utc_now(), alerts.AlertPolicy.from_settings(settings)
            )
    err.print(f"{requeued} failed alerts re-queued; {format_delivery(report)}")


@alerts_app.command("test")
def send_test() -> None:
    """Send a test message to every configured channel and say what each one answered.

    Example: monitor alerts test

    Exits 1 when any channel failed. The test message does not go through the outbox.
    """
    from monitor import alerts
    from monitor.app import utc_now
    from monitor.notify import build_notifiers

    with user_errors():
        results = alerts.probe_channels(build_notifiers(state.settings()), utc_now())
    for result in results:
        outcome = (
            "ok"
            if result.error is None
            else f"failed{' permanently' if result.permanent else ''}: {result.error}"
        )
        typer.echo(inert(f"{result.target}: {outcome}"))
    if any(r.error for r in results):
        raise typer.Exit(1)


def deliver_after_poll(
    settings: Settings,
    sessions: sessionmaker[Session],
    sources: Sequence[Source],
    watchlist: Watchlist | None = None,
) -> DeliveryReport:
    """What `monitor poll` does last: queue source-health notices and volume spikes, deliver
    every due alert."""
    from monitor import alerts, spikes
    from monitor.app import utc_now
    from monitor.notify import build_notifiers

    policy = alerts.AlertPolicy.from_settings(settings, watchlist)
    now = utc_now()
    alerts.queue_health_notices(sessions, sources, policy, now)
    with sessions.begin() as session:
        spikes.queue_spikes(session, policy, spikes.SpikeRule.from_settings(settings), now)
    report = alerts.deliver_due(sessions, build_notifiers(settings), now, policy)
    err.print(format_delivery(report))
    return report


def format_delivery(report: DeliveryReport) -> str:
    if report.quiet:
        return "alerts: quiet hours, delivery deferred"
    parts = [f"{report.sent} sent"]
    for name in ("rolled_up", "recorded", "retrying", "waiting", "failed"):
        if getattr(report, name):
            parts.append(f"{getattr(report, name)} {name.replace('_', ' ')}")
    return "alerts: " + ", ".join(parts)
