"""Parse: the bytes of one fetch → typed `Entry` records, by the source's kind (see monitor.kinds),
plus the article-page extraction of full_text sources. Pure: no network, no clock, no logs.
Everything is a module-level function so `parse_feed` can run in a ProcessPoolExecutor.

`with_full_text` keeps the content hash of the feed item, so a key that falls back to the hash
does not change when article-page extraction works one poll and fails the next.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from monitor import kinds
from monitor.records import Entry, FetchResult, ParsedFeed, Source

MIN_MAIN_TEXT = 200  # characters; less is a menu, a paywall stub or a cookie banner, not an article


def parse_feed(result: FetchResult, source: Source, now: datetime) -> ParsedFeed:
    """Turn one fetched document into entries; raise FeedParseError when it holds none."""
    return kinds.load(source.kind).parse(result, source, now)


def extract_main_text(html: bytes, url: str) -> str | None:
    """The main text of an article page (trafilatura), paragraphs separated by blank lines;
    None when less than MIN_MAIN_TEXT characters were found."""
    import trafilatura  # heavy import, needed only for sources with full_text

    text = trafilatura.extract(
        html, url=url, include_comments=False, include_tables=False, favor_precision=True
    )
    paragraphs = [" ".join(line.split()) for line in (text or "").splitlines()]
    text = "\n\n".join(p for p in paragraphs if p)
    return text if len(text) >= MIN_MAIN_TEXT else None


def with_full_text(entry: Entry, text: str) -> Entry:
    """The entry with its content replaced by the article's full text (hash kept, see above)."""
    return replace(entry, content=text)
