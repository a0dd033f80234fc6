"""The weekly digest: weeks in a timezone, the store's week queries, the pure build, rendering, the CLI.

`seed_week` stores one known week (2026-W46 in Asia/Baghdad, UTC+3) through the store functions,
with the week before and older history, so every number in the digest is checked by hand below.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from monitor import store
from monitor.cli import app
from monitor.config import DigestSettings
from monitor.digest import (
    DigestData,
    SourceProblem,
    Totals,
    build_digest,
    clean,
    group_sources,
    group_stories,
    last_complete_week,
    load_week,
    parse_week,
    rank_stories,
    safe_url,
    short_name,
    week_bounds,
)
from monitor.digest_delivery import due_week, send_time
from monitor.digest_render import render
from monitor.digest_volume import SpikeLine, VolumeChange
from monitor.notify.email import build_message
from monitor.records import ArticleMatches, Entry, FetchResult, Hit, Priority, Source
from monitor.store import digests
from monitor.store.digests import WeekArticle
from monitor.watchlists import Watchlist, load_watchlists
from tests.conftest import WATCHLISTS

TZ = ZoneInfo("Asia/Baghdad")
WEEK = "2026-W46"  # Monday 9 November to Sunday 15 November 2026
NOW = datetime(2026, 11, 16, 9, 0, tzinfo=timezone.utc)
HOSTILE = 'PMF <script>alert("x")</script><img src=x onerror=alert(1)>\n\nFAKE SECTION\u202e'
SOURCES = (
    Source(id="enab", name="Enab Baladi", url="https://english.enabbaladi.net/feed/"),
    Source(id="wire", name="Wire aggregator", url="https://news.example/rss"),
    Source(id="quiet", name="Quiet outlet", url="https://quiet.example/rss"),
)


def local(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


def entry(source: str, key: str, title: str, published: datetime, **changes: object) -> Entry:
    base = Entry(
        source_id=source,
        key=key,
        guid=key,
        url=f"https://{source}.example/{key}",
        title=title,
        summary=f"Summary of {key}",
        content="",
        published=published.astimezone(timezone.utc),
        content_hash=hashlib.sha256(f"{source}{key}{title}".encode()).hexdigest(),
    )
    return replace(base, **changes)


def store_article(
    sessions: sessionmaker[Session],
    item: Entry,
    entities: Sequence[str],
    *,
    priority: str | None = None,
    seen: datetime | None = None,
    snippet: str = "",
) -> int:
    seen = seen or item.published + timedelta(minutes=30)
    with sessions.begin() as session:
        article = store.save_entries(session, item.source_id, [item], now=seen).new[0]
        hits = tuple(Hit(article.id, e, e, "title", i, i + 1, e, item.title) for i, e in enumerate(entities))
        if snippet:
            hits += (Hit(article.id, entities[0], entities[0], "summary", 0, 1, entities[0], snippet),)
        level = Priority(priority, "test") if priority else None  # type: ignore[arg-type]
        store.save_matches(session, [ArticleMatches(article, hits, level)], now=seen)
    return article.id


def seed_week(sessions: sessionmaker[Session]) -> None:
    """This week: 8 articles, 7 matched, 6 stories. The week before and October give the history."""
    with sessions.begin() as session:
        store.sync_sources(session, SOURCES)
    kh, title = "kataib-hezbollah", "Kata'ib Hezbollah convoy crosses into al-Bukamal"
    snippet = "…a convoy of 40 trucks entered al-Bukamal at dawn…"
    store_article(
        sessions, entry("enab", "a1", title, local(10, 10)), [kh, "bukamal"], priority="high", snippet=snippet
    )
    wire = entry("wire", "a2", f"{title} - Reuters", local(10, 14), publisher="Reuters")
    store_article(sessions, wire, [kh, "bukamal"], priority="medium")
    store_article(
        sessions, entry("enab", "a3", "IRGC moves weapons near al-Qa'im", local(12, 9)), ["irgc", "qaim"]
    )
    undated = entry("enab", "a4", "Undated item", local(3, 8), date_source="fetched")  # published: a guess
    store_article(sessions, undated, ["retired-entity", "qaim"], seen=local(14, 8))
    store_article(sessions, entry("wire", "a5", HOSTILE, local(15, 23, 30)), ["pmf"], priority="low")
    store_article(sessions, entry("enab", "a6", "Clashes in al-Qa'im", local(13, 18)), [kh, "qaim"])
    store_article(sessions, entry("enab", "b0", "At the stroke of Monday", local(9, 0)), ["irgc"])
    store_article(sessions, entry("enab", "u1", "Football results", local(11, 12)), [])
    # the week before, including the last minute of it, and older history
    store_article(sessions, entry("enab", "p1", "Last week 1", local(4, 12)), [kh, "qaim"])
    store_article(sessions, entry("enab", "p2", "Last week 2", local(5, 12)), ["imam-ali-base"])
    store_article(sessions, entry("enab", "p3", "Sunday night", local(8, 23, 59)), ["irgc"])
    store_article(sessions, entry("enab", "o1", "October", local(1, 12, month=10)), ["irgc", kh])
    # after the week
    store_article(sessions, entry("enab", "n1", "Next Monday", local(16, 0, 30)), [kh])
    with sessions.begin() as session:
        hiccup = local(11, 3).astimezone(timezone.utc)
        store.record_failure(
            session, "enab", kind="timeout", message="read timed out", now=hiccup, next_poll_at=NOW
        )
        fetched = FetchResult("enab", SOURCES[0].url, SOURCES[0].url, 200, b"", {}, 0.1)
        store.record_success(
            session, "enab", fetched, now=hiccup + timedelta(hours=1), next_poll_at=NOW, new_items=0
        )
        failed_at = local(14, 6).astimezone(timezone.utc)
        for _ in range(2):
            store.record_failure(
                session,
                "wire",
                kind="http_5xx",
                message="503 Service Unavailable",
                now=failed_at,
                next_poll_at=NOW,
            )


@pytest.fixture(name="watchlist")
def watchlist_fixture() -> Watchlist:
    return load_watchlists(WATCHLISTS)


@pytest.fixture
def week_data(sessions: sessionmaker[Session], watchlist: Watchlist) -> DigestData:
    seed_week(sessions)
    with sessions() as session:
        facts = load_week(session, WEEK, TZ, [s.id for s in SOURCES])
    return build_digest(facts, WEEK, NOW, TZ, watchlist)


# --- weeks ---------------------------------------------------------------------------------------


def test_week_bounds_are_local_midnights() -> None:
    start, end = week_bounds(WEEK, TZ)
    assert start == datetime(2026, 11, 8, 21, 0, tzinfo=timezone.utc)
    assert end - start == timedelta(days=7)


def test_a_week_with_a_dst_change_is_an_hour_short_and_weeks_still_tile() -> None:
    berlin = ZoneInfo("Europe/Berlin")  # clocks go forward on Sunday 29 March 2026
    start, end = week_bounds("2026-W13", berlin)
    assert end - start == timedelta(hours=167)
    assert week_bounds("2026-W14", berlin)[0] == end


@pytest.mark.parametrize("text", ["2026-46", "2026-W7", "2025-W53", "W46-2026", "2026-W00"])
def test_bad_weeks_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_week(text)


def test_the_default_week_is_the_last_complete_one_in_the_configured_timezone() -> None:
    sunday_night_utc = datetime(2026, 11, 15, 22, 0, tzinfo=timezone.utc)  # already Monday in Baghdad
    assert last_complete_week(sunday_night_utc, TZ) == WEEK
    assert last_complete_week(sunday_night_utc, ZoneInfo("UTC")) == "2026-W45"


def test_a_week_is_due_at_the_configured_weekday_and_time() -> None:
    settings = DigestSettings(weekday="mon", time="08:00", timezone="Asia/Baghdad")
    assert send_time(WEEK, settings, TZ) == local(16, 8)
    assert due_week(local(16, 7, 59).astimezone(timezone.utc), settings, TZ) == "2026-W45"
    assert due_week(local(16, 8).astimezone(timezone.utc), settings, TZ) == WEEK
    assert due_week(local(20, 8), replace_weekday(settings, "fri"), TZ) == WEEK


def replace_weekday(settings: DigestSettings, weekday: str) -> DigestSettings:
    return settings.model_copy(update={"weekday": weekday})


# --- the week from the store ---------------------------------------------------------------------


def test_totals_and_membership_by_publication_or_first_sighting(week_data: DigestData) -> None:
    assert (week_data.totals.articles, week_data.totals.matched, week_data.totals.stories) == (8, 7, 6)
    assert week_data.totals.entities == 6
    assert week_data.days == tuple(date(2026, 11, 9) + timedelta(days=i) for i in range(7))


def test_actors_and_places_ranked_with_the_change_from_the_week_before(week_data: DigestData) -> None:
    actors = [(a.id, a.count, a.previous, a.new) for a in week_data.actors]
    assert actors == [("kataib-hezbollah", 3, 1, False), ("irgc", 2, 1, False), ("pmf", 1, 0, True)]
    places = [(p.id, p.count, p.previous, p.new) for p in week_data.places]
    assert places == [("qaim", 3, 1, False), ("bukamal", 2, 0, True), ("imam-ali-base", 0, 1, False)]
    assert week_data.actors[0].name == "Kata'ib Hezbollah" and week_data.actors[0].kind == "militia"


def test_an_entity_missing_from_the_watchlist_is_shown_by_its_id(week_data: DigestData) -> None:
    assert [(o.id, o.name, o.kind, o.count) for o in week_data.others] == [
        ("retired-entity", "retired-entity", "", 1)
    ]


def test_first_sightings_are_entities_never_seen_before_the_week(week_data: DigestData) -> None:
    assert [line.id for line in week_data.new_entities] == ["bukamal", "pmf", "retired-entity"]


def test_actor_place_table(week_data: DigestData, watchlist: Watchlist) -> None:
    names = {i: e.name for i, e in watchlist.entities.items()}
    assert week_data.pairs.actors == (short_name(names["kataib-hezbollah"]), short_name(names["irgc"]))
    assert week_data.pairs.places == (short_name(names["qaim"]), short_name(names["bukamal"]))
    assert week_data.pairs.counts == ((1, 2), (1, 0))


def test_top_stories_one_per_story_with_outlets_and_snippet(week_data: DigestData) -> None:
    lead = week_data.stories[0]
    assert lead.title == "Kata'ib Hezbollah convoy crosses into al-Bukamal"
    assert (lead.outlet, lead.other_outlets, lead.priority) == ("Enab Baladi", ("Reuters",), "high")
    assert lead.snippet == "…a convoy of 40 trucks entered al-Bukamal at dawn…"
    assert lead.when == local(10, 10) and lead.url == "https://enab.example/a1"
    assert len(week_data.stories) == 6
    assert sum("Kata'ib Hezbollah convoy" in s.title for s in week_data.stories) == 1


def test_each_top_story_says_how_far_it_is_corroborated(
    sessions: sessionmaker[Session], watchlist: Watchlist
) -> None:
    """Enab Baladi and the Reuters copy the aggregator names are two outlets; a story only
    Enab Baladi told is a single source, flagged with its label."""
    seed_week(sessions)
    labelled = (replace(SOURCES[0], label="independent-syrian"), replace(SOURCES[1], label="aggregator"))
    with sessions() as session:
        facts = load_week(session, WEEK, TZ, [s.id for s in SOURCES])
    data = build_digest(facts, WEEK, NOW, TZ, watchlist, sources=labelled)
    by_title = {s.title: s.corroboration for s in data.stories}
    assert by_title["Kata'ib Hezbollah convoy crosses into al-Bukamal"] == "2 outlets"
    assert by_title["IRGC moves weapons near al-Qa'im"] == "single source, independent-syrian only"
    rendered = render(data)
    assert "2 outlets" in rendered.text and "single source, independent-syrian only" in rendered.html


def test_daily_series_follow_local_days(week_data: DigestData) -> None:
    series = {s.name: s.counts for s in week_data.daily}
    assert series["Kata'ib Hezbollah"] == (0, 2, 0, 0, 1, 0, 0)
    assert series["Islamic Revolutionary Guard Corps"] == (1, 0, 0, 1, 0, 0, 0)  # Monday 00:00 counts
    assert len(week_data.daily) == 5


def test_failing_recovered_and_quiet_sources(week_data: DigestData) -> None:
    assert [(p.id, p.problem) for p in week_data.sources] == [
        ("wire", "failing"),
        ("quiet", "quiet"),
        ("enab", "recovered"),
    ]
    wire, quiet, enab = (p.detail for p in week_data.sources)
    assert wire == "2 failed polls in a row, never succeeded; http_5xx: 503 Service Unavailable"
    assert quiet == "no new article this week, no article yet"
    assert enab == "failed Wed 11 Nov 2026 (timeout: read timed out), then recovered"


def test_previous_counts_query_agrees_with_the_week_build(sessions: sessionmaker[Session]) -> None:
    seed_week(sessions)
    start, end = week_bounds(WEEK, TZ)
    with sessions() as session:
        counted = digests.entity_counts(session, start, end)
        matched = digests.matched_articles(session, start, end)
    from_articles: dict[str, int] = {}
    for article in matched:
        for entity in article.entities:
            from_articles[entity] = from_articles.get(entity, 0) + 1
    assert counted == from_articles


# --- stories, pure -------------------------------------------------------------------------------


def article(n: int, title: str, hours: float, **changes: object) -> WeekArticle:
    base = WeekArticle(
        id=n,
        source_id="s",
        outlet=f"outlet-{n}",
        url=f"https://x.example/{n}",
        title=title,
        summary="",
        when=datetime(2026, 11, 10, tzinfo=timezone.utc) + timedelta(hours=hours),
        priority=None,
        entities=("bukamal",),
        snippet="",
    )
    return replace(base, **changes)


def ids(groups: Sequence[Sequence[WeekArticle]]) -> set[frozenset[int]]:
    return {frozenset(a.id for a in group) for group in groups}


def test_same_url_or_near_identical_title_within_48_hours_is_one_story() -> None:
    title = "Drone strike hits militia depot near al-Bukamal border crossing"
    articles = [
        article(1, title, 0),
        article(2, title.upper() + " - Reuters", 30, outlet="Reuters"),  # the same, 30 h later
        article(3, title, 90),  # identical, but 60 h after the latest: another story
        article(4, "Something else entirely", 1, url="https://x.example/1"),  # same canonical URL as 1
        article(5, "Unrelated headline about trade on the Euphrates", 2),
        article(6, title + " on Tuesday", 3),  # two words more: 9 of 10 word pairs shared
        article(7, "Clashes", 0),  # too short to compare
        article(8, "Clashes", 1),
    ]
    groups = {frozenset({1, 2, 4, 6}), frozenset({3}), frozenset({5}), frozenset({7}), frozenset({8})}
    assert ids(group_stories(articles)) == groups


def test_the_outbox_story_ids_are_kept() -> None:
    title = "Drone strike hits militia depot near al-Bukamal border crossing"
    articles = [
        article(1, "First outlet's words", 0, story_id=1),
        article(2, "Second outlet, other words", 5, story_id=1),
        article(3, title, 0, story_id=2),
        article(4, title, 1, story_id=3),  # the outbox decided: not the same story
    ]
    assert ids(group_stories(articles)) == {frozenset({1, 2}), frozenset({3}), frozenset({4})}


def test_stories_rank_by_priority_then_outlets() -> None:
    low = (article(1, "a", 0, priority="low"),)
    high = (article(2, "b", 0, priority="high"),)
    wide = (article(3, "c", 0), article(4, "c", 1), article(5, "c", 2))
    medium = (article(6, "d", 0, priority="medium"),)
    assert [g[0].id for g in rank_stories([low, wide, medium, high])] == [2, 6, 1, 3]


# --- rendering -----------------------------------------------------------------------------------


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_render_html_text_chart_and_map(week_data: DigestData) -> None:
    rendered = render(week_data)
    assert rendered.subject == (
        "Border monitor digest 2026-W46 (09 Nov–15 Nov 2026): 6 stories, "
        "most active: al-Qa'im (town and district)"
    )
    images = {image.filename: image for image in rendered.images}
    assert set(images) == {"map.png", "chart.png"}
    assert png_size(images["map.png"].content) == (800, 720)
    width, height = png_size(images["chart.png"].content)
    assert width == 800 and height > 400  # 4 inches at 200 dpi: 11.5 pt is about 13 px at 340 px wide
    for image in images.values():
        assert f'src="cid:{image.cid}"' in rendered.html
    found = re.search(r'<img src="cid:map-[^"]+" width="560" alt="([^"]+)"', rendered.html)
    assert (
        found
        and found[1]
        == "Map of the week's stories: al-Qa&#39;im (town and district) 3, al-Bukamal (Abu Kamal) 1"
    )
    for part in (rendered.html, rendered.text):
        assert "Kata&#39;ib Hezbollah" in part or "Kata'ib Hezbollah" in part
        assert "Wire aggregator" in part and "Quiet outlet" in part
    assert "ACTORS" in rendered.text and "+2 (was 1)" in rendered.text
    assert "STORIES BY PLACE" in rendered.text
    assert "max-width:640px" in rendered.html and "<style" not in rendered.html


def test_summary_is_three_lines_at_the_top(week_data: DigestData) -> None:
    assert week_data.summary == (
        "6 stories this week, up from 3 the week before",
        week_data.summary[1],
        "Top place: al-Qa'im (town and district), in 3 articles; top actor: Kata'ib Hezbollah, in 3 articles",
    )
    assert week_data.summary[1].startswith("Top event: ")
    rendered = render(week_data)
    assert rendered.text.index("6 stories this week") < rendered.text.index("TOP STORIES")
    assert rendered.html.index("6 stories this week") < rendered.html.index("cid:map-")


def test_map_points_put_each_story_at_its_most_specific_place(week_data: DigestData) -> None:
    points = [(p.id, p.stories) for p in week_data.map_points]
    assert points == [("qaim", 3), ("bukamal", 1)]  # the PMF and IRGC-only stories name no place
    assert week_data.map_points[1].lat == pytest.approx(34.45, abs=0.01)


def test_no_first_sightings_in_the_databases_first_week(
    sessions: sessionmaker[Session], watchlist: Watchlist
) -> None:
    with sessions.begin() as session:
        store.sync_sources(session, SOURCES)
    store_article(sessions, entry("enab", "f1", "First poll", local(10, 9)), ["kataib-hezbollah", "bukamal"])
    store_article(sessions, entry("enab", "f2", "Second", local(12, 9)), ["irgc"], seen=local(12, 10))
    with sessions() as session:
        facts = load_week(session, WEEK, TZ, [s.id for s in SOURCES])
    data = build_digest(facts, WEEK, NOW, TZ, watchlist)
    assert data.new_entities == () and data.totals.entities == 3
    assert data.summary[0] == "2 stories this week, up from 0 the week before"


def test_sources_failing_the_same_way_are_one_line() -> None:
    dns = [
        SourceProblem(
            f"s{i}", f"Outlet {i}", "failing", f"3 failed polls; dns: no host {i}", "dns", f"no host {i}"
        )
        for i in range(20)
    ]
    timeout = SourceProblem("t", "Slow", "failing", "1 failed poll; timeout: read", "timeout", "read")
    quiet = [SourceProblem(f"q{i}", f"Quiet {i}", "quiet", "no new article this week") for i in range(2)]
    groups = group_sources([*dns, timeout, *quiet])
    assert [(g.problem, g.kind, len(g.names)) for g in groups] == [
        ("failing", "dns", 20),
        ("failing", "timeout", 1),
        ("quiet", "", 2),
    ]
    assert groups[0].detail == "20 sources failing (dns); e.g. no host 0"
    assert groups[1].detail == "1 failed poll; timeout: read"  # alone: its own detail
    assert groups[2].detail == "2 sources brought no new article this week"
    text = render(replace(empty_digest(), sources=(*dns, timeout, *quiet), source_groups=groups)).text
    assert text.count("Outlet 7") == 1 and "FAILING: 20 sources failing (dns)" in text


def empty_digest() -> DigestData:
    days = tuple(parse_week(WEEK) + timedelta(days=i) for i in range(7))
    return DigestData(WEEK, "UTC", days, NOW, Totals(0, 0, 0, 0))


def test_an_empty_week_still_lists_its_spikes_and_falls() -> None:
    """A spike alert sent on Monday morning for Sunday's burst, in a week with nothing matched yet."""
    spike = SpikeLine(NOW, "Unusual volume: Kata'ib Hezbollah, 9 stories in 24 h (usually ~1/day)")
    fall = VolumeChange("Harakat al-Nujaba", 0, 6.0)
    rendered = render(replace(empty_digest(), spikes=(spike,), falls=(fall,)))
    assert "Nothing matched the watchlists this week." in rendered.text
    assert "Unusual volume: Kata'ib Hezbollah" in rendered.text and "down Harakat al-Nujaba" in rendered.text
    assert "Volume" in rendered.html and "Unusual volume: Kata&#39;ib Hezbollah" in rendered.html


def test_hostile_titles_stay_inert(week_data: DigestData) -> None:
    rendered = render(week_data)
    assert "<script" not in rendered.html and "<img src=x" not in rendered.html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in rendered.html
    assert "\u202e" not in rendered.html + rendered.text
    title_line = re.compile(
        r"^\d+\. PMF <script>alert\(\"x\"\)</script><img src=x onerror=alert\(1\)> FAKE SECTION$"
    )
    assert sum(bool(title_line.match(ln)) for ln in rendered.text.splitlines()) == 1
    assert not any(ln.startswith("FAKE") for ln in rendered.text.splitlines())


def test_only_web_links_are_linked() -> None:
    assert safe_url("https://x.example/a?b=1") == "https://x.example/a?b=1"
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("https://x.example/\nBcc: y") is None
    assert clean("a\x00b\u2028c\u202bd  e") == "a b cd e"


def test_a_javascript_link_is_shown_without_a_link(week_data: DigestData) -> None:
    story = replace(week_data.stories[0], url=safe_url("javascript:alert(1)"))
    html = render(replace(week_data, stories=(story,))).html
    assert "javascript:" not in html and "Kata&#39;ib Hezbollah convoy crosses" in html


def test_an_empty_week_is_short_and_still_reports_source_health(
    sessions: sessionmaker[Session], watchlist: Watchlist
) -> None:
    seed_week(sessions)
    with sessions() as session:
        facts = load_week(session, "2026-W30", TZ, [s.id for s in SOURCES])
    rendered = render(build_digest(facts, "2026-W30", NOW, TZ, watchlist))
    assert rendered.subject == "Border monitor digest 2026-W30 (20 Jul–26 Jul 2026): nothing matched"
    assert rendered.images == () and "cid:" not in rendered.html
    for body in (rendered.text, rendered.html):
        assert "Nothing matched the watchlists this week." in body
        assert "Wire aggregator" in body and "Top stories" not in body and "TOP STORIES" not in body


# --- the CLI -------------------------------------------------------------------------------------


def write_config(tmp_path: Path, database_url: str, to: Sequence[str] = ()) -> Path:
    sources = [f'[[sources]]\nid = "{s.id}"\nname = "{s.name}"\nurl = "{s.url}"' for s in SOURCES]
    text = "\n".join(
        [
            f'database_url = "{database_url}"',
            f'watchlists = "{WATCHLISTS}"',
            "default_sources = false",
            *sources,
            f'[digest]\ntimezone = "Asia/Baghdad"\nout_dir = "{tmp_path / "digests"}"',
            f"[email]\nto = {json.dumps(list(to))}",
        ]
    )
    path = tmp_path / "monitor.toml"
    path.write_text(text + "\n", encoding="utf-8")
    return path


def invoke(config: Path, *args: str) -> object:
    return CliRunner().invoke(app, ["--config", str(config), "digest", *args], env={}, catch_exceptions=False)


def test_cli_preview_has_the_map_and_the_chart_inline(
    tmp_path: Path, database_url: str, sessions: sessionmaker[Session]
) -> None:
    seed_week(sessions)
    config = write_config(tmp_path, database_url)
    result = invoke(config, "--week", WEEK, "--out", str(tmp_path / "preview.html"))
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    html = (tmp_path / "preview.html").read_text(encoding="utf-8")
    images = re.findall(
        r'<img src="data:image/png;base64,[A-Za-z0-9+/=]{1000,}" width="\d+" alt="([^"]+)"', html
    )
    assert len(images) == 2 and images[0].startswith("Map of the week's stories: ")
    assert "cid:" not in html and "Kata&#39;ib Hezbollah" in html
    assert not (tmp_path / "digests").exists()


def test_cli_send_without_smtp_writes_files_once(
    tmp_path: Path, database_url: str, sessions: sessionmaker[Session]
) -> None:
    seed_week(sessions)
    config = write_config(tmp_path, database_url, to=["analysts@example.org"])
    first = invoke(config, "--week", WEEK, "--send")
    assert first.exit_code == 0, first.output  # type: ignore[attr-defined]
    eml, html = tmp_path / "digests" / f"digest-{WEEK}.eml", tmp_path / "digests" / f"digest-{WEEK}.html"
    assert f"wrote {eml} and {html}" in first.stdout  # type: ignore[attr-defined]
    message = message_from_bytes(eml.read_bytes(), _class=EmailMessage, policy=default_policy)
    assert message["To"] == "analysts@example.org" and message.get_body(("plain",)) is not None
    assert "data:image/png;base64," in html.read_text(encoding="utf-8")

    eml.unlink()
    again = invoke(config, "--week", WEEK, "--send")
    assert "skipped" in again.stdout and "already sent" in again.stdout  # type: ignore[attr-defined]
    assert not eml.exists()
    forced = invoke(config, "--week", WEEK, "--send", "--force")
    assert " sent " in forced.stdout and eml.exists()  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "args",
    [(), ("--send", "--out", "x.html"), ("--out", "x.html", "--force")],
)
def test_cli_needs_exactly_one_of_send_and_out(
    tmp_path: Path, sqlite_url: str, args: tuple[str, ...]
) -> None:
    result = invoke(write_config(tmp_path, sqlite_url), *args)
    assert result.exit_code == 2  # type: ignore[attr-defined]


@pytest.mark.parametrize("week", ["1900-W01", "9998-W52"])
def test_cli_previews_the_first_and_last_weeks_of_the_range(
    tmp_path: Path, database_url: str, sessions: sessionmaker[Session], week: str
) -> None:
    """1900-W01 has no week before in range: the comparison reads an empty 1899-W52 window."""
    out = tmp_path / "edge.html"
    result = invoke(write_config(tmp_path, database_url), "--week", week, "--out", str(out))
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert week in out.read_text(encoding="utf-8")


def test_cli_bad_week_is_one_line(tmp_path: Path, sqlite_url: str) -> None:
    result = invoke(write_config(tmp_path, sqlite_url), "--week", "2026-W60", "--out", "x.html")
    assert result.exit_code == 2  # type: ignore[attr-defined]
    first = result.stderr.splitlines()[0]  # type: ignore[attr-defined]
    assert first == "error: invalid value for '--week': 2026-W60 does not exist"  # a usage line, not config


def test_the_email_carries_the_map_and_the_chart_as_related_images(week_data: DigestData) -> None:
    rendered = render(week_data)
    message = build_message(rendered, sender="", to=["a@example.org"], week=WEEK, now=NOW)
    html = message.get_body(("html",))
    assert html is not None
    related = [p for p in message.walk() if p.get_content_maintype() == "image"]
    assert sorted(p.get_filename() for p in related) == ["chart.png", "map.png"]
    for part in related:
        assert part.get_content_disposition() == "inline"
        assert f'src="cid:{part["Content-ID"].strip("<>")}"' in html.get_content()
