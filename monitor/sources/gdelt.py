"""GDELT DOC 2.0 API answers (mode=artlist, format=json): one entry per article seen."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from monitor.errors import FeedParseError, FetchErrorKind
from monitor.records import FetchResult, ParsedFeed, Source
from monitor.sources.dates import checked_date
from monitor.sources.documents import load_json
from monitor.sources.entries import Fields, assign_keys, content_hash, convert_all, language_tag
from monitor.sources.text import html_to_text
from monitor.sources.urls import canonical_url

FAILURES = {
    "not_a_feed": "the answer is not GDELT's JSON (an HTML page, or JSON without an 'articles' list)",
}


def page_url(source: Source, before: str | None) -> str:
    """One document per poll: the configured query URL."""
    return source.url


_HOST = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)+")  # what GDELT's `domain` should be: a host name
_GDELT_LANGUAGES = {
    "english": "en",
    "arabic": "ar",
    "french": "fr",
    "spanish": "es",
    "german": "de",
    "turkish": "tr",
    "persian": "fa",
    "kurdish": "ku",
    "russian": "ru",
    "hebrew": "he",
    "portuguese": "pt",
    "italian": "it",
    "chinese": "zh",
}


def parse(result: FetchResult, source: Source, now: datetime) -> ParsedFeed:
    notes: list[str] = []
    data = load_json(result, notes)
    articles = data.get("articles") if isinstance(data, dict) else None
    if data and not isinstance(articles, list):
        raise FeedParseError("GDELT answer has no 'articles' list", kind=FetchErrorKind.NOT_A_FEED)
    entries = convert_all(articles or [], lambda a: _gdelt_entry(a, source, now, notes), notes)
    return ParsedFeed(entries=assign_keys(entries, source.guid_policy), warnings=tuple(notes))


def _gdelt_entry(article: Mapping[str, Any], source: Source, now: datetime, notes: list[str]) -> Fields:
    url = canonical_url(str(article["url"]))
    title = html_to_text(str(article.get("title") or ""))
    domain = str(article.get("domain") or "").strip().lower() or None
    try:
        seen = datetime.strptime(str(article.get("seendate")), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        seen = None
    published, date_source = checked_date(seen, now, notes, title or url)
    language = _GDELT_LANGUAGES.get(str(article.get("language") or "").lower()) or language_tag(
        source.language
    )
    return dict(
        source_id=source.id,
        guid=None,
        url=url,
        title=title,
        summary="",
        content="",
        published=published,
        date_source=date_source,
        language=language,
        publisher=domain,
        publisher_url=f"https://{domain}/" if domain and _HOST.fullmatch(domain) else None,
        content_hash=content_hash(title, ""),
    )
