"""`monitor export`: the stories of a window as CSV, JSON Lines or GeoJSON (see monitor/export.py).

Kept out of cli.py like the digest command; cli.py registers it. Without --out the rows go to
stdout; with it the file is written atomically (a reader never sees half a file).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from monitor.cli_common import SinceOption, open_database, refuse_database, since_time, state, user_errors
from monitor.files import write_atomic
from monitor.formats import ExportFormat


def export(
    since: SinceOption = "30d",
    fmt: Annotated[
        ExportFormat,
        typer.Option("--format", help="csv (a spreadsheet), jsonl, or geojson (QGIS, RFC 7946)."),
    ] = ExportFormat.CSV,
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file (default: stdout).")] = None,
    bom: Annotated[
        bool, typer.Option("--bom", help="With csv: start with a UTF-8 byte-order mark, for Excel.")
    ] = False,
) -> None:
    """Export the stories of the window, one row per story, with ACLED-like columns.

    Columns: story_id, date, event_types, actors, place, latitude, longitude, outlets, urls, title,
    language, priority. place is the most specific watched place the story names. GeoJSON holds
    the stories that have a place.

    Example: monitor export --since 30d --format csv --bom --out stories.csv
    Example: monitor export --format geojson --out stories.geojson
    """
    if bom and fmt is not ExportFormat.CSV:
        raise typer.BadParameter("only goes with --format csv", param_hint="--bom")
    from monitor.app import load_watchlist, utc_now
    from monitor.digest_delivery import timezone_of
    from monitor.export import load_rows, render
    from monitor.stories import StoryRule

    with user_errors():
        settings = state.settings()
        refuse_database(out, settings)
        window_start, now = since_time(since), utc_now()
        watchlist = load_watchlist(settings)
        with open_database(settings, existing=True) as sessions, sessions() as session:
            tz, rule = timezone_of(settings.digest), StoryRule.from_settings(settings)
            rows = load_rows(session, window_start, now, watchlist, tz, rule, settings.all_sources())
        data = render(rows, fmt, bom=bom)
        if out is None:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
            return
        write_atomic(out, data)
    written, note = len(rows), ""
    if fmt is ExportFormat.GEOJSON:  # a point for each story with a place, and only those
        written = sum(row.latitude is not None and row.longitude is not None for row in rows)
        note = f" ({len(rows) - written} without a place left out)"
    typer.echo(f"{written} stories written to {out}{note}", err=True)
