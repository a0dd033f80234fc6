"""ReliefWeb API v2 answers (reports): one entry per report."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from monitor.errors import FeedParseError, FetchErrorKind
from monitor.records import FetchResult, ParsedFeed, Source
from monitor.sources.dates import checked_date, parse_date
from monitor.sources.documents import load_json
from monitor.sources.entries import Fields, assign_keys, content_hash, convert_all, language_tag
from monitor.sources.text import html_to_text
from monitor.sources.urls import canonical_url

FAILURES = {
    "not_a_feed": "the answer is not ReliefWeb's JSON (an HTML page, or JSON without a 'data' list)",
}


def page_url(source: Source, before: str | None) -> str:
    """One document per poll: the configured query URL."""
    return source.url


def parse(result: FetchResult, source: Source, now: datetime) -> ParsedFeed:
    notes: list[str] = []
    data = load_json(result, notes)
    reports = data.get("data") if isinstance(data, dict) else None
    if not isinstance(reports, list):
        raise FeedParseError("ReliefWeb answer has no 'data' list", kind=FetchErrorKind.NOT_A_FEED)
    entries = convert_all(reports, lambda r: _reliefweb_entry(r, source, now, notes), notes)
    return ParsedFeed(entries=assign_keys(entries, source.guid_policy), warnings=tuple(notes))


def _reliefweb_entry(report: Mapping[str, Any], source: Source, now: datetime, notes: list[str]) -> Fields:
    fields = report["fields"]
    url = canonical_url(str(fields.get("url_alias") or fields["url"]))
    title = html_to_text(str(fields.get("title") or ""))
    publishers = [str(s.get("name")).strip() for s in fields.get("source") or [] if s.get("name")]
    created = parse_date(str((fields.get("date") or {}).get("created") or ""))
    published, date_source = checked_date(created, now, notes, title or url)
    return dict(
        source_id=source.id,
        guid=str(report["id"]),
        url=url,
        title=title,
        summary="",
        content="",
        published=published,
        date_source=date_source,
        language=language_tag(source.language),
        publisher="; ".join(publishers) or None,
        content_hash=content_hash(title, ""),
    )
