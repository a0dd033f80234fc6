"""`monitor sources`: each source's health, and OPML in and out."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from monitor import kinds
from monitor.cli_common import (
    JsonOption,
    err,
    inert,
    open_database,
    print_json,
    print_table,
    refuse_database,
    state,
    user_errors,
)
from monitor.files import write_atomic

if TYPE_CHECKING:
    from monitor.records import Source, SourceHealth

sources_app = typer.Typer()


# --- sources -------------------------------------------------------------------------------------


@sources_app.callback(invoke_without_command=True)
def sources(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Each source's health: last success, last error and its kind, failures, next poll.

    Example: monitor sources --json
    """
    if ctx.invoked_subcommand is not None:
        return
    from rich.table import Table

    from monitor import store

    with user_errors():
        settings = state.settings()
        with open_database(settings, existing=True) as sessions, sessions() as session:
            health = {h.id: h for h in store.source_health(session)}
    rows = [_source_row(s, health.get(s.id)) for s in settings.all_sources()]
    if as_json:
        print_json(rows)
        return
    table = Table("id", "kind", "label", "enabled", "last success", "failures", "last error", "next poll")
    for row in rows:
        error = f"{row['last_error_kind']}: {row['last_error']}" if row["last_error_kind"] else ""
        table.add_row(
            row["id"],
            row["kind"],
            row["label"] or "-",
            "yes" if row["enabled"] else "no",
            _when(row["last_success_at"]),
            str(row["consecutive_failures"]),
            inert(error[:60]),
            _when(row["next_poll_at"]),
        )
    print_table(table)


_HEALTH_FIELDS = (
    "last_polled_at last_success_at last_new_item_at last_error last_error_kind last_error_at "
    "consecutive_failures next_poll_at retry_after_until moved_to"
).split()


def _source_row(source: Source, health: SourceHealth | None) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": source.id,
        "name": source.name,
        "url": source.url,
        "kind": source.kind,
        "language": source.language,
        "label": source.label,
        "owner": source.owner,
        "interval_seconds": int(source.interval.total_seconds()),
        "enabled": source.enabled,
    }
    values = asdict(health) if health else {}
    row |= {name: values.get(name, 0 if name == "consecutive_failures" else None) for name in _HEALTH_FIELDS}
    # what the last failure means for this kind of source (monitor.kinds: each kind's FAILURES)
    failure = row["last_error_kind"]
    row["error_meaning"] = kinds.load(source.kind).FAILURES.get(failure) if failure else None
    return row


def _when(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value else "-"


@sources_app.command("import-opml")
def import_opml(
    file: Annotated[Path, typer.Argument(help="OPML file to read (`-`: stdin).")],
    out: Annotated[Path | None, typer.Option("--out", help="Write TOML here instead of stdout.")] = None,
) -> None:
    """Turn an OPML subscription list into [[sources]] TOML to paste into your config.

    Example: monitor sources import-opml feeds.opml >> monitor.toml
    """
    from monitor import opml
    from monitor.config import bundled_sources

    with user_errors():
        refuse_database(out, state.settings())
        configured = state.settings().all_sources()
        ids = {s.id for s in configured} | {s.id for s in bundled_sources()}  # also when switched off
        entries = opml.read_opml(file, ids=ids, urls={s.url for s in configured})
        toml_text = opml.to_toml(entries)
        if out:
            write_atomic(out, toml_text)
    if out:
        err.print(f"{len(entries)} new sources written to {out}")
    else:
        typer.echo(toml_text, nl=False)


@sources_app.command("export-opml")
def export_opml(
    out: Annotated[Path | None, typer.Option("--out", help="Write here instead of stdout.")] = None,
) -> None:
    """Write the configured sources as OPML (for feed readers and other monitors).

    Example: monitor sources export-opml --out sources.opml
    """
    from monitor import opml

    with user_errors():
        refuse_database(out, state.settings())
        document = opml.write_opml(state.settings().all_sources())
        if out:
            write_atomic(out, document)
    if not out:
        typer.echo(document, nl=False)
