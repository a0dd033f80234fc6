"""`monitor digest`: one ISO week's digest, sent to the recipients or written as an HTML preview.

Kept out of cli.py so the digest command can grow without crowding it; cli.py registers it.
The work is done by monitor.digest_delivery, which the daemon calls too; this only parses
options and prints the outcome of each send.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from monitor.cli_common import inert, open_database, refuse_database, state, user_errors
from monitor.files import check_writable_folder, write_atomic

if TYPE_CHECKING:
    from monitor.digest_delivery import DigestDeps, DigestReport


def digest(
    week: Annotated[
        str | None, typer.Option("--week", help="ISO week, e.g. 2026-W47 (default: the last complete one).")
    ] = None,
    send: Annotated[
        bool, typer.Option("--send", help="Send it (without SMTP: write .eml and .html to digest.out_dir).")
    ] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Write an HTML preview to this file.")] = None,
    force: Annotated[
        bool, typer.Option("--force", help="With --send: send again to recipients who already have it.")
    ] = False,
) -> None:
    """Build the weekly digest for an ISO week (in digest.timezone); send it, or write a preview.

    Each recipient gets a week's digest once: a re-run sends nothing unless --force. A failed send
    is retried by the daemon later. Exits 1 when a send failed.

    Example: monitor digest --out /tmp/preview.html

    Example: monitor digest --week 2026-W46 --send
    """
    if send == (out is not None):
        raise typer.BadParameter("give exactly one of --send and --out FILE", param_hint="--send/--out")
    if force and not send:
        raise typer.BadParameter("only goes with --send", param_hint="--force")
    if week is not None:
        _check_week(week)
    from monitor.app import load_watchlist, utc_now
    from monitor.digest import last_complete_week
    from monitor.digest_delivery import build_sender, digest_deps, send_digest, timezone_of
    from monitor.notify.email import FileSender

    with user_errors():
        settings = state.settings()
        refuse_database(out, settings)
        now = utc_now()
        chosen = week or last_complete_week(now, timezone_of(settings.digest))
        watchlist = load_watchlist(settings)
        sender = FileSender(out.parent) if out else build_sender(settings)
        if isinstance(sender, FileSender) and not out:
            check_writable_folder(sender.folder)  # a read-only digest.out_dir is a mistake, not a retry
        with open_database(settings, existing=True) as sessions:
            deps = digest_deps(settings, sessions, watchlist, sender)
            if out:
                _preview(deps, chosen, now, out)
                return
            report = send_digest(chosen, deps, now, force=force)
    _print(report)


def _preview(deps: DigestDeps, week: str, now: datetime, out: Path) -> None:
    """The HTML exactly as it would be mailed, with the chart inlined as a data: URI.

    Nothing is sent; the FileSender in deps only stands in so a preview needs no SMTP settings.
    """
    from monitor.digest_delivery import render_week
    from monitor.notify.email import build_message, standalone_html

    rendered = render_week(week, deps, now)
    message = build_message(rendered, sender=deps.from_, to=deps.to, week=week, now=now)
    write_atomic(out, standalone_html(message))
    typer.echo(f"digest {week} written to {out}", err=True)


def _check_week(text: str) -> None:
    from monitor.digest import parse_week

    try:
        parse_week(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--week'") from None


def _print(report: DigestReport) -> None:
    for outcome in report.outcomes:
        typer.echo(inert(f"{report.week}  {outcome.recipient:<32} {outcome.status:<8} {outcome.detail}"))
    if any(o.status in ("retry", "failed") for o in report.outcomes):
        raise typer.Exit(1)
