"""The `monitor` command line: parse options, build dependencies from Settings, call the stages.

JSON goes to stdout, diagnostics to stderr. Expected errors (bad config, bad watchlist, an
unreachable database, a file that cannot be read or written) are one `error:` line on stderr and
a non-zero exit (see monitor/cli_common.py).

Each command imports the heavy parts it uses (the database, the pipeline, the digest) in its own
body: `monitor --help` and `monitor match` load neither SQLAlchemy nor the worker pool.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from monitor import __version__
from monitor.cli_alerts import alerts_app, deliver_after_poll
from monitor.cli_common import (
    JsonOption,
    LogLevel,
    MonitorGroup,
    SinceOption,
    err,
    inert,
    matches_json,
    open_database,
    print_json,
    refuse_database,
    since_time,
    state,
    user_errors,
)
from monitor.cli_daemon import run, status
from monitor.cli_digest import digest
from monitor.cli_export import export
from monitor.cli_sources import sources_app
from monitor.cli_triage import feedback, mutes_app, watchlists_report
from monitor.errors import InputError
from monitor.files import read_input, write_atomic
from monitor.logs import DEFAULT_LEVEL

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from monitor.config import Settings
    from monitor.matching import Matcher
    from monitor.records import PollReport, Source
    from monitor.watchlists import Watchlist

# Help texts are printed as written (no Rich markup: `[[sources]]` must stay `[[sources]]`), and a
# traceback (a bug) never shows local variables, which may hold secrets.
app = typer.Typer(
    help="News monitor for the Qa'im–Bukamal border.",
    no_args_is_help=True,
    add_completion=False,
    cls=MonitorGroup,
    rich_markup_mode=None,
    pretty_exceptions_show_locals=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
watchlists_app = typer.Typer(help="Check and grow the watchlists.", no_args_is_help=True)
app.add_typer(sources_app, name="sources")
app.add_typer(db_app, name="db")
app.add_typer(watchlists_app, name="watchlists")
app.add_typer(alerts_app, name="alerts")
app.add_typer(mutes_app, name="mutes")
app.command("feedback")(feedback)
watchlists_app.command("report")(watchlists_report)
app.command("digest")(digest)
app.command("export")(export)
app.command("run")(run)
app.command("status")(status)

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="TOML config file (default: $MONITOR_CONFIG, else built-in)."),
]


def _print_version(value: bool) -> None:
    if value:
        typer.echo(__version__)
        raise typer.Exit()


@app.callback()
def main(
    config: ConfigOption = None,
    log_level: Annotated[
        LogLevel,
        typer.Option(
            "--log-level",
            case_sensitive=False,
            help=f"Log level (default {DEFAULT_LEVEL}; `monitor run`: daemon.log_level, INFO).",
            show_default=False,
        ),
    ] = LogLevel[DEFAULT_LEVEL],
    log_json: Annotated[bool, typer.Option("--log-json", help="Structured JSON logs on stderr.")] = False,
    version: Annotated[
        bool,
        typer.Option("--version", help="Print the version and exit.", callback=_print_version, is_eager=True),
    ] = False,
) -> None:
    """News monitor for the Qa'im–Bukamal border: fetch feeds, match watchlists, alert, digest."""
    state.config, state.log_level, state.log_json, state._settings = config, log_level.value, log_json, None


def select_sources(settings: Settings, ids: list[str]) -> list[Source]:
    if not ids:
        return settings.enabled_sources()
    known = {s.id: s for s in settings.all_sources()}
    if unknown := [i for i in ids if i not in known]:
        raise unknown_sources(unknown)
    return [known[i] for i in dict.fromkeys(ids)]  # each once, however often named


def unknown_sources(ids: list[str]) -> typer.BadParameter:
    return typer.BadParameter(
        f"unknown source {', '.join(ids)} (`monitor sources` lists them)", param_hint="'--source'"
    )


# --- poll ----------------------------------------------------------------------------------------


@app.command()
def poll(
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="Only this source id (repeatable).")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Also ask sources whose server asked us to wait (Retry-After).")
    ] = False,
) -> None:
    """Poll every enabled source once (or the named ones) and store what is new.

    Example: monitor poll --source enab-baladi-en --source syria-direct

    A source whose server answered 429 or 503 with Retry-After is skipped until that time (one
    line each); --force asks it anyway. Sources in backoff after other errors are polled.
    Exits 0 even when some sources failed (each is reported); non-zero for bad config or an
    unreachable database.
    """
    import asyncio

    from monitor.app import load_watchlist

    with user_errors():
        settings = state.settings()
        sources = select_sources(settings, source or [])
        watchlist = load_watchlist(settings)  # checked here, matched against by _poll's Matcher
        with open_database(settings) as sessions:
            waiting = {} if force else _asked_to_wait(sessions, sources)
            for source_id, until in waiting.items():
                typer.echo(
                    f"skipped {source_id}: asked to wait until {until:%Y-%m-%dT%H:%M:%SZ} (Retry-After)"
                )
            to_poll = [s for s in sources if s.id not in waiting]
            reports = asyncio.run(_poll(settings, sessions, watchlist, to_poll)) if to_poll else []
            deliver_after_poll(settings, sessions, sources, watchlist)
    common = common_failure(reports)
    if common:
        err.print(common)
    failed = sum(r.status in ("failed", "deferred") for r in reports)
    new = sum(r.new for r in reports)
    skipped = f", {len(waiting)} skipped (Retry-After; --force asks them)" if waiting else ""
    err.print(f"{len(reports)} sources polled, {failed} failed{skipped}, {new} new articles")


def _asked_to_wait(sessions: sessionmaker[Session], sources: Sequence[Source]) -> dict[str, datetime]:
    """Source id → until when its server asked us (Retry-After) not to ask again, if still ahead
    (and the source still has the URL that was asked)."""
    from monitor import store
    from monitor.app import utc_now

    now, urls = utc_now(), {s.id: s.url for s in sources}
    with sessions() as session:
        health = store.source_health(session, list(urls))
    return {
        h.id: h.retry_after_until
        for h in health
        if h.retry_after_until and h.retry_after_until > now and h.url == urls[h.id]
    }


# What to check when most sources fail the same way (a machine or network problem, not the feeds).
_COMMON_CAUSES = {
    "dns": "is the network up?",
    "connect": "is the network up, or a proxy needed?",
    "timeout": "is the network slow or down?",
    "tls": "is the system clock right, and are CA certificates installed?",
    "blocked": "the servers take us for a bot: check fetch.user_agent",
    "http_429": "the servers are rate-limiting us: poll less often",
}


def common_failure(reports: Sequence[PollReport]) -> str | None:
    """One line when most sources (at least 2 and over half) failed with the same kind."""
    kinds = Counter(r.error_kind for r in reports if r.status in ("failed", "deferred") and r.error_kind)
    if not kinds:
        return None
    kind, count = kinds.most_common(1)[0]
    if count < 2 or count * 2 <= len(reports):
        return None
    hint = _COMMON_CAUSES.get(kind, "see `monitor sources` for each error")
    return f"{count} of {len(reports)} sources failed with {kind}: {hint}"


async def _poll(
    settings: Settings, sessions: sessionmaker[Session], watchlist: Watchlist, sources: list[Source]
) -> list[PollReport]:
    """Poll `sources` (at least one: a poll of none starts no HTTP client, parse pool, store
    thread or matcher)."""
    from monitor.app import poll_deps
    from monitor.pipeline import poll_sources

    async with poll_deps(settings, sessions, watchlist) as deps:
        with _progress(len(sources)) as on_report:
            return await poll_sources(sources, deps, on_report)


@contextmanager
def _progress(total: int) -> Iterator[Callable[[PollReport], None]]:
    """A Rich progress bar on a terminal; plain lines otherwise (logs, cron, CI)."""
    if not sys.stdout.isatty():
        yield lambda report: typer.echo(format_report(report))
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("polling"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=False) as progress:
        task = progress.add_task("poll", total=total)

        def on_report(report: PollReport) -> None:
            progress.console.print(format_report(report), markup=False, highlight=False, emoji=False)
            progress.advance(task)

        yield on_report


def format_report(report: PollReport) -> str:
    head = f"{report.source_id:<24} {report.status:<12}"
    if report.status in ("failed", "deferred"):
        return inert(f"{head} {report.error_kind}: {report.error}")
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
    from monitor import store
    from monitor.sources.text import shown_title

    window = since_time(since)
    with user_errors():
        settings = state.settings()
        with open_database(settings, existing=True) as sessions, sessions() as session:
            if source:  # a configured source, or one the database still holds articles of
                known = {h.id for h in store.source_health(session, source)}
                known |= {s.id for s in settings.all_sources()}
                if unknown := [i for i in source if i not in known]:
                    raise unknown_sources(unknown)
            found = store.list_articles(session, since=window, source_ids=source or [])
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
            "key": a.key,
            "text": a.text,
        }
        for a in found
    ]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        title = shown_title(str(row["title"] or ""))
        typer.echo(inert(f"{row['published']:%Y-%m-%d %H:%M}  {row['source']:<20} {title}"))


# --- matching ------------------------------------------------------------------------------------


@app.command()
def match(
    file: Annotated[Path, typer.Argument(help="Text or HTML file; `-` or omitted: stdin.")] = Path("-"),
    as_json: JsonOption = False,
    explain: Annotated[
        bool,
        typer.Option(
            "--explain",
            help="Per mention the alias, the variant rule that made the spelling and the context rule "
            "that kept it; also the candidates that were dropped and why.",
        ),
    ] = False,
    published: Annotated[
        str | None,
        typer.Option(
            "--published",
            metavar="<YYYY[-MM[-DD]]>",
            help="When the text was published: dates its names as a poll dates an article (the "
            "Syrian army before or after December 2024) and its events (default: the latest date in "
            "its first lines, else this year, for events only).",
        ),
    ] = None,
) -> None:
    """Match a text against the watchlists; offsets are character offsets into the text as read.

    Example: echo "Strike near Albu Kamal" | monitor match --json --explain --published 2019-03-01
    """
    from monitor.events import dated, event_typer

    year = _published_year(published) if published is not None else None
    with user_errors():
        text = _read_input(file)
        matcher = _matcher(state.settings())
        mentions, why = matcher.explain(text, year) if explain else (matcher.find_in_markup(text, year), [])
    events = [
        {"type": e.type, "start": e.start, "end": e.end, "text": e.text}
        for e in event_typer(matcher.watchlist).find(text, mentions, year=year or dated(text))
    ]
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
        typer.echo(matches_json(rows, events))
        return
    if as_json:
        payload: dict[str, Any] = {"matches": rows, "events": events}
        if explain:
            payload["dropped"] = [
                {"entity": w.entity, "start": w.start, "end": w.end, "text": w.text, "alias": w.alias,
                 "variant": w.variant, "rule": w.rule}
                for w in dropped
            ]  # fmt: skip
        print_json(payload)
        return
    lines: list[str] = []  # echoed at once: one echo (and flush) per line was a tenth of a large text's time
    for row in rows:
        lines.append(f"{row['start']:>6}-{row['end']:<6} {row['entity']:<28} {row['text']}")
        if explain:
            e = row["explain"]
            lines.append(f"{'':14}alias {e['alias']!r} ({e['variant']}); kept: {e['rule']}")
    for event in events:
        lines.append(f"{event['start']:>6}-{event['end']:<6} event: {event['type']:<21} {event['text']}")
    if explain and dropped:
        lines.append("dropped:")
        for w in dropped:
            lines.append(f"{w.start:>6}-{w.end:<6} {w.entity:<28} {w.text}")
            lines.append(f"{'':14}alias {w.alias!r} ({w.variant}); dropped: {w.rule}")
    if lines:
        typer.echo("\n".join(lines))


def _matcher(settings: Settings) -> Matcher:
    """app.load_matcher without importing app (the database, the fetcher, the worker pool),
    which `monitor match` needs none of."""
    from monitor.matching import Matcher
    from monitor.watchlist_cache import load_cached

    return Matcher(load_cached(settings.watchlists_path()))


def _published_year(text: str) -> int:
    """The year of `--published` (YYYY, YYYY-MM or an ISO date: a page may give only its month);
    a usage error otherwise."""
    try:
        if len(text) == 4:
            return date(int(text), 1, 1).year
        return date.fromisoformat(f"{text}-01" if len(text) == 7 else text).year
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a year, a month or a date (YYYY, YYYY-MM or YYYY-MM-DD)",
            param_hint="'--published'",
        ) from None


def _read_input(path: Path) -> str:
    """The text of `path`; InputError when it cannot be read or is not text."""
    raw = read_input(path)
    if b"\x00" in raw[:8192]:
        raise InputError(path, "is a binary file, not text: name a text or HTML file")
    return raw.decode("utf-8", errors="replace")


@app.command()
def hits(since: SinceOption = "7d", as_json: JsonOption = False) -> None:
    """List stored articles with hits: the entities they mention, their event types, their most
    specific watched place and their priority.

    Example: monitor hits --since 24h --json
    """
    from monitor import corroboration, store
    from monitor.geo import story_place
    from monitor.sources.text import shown_title
    from monitor.watchlists import load_watchlists

    window = since_time(since)
    with user_errors():
        settings = state.settings()
        with open_database(settings, existing=True) as sessions, sessions() as session:
            found = store.list_hits(session, since=window)
            origins = store.story_origins(session, [h.article_id for h in found])
        places = {i: e for i, e in load_watchlists(settings.watchlists_path()).entities.items() if e.is_place}
    assessed = corroboration.assess(origins, settings.all_sources())
    rows: list[dict[str, Any]] = [
        {
            "article_id": h.article_id,
            "url": h.url,
            "title": h.title,
            "source": h.source,
            "published": h.published,
            "entities": list(h.entities),
            "priority": h.priority,
            "priority_reason": h.priority_reason,
            "events": list(h.event_types),
            "place": asdict(place) if (place := story_place([h.entities], places)) else None,
            **corroboration.as_json(*assessed[h.article_id]),
        }
        for h in found
    ]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        title = shown_title(row["title"])
        typer.echo(inert(f"{row['published']:%Y-%m-%d %H:%M}  {row['priority'] or '-':<6} {title}"))
        typer.echo(f"{'':24}{', '.join(row['entities'])}  ({assessed[row['article_id']][1].text})")


@app.command()
def rematch(
    since: Annotated[str, typer.Option("--since", help="Articles first seen in this window.")] = "30d",
) -> None:
    """Match stored articles again after the watchlists changed; adds only hits not stored yet.

    Example: monitor rematch --since 90d
    """
    from monitor.app import load_matcher, utc_now
    from monitor.pipeline import rematch as rematch_articles

    window = since_time(since)
    with user_errors():
        settings = state.settings()
        matcher = load_matcher(settings)
        with open_database(settings, existing=True) as sessions:
            count, new_hits = rematch_articles(sessions, matcher, since=window, now=utc_now())
    err.print(f"{count} articles matched again, {new_hits} new hits")


@watchlists_app.command("validate")
def watchlists_validate() -> None:
    """Check every watchlist file; print each problem with file, line and field.

    Example: monitor watchlists validate
    """
    from monitor.watchlists import check_watchlists, shortcomings

    with user_errors():
        folder = state.settings().watchlists_path()
        watchlist, problems = check_watchlists(folder)
        if problems and problems[0].path == str(folder):  # missing, or no entities: one line, as for match
            raise problems[0]
    for problem in problems:
        err.print(str(problem))
    if watchlist is None:
        err.print(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in {folder}")
        raise typer.Exit(2)
    for shortcoming in shortcomings(folder, watchlist):
        err.print(f"warning: {shortcoming}")
    counts = ", ".join(f"{n} {what}" for what, n in watchlist.stats().items())
    err.print(f"{folder}: watchlists are valid ({counts})")


@watchlists_app.command("derive")
def watchlists_derive(
    documents: Annotated[list[Path], typer.Argument(help="Baseline documents: text or HTML (`-`: stdin).")],
    out: Annotated[Path | None, typer.Option("--out", help="Write the YAML stubs here, not stdout.")] = None,
) -> None:
    """Propose actors and places that the documents name and the watchlists do not cover yet.

    Prints YAML entity stubs (id, name, kind guess, aliases, count, a context line) to edit and
    paste into a watchlist file.

    Example: monitor watchlists derive new-report.html --out proposals.yaml
    """
    from monitor.derive import derive, render_yaml
    from monitor.watchlists import load_watchlists

    with user_errors():
        refuse_database(out, state.settings())
        watchlist = load_watchlists(state.settings().watchlists_path())
        texts = [(path.name, _read_input(path)) for path in documents]
        candidates = derive(texts, watchlist)
        stubs = render_yaml(candidates)
        if out:
            write_atomic(out, stubs)
    if not out:
        typer.echo(stubs.rstrip("\n"))
    err.print(f"{len(candidates)} proposed entries from {len(documents)} documents")


# --- db ------------------------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create a new database or apply the migrations to an older one (a poll or the daemon does it too).

    Example: MONITOR_DATABASE_URL=postgresql://monitor@db/monitor monitor db upgrade
    """
    with user_errors(), open_database(state.settings()):
        pass
    err.print("database is up to date")
