"""`monitor export`: the stories of a window as rows analysts load into their own tools.

One row per story, grouped exactly as the digest groups them (`monitor.digest.group_stories`:
the outbox's story, else the same URL or a near-identical title within 48 hours), over articles
with at least one hit whose publication time (or first sighting, for undated items) is in the
window. ACLED-like columns, in this order:

    story_id     "story-<n>" when the alerts outbox grouped it, else "article-<id of its first article>"
    date         YYYY-MM-DD of the story's first article, in digest.timezone
    event_types  what happened (monitor/events.py): its articles' event types, in order of first appearance
    actors       names of the watched actors the story's articles name, in order of first mention
    place        the most specific watched place the story names (monitor.geo.story_place), else empty
    latitude, longitude   that place's WGS84 coordinates, else empty
    outlets      the outlets that carried it, first first
    urls         their http(s) links
    title        the first article's title
    language     the first article's language, as its feed gave it
    priority     the highest priority among its articles, else empty
    corroboration        "single source" or "N outlets": distinct publishers (monitor/corroboration.py)
    corroboration_flag   "<label> only" when every outlet carries one label ("factional only"), else empty
    outlet_count         the number of distinct publishers
    outlet_labels        their labels (wire, state, factional, ...), sorted

Formats: CSV (UTF-8; `bom=True` adds the byte-order mark Excel needs to read Arabic; lists joined
with "; "; a text cell starting with = + - @ is prefixed with ' so a spreadsheet shows it instead of
running it as a formula), JSON Lines (lists as arrays, missing values null) and GeoJSON (RFC 7946:
a FeatureCollection of Points, [longitude, latitude], WGS84, for the stories with a place).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from monitor.corroboration import assess
from monitor.digest import EntityCatalogue, clean, group_stories, safe_url, top_priority
from monitor.formats import ExportFormat
from monitor.geo import story_place
from monitor.records import Corroboration, Source
from monitor.store import digests
from monitor.store.digests import WeekArticle
from monitor.stories import StoryRule
from monitor.watchlists import ACTOR_KINDS, PLACE_KINDS

COLUMNS = (
    "story_id", "date", "event_types", "actors", "place", "latitude", "longitude", "outlets", "urls",
    "title", "language", "priority", "corroboration", "corroboration_flag", "outlet_count", "outlet_labels",
)  # fmt: skip
LIST_SEPARATOR = "; "
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class StoryRow:
    story_id: str
    date: str
    event_types: tuple[str, ...]
    actors: tuple[str, ...]
    place: str
    latitude: float | None
    longitude: float | None
    outlets: tuple[str, ...]
    urls: tuple[str, ...]
    title: str
    language: str
    priority: str
    corroboration: str = ""
    corroboration_flag: str | None = None
    outlet_count: int = 0
    outlet_labels: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Column → value, lists as lists and missing numbers as None (JSON's shape)."""
        return {
            name: list(value) if isinstance(value, tuple) else value
            for name, value in ((c, getattr(self, c)) for c in COLUMNS)
        }


# --- deciding ------------------------------------------------------------------------------------


def load_rows(
    session: Session,
    since: datetime,
    until: datetime,
    watchlist: EntityCatalogue,
    tz: ZoneInfo,
    rule: StoryRule = StoryRule(),
    sources: Sequence[Source] = (),
) -> list[StoryRow]:
    return story_rows(digests.matched_articles(session, since, until), watchlist, tz, rule, sources)


def story_rows(
    articles: Sequence[WeekArticle],
    watchlist: EntityCatalogue,
    tz: ZoneInfo,
    rule: StoryRule = StoryRule(),
    sources: Sequence[Source] = (),
) -> list[StoryRow]:
    """One row per story, oldest first; `sources` (the configured ones) label its outlets."""
    places = {i: e for i, e in watchlist.entities.items() if e.kind in PLACE_KINDS}
    groups = sorted(group_stories(articles, rule), key=lambda g: (g[0].when, g[0].id))
    judged = assess({i: [a.origin for a in group] for i, group in enumerate(groups)}, sources)
    return [_row(group, watchlist, places, tz, judged[i][1]) for i, group in enumerate(groups)]


def _row(
    group: tuple[WeekArticle, ...],
    watchlist: EntityCatalogue,
    places: Any,
    tz: ZoneInfo,
    judged: Corroboration,
) -> StoryRow:
    lead = group[0]
    named = dict.fromkeys(e for a in group for e in a.entities)
    actors = [
        clean(info.name) for e in named if (info := watchlist.entities.get(e)) and info.kind in ACTOR_KINDS
    ]
    place = story_place([a.entities for a in group], places)
    story = next((a.story_id for a in group if a.story_id), None)
    return StoryRow(
        story_id=f"story-{story}" if story else f"article-{lead.id}",
        date=f"{lead.when.astimezone(tz):%Y-%m-%d}",
        event_types=tuple(dict.fromkeys(t for a in group for t in a.event_types)),
        actors=tuple(actors),
        place=clean(place.name) if place else "",
        latitude=place.lat if place else None,
        longitude=place.lon if place else None,
        outlets=tuple(dict.fromkeys(clean(a.outlet) for a in group if a.outlet)),
        urls=tuple(dict.fromkeys(u for a in group if (u := safe_url(a.url)))),
        title=clean(lead.title),
        language=clean(lead.language or ""),
        priority=top_priority(group) or "",
        corroboration=judged.status,
        corroboration_flag=judged.flag,
        outlet_count=judged.outlets,
        outlet_labels=judged.labels,
    )


# --- formats -------------------------------------------------------------------------------------


def to_csv(rows: Iterable[StoryRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180, what spreadsheets expect
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_cell(row.as_dict()[c]) for c in COLUMNS])
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        value = LIST_SEPARATOR.join(value)
    if isinstance(value, str):
        return "'" + value if value.startswith(_FORMULA_START) else value
    return str(value)


def to_jsonl(rows: Iterable[StoryRow]) -> str:
    return "".join(json.dumps(row.as_dict(), ensure_ascii=False) + "\n" for row in rows)


def to_geojson(rows: Iterable[StoryRow]) -> str:
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [row.longitude, row.latitude]},
            "properties": {k: v for k, v in row.as_dict().items() if k not in ("latitude", "longitude")},
        }
        for row in rows
        if row.latitude is not None and row.longitude is not None
    ]
    return (
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, indent=1) + "\n"
    )


def render(rows: Sequence[StoryRow], fmt: ExportFormat, *, bom: bool = False) -> bytes:
    text = {ExportFormat.CSV: to_csv, ExportFormat.JSONL: to_jsonl, ExportFormat.GEOJSON: to_geojson}[fmt](
        rows
    )
    return text.encode("utf-8-sig" if bom else "utf-8")
