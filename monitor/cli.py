"""The `monitor` command line: parse options, build dependencies from Settings, call the stages.

JSON goes to stdout, diagnostics to stderr. Expected errors (bad config, bad watchlist, an
unreachable database) are one line on stderr and a non-zero exit: 2 for configuration and
watchlists, 1 for the database.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from monitor import __version__, opml, store
from monitor.cli_alerts import alerts_app, deliver_after_poll
from monitor.cli_common import JsonOption, SinceOption, err, print_json, since_time, state, user_errors
from monitor.cli_daemon import run, status
from monitor.cli_digest import digest
from monitor.config import Settings
from monitor.derive import derive, render_yaml
from monitor.errors import ConfigError, MonitorError
from monitor.pipeline import poll_sources
from monitor.pipeline import rematch as rematch_articles
from monitor.records import PollReport, Source
from monitor.runtime import database, load_matcher, load_watchlist, poll_deps, utc_now
from monitor.watchlists import check_watchlists

app = typer.Typer(
    help="News monitor for the Qa'im–Bukamal border.", no_args_is_help=True, add_completion=False
)
sources_app = typer.Typer()
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
watchlists_app = typer.Typer(help="Check and grow the watchlists.", no_args_is_help=True)
app.add_typer(sources_app, name="sources")
app.add_typer(db_app, name="db")
app.add_typer(watchlists_app, name="watchlists")
app.add_typer(alerts_app, name="alerts")
app.command("digest")(digest)
app.command("run")(run)
app.command("status")(status)

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="TOML config file (default: $MONITOR_CONFIG, else built-in)."),
]


@app.callback()
def main(
    config: ConfigOption = None,
    log_level: Annotated[str, typer.Option("--log-level", help="DEBUG, INFO, WARNING, ERROR.")] = "WARNING",
    log_json: Annotated[bool, typer.Option("--log-json", help="Structured JSON logs on stderr.")] = False,
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    """News monitor for the Qa'im–Bukamal border: fetch feeds, match watchlists, alert, digest."""
    if version:
        typer.echo(__version__)
        raise typer.Exit()
    state.config, state.log_level, state.log_json, state._settings = config, log_level, log_json, None


def select_sources(settings: Settings, ids: list[str]) -> list[Source]:
    if not ids:
        return settings.enabled_sources()
    known = {s.id: s for s in settings.all_sources()}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise ConfigError("--source", f"unknown source {', '.join(unknown)} (see `monitor sources`)")
    return [known[i] for i in ids]


# --- poll ----------------------------------------------------------------------------------------


@app.command()
def poll(
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="Only this source id (repeatable).")
    ] = None,
) -> None:
    """Poll every enabled source once (or the named ones) and store what is new.

    Example: monitor poll --source enab-baladi-en --source syria-direct

    Exits 0 even when some sources failed (each is reported); non-zero for bad config or an
    unreachable database.
    """
    with user_errors():
        settings = state.settings()
        sources = select_sources(settings, source or [])
        matcher = load_matcher(settings)
        with database(settings) as sessions:
            reports = asyncio.run(_poll(settings, sessions, matcher, sources))
            deliver_after_poll(settings, sessions, sources, matcher.watchlist)
    failed = sum(r.status in ("failed", "deferred") for r in reports)
    new = sum(r.new for r in reports)
    err.print(f"{len(reports)} sources polled, {failed} failed, {new} new articles", highlight=False)


async def _poll(settings: Settings, sessions: Any, matcher: Any, sources: list[Source]) -> list[PollReport]:
    async with poll_deps(settings, sessions, matcher) as deps:
        with _progress(len(sources)) as on_report:
            return await poll_sources(sources, deps, on_report)


@contextmanager
def _progress(total: int) -> Iterator[Callable[[PollReport], None]]:
    """A Rich progress bar on a terminal; plain lines otherwise (logs, cron, CI)."""
    if not sys.stdout.isatty():
        yield lambda report: typer.echo(format_report(report))
        return
    columns = (TextColumn("polling"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=False) as progress:
        task = progress.add_task("poll", total=total)

        def on_report(report: PollReport) -> None:
            progress.console.print(format_report(report), markup=False, highlight=False)
            progress.advance(task)

        yield on_report


def format_report(report: PollReport) -> str:
    head = f"{report.source_id:<24} {report.status:<12}"
    if report.status in ("failed", "deferred"):
        return f"{head} {report.error_kind}: {report.error}"
    counts = f"{report.entries} entries, {report.new} new, {report.updated} updated, {report.hits} hits"
    return f"{head} {counts}  {report.elapsed:.1f}s"


# --- articles ------------------------------------------------------------------------------------


@app.command()
def articles(
    since: SinceOption = "7d",
    source: Annotated[list[str] | None, typer.Option("--source", "-s", help="Only this source id.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List stored articles published in the window.

    Example: monitor articles --since 24h --source enab-baladi-ar --json
    """
    with user_errors():
        settings = state.settings()
        with database(settings) as sessions, sessions() as session:
            found = store.list_articles(session, since=since_time(since), source_ids=source or [])
    rows = [
        {
            "id": a.id,
            "source": a.source_id,
            "url": a.url,
            "title": a.title,
            "published": a.published,
            "first_seen": a.first_seen,
            "language": a.language,
            "publisher": a.publisher,
        }
        for a in found
    ]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        typer.echo(f"{row['published']:%Y-%m-%d %H:%M}  {row['source']:<20} {row['title']}")


# --- matching ------------------------------------------------------------------------------------


@app.command()
def match(
    file: Annotated[Path | None, typer.Argument(help="Text or HTML file; stdin when omitted.")] = None,
    as_json: JsonOption = False,
    explain: Annotated[
        bool,
        typer.Option(
            "--explain",
            help="Per mention the alias, the variant rule that made the spelling and the context rule "
            "that kept it; also the candidates that were dropped and why.",
        ),
    ] = False,
) -> None:
    """Match a text against the watchlists; offsets are character offsets into the text as read.

    Example: echo "Strike near Albu Kamal" | monitor match --json --explain
    """
    with user_errors():
        text = _read_input(file) if file else sys.stdin.buffer.read().decode("utf-8", errors="replace")
        matcher = load_matcher(state.settings())
        mentions, why = matcher.explain(text) if explain else (matcher.find_in_markup(text), [])
    rows: list[dict[str, Any]] = [
        {"entity": m.entity, "name": m.name, "kind": m.kind, "start": m.start, "end": m.end, "text": m.text}
        for m in mentions
    ]
    kept = {(w.entity, w.start, w.end): w for w in why if w.kept}
    dropped = [w for w in why if not w.kept]
    if explain:
        for row in rows:
            w = kept[row["entity"], row["start"], row["end"]]
            row["explain"] = {"alias": w.alias, "variant": w.variant, "rule": w.rule}
    if as_json and not explain:
        typer.echo(matches_json(rows))
        return
    if as_json:
        payload: dict[str, Any] = {"matches": rows}
        if explain:
            payload["dropped"] = [
                {"entity": w.entity, "start": w.start, "end": w.end, "text": w.text, "alias": w.alias,
                 "variant": w.variant, "rule": w.rule}
                for w in dropped
            ]  # fmt: skip
        print_json(payload)
        return
    for row in rows:
        typer.echo(f"{row['start']:>6}-{row['end']:<6} {row['entity']:<28} {row['text']}")
        if explain:
            e = row["explain"]
            typer.echo(f"{'':14}alias {e['alias']!r} ({e['variant']}); kept: {e['rule']}")
    if explain and dropped:
        typer.echo("dropped:")
        for w in dropped:
            typer.echo(f"{w.start:>6}-{w.end:<6} {w.entity:<28} {w.text}")
            typer.echo(f"{'':14}alias {w.alias!r} ({w.variant}); dropped: {w.rule}")


def matches_json(rows: list[dict[str, Any]]) -> str:
    """`json.dumps({"matches": rows}, ensure_ascii=False, indent=2)`, byte for byte, without the
    pure-Python indenting encoder: each value goes through the C encoder (3x faster on a large
    text's hundred thousand matches)."""
    if not rows:
        return '{\n  "matches": []\n}'
    dump = json.JSONEncoder(ensure_ascii=False).encode
    items = [
        "    {\n" + ",\n".join(f"      {dump(key)}: {dump(value)}" for key, value in row.items()) + "\n    }"
        for row in rows
    ]
    return '{\n  "matches": [\n' + ",\n".join(items) + "\n  ]\n}"


def _read_input(path: Path) -> str:
    """The text of `path`, or one error naming the file and what is wrong with it."""
    if path.is_dir():
        raise MonitorError(f"input {path}: is a folder; give a text or HTML file")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise MonitorError(f"input {path}: no such file") from None
    except OSError as exc:
        raise MonitorError(f"input {path}: cannot be read ({exc.strerror or exc})") from None
    if b"\x00" in raw[:8192]:
        raise MonitorError(f"input {path}: is a binary file, not text; give a text or HTML file")
    return raw.decode("utf-8", errors="replace")


@app.command()
def hits(since: SinceOption = "7d", as_json: JsonOption = False) -> None:
    """List stored articles with hits, the entities they mention and their priority.

    Example: monitor hits --since 24h --json
    """
    with user_errors():
        settings = state.settings()
        with database(settings) as sessions, sessions() as session:
            found = store.list_hits(session, since=since_time(since))
    rows = [
        {
            "article_id": h.article_id,
            "url": h.url,
            "title": h.title,
            "source": h.source,
            "published": h.published,
            "entities": list(h.entities),
            "priority": h.priority,
            "priority_reason": h.priority_reason,
        }
        for h in found
    ]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        typer.echo(f"{row['published']:%Y-%m-%d %H:%M}  {row['priority'] or '-':<6} {row['title']}")
        typer.echo(f"{'':24}{', '.join(row['entities'])}")


@app.command()
def rematch(
    since: Annotated[str, typer.Option("--since", help="Articles first seen in this window.")] = "30d",
) -> None:
    """Match stored articles again after the watchlists changed; adds only hits not stored yet.

    Example: monitor rematch --since 90d
    """
    with user_errors():
        settings = state.settings()
        matcher = load_matcher(settings)
        with database(settings) as sessions:
            count, new_hits = rematch_articles(sessions, matcher, since=since_time(since), now=utc_now())
    err.print(f"{count} articles matched again, {new_hits} new hits", highlight=False)


@watchlists_app.command("validate")
def watchlists_validate() -> None:
    """Check every watchlist file; print each problem with file, line and field.

    Example: monitor watchlists validate
    """
    with user_errors():
        folder = state.settings().watchlists_path()
        watchlist, problems = check_watchlists(folder)
    for problem in problems:
        err.print(str(problem), markup=False, highlight=False)
    if watchlist is None:
        err.print(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in {folder}", highlight=False)
        raise typer.Exit(2)
    counts = ", ".join(f"{n} {what}" for what, n in watchlist.stats().items())
    err.print(f"{folder}: watchlists are valid ({counts})", highlight=False)


@watchlists_app.command("derive")
def watchlists_derive(
    documents: Annotated[list[Path], typer.Argument(help="Baseline documents: text or HTML files.")],
    out: Annotated[Path | None, typer.Option("--out", help="Write the YAML stubs here, not stdout.")] = None,
) -> None:
    """Propose actors and places that the documents name and the watchlists do not cover yet.

    Prints YAML entity stubs (id, name, kind guess, aliases, count, a context line) to edit and
    paste into a watchlist file.

    Example: monitor watchlists derive new-report.html --out proposals.yaml
    """
    with user_errors():
        watchlist = load_watchlist(state.settings())
        texts = [(path.name, _read_document(path)) for path in documents]
        candidates = derive(texts, watchlist)
        stubs = render_yaml(candidates)
    if out:
        out.write_text(stubs, encoding="utf-8")
    else:
        typer.echo(stubs.rstrip("\n"))
    err.print(f"{len(candidates)} proposed entries from {len(documents)} documents", highlight=False)


def _read_document(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8", errors="replace")
    except OSError as exc:
        raise ConfigError("DOC", f"{path}: {exc.strerror}") from None


# --- sources -------------------------------------------------------------------------------------


@sources_app.callback(invoke_without_command=True)
def sources(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Each source's health: last success, last error and its kind, failures, next poll.

    Example: monitor sources --json
    """
    if ctx.invoked_subcommand is not None:
        return
    with user_errors():
        settings = state.settings()
        with database(settings) as sessions, sessions() as session:
            health = {h.id: h for h in store.source_health(session)}
    rows = [_source_row(s, health.get(s.id)) for s in settings.all_sources()]
    if as_json:
        print_json(rows)
        return
    table = Table("id", "enabled", "last success", "failures", "last error", "next poll")
    for row in rows:
        error = f"{row['last_error_kind']}: {row['last_error']}" if row["last_error_kind"] else ""
        table.add_row(
            row["id"],
            "yes" if row["enabled"] else "no",
            _when(row["last_success_at"]),
            str(row["consecutive_failures"]),
            error[:60],
            _when(row["next_poll_at"]),
        )
    Console().print(table)


def _source_row(source: Source, health: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": source.id,
        "name": source.name,
        "url": source.url,
        "kind": source.kind,
        "language": source.language,
        "label": source.label,
        "interval_seconds": int(source.interval.total_seconds()),
        "enabled": source.enabled,
    }
    fields = ("last_polled_at", "last_success_at", "last_new_item_at", "last_error", "last_error_kind")
    fields += ("last_error_at", "consecutive_failures", "next_poll_at", "moved_to")
    values = asdict(health) if health else {}
    return row | {name: values.get(name, 0 if name == "consecutive_failures" else None) for name in fields}


def _when(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value else "-"


@sources_app.command("import-opml")
def import_opml(
    file: Annotated[Path, typer.Argument(help="OPML file to read.")],
    out: Annotated[Path | None, typer.Option("--out", help="Write TOML here instead of stdout.")] = None,
) -> None:
    """Turn an OPML subscription list into [[sources]] TOML to paste into your config.

    Example: monitor sources import-opml feeds.opml >> monitor.toml
    """
    with user_errors():
        settings = state.settings()
        known = {s.url for s in settings.all_sources()}
        entries = [s for s in opml.read_opml(file) if s.url not in known]
        toml_text = opml.to_toml(entries)
    if out:
        out.write_text(toml_text, encoding="utf-8")
        err.print(f"{len(entries)} new sources written to {out}", highlight=False)
    else:
        typer.echo(toml_text, nl=False)


@sources_app.command("export-opml")
def export_opml(
    out: Annotated[Path | None, typer.Option("--out", help="Write here instead of stdout.")] = None,
) -> None:
    """Write the configured sources as OPML (for feed readers and other monitors).

    Example: monitor sources export-opml --out sources.opml
    """
    with user_errors():
        document = opml.write_opml(state.settings().all_sources())
    if out:
        out.write_text(document, encoding="utf-8")
    else:
        typer.echo(document, nl=False)


# --- db ------------------------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations (a poll or the daemon does it too on a new database).

    Example: MONITOR_DATABASE_URL=postgresql://monitor@db/monitor monitor db upgrade
    """
    with user_errors(), database(state.settings()):
        pass
    err.print("database is up to date", highlight=False)
