"""`monitor mutes [--json]`, `monitor mutes remove ID`, `monitor feedback [--since] [--json]` and
`monitor watchlists report [--since] [--json]`: what analysts said in Slack, read back.

Registered on the app by monitor/cli.py. Titles, names and aliases come from feeds and from Slack
users: they are printed through `inert()` (no terminal markup).
"""

from __future__ import annotations

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
    since_time,
    state,
    user_errors,
)

if TYPE_CHECKING:
    from monitor.feedback import Precision
    from monitor.store.triage import MuteListing, VerdictListing

mutes_app = typer.Typer()  # its help is the callback's docstring
FeedbackSince = Annotated[str, typer.Option("--since", help="How far back, e.g. 24h, 7d, 4w.")]


@mutes_app.callback(invoke_without_command=True)
def list_mutes(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List the entities muted for alerts (from Slack's Mute menu), with who muted them and until when.

    Example: monitor mutes --json

    A muted entity's hits are still stored and still in the digest; only alerts whose every
    entity is muted are held back. `monitor mutes remove ID` lifts one.
    """
    if ctx.invoked_subcommand is not None:
        return
    from monitor.app import utc_now
    from monitor.store import triage

    with user_errors(), open_database(state.settings(), existing=True) as sessions, sessions() as session:
        rows = triage.list_mutes(session, now=utc_now())
    if as_json:
        print_json([mute_json(m) for m in rows])
        return
    from rich.table import Table

    table = Table("id", "entity", "until", "by", "since")
    for m in rows:
        until = m.until.isoformat(timespec="minutes") if m.until else "lifted by hand"
        who = inert(m.user_name or m.user_id)
        table.add_row(str(m.id), inert(m.entity), until, who, str(m.created_at.date()))
    if rows:
        print_table(table)
    else:
        err.print("no entity is muted")


def mute_json(mute: MuteListing) -> dict[str, Any]:
    return {
        "id": mute.id,
        "entity": mute.entity,
        "until": mute.until,  # null: until lifted
        "user_id": mute.user_id,
        "user_name": mute.user_name,
        "story_id": mute.story_id,
        "created_at": mute.created_at,
        "lifted_at": mute.lifted_at,
    }


MuteId = Annotated[
    int, typer.Argument(metavar="ID", min=1, max=MAX_ROW_ID, help="The id `monitor mutes` shows.")
]


@mutes_app.command("remove")
def remove_mute(mute_id: MuteId) -> None:
    """Lift a mute now: the entity alerts again from the next poll.

    Example: monitor mutes remove 3
    """
    from monitor.app import utc_now
    from monitor.store import triage

    settings = state.settings()
    with user_errors(), open_database(settings, existing=True) as sessions, sessions.begin() as session:
        lifted = triage.lift_mute(session, mute_id, now=utc_now())
    if not lifted:
        raise typer.BadParameter(f"no active mute {mute_id} (see `monitor mutes`)", param_hint="'ID'")
    err.print(f"mute {mute_id} lifted")


def feedback(since: FeedbackSince = "30d", as_json: JsonOption = False) -> None:
    """List the verdicts analysts gave alerts in Slack (Relevant / Not relevant), newest first.

    Example: monitor feedback --since 30d --json

    One verdict per analyst per story: a second click changes it, it is never counted twice.
    """
    from monitor.store import triage

    start = since_time(since)
    with user_errors(), open_database(state.settings(), existing=True) as sessions, sessions() as session:
        rows = triage.verdicts_since(session, start)
    if as_json:
        print_json({"since": start, "verdicts": [verdict_json(v) for v in rows]})
        return
    from rich.table import Table

    table = Table("when", "verdict", "by", "story", "aliases")
    for v in rows:
        who, title = inert(v.user_name or v.user_id), inert(v.title[:60])
        table.add_row(v.at.isoformat(timespec="minutes"), v.verdict, who, title, inert(", ".join(v.aliases)))
    if rows:
        print_table(table)
    else:
        err.print(f"no verdicts since {start.date()}")


def verdict_json(verdict: VerdictListing) -> dict[str, Any]:
    return {
        "story_id": verdict.story_id,
        "title": verdict.title,
        "verdict": verdict.verdict,
        "user_id": verdict.user_id,
        "user_name": verdict.user_name,
        "entities": list(verdict.entities),
        "aliases": list(verdict.aliases),
        "at": verdict.at,
    }


def watchlists_report(since: FeedbackSince = "90d", as_json: JsonOption = False) -> None:
    """Precision per alias from the analysts' verdicts, and context rules to consider.

    Example: monitor watchlists report --since 90d

    Per alias: stories alerted, relevant and not relevant verdicts, precision. An alias with 3 or
    more not-relevant verdicts and no relevant one gets a suggested context rule (the words seen
    most around its false hits) as YAML to paste; the watchlists are never changed.
    """
    from monitor import feedback as fb
    from monitor.app import utc_now

    start = since_time(since)
    with user_errors(), open_database(state.settings(), existing=True) as sessions, sessions() as session:
        data = fb.load_feedback(session, start, utc_now())
    rows, suggestions = fb.by_alias(data), fb.suggestions(data)
    if as_json:
        print_json(
            {
                "since": start,
                "aliases": [precision_json(p) for p in rows],
                "suggestions": [
                    {"alias": s.alias, "forbid": list(s.words), "yaml": s.stub} for s in suggestions
                ],
            }
        )
        return
    _print_report(rows, suggestions, start.date().isoformat())


def precision_json(row: Precision) -> dict[str, Any]:
    return {
        "alias": row.name,
        "alerts": row.alerts,
        "relevant": row.relevant,
        "not_relevant": row.not_relevant,
        "precision": row.precision,
        "needs_work": row.needs_work,
    }


def _print_report(rows: list[Precision], suggestions: list[Any], since: str) -> None:
    from rich.table import Table

    if not rows:
        err.print(f"no alerts or verdicts since {since}")
        return
    table = Table("alias", "alerts", "relevant", "not relevant", "precision")
    for p in rows:
        precision = f"{p.precision:.0%}" if p.precision is not None else "-"
        table.add_row(inert(p.name), str(p.alerts), str(p.relevant), str(p.not_relevant), precision)
    print_table(table)
    for s in suggestions:
        typer.echo(f"\n# {s.alias}: often a false hit; a context rule to consider (edit before use):")
        typer.echo(s.stub.rstrip())
