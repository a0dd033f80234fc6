"""parse_feed over the real publisher feeds in ../shared/realfeeds (not in this repository).

The folder is found at MONITOR_REALFEEDS_DIR or <repo>/../shared/realfeeds; without it every
test here is skipped. Its README table gives, per file, the number of entries feedparser sees
and how many have no parseable date; these tests hold parse_feed to those numbers.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.feeds import parse_feed
from monitor.records import FetchResult, ParsedFeed, Source

REALFEEDS = Path(
    os.environ.get("MONITOR_REALFEEDS_DIR") or Path(__file__).resolve().parents[2] / "shared" / "realfeeds"
)
NOW = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)

pytestmark = [
    pytest.mark.realfeeds,
    pytest.mark.skipif(not (REALFEEDS / "README.md").is_file(), reason=f"no real feeds at {REALFEEDS}"),
]

# language hints a configured source would carry (they pick the legacy code page for charset repair)
LANGUAGES = {
    "rbren-rss-parser__uolNoticias.rss": "pt",
    "rbren-rss-parser__encoding.rss": "pt",
    "miniflux__no_encoding_ISO-8859-1.xml": "fr",
    "miniflux__encoding_WINDOWS-1251.xml": "ru",
    "prof18-rss-parser__feed-test-greek.xml": "el",
    "miniflux__urdu_UTF8.xml": "ur",
}
# entries with no recoverable date anywhere in the item: fetch time is all there is
UNDATABLE = {"miniflux__rdf_UTF8.xml": 60, "rbren-rss-parser__missing-fields.atom": 1}
# a word each non-UTF-8 (or undeclared) feed must decode correctly
WORDS = {
    "rbren-rss-parser__uolNoticias.rss": "simulações",
    "rbren-rss-parser__encoding.rss": "Mãe",
    "miniflux__no_encoding_ISO-8859-1.xml": "criminalité",
    "miniflux__encoding_ISO-8859-1.xml": "Elektroauto",
    "miniflux__encoding_WINDOWS-1251.xml": "Цитата",
    "prof18-rss-parser__feed-test-greek.xml": "καραντίνας",
    "prof18-rss-parser__feed-test-ru.xml": "собака",
    "rbren-rss-parser__encoding-gb2312.xml": "英雄",
    "miniflux__urdu_UTF8.xml": "امریکی",
    "prof18-rss-parser__feed-test-hindi-channel-image.xml": "कोरोना",
}


def readme_counts() -> dict[str, int]:
    """file → entries, from the README table rows "| `file` | … | entries | no date | no id | … |"."""
    if not (REALFEEDS / "README.md").is_file():
        return {}
    counts = {}
    for line in (REALFEEDS / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip().strip("*") for c in line.strip().strip("|").split("|")]
        if len(cells) >= 7 and (name := re.fullmatch(r"`([^`]+)`", cells[0])) and cells[4].isdigit():
            counts[name.group(1)] = int(cells[4])
    return counts


COUNTS = readme_counts()
FILES = sorted(COUNTS)


def parse(name: str) -> ParsedFeed:
    url = f"https://feeds.example.org/path/{name}"
    result = FetchResult(
        source_id="real",
        url=url,
        final_url=url,
        status=200,
        content=(REALFEEDS / name).read_bytes(),
        headers={"content-type": "application/xml"},
        elapsed=0.0,
    )
    return parse_feed(result, Source(id="real", name=name, url=url, language=LANGUAGES.get(name, "en")), NOW)


def test_readme_lists_every_file() -> None:
    on_disk = {p.name for p in REALFEEDS.iterdir() if p.name != "README.md"}
    assert len(FILES) == 23 and set(FILES) == on_disk


@pytest.mark.parametrize("name", FILES)
def test_every_entry_is_kept_or_reported_empty(name: str) -> None:
    parsed = parse(name)
    skipped = [w for w in parsed.warnings if re.match(r"entry \d+ skipped", w)]
    assert all("empty item" in w for w in skipped), skipped
    assert len(parsed.entries) + len(skipped) == COUNTS[name]


def test_only_truly_empty_items_are_skipped() -> None:
    # Le Cercle Psy has one <item> with empty title, link and description: nothing to keep
    skipped = {name: sum(w.startswith("entry ") for w in parse(name).warnings) for name in FILES}
    assert {n: s for n, s in skipped.items() if s} == {"miniflux__no_encoding_ISO-8859-1.xml": 1}


@pytest.mark.parametrize("name", FILES)
def test_dates_are_utc_and_recovered_where_possible(name: str) -> None:
    entries = parse(name).entries
    assert all(e.published.utcoffset() == timedelta(0) for e in entries)
    assert sum(e.date_source == "fetched" for e in entries) == UNDATABLE.get(name, 0)


@pytest.mark.parametrize(
    ("name", "first"),
    [
        ("rbren-rss-parser__uolNoticias.rss", datetime(2018, 9, 24, 22, 42, 40, tzinfo=UTC)),
        ("prof18-rss-parser__feed-test-time.xml", datetime(2019, 5, 3, 15, 21, tzinfo=UTC)),
        ("prof18-rss-parser__feed-test-hindi-channel-image.xml", datetime(2021, 1, 29, 16, 42, tzinfo=UTC)),
        ("rbren-rss-parser__encoding-gb2312.xml", datetime(2018, 9, 18, 14, 38, 10, tzinfo=UTC)),
    ],
)
def test_extra_date_parsers_recover_known_dates(name: str, first: datetime) -> None:
    assert parse(name).entries[0].published == first


@pytest.mark.parametrize("name", sorted(WORDS))
def test_titles_are_decoded_right(name: str) -> None:
    titles = " ".join(e.title for e in parse(name).entries)
    assert WORDS[name] in titles
    assert "\ufffd" not in titles and not re.search("Ã.|Ð.|Ø.", titles)  # no mojibake


@pytest.mark.parametrize("name", FILES)
def test_links_are_absolute_http_and_keys_unique(name: str) -> None:
    entries = parse(name).entries
    assert all(re.match(r"https?://[^/]+/", e.url) for e in entries if e.url)
    assert len({e.key for e in entries}) == len(entries)


def test_relative_links_resolve_against_the_feed_url() -> None:
    (entry,) = parse("prof18-rss-parser__atom-relative-url.xml").entries
    assert entry.url.startswith("https://feeds.example.org/") and entry.url.endswith(".html")


def test_xml_base_is_honoured() -> None:
    (entry,) = parse("prof18-rss-parser__feed-test-time.xml").entries
    assert entry.url.startswith("http://www.fda.gov/") and "\n" not in entry.title


def test_google_news_publisher() -> None:
    (entry,) = parse("prof18-rss-parser__feed-test-source.xml").entries
    assert entry.publisher == "RTBF" and not entry.title.endswith(" - RTBF")
    assert entry.url.startswith("https://news.google.com/")


def test_leading_blank_lines_do_not_lose_the_entry() -> None:
    parsed = parse("prof18-rss-parser__feed-test-malformed.xml")
    assert len(parsed.entries) == 1 and parsed.entries[0].content
    assert any("before the XML declaration" in w for w in parsed.warnings)


def test_entry_with_only_an_id_is_kept() -> None:
    (entry,) = parse("rbren-rss-parser__missing-fields.atom").entries
    assert entry.key == entry.guid == "tag:github.com,2008:Repository/11167738/v3.9.0" and entry.url == ""
