"""The weekly digest: what happened around the border in one ISO week, decided purely, then rendered.

`load_week()` is the only part that reads the store (through `monitor.store.digests`);
`build_digest()` turns those facts into a `DigestData` record with pure functions (the three
summary lines, ranking, week-over-week change, co-occurrence, story grouping, stories per place
for the map, source problems grouped by error kind); `monitor.digest_render.render()` turns the
record into a subject, a plain-text and an HTML body, the map PNG and the chart PNG.

"Seen for the first time" lists entities whose first article ever is in the week; nothing while
the database has no article from before the week (on a new database every entity would be new).

Weeks are ISO weeks in the configured timezone: Monday 00:00 to the next Monday 00:00 local time,
so a week around a DST change is 167 or 169 hours long and consecutive weeks still tile.

Stories: an article the alerts outbox attached to a story keeps that story; the rest are grouped
by the alerts' rule (`monitor.stories`: `alerts.similarity`, `alerts.dedupe_window`), comparing
titles only, as the digest loads no article bodies.

Untrusted text (titles, snippets, outlets, URLs) is cleaned here once: control and bidi-override
characters removed, whitespace collapsed, and only http(s) links kept. The HTML template
autoescapes on top of that; the plain-text one relies on it.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Literal, Protocol
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from monitor import digest_volume as volume
from monitor.corroboration import assess
from monitor.digest_map import MapPoint, short_name
from monitor.digest_volume import FOUR_WEEKS, DailySeries, SpikeLine, VolumeChange, movers, spike_lines
from monitor.feedback import Feedback, TriageSection, load_feedback, triage_section
from monitor.geo import Place, PlaceInfo, story_place
from monitor.logs import BIDI_CONTROLS
from monitor.records import Source
from monitor.store import digests
from monitor.store.digests import SourceWeek, WeekArticle
from monitor.stories import StoryIndex, StoryRule, place, signatures_of
from monitor.watchlists import ACTOR_KINDS, PLACE_KINDS, EventTypes

TOP_ENTITIES = 15  # rows per actors/places table
TOP_STORIES = 10
CHART_ENTITIES = 5
PAIR_ROWS, PAIR_COLUMNS = 6, 5
_PRIORITY_RANK = {"high": 0, "medium": 1, "low": 2}
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


# --- records -------------------------------------------------------------------------------------


class EntityCatalogue(Protocol):
    """What the digest needs of a Watchlist: names and kinds by id."""

    @property
    def entities(self) -> Mapping[str, PlaceInfo]: ...

    @property
    def events(self) -> EventTypes: ...


@dataclass(frozen=True, slots=True)
class WeekFacts:
    """Everything the digest reads from the store about one week."""

    articles_total: int
    matched: tuple[WeekArticle, ...]
    previous_counts: Mapping[str, int]
    first_seen: Mapping[str, datetime]
    sources: tuple[SourceWeek, ...]
    previous_matched: tuple[WeekArticle, ...] = ()  # the week before, for its story count
    history_start: datetime | None = None  # when the database saw its first article
    feedback: Feedback | None = None  # analysts' verdicts and mutes (monitor/feedback.py)
    spikes: tuple[tuple[datetime, str], ...] = ()  # the week's spike alerts: when queued, their text
    four_weeks_counts: Mapping[str, int] = field(default_factory=dict)  # articles per entity, 4 weeks before


@dataclass(frozen=True, slots=True)
class EntityLine:
    id: str
    name: str
    kind: str
    count: int  # articles this week
    previous: int  # articles the week before
    new: bool = False  # never seen before this week

    @property
    def change(self) -> int:
        return self.count - self.previous


@dataclass(frozen=True, slots=True)
class StoryLine:
    title: str
    url: str | None  # only http(s) links are kept
    outlet: str
    when: datetime  # local time
    entities: tuple[str, ...]  # names
    snippet: str
    priority: str | None
    other_outlets: tuple[str, ...] = ()
    corroboration: str = ""  # "3 outlets", "single source, factional only" (monitor/corroboration.py)


@dataclass(frozen=True, slots=True)
class PairTable:
    """Articles naming both an actor (row) and a place (column)."""

    actors: tuple[str, ...]
    places: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]


@dataclass(frozen=True, slots=True)
class SourceProblem:
    id: str
    name: str
    problem: Literal["failing", "recovered", "quiet"]
    detail: str
    kind: str = ""  # the error kind (dns, timeout, http_5xx ...) for failing and recovered sources
    error: str = ""  # the last error message, cleaned


@dataclass(frozen=True, slots=True)
class SourceGroup:
    """Sources with the same problem and error kind, shown as one line."""

    problem: Literal["failing", "recovered", "quiet"]
    kind: str
    names: tuple[str, ...]
    detail: str  # the source's own detail when alone, else what the group has in common


@dataclass(frozen=True, slots=True)
class Totals:
    articles: int  # every article of the week
    matched: int  # articles with at least one hit
    stories: int
    entities: int  # entities mentioned at least once


@dataclass(frozen=True, slots=True)
class DigestData:
    week: str
    timezone: str
    days: tuple[date, ...]  # Monday .. Sunday, local
    generated_at: datetime
    totals: Totals
    actors: tuple[EntityLine, ...] = ()
    places: tuple[EntityLine, ...] = ()
    others: tuple[EntityLine, ...] = ()  # ids no longer in the watchlist, or kinds of neither group
    pairs: PairTable = PairTable((), (), ())
    stories: tuple[StoryLine, ...] = ()
    new_entities: tuple[EntityLine, ...] = ()
    sources: tuple[SourceProblem, ...] = ()
    source_groups: tuple[SourceGroup, ...] = ()
    daily: tuple[DailySeries, ...] = ()
    summary: tuple[str, ...] = ()  # three lines: stories and their change, the top event, place and actor
    map_points: tuple[MapPoint, ...] = ()
    triage: TriageSection | None = None  # verdicts from Slack, muted entities (marked in the tables)
    spikes: tuple[SpikeLine, ...] = ()
    rises: tuple[VolumeChange, ...] = ()  # against the four weeks before (monitor/digest_volume.py)
    falls: tuple[VolumeChange, ...] = ()

    @property
    def empty(self) -> bool:
        return self.totals.matched == 0


# --- weeks ---------------------------------------------------------------------------------------


def parse_week(week: str) -> date:
    """'2026-W47' → the Monday of that ISO week; ValueError when there is no such week."""
    found = _WEEK.match(week)
    if not found:
        raise ValueError(f"{week!r} is not an ISO week (use YYYY-Www, e.g. 2026-W47)")
    if not _YEARS[0] <= int(found[1]) <= _YEARS[1]:
        raise ValueError(f"{week} is out of range (years {_YEARS[0]} to {_YEARS[1]})")
    try:
        return date.fromisocalendar(int(found[1]), int(found[2]), 1)
    except ValueError:
        raise ValueError(f"{week} does not exist") from None


_YEARS = (1900, 9998)  # a digest reads the four weeks before its week and the day after it


def week_of(day: date) -> str:
    year, number, _ = day.isocalendar()
    return f"{year}-W{number:02d}"


def week_bounds(week: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The week as a UTC window [start, end): local Monday midnight to the next one."""
    monday = parse_week(week)
    return _midnight(monday, tz), _midnight(monday + timedelta(days=7), tz)


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    """The start of a local day, in UTC."""
    return datetime.combine(day, time(), tzinfo=tz).astimezone(timezone.utc)


def last_complete_week(now: datetime, tz: ZoneInfo) -> str:
    return week_of(now.astimezone(tz).date() - timedelta(days=7))


# --- reading the week ----------------------------------------------------------------------------


def load_week(session: Session, week: str, tz: ZoneInfo, source_ids: Sequence[str]) -> WeekFacts:
    start, end = week_bounds(week, tz)
    # The week before by date, not by name: 1900-W01's (1899-W52) is outside the weeks we take
    before_start = _midnight(parse_week(week) - timedelta(days=7), tz)
    return WeekFacts(
        articles_total=digests.article_count(session, start, end),
        matched=tuple(digests.matched_articles(session, start, end)),
        previous_counts=digests.entity_counts(session, before_start, start),
        first_seen=digests.first_sightings(session, start, end),
        sources=tuple(digests.source_weeks(session, start, end, source_ids)),
        previous_matched=tuple(digests.matched_articles(session, before_start, start)),
        history_start=digests.history_start(session),
        feedback=load_feedback(session, start, end),
        spikes=tuple((s.at, s.text) for s in digests.spike_alerts(session, start, end)),
        four_weeks_counts=digests.entity_counts(session, start - FOUR_WEEKS, start),
    )


# --- deciding ------------------------------------------------------------------------------------


def build_digest(
    facts: WeekFacts,
    week: str,
    now: datetime,
    tz: ZoneInfo,
    watchlist: EntityCatalogue,
    rule: StoryRule = StoryRule(),
    sources: Sequence[Source] = (),
) -> DigestData:
    monday = parse_week(week)
    days = tuple(monday + timedelta(days=i) for i in range(7))
    start, end = week_bounds(week, tz)
    # In the database's first week everything is new: "first seen" would list every entity.
    has_history = facts.history_start is not None and facts.history_start < start
    lines = rank_entities(entity_lines(facts, watchlist, has_history))
    actors, places, others = split_by_kind(lines)
    groups = group_stories(facts.matched, rule)
    names = {line.id: line.name for line in lines}
    problems = source_problems(facts.sources, start, end, tz)
    known = {i: clean(e.name) for i, e in watchlist.entities.items()}
    counts = {ln.id: ln.count for ln in lines}
    rises, falls = movers(counts, facts.four_weeks_counts, known, facts.history_start, start)
    top = rank_stories(groups)[:TOP_STORIES]
    event = volume.top_event(groups, _places(watchlist), {t.id: t.name for t in watchlist.events.types})
    judged = assess({i: [a.origin for a in g] for i, g in enumerate(top)}, sources)  # outlets, labels
    return DigestData(
        week=week,
        timezone=tz.key,
        days=days,
        generated_at=now.astimezone(tz),
        totals=Totals(
            facts.articles_total, len(facts.matched), len(groups), sum(ln.count > 0 for ln in lines)
        ),
        actors=actors[:TOP_ENTITIES],
        places=places[:TOP_ENTITIES],
        others=others[:TOP_ENTITIES],
        pairs=pair_table(facts.matched, actors, places),
        stories=tuple(story_line(g, names, tz, judged[i][1].text) for i, g in enumerate(top)),
        new_entities=tuple(ln for ln in lines if ln.new),
        sources=problems,
        source_groups=group_sources(problems),
        daily=volume.daily_series(facts.matched, days, tz, lines[:CHART_ENTITIES]),
        summary=volume.summary_lines(
            len(groups), len(group_stories(facts.previous_matched, rule)), event, places, actors
        ),
        map_points=map_points(groups, watchlist),
        triage=triage_section(facts.feedback, _names(watchlist)) if facts.feedback else None,
        spikes=spike_lines(facts.spikes, tz),
        rises=rises,
        falls=falls,
    )


def _places(watchlist: EntityCatalogue) -> dict[str, PlaceInfo]:
    return {i: e for i, e in watchlist.entities.items() if e.kind in PLACE_KINDS}


def _names(watchlist: EntityCatalogue) -> dict[str, str]:
    return {entity: clean(info.name) for entity, info in watchlist.entities.items()}


def entity_lines(facts: WeekFacts, watchlist: EntityCatalogue, has_history: bool = True) -> list[EntityLine]:
    """One line per entity seen this week or the week before; unknown ids are shown as ids.
    An entity is new when its first article ever is in this week and the database is older."""
    counts = Counter(entity for article in facts.matched for entity in article.entities)
    ids = set(counts) | {e for e, n in facts.previous_counts.items() if n > 0}
    return [
        _line(i, counts[i], facts.previous_counts.get(i, 0), has_history and i in facts.first_seen, watchlist)
        for i in ids
    ]


def _line(entity: str, count: int, previous: int, new: bool, watchlist: EntityCatalogue) -> EntityLine:
    info = watchlist.entities.get(entity)
    name, kind = (clean(info.name), info.kind) if info else (clean(entity), "")
    return EntityLine(entity, name, kind, count, previous, new and count > 0)


def rank_entities(lines: Iterable[EntityLine]) -> list[EntityLine]:
    """Most active first; ties go to the biggest rise, then the name, so the order is stable."""
    return sorted(lines, key=lambda ln: (-ln.count, -ln.change, ln.name.casefold(), ln.id))


def split_by_kind(lines: Iterable[EntityLine]) -> tuple[tuple[EntityLine, ...], ...]:
    ranked = rank_entities(lines)
    actors = tuple(ln for ln in ranked if ln.kind in ACTOR_KINDS)
    places = tuple(ln for ln in ranked if ln.kind in PLACE_KINDS)
    others = tuple(ln for ln in ranked if ln.kind not in ACTOR_KINDS | PLACE_KINDS)
    return actors, places, others


def pair_table(
    articles: Sequence[WeekArticle], actors: Sequence[EntityLine], places: Sequence[EntityLine]
) -> PairTable:
    pairs = Counter((a, p) for art in articles for a in art.entities for p in art.entities if a != p)
    rows = [a for a in actors if a.count and any(pairs[a.id, p.id] for p in places)][:PAIR_ROWS]
    columns = [p for p in places if p.count and any(pairs[a.id, p.id] for a in rows)][:PAIR_COLUMNS]
    counts = tuple(tuple(pairs[a.id, p.id] for p in columns) for a in rows)
    return PairTable(
        tuple(short_name(a.name) for a in rows), tuple(short_name(p.name) for p in columns), counts
    )


def map_points(groups: Sequence[Sequence[WeekArticle]], watchlist: EntityCatalogue) -> tuple[MapPoint, ...]:
    """Stories per place, each story at its most specific watched place (monitor.geo.story_place)."""
    counts: Counter[Place] = Counter()
    for group in groups:
        if place := story_place([a.entities for a in group], _places(watchlist)):
            counts[place] += 1
    points = [MapPoint(p.id, clean(p.name), p.lat, p.lon, n) for p, n in counts.items()]
    return tuple(sorted(points, key=lambda p: (-p.stories, p.name.casefold(), p.id)))


def source_problems(
    weeks: Sequence[SourceWeek], start: datetime, end: datetime, tz: ZoneInfo
) -> tuple[SourceProblem, ...]:
    """Failing now, failed during the week and recovered, or quiet (no new article all week)."""
    found = [p for w in weeks if (p := _problem(w, start, end, tz))]
    order = {"failing": 0, "quiet": 1, "recovered": 2}
    return tuple(sorted(found, key=lambda p: (order[p.problem], p.id)))


def _problem(week: SourceWeek, start: datetime, end: datetime, tz: ZoneInfo) -> SourceProblem | None:
    h = week.health
    kind, message = clean(h.last_error_kind or ""), clean(h.last_error or "")[:160]
    error = clean(": ".join(part for part in (kind, message) if part))[:160]
    moved = f"; moved to {clean(h.moved_to)}" if h.moved_to else ""
    if h.consecutive_failures:
        since = f"last success {_day(h.last_success_at, tz)}" if h.last_success_at else "never succeeded"
        detail = f"{h.consecutive_failures} failed polls in a row, {since}; {error}{moved}"
        return SourceProblem(h.id, clean(h.name) or h.id, "failing", detail, kind, message)
    if week.new_articles == 0:
        last = f"last new article {_day(h.last_new_item_at, tz)}" if h.last_new_item_at else "no article yet"
        return SourceProblem(h.id, clean(h.name) or h.id, "quiet", f"no new article this week, {last}{moved}")
    if h.last_error_at and start <= h.last_error_at < end:
        detail = f"failed {_day(h.last_error_at, tz)} ({error}), then recovered{moved}"
        return SourceProblem(h.id, clean(h.name) or h.id, "recovered", detail, kind, message)
    return None


def group_sources(problems: Sequence[SourceProblem]) -> tuple[SourceGroup, ...]:
    """One line per (problem, error kind): twenty feeds failing on DNS are one line naming them."""
    grouped: dict[tuple[str, str], list[SourceProblem]] = {}
    for problem in problems:
        grouped.setdefault((problem.problem, problem.kind), []).append(problem)
    return tuple(_source_group(members) for members in grouped.values())


def _source_group(members: list[SourceProblem]) -> SourceGroup:
    first = members[0]
    names = tuple(m.name for m in members)
    if len(members) == 1:
        return SourceGroup(first.problem, first.kind, names, first.detail)
    errors = dict.fromkeys(m.error for m in members if m.error)
    sample = next(iter(errors), "")
    kind = first.kind or "error"
    common = {
        "failing": f"{len(members)} sources failing ({kind})",
        "recovered": f"{len(members)} sources failed during the week ({kind}), then recovered",
        "quiet": f"{len(members)} sources brought no new article this week",
    }[first.problem]
    if sample:
        common += f"; {'e.g. ' if len(errors) > 1 else ''}{sample}"
    return SourceGroup(first.problem, first.kind, names, common)


def _day(moment: datetime | None, tz: ZoneInfo) -> str:
    return f"{moment.astimezone(tz):%a %d %b %Y}" if moment else "never"


# --- stories -------------------------------------------------------------------------------------


def group_stories(
    articles: Sequence[WeekArticle], rule: StoryRule = StoryRule()
) -> list[tuple[WeekArticle, ...]]:
    """Articles of one story together, in story order: the outbox's story, else the alerts' rule
    (`monitor.stories`) applied in publication order, comparing titles (the digest loads no text)."""
    index, by_url, by_story = StoryIndex(), dict[str, int](), dict[int, int]()
    decided: dict[int, int | None] = {}  # group → the outbox's story in it
    groups: list[list[WeekArticle]] = []
    for article in sorted(articles, key=lambda a: (a.when, a.id)):
        index.forget_before(article.when - rule.window)
        sigs = signatures_of(article.title, article.outlet)
        found = by_story.get(article.story_id) if article.story_id else None
        if found is None:
            found = place(article.url, sigs, by_url, index, rule.threshold)
        if found is not None and article.story_id and decided[found] not in (None, article.story_id):
            found = None  # the outbox already decided they are different stories
        if found is None:
            found = len(groups)
            groups.append([])
            decided[found] = None
            index.add(found, article.when, sigs)
        groups[found].append(article)
        by_url.setdefault(article.url, found)
        if article.story_id:
            by_story.setdefault(article.story_id, found)
            decided[found] = decided[found] or article.story_id
    return [tuple(group) for group in groups]


def rank_stories(groups: Iterable[tuple[WeekArticle, ...]]) -> list[tuple[WeekArticle, ...]]:
    """Highest priority first, then the most outlets, the most entities, the latest."""

    def key(group: tuple[WeekArticle, ...]) -> tuple[int, int, int, float, int]:
        priority = min(_PRIORITY_RANK.get(a.priority or "", 3) for a in group)
        entities = len({e for a in group for e in a.entities})
        outlets = len({a.outlet for a in group})
        return priority, -outlets, -entities, -group[-1].when.timestamp(), group[0].id

    return sorted(groups, key=key)


def story_line(
    group: tuple[WeekArticle, ...], names: Mapping[str, str], tz: ZoneInfo, corroboration: str = ""
) -> StoryLine:
    lead = group[0]
    entities = dict.fromkeys(e for a in group for e in a.entities)
    others = dict.fromkeys(clean(a.outlet) for a in group[1:] if a.outlet != lead.outlet)
    return StoryLine(
        title=clean(lead.title) or "(untitled)",
        url=safe_url(lead.url),
        outlet=clean(lead.outlet),
        when=lead.when.astimezone(tz),
        entities=tuple(clean(names.get(e, e)) for e in entities),
        snippet=clean(lead.snippet or lead.summary)[:300],
        priority=top_priority(group),
        other_outlets=tuple(others),
        corroboration=corroboration,
    )


def top_priority(group: Iterable[WeekArticle]) -> str | None:
    """The highest priority among a story's articles."""
    priorities = [a.priority for a in group if a.priority]
    return min(priorities, key=lambda p: _PRIORITY_RANK.get(p, 3)) if priorities else None


# --- untrusted text ------------------------------------------------------------------------------


def clean(text: str) -> str:
    """One line of printable text: no control or bidi-override characters, whitespace collapsed."""
    text = BIDI_CONTROLS.sub("", text)
    kept = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text)
    return " ".join(kept.split())


def safe_url(url: str) -> str | None:
    parts = urlsplit(url.strip())
    return (
        url.strip()
        if parts.scheme in ("http", "https") and parts.netloc and clean(url) == url.strip()
        else None
    )
