"""The digest's volume: its three summary lines, the week's spike alerts (monitor/spikes.py) and
the entities whose volume rose or fell most against their weekly average over the four weeks
before. Pure: no I/O.

A change is this week's articles minus the average week of the four before; the five biggest
rises and the five biggest falls are listed (at least 3 articles either way, so a move from 1 to 2
is no news). Without four full weeks of history before the week nothing is compared.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from monitor.geo import PlaceInfo, story_place
from monitor.store.digests import WeekArticle

MOVERS = 5
MIN_CHANGE = 3.0
WEEKS_BEFORE = 4
FOUR_WEEKS = timedelta(weeks=WEEKS_BEFORE)


@dataclass(frozen=True, slots=True)
class VolumeChange:
    name: str
    count: int  # articles this week
    usual: float  # articles in an average week of the four before

    @property
    def change(self) -> float:
        return self.count - self.usual


@dataclass(frozen=True, slots=True)
class SpikeLine:
    when: datetime  # local time the alert was queued
    text: str


def movers(
    counts: Mapping[str, int],
    four_weeks: Mapping[str, int],
    names: Mapping[str, str],
    history_start: datetime | None,
    week_start: datetime,
) -> tuple[tuple[VolumeChange, ...], tuple[VolumeChange, ...]]:
    """The biggest rises and the biggest falls, each at most MOVERS long (names: id -> shown name);
    none unless the database's history goes back four weeks before the week."""
    if history_start is None or history_start > week_start - FOUR_WEEKS:
        return (), ()
    lines = [
        VolumeChange(names.get(e, e), counts.get(e, 0), four_weeks.get(e, 0) / WEEKS_BEFORE)
        for e in set(counts) | set(four_weeks)
    ]
    rises = sorted((ln for ln in lines if ln.change >= MIN_CHANGE), key=lambda ln: (-ln.change, ln.name))
    falls = sorted((ln for ln in lines if ln.change <= -MIN_CHANGE), key=lambda ln: (ln.change, ln.name))
    return tuple(rises[:MOVERS]), tuple(falls[:MOVERS])


def spike_lines(spikes: Sequence[tuple[datetime, str]], tz: ZoneInfo) -> tuple[SpikeLine, ...]:
    return tuple(SpikeLine(at.astimezone(tz), text) for at, text in spikes)


@dataclass(frozen=True, slots=True)
class DailySeries:
    name: str
    counts: tuple[int, ...]  # one per day of the week


class _Line(Protocol):
    """An entity's line of the digest's tables (monitor.digest.EntityLine)."""

    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def count(self) -> int: ...


def summary_lines(
    stories: int,
    previous: int,
    event: tuple[str, int, str | None] | None,
    places: Sequence[_Line],
    actors: Sequence[_Line],
) -> tuple[str, str, str]:
    """The three lines at the top: the week's stories against the week before; the event type in
    most stories (see top_event); the top place and actor (by articles, like the tables below)."""
    counted = f"{stories} {_plural(stories, 'story', 'stories')} this week"
    if stories == previous:
        change = f"as many as the week before ({previous})"
    else:
        change = f"{'up' if stories > previous else 'down'} from {previous} the week before"
    if event is None:
        top = "Top event: no event typed"
    else:
        name, count, where = event
        top = f"Top event: {name}, in {count} {_plural(count, 'story', 'stories')}"
        top += f", most at {where}" if where else ""
    return (
        f"{counted}, {change}",
        top,
        f"Top place: {_top(places, 'place')}; top actor: {_top(actors, 'actor')}",
    )


def top_event(
    groups: Sequence[Sequence[WeekArticle]], places: Mapping[str, PlaceInfo], names: Mapping[str, str]
) -> tuple[str, int, str | None] | None:
    """The event type in most of the week's stories (its name), in how many, and the place most of
    those stories are at (monitor.geo.story_place); None when no story was typed."""
    counts = Counter(t for group in groups for t in dict.fromkeys(t for a in group for t in a.event_types))
    if not counts:
        return None
    event, stories = counts.most_common(1)[0]
    where = Counter(
        p.name for g in groups if any(event in a.event_types for a in g)
        if (p := story_place([a.entities for a in g], places))
    )  # fmt: skip
    return names.get(event, event), stories, where.most_common(1)[0][0] if where else None


def _top(lines: Sequence[_Line], what: str) -> str:
    if not lines or not lines[0].count:
        return f"no watched {what} named"
    return f"{lines[0].name}, in {lines[0].count} {_plural(lines[0].count, 'article', 'articles')}"


def _plural(count: int, one: str, many: str) -> str:
    return one if count == 1 else many


def daily_series(
    articles: Sequence[WeekArticle], days: Sequence[date], tz: ZoneInfo, top: Sequence[_Line]
) -> tuple[DailySeries, ...]:
    per_day = Counter((e, a.when.astimezone(tz).date()) for a in articles for e in a.entities)
    return tuple(DailySeries(ln.name, tuple(per_day[ln.id, d] for d in days)) for ln in top if ln.count)
