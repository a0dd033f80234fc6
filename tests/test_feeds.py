"""parse_feed and its helpers: golden fixtures, refusals, charsets, keys, URLs, text, dates.

Golden files: each fixture `tests/data/feeds/x` (listed in CASES) has `x.expected.json` beside
it. After a deliberate change to the parser, regenerate them and review the diff:

    UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_feeds.py -k golden
"""

from __future__ import annotations

import asyncio
import json
import os
import pickle
from dataclasses import asdict, replace
from datetime import UTC, datetime
from typing import Any

import pytest

from monitor.errors import FeedParseError, FetchErrorKind
from monitor.feeds import extract_main_text, parse_feed, with_full_text
from monitor.fetch import FetchLimits, HostLimiter, build_client, fetch
from monitor.records import CachingInfo, FetchResult, ParsedFeed, Source
from monitor.sources.dates import parse_date
from monitor.sources.entries import content_hash, is_stable_guid
from monitor.sources.text import html_to_text
from monitor.sources.urls import canonical_url
from tests.servers.feeds import CLOUDFLARE_PAGE, FEEDS_DIR, HTML_PAGE, XML_BOMB, FeedServer, cp1256_feed

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
CONTENT_TYPES = {".xml": "application/xml", ".atom": "application/atom+xml", ".json": "application/json"}

# fixture → (feed URL it is parsed as if fetched from, Source fields)
CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "enab-baladi-en.xml": ("https://english.enabbaladi.net/feed/", {}),
    "enab-baladi-ar.xml": ("https://www.enabbaladi.net/feed/", {"language": "ar"}),
    "atom-relative.atom": ("https://border-notes.example.org/blog/feed.atom", {}),
    "aljazeera.xml": ("https://www.aljazeera.com/xml/rss/all.xml", {}),
    "google-news.xml": ("https://news.google.com/rss/search?q=Bukamal", {}),
    "gdelt-artlist.json": ("https://api.gdeltproject.org/api/v2/doc/doc?mode=artlist", {"kind": "gdelt"}),
    "reliefweb.json": ("https://api.reliefweb.int/v2/reports?appname=test", {"kind": "reliefweb"}),
    "duplicate-guids.xml": ("https://npasyria.com/en/feed/", {}),
    "odd-dates.xml": ("https://example.org/odd/feed", {"language": "ar"}),
    "junk-before-decl.xml": ("https://shafaq.com/rss/en", {}),
    "bad-entry.xml": ("https://deirezzor24.net/en/feed/", {}),
    "ttl.xml": ("https://syriadirect.org/feed/", {}),
    "xml-base.atom": ("https://crossings.example.org/feeds/main.atom", {}),
    "relative-guids.xml": ("https://desk.example.org/en/rss.xml", {}),
}
NOT_GOLDEN = {"gdelt-error.html"}  # refused, tested below


def fetched(
    content: bytes, url: str = "https://example.org/feed", content_type: str = "application/xml"
) -> FetchResult:
    return FetchResult(
        source_id="s",
        url=url,
        final_url=url,
        status=200,
        content=content,
        headers={"content-type": content_type},
        elapsed=0.0,
    )


def source(url: str = "https://example.org/feed", **fields: Any) -> Source:
    return Source(id="s", name="S", url=url, **fields)


def parse_fixture(name: str, **overrides: Any) -> ParsedFeed:
    url, fields = CASES[name]
    path = FEEDS_DIR / name
    result = fetched(path.read_bytes(), url, CONTENT_TYPES[path.suffix])
    return parse_feed(result, source(url, **{**fields, **overrides}), NOW)


def as_json(parsed: ParsedFeed) -> dict[str, Any]:
    entries = [{**asdict(e), "published": e.published.isoformat()} for e in parsed.entries]
    ttl = parsed.ttl.total_seconds() / 60 if parsed.ttl else None
    return json.loads(json.dumps({"entries": entries, "warnings": list(parsed.warnings), "ttl_minutes": ttl}))


# --- golden files -------------------------------------------------------------------------


def test_every_fixture_has_a_golden_case() -> None:
    fixtures = {p.name for p in FEEDS_DIR.iterdir() if not p.name.endswith(".expected.json")}
    assert fixtures == set(CASES) | NOT_GOLDEN


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name: str) -> None:
    expected_path = FEEDS_DIR / f"{name}.expected.json"
    actual = as_json(parse_fixture(name))
    if os.environ.get("UPDATE_GOLDEN"):
        expected_path.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert actual == json.loads(expected_path.read_text(encoding="utf-8"))


# --- what the golden files must show (so a careless regeneration cannot hide a regression) ---


def test_wordpress_item_is_plain_text_without_footer() -> None:
    first = parse_fixture("enab-baladi-en.xml").entries[0]
    assert first.guid == "https://english.enabbaladi.net/?p=142871" == first.key
    assert "utm_" not in first.url and first.url.endswith("residents-say/")
    assert first.authors == ("Enab Baladi",) and "Iranian militias" in first.categories
    assert "al-Bukamal’s" in first.summary and "[" not in first.summary
    assert "appeared first on" not in first.content + first.summary
    assert "“We heard engines until dawn,”" in first.content and "\n\nNo statement\n\n" in first.content
    assert first.language == "en" and first.published == datetime(2024, 5, 31, 13, 45, tzinfo=UTC)


def test_double_escaped_entities_are_decoded() -> None:
    third = parse_fixture("enab-baladi-en.xml").entries[2]
    assert "“Double-escaped quotes”" in third.content and "&#" not in third.content


def test_arabic_footer_removed_and_text_kept() -> None:
    first = parse_fixture("enab-baladi-ar.xml").entries[0]
    assert first.title == "قوافل عسكرية تعبر منفذ البوكمال ليلًا"
    assert "ظهرت المقالة" not in first.summary and first.summary.startswith("قال سكان في مدينة البوكمال")
    assert first.language == "ar"


def test_relative_atom_links_resolve_against_the_feed_url() -> None:
    entries = parse_fixture("atom-relative.atom").entries
    assert entries[0].url == "https://border-notes.example.org/2024/05/28/mapping-the-crossings.html"
    assert entries[1].url == "https://border-notes.example.org/blog/notes/husaybah.html?page=2"
    assert entries[0].title == "Mapping the crossings between Al-Qa’im and Abu Kamal"
    assert entries[0].published == datetime(2024, 5, 28, 4, 30, tzinfo=UTC)


def test_relative_xml_base_resolves_against_the_feed_url() -> None:
    trucks, bridge, mirror = parse_fixture("xml-base.atom").entries
    assert trucks.url == "https://crossings.example.org/feeds/reports/2024/05/trucks-queue.html"
    assert trucks.guid == "https://crossings.example.org/feeds/reports/2024/05/trucks-queue"
    assert (bridge.url, bridge.guid) == (
        "https://crossings.example.org/feeds/bridge-repairs.html",
        "https://crossings.example.org/ids/bridge-repairs",
    )
    assert mirror.url == "https://mirror.example.net/border/market.html"


def test_permalink_guids_resolve_like_links_and_others_stay() -> None:
    ferry, clinic = parse_fixture("relative-guids.xml").entries
    assert ferry.guid == "https://desk.example.org/en/20240531"
    assert ferry.url == "https://desk.example.org/news/ferry-restored"
    assert (clinic.guid, clinic.url) == ("desk-8812", "https://desk.example.org/en/news/clinic-opens")
    assert (clinic.title, clinic.publisher_url) == ("Clinic opens in Hajin", "https://desk.example.org/wire/")


def test_aljazeera_time_guids_are_not_keys() -> None:
    entries = parse_fixture("aljazeera.xml").entries
    assert [e.guid for e in entries] == [
        "https://www.aljazeera.com/?t=1717169400",
        "https://www.aljazeera.com/?t=1717048800",
    ]
    assert all("traffic_source" not in e.url and "utm_" not in e.url for e in entries)
    assert [e.key for e in entries] == [e.url for e in entries]


def test_guid_policy_guid_trusts_even_time_guids() -> None:
    entries = parse_fixture("aljazeera.xml", guid_policy="guid").entries
    assert [e.key for e in entries] == [e.guid for e in entries]


def test_guid_policy_url_prefers_links() -> None:
    entries = parse_fixture("enab-baladi-en.xml", guid_policy="url").entries
    assert (
        entries[1].key
        == "https://english.enabbaladi.net/archives/2024/05/prices-rise-in-abu-kamal-as-smuggling-routes-tighten"
    )


def test_an_escaped_publisher_name_is_read_as_text_once() -> None:
    """A Google News <source> arrives escaped like a title; kept escaped it reached Slack as
    &amp;lt;!channel&amp;gt;: inert, but garbled."""
    xml = (
        b"<rss><channel><item><title>Strike near Abu Kamal - &amp;lt;!channel&amp;gt; News</title>"
        b"<link>https://news.google.com/rss/articles/x</link>"
        b'<source url="https://outlet.example/">&amp;lt;!channel&amp;gt; News</source></item></channel></rss>'
    )
    url = "https://news.google.com/rss/search?q=x"
    [entry] = parse_feed(fetched(xml, url, "application/rss+xml"), source(url), NOW).entries
    assert entry.publisher == "<!channel> News"  # as text: every channel escapes it where shown
    assert entry.title == "Strike near Abu Kamal"


def test_google_news_publisher_split_from_title() -> None:
    entries = parse_fixture("google-news.xml").entries
    assert entries[0].title == "Strikes near Abu Kamal target militia depots"
    assert entries[0].publisher == "Carnegie Endowment for International Peace"
    assert entries[0].publisher_url == "https://carnegieendowment.org/"
    assert entries[0].url.startswith("https://news.google.com/rss/articles/CBMi")
    assert (
        entries[1].title == "Iraq reinforces al-Qaim crossing - Shafaq News"
    )  # only one suffix is the source


def test_duplicate_guids_keep_every_entry_with_distinct_keys() -> None:
    entries = parse_fixture("duplicate-guids.xml").entries
    assert len(entries) == 4 and len({e.key for e in entries}) == 4
    assert entries[0].key == "https://npasyria.com/en/112233" and entries[3].key == "npa-112250"
    assert entries[2].key == entries[2].content_hash  # its URL key was taken by the item before


def test_odd_dates_are_recovered() -> None:
    by_guid = {e.guid: e for e in parse_fixture("odd-dates.xml").entries}
    expected = {
        "odd-1": datetime(2024, 5, 31, 11, 30, tzinfo=UTC),
        "odd-2": datetime(2024, 5, 30, 9, 15, tzinfo=UTC),
        "odd-3": datetime(2024, 5, 27, 21, 10, tzinfo=UTC),
        "odd-4": datetime(2024, 5, 26, 6, 0, tzinfo=UTC),
        "odd-5": datetime(2024, 5, 3, 15, 21, tzinfo=UTC),
        "odd-6": datetime(2024, 5, 25, 14, 38, 10, tzinfo=UTC),
        "odd-7": datetime(2024, 5, 24, 16, 42, tzinfo=UTC),
        "odd-8": datetime(2024, 3, 20, 11, 41, 36, tzinfo=UTC),
        "odd-9": datetime(2024, 5, 12, 10, 0, tzinfo=UTC),
        "odd-10": datetime(2024, 5, 15, 5, 0, tzinfo=UTC),
        "odd-14": datetime(2024, 5, 31, 7, 0, tzinfo=UTC),
    }
    assert {g: by_guid[g].published for g in expected} == expected
    assert all(by_guid[g].date_source == "feed" for g in expected)
    assert [(by_guid[g].published, by_guid[g].date_source) for g in ("odd-11", "odd-12", "odd-13")] == [
        (NOW, "fetched")
    ] * 3


def test_dates_past_the_calendar_or_before_the_web_fall_back_to_the_fetch_time() -> None:
    """Year 10000 once in UTC dropped its entry (OverflowError); "+1400" read as the year 1400 was kept."""
    dates = [
        "Fri, 31 Dec 9999 23:59:59 -1200",
        "Mon, 01 Jan 0001 00:00:00 +1400",
        "Fri, 31 May 2024 09:00:00 GMT",
        "Fri, 31 May 2024 09:00:00 +2500",  # no zone is 25 hours off: a broken date, not a day earlier
    ]
    items = "".join(
        f"<item><title>T{i}</title><link>http://x/{i}</link><pubDate>{d}</pubDate></item>"
        for i, d in enumerate(dates)
    )
    body = f"<rss version='2.0'><channel><title>t</title>{items}</channel></rss>".encode()
    url = "https://dates.example.org/feed"
    parsed = parse_feed(fetched(body, url, "application/xml"), source(url), NOW)
    assert [(e.title, e.published, e.date_source) for e in parsed.entries] == [
        ("T0", NOW, "fetched"),
        ("T1", NOW, "fetched"),
        ("T2", datetime(2024, 5, 31, 9, 0, tzinfo=UTC), "feed"),
        ("T3", NOW, "fetched"),
    ]


def test_future_dates_are_clamped_with_a_warning() -> None:
    parsed = parse_fixture("odd-dates.xml")
    assert any("in the future" in w for w in parsed.warnings)


def test_junk_before_declaration_is_dropped_and_reported() -> None:
    parsed = parse_fixture("junk-before-decl.xml")
    assert len(parsed.entries) == 1 and any("before the XML declaration" in w for w in parsed.warnings)
    entry = parsed.entries[0]
    assert entry.title == "Iraqi border guards seize fuel tankers near al-Qaim"
    assert entry.url == "https://shafaq.com/en/Iraq/Iraqi-border-guards-seize-fuel-tankers-near-al-Qaim"


def test_bad_entries_do_not_lose_the_good_ones() -> None:
    parsed = parse_fixture("bad-entry.xml")
    assert [e.title for e in parsed.entries] == [
        "Curfew lifted in al-Bukamal",
        "Broken link item",
        "Checkpoint moved to al-Suwaiya",
    ]
    assert parsed.entries[1].url == ""
    assert any("entry 2 skipped" in w for w in parsed.warnings)
    assert any("unusable link" in w for w in parsed.warnings)


def test_links_urllib_cannot_read_are_dropped_with_a_warning() -> None:
    body = (
        b"<rss version='2.0'><channel><title>t</title><item><title>x</title>"
        b"<link>https://[broken/x</link><guid isPermaLink='false'>x-1</guid></item></channel></rss>"
    )
    parsed = parse_feed(fetched(body), source(), NOW)
    assert parsed.entries[0].url == "" and parsed.entries[0].key == "x-1"
    assert parsed.warnings == ("unusable link 'https://[broken/x' dropped: Invalid IPv6 URL",)


def test_a_guid_urllib_cannot_split_is_still_a_key() -> None:
    body = (
        b"<rss version='2.0'><channel><title>t</title><item><title>x</title>"
        b"<link>https://e.org/a</link><guid isPermaLink='false'>http://[oops/?p=1</guid></item>"
        b"<item><title>y</title><link>https://e.org/b</link></item></channel></rss>"
    )
    parsed = parse_feed(fetched(body), source(), NOW)
    assert [e.key for e in parsed.entries] == ["http://[oops/?p=1", "https://e.org/b"]


def test_a_link_whose_host_urllib_misreads_is_dropped_not_fatal() -> None:
    body = (
        b"<rss version='2.0'><channel><title>t</title><item><title>x</title>"
        b"<link>http://[fe80::1%eth@0]/a</link><guid isPermaLink='false'>x-1</guid></item>"
        b"<item><title>y</title><link>https://e.org/b</link></item></channel></rss>"
    )
    parsed = parse_feed(fetched(body), source(), NOW)
    assert [(e.key, e.url) for e in parsed.entries] == [("x-1", ""), ("https://e.org/b", "https://e.org/b")]
    assert any("unusable link" in w for w in parsed.warnings)


def test_empty_atom_link_is_no_url() -> None:
    body = (
        b"<feed xmlns='http://www.w3.org/2005/Atom'><title>t</title>"
        b"<entry><title>x</title><id>tag:e.org,2024:1</id><link href=''/></entry></feed>"
    )
    assert parse_feed(fetched(body), source(), NOW).entries[0].url == ""


def test_ttl_is_read() -> None:
    assert (
        parse_fixture("ttl.xml").ttl is not None and parse_fixture("ttl.xml").ttl.total_seconds() == 45 * 60
    )


def test_gdelt_articles() -> None:
    parsed = parse_fixture("gdelt-artlist.json")
    first, second = parsed.entries
    assert first.title == "Border security meeting held in Al-Qaim with tribal leaders"
    assert first.url == "https://www.example-news.iq/en/2024/05/31/border-security-meeting-in-al-qaim"
    assert (first.publisher, first.language) == ("example-news.iq", "en")
    assert second.language == "ar" and second.published == datetime(2024, 5, 31, 9, 0, tzinfo=UTC)
    assert any("control characters" in w for w in parsed.warnings)


def test_reliefweb_reports() -> None:
    first, second = parse_fixture("reliefweb.json").entries
    assert first.key == first.guid == "4071234" and first.url.startswith("https://reliefweb.int/report/")
    assert second.publisher == "International Organization for Migration; Danish Refugee Council"
    assert second.published == datetime(2024, 5, 28, 14, 0, tzinfo=UTC)


# --- refusals -----------------------------------------------------------------------------


def refused(content: bytes, content_type: str = "application/xml", **fields: Any) -> FeedParseError:
    with pytest.raises(FeedParseError) as caught:
        parse_feed(fetched(content, content_type=content_type), source(**fields), NOW)
    return caught.value


def test_xml_bomb_is_refused_before_parsing() -> None:
    error = refused(XML_BOMB)
    assert error.kind is FetchErrorKind.PARSE and "entity declarations refused" in error.message


def test_plain_doctype_without_entities_is_accepted() -> None:
    rss091 = (
        b'<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
        b'"http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss version="0.91"><channel><title>t</title>'
        b"<item><title>Abu Kamal</title><link>https://example.org/a</link></item></channel></rss>"
    )
    assert [e.title for e in parse_feed(fetched(rss091), source(), NOW).entries] == ["Abu Kamal"]


def test_html_page_is_not_a_feed() -> None:
    error = refused(HTML_PAGE, "text/html; charset=utf-8")
    assert error.kind is FetchErrorKind.NOT_A_FEED and "Carnegie" in error.message


def test_html_content_type_without_feed_tags_is_not_a_feed() -> None:
    assert refused(b"<p>Moved</p>", "text/html").kind is FetchErrorKind.NOT_A_FEED


def test_feed_served_as_text_html_is_still_parsed() -> None:
    body = (FEEDS_DIR / "ttl.xml").read_bytes()
    assert len(parse_feed(fetched(body, content_type="text/html"), source(), NOW).entries) == 1


def test_challenge_page_is_blocked() -> None:
    assert refused(CLOUDFLARE_PAGE, "text/html").kind is FetchErrorKind.BLOCKED


def test_gdelt_html_error_is_not_a_feed_with_its_message() -> None:
    page = (FEEDS_DIR / "gdelt-error.html").read_bytes()
    error = refused(page, "text/html", kind="gdelt")
    assert error.kind is FetchErrorKind.NOT_A_FEED and "phrase that was too short" in error.message


def test_gdelt_empty_answer_has_no_entries() -> None:
    assert (
        parse_feed(fetched(b"{}", content_type="application/json"), source(kind="gdelt"), NOW).entries == ()
    )


def test_gdelt_domain_that_is_no_host_gives_no_publisher_url() -> None:
    """ "a[b" made "https://a[b/", which crashed `hits`, `export` and the digest for as long as
    the article stayed in their window."""
    answer = b'{"articles": [{"url": "https://x.example/1", "title": "Strike", "domain": "a[b"}]}'
    [entry] = parse_feed(fetched(answer, content_type="application/json"), source(kind="gdelt"), NOW).entries
    assert entry.publisher == "a[b" and entry.publisher_url is None


@pytest.mark.parametrize(
    "answer", [b"[" * 100_000 + b"]" * 100_000, b'{"data": [{"id": ' + b"9" * 5000 + b"}]}"]
)
def test_json_the_parser_cannot_read_is_a_parse_error(answer: bytes) -> None:
    """Nested past the recursion limit, an integer of 5,000 digits: a RecursionError or ValueError
    was an internal error with a traceback at every poll."""
    for kind in ("gdelt", "reliefweb"):
        assert refused(answer, "application/json", kind=kind).kind is FetchErrorKind.PARSE


def test_a_source_url_that_is_no_url_keeps_the_item() -> None:
    xml = (
        b"<rss><channel><item><title>Strike near Abu Kamal</title><link>https://ok.example/1</link>"
        b'<source url="http://c[d/">Outlet</source></item></channel></rss>'
    )
    [entry] = parse_feed(fetched(xml), source(), NOW).entries
    assert entry.publisher == "Outlet" and entry.publisher_url is None


def test_gdelt_plain_text_error_is_not_a_feed() -> None:
    assert refused(b"Invalid query: too short", "text/plain", kind="gdelt").kind is FetchErrorKind.NOT_A_FEED


def test_well_formed_xml_that_is_no_feed_is_not_a_feed() -> None:
    sitemap = b'<?xml version="1.0"?><urlset><url><loc>https://example.org/</loc></url></urlset>'
    assert refused(sitemap).kind is FetchErrorKind.NOT_A_FEED


def test_garbage_with_no_entries_is_a_parse_error() -> None:
    assert refused(b"<rss version='2.0'><channel><title>broken</ch").kind is FetchErrorKind.PARSE


def test_empty_feed_is_fine() -> None:
    empty = b"<?xml version='1.0'?><rss version='2.0'><channel><title>quiet</title></channel></rss>"
    assert parse_feed(fetched(empty), source(), NOW).entries == ()


# --- charsets -----------------------------------------------------------------------------


def arabic_titles() -> list[str]:
    return [e.title for e in parse_fixture("enab-baladi-ar.xml").entries]


@pytest.mark.parametrize(
    ("declared", "content_type", "warned"),
    [
        ("UTF-8", "application/rss+xml; charset=UTF-8", True),  # both lie
        (None, "application/rss+xml", True),  # nothing declared
        (None, "text/xml", True),
        ("windows-1256", "application/rss+xml", False),  # honest: feedparser alone is right
    ],
)
def test_windows_1256_feed_decodes_to_arabic(declared: str | None, content_type: str, warned: bool) -> None:
    parsed = parse_feed(fetched(cp1256_feed(declared), content_type=content_type), source(language="ar"), NOW)
    assert [e.title for e in parsed.entries] == arabic_titles()
    assert any("not the UTF-8" in w for w in parsed.warnings) == warned


def test_utf8_feed_with_a_few_bad_bytes_keeps_its_utf8() -> None:
    body = (FEEDS_DIR / "enab-baladi-ar.xml").read_bytes().replace("ليلًا".encode(), "ليلًا".encode() + b"\xff")
    parsed = parse_feed(fetched(body), source(language="ar"), NOW)
    assert parsed.entries[0].title == "قوافل عسكرية تعبر منفذ البوكمال ليلًا\ufffd"
    assert parsed.entries[1].title == arabic_titles()[1]
    assert any("replacement characters" in w for w in parsed.warnings)


def test_wrong_charset_route_end_to_end(feed_server: FeedServer) -> None:
    async def get() -> FetchResult:
        limits = FetchLimits(retries=0)
        async with build_client(limits) as client:
            src = source(feed_server.url("/wrong-charset/lying"), language="ar")
            return await fetch(client, src, CachingInfo(), limits=limits, hosts=HostLimiter(), now=NOW)

    result = asyncio.run(get())
    assert [e.title for e in parse_feed(result, source(language="ar"), NOW).entries] == arabic_titles()


# --- keys, hashes, URLs, text, dates --------------------------------------------------------


@pytest.mark.parametrize(
    ("guid", "stable"),
    [
        ("https://english.enabbaladi.net/?p=142871", True),
        ("https://www.aljazeera.com/?t=1738800000", False),
        ("https://www.aljazeera.com/?t=1738800000000", False),
        ("1717169400", False),
        ("52780531546429", True),  # Google News' opaque numeric id
        ("4071234", True),
        ("tag:github.com,2008:Repository/11167738/v3.9.0", True),
        ("  ", False),
        ("http://[oops/?p=1", True),  # urllib cannot split it; an identity all the same
        ("²", True),  # a digit to str.isdigit, not to int()
        ("9" * 5000, True),  # longer than int() reads, and than any epoch
    ],
)
def test_is_stable_guid(guid: str, stable: bool) -> None:
    assert is_stable_guid(guid) is stable


@pytest.mark.parametrize(
    ("url", "base", "expected"),
    [
        ("https://www.aljazeera.com/news/x?traffic_source=rss", None, "https://www.aljazeera.com/news/x"),
        (
            "HTTPS://WWW.Example.ORG:443/A?utm_source=x&id=3&fbclid=1#frag",
            None,
            "https://www.example.org/A?id=3",
        ),
        ("http://example.org:80", None, "http://example.org/"),
        (
            "http://example.org:8080/a?at_medium=rss&gclid=2&mc_cid=1&mc_eid=2",
            None,
            "http://example.org:8080/a",
        ),
        ("/2024/05/a.html", "https://example.org/blog/feed.atom", "https://example.org/2024/05/a.html"),
        ("b.html", "https://example.org/blog/feed.atom", "https://example.org/blog/b.html"),
        ("  https://example.org/q?a=%20b&c  ", None, "https://example.org/q?a=%20b&c"),
        ("tag:example.org,2024:1", None, "tag:example.org,2024:1"),
        # absolute links, which urljoin mostly returns as they are
        ("http://a.example/x/../y", "http://b.example/f", "http://a.example/x/../y"),
        ("https://a.example/x/../y", "http://b.example/f", "https://a.example/x/../y"),
        ("http://a.example/b;", "http://b.example/f", "http://a.example/b"),  # empty ;params dropped
        ("http:///b", "http://b.example/f", "http://b.example/b"),  # no host: the base's
    ],
)
def test_canonical_url(url: str, base: str | None, expected: str) -> None:
    assert canonical_url(url, base) == expected


def test_canonical_url_refuses_a_base_urllib_cannot_split() -> None:
    with pytest.raises(ValueError, match="Invalid IPv6 URL"):
        canonical_url("https://a.example/b", "http://[oops/")


def test_entry_links_joined_as_urljoin_does() -> None:
    links = ["https://a.example/b ?#", "c/d", "https://a.example/x/../y", "https://a.example/e;"]
    items = "".join(f"<item><title>{n}</title><link>{link}</link></item>" for n, link in enumerate(links))
    rss = f'<rss version="2.0"><channel><title>T</title>{items}</channel></rss>'.encode()
    entries = parse_feed(fetched(rss, url="https://feeds.example.org/rss"), source(), NOW).entries
    assert [e.url for e in entries] == [
        "https://a.example/b",  # urljoin drops the empty query and fragment, then the space goes
        "https://feeds.example.org/c/d",
        "https://a.example/x/../y",
        "https://a.example/e",
    ]


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>One</p><p>Two<br/>lines</p>", "One\n\nTwo\nlines"),
        ("  spaced \n\t out&nbsp;text ", "spaced out text"),
        ("Al-Qa&#8217;im &amp; Bukamal", "Al-Qa’im & Bukamal"),
        ("&lt;p&gt;Escaped &amp;amp; twice&lt;/p&gt;", "Escaped & twice"),
        ("<script>alert(1)</script><style>p{}</style>Kept", "Kept"),
        ("Teaser text [&#8230;]", "Teaser text"),
        ("Text [...]", "Text"),
        ("<ul><li>a</li><li>b</li></ul>", "a\n\nb"),
        ("5 < 6 and AT&T", "5 < 6 and AT&T"),
        ("", ""),
        # one paragraph, read without the HTML parser unless it holds more markup or an entity
        ("<p> One  paragraph,\tplain </p>", "One paragraph, plain"),
        ("<p>Fish &amp; chips</p>", "Fish & chips"),
        ("<p>Bold <b>word</b></p>", "Bold word"),
        ("<p>a</p><p>b</p>", "a\n\nb"),
        ("<p></p>", ""),
        ("<P>Upper</P>", "Upper"),
        ("<p>Teaser [...]</p>", "Teaser"),
        # bidi overrides and isolates reorder text on screen; ingest drops them (Arabic keeps its marks)
        ("\u202eevil\u202c title \u2066x\u2069", "evil title x"),
        ("قصف \u200fالبوكمال", "قصف \u200fالبوكمال"),
    ],
)
def test_html_to_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


def test_long_texts_folded_like_short_ones() -> None:
    words = " ".join(["word"] * 100)
    assert html_to_text(f"<p>{words}</p>") == words
    # every kind of whitespace str.split knows, \x1c to \x1f included
    for space in [chr(c) for c in range(128) if chr(c).isspace()] + ["  ", "\xa0", "\u3000"]:
        assert html_to_text(f"{words}{space}end") == f"{words} end", repr(space)
        assert content_hash("t", f"{words}{space}end") == content_hash("t", f"{words} end"), repr(space)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Seg, 24 Set 2018 18:10:00 -0300", datetime(2018, 9, 24, 21, 10, tzinfo=UTC)),
        ("dom, 13 may 2018 08:00:00 +0200", datetime(2018, 5, 13, 6, 0, tzinfo=UTC)),
        ("Fri, 05/03/2019 - 15:21", datetime(2019, 5, 3, 15, 21, tzinfo=UTC)),
        ("Friday, January 29, 2021 04:42 PM", datetime(2021, 1, 29, 16, 42, tzinfo=UTC)),
        ("2018-09-18 14:38:10", datetime(2018, 9, 18, 14, 38, 10, tzinfo=UTC)),
        ("الخميس 5 كانون الثاني 2023 10:00", datetime(2023, 1, 5, 10, 0, tzinfo=UTC)),
        ("1 تشرين الأول 2023 - 4:30 م", datetime(2023, 10, 1, 16, 30, tzinfo=UTC)),
        ("Mo, 25 Jun 2018 11:41:36 CEST", datetime(2018, 6, 25, 9, 41, 36, tzinfo=UTC)),
        ("15:21", None),
        ("yesterday", None),
        ("", None),
    ],
)
def test_parse_date(raw: str, expected: datetime | None) -> None:
    assert parse_date(raw) == expected


def test_content_hash_ignores_whitespace_and_case_but_not_words() -> None:
    assert content_hash("Strike  in\nBukamal", "Text  here") == content_hash("strike in bukamal", "text here")
    assert content_hash("Strike in Bukamal", "Text") != content_hash("Strike in Qaim", "Text")
    assert content_hash("t", "x" * 500 + "tail one") == content_hash("t", "x" * 500 + "tail two")
    assert content_hash("t", "a" + " " * 1000 + "b") == content_hash("t", "a b")


def test_with_full_text_replaces_content_and_keeps_identity() -> None:
    entry = parse_fixture("enab-baladi-en.xml").entries[1]
    full = with_full_text(entry, "Full article text.")
    assert full.content == "Full article text." and full.key == entry.key
    assert full.content_hash == entry.content_hash


ARTICLE = """<html><head><title>Strike near al-Bukamal</title></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>Strike near al-Bukamal</h1>
<p>An unidentified aircraft struck a warehouse on the outskirts of al-Bukamal late on Wednesday,
local sources said, in the third such strike this month near the border with Iraq.</p>
<p>Residents of the Hamdan neighbourhood reported several explosions and a fire that burned until
the early morning. No group has claimed responsibility and no casualties were reported so far.</p>
<p>The crossing with al-Qa'im has been closed to civilians since 2019, while trucks continue to move
at night, according to people living near the crossing who asked not to be named.</p>
</article><footer>Copyright 2024</footer></body></html>"""


def test_extract_main_text_finds_the_article() -> None:
    text = extract_main_text(ARTICLE.encode(), "https://example.org/strike")
    assert text is not None and "third such strike" in text and "Copyright" not in text
    assert "\n\n" in text


def test_extract_main_text_none_without_an_article() -> None:
    assert (
        extract_main_text(b"<html><body><nav><a href='/'>Home</a></nav></body></html>", "https://e.org/")
        is None
    )


def test_parse_feed_and_its_result_cross_process_boundaries() -> None:
    assert pickle.loads(pickle.dumps(parse_feed)) is parse_feed
    parsed = parse_fixture("enab-baladi-en.xml")
    assert pickle.loads(pickle.dumps(parsed)) == parsed


def test_source_language_is_the_last_fallback() -> None:
    body = b"<rss version='2.0'><channel><title>t</title><item><title>x</title><link>https://e.org/x</link></item></channel></rss>"
    parsed = parse_feed(fetched(body), source(language="ar-SY"), NOW)
    assert parsed.entries[0].language == "ar"
    assert replace(parsed.entries[0], language="en").language == "en"
