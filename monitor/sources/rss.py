"""RSS, Atom and RDF feeds (Google News searches included), through feedparser and its bozo policy.

Owns the refusals made before feedparser sees a byte (XML bombs, HTML where a feed was expected,
challenge pages) and charset repair.

Trade-offs:
- Lenient per entry, strict per feed: a bad entry is skipped with a warning, a feed fails only
  when nothing could be read. Problems the analyst may want to know about come back as
  `ParsedFeed.warnings`, never as log lines from a worker process.
- Charset repair trusts the bytes over a UTF-8 claim: when every declaration says UTF-8 (or
  nothing says anything) and the bytes are not UTF-8, a document that is *mostly* UTF-8 is
  decoded with replacement characters (a few bad bytes), and one with no valid UTF-8 sequence
  at all is decoded with the legacy code page of the source's language (windows-1256 for
  Arabic, windows-1252 by default), because feedparser's own fallback guesses windows-1252
  even for Arabic and turns every word into mojibake.
- feedparser gets the feed URL as its base (Content-Location) only when its own resolution
  matters, because resolving every element against a base costs it about 30% more time and
  links are resolved by canonical_url anyway: for a document with an xml:base attribute, and for
  one where a guid or id that feedparser resolves (Atom ids, guids not marked isPermaLink="false")
  turns out relative, which is then parsed a second time. So an empty Atom href gives no URL
  rather than the feed's own.
- Google News titles "Headline - Publisher": the suffix is cut when it equals the item's
  <source>, because the publisher is kept in `Entry.publisher`, and cross-outlet story grouping
  and watchlist matching work on the headline alone.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin

import feedparser

from monitor.errors import FeedParseError, FetchErrorKind
from monitor.records import DateSource, FetchResult, ParsedFeed, Source
from monitor.sources.dates import checked_date, parse_date
from monitor.sources.documents import head_text, refuse_html
from monitor.sources.entries import Fields, assign_keys, content_hash, convert_all, language_tag, unique
from monitor.sources.text import html_to_text, strip_publisher
from monitor.sources.urls import canonical_url, web_link

FAILURES = {
    "not_a_feed": "no RSS, Atom or RDF document at the URL (often an HTML page: the feed moved)",
    "parse": "the document is not readable as a feed (broken XML with no entry recovered)",
    "blocked": "a bot challenge page came instead of the feed",
}


def page_url(source: Source, before: str | None) -> str:
    """One document per poll: the feed's URL."""
    return source.url


@dataclass(frozen=True, slots=True)
class _Context:
    source: Source
    base: str
    language: str | None
    now: datetime


def parse(result: FetchResult, source: Source, now: datetime) -> ParsedFeed:
    notes: list[str] = []
    content = _drop_leading_junk(result.content, notes)
    _refuse_entity_declarations(content)
    refuse_html(content, result.headers)
    content, headers = _repair_charset(content, result.headers, source.language, notes)
    base = result.final_url or result.url or source.url
    parsed = _run_feedparser(content, headers, base)
    _apply_bozo_policy(parsed, notes)
    if not parsed.entries and not parsed.get("version"):
        raise FeedParseError("no RSS, Atom or RDF document found", kind=FetchErrorKind.NOT_A_FEED)
    language = language_tag(parsed.feed.get("language")) or language_tag(source.language)
    context = _Context(source, base, language, now)
    entries = convert_all(parsed.entries, lambda item: _rss_entry(item, context, notes), notes)
    return ParsedFeed(
        entries=assign_keys(entries, source.guid_policy), warnings=tuple(notes), ttl=_ttl(parsed.feed)
    )


def _run_feedparser(content: bytes, headers: Mapping[str, str], base: str) -> Any:
    """feedparser.parse without work whose result is thrown away: content becomes plain text here,
    so its HTML sanitiser and its rewriting of links inside content are wasted (about 30% of its
    time on WordPress feeds), and the feed URL is its base only when needed (see the trade-offs)."""
    options = {"sanitize_html": False, "resolve_relative_uris": False}
    with_base = {**headers, "content-location": base}
    lowered = content.lower()
    if _XML_BASE.search(lowered) or b"\x00" in content or content.startswith(_EBCDIC):
        return feedparser.parse(content, response_headers=with_base, **options)
    parsed = feedparser.parse(content, response_headers=headers, **options)
    if _RESOLVED_ID.search(lowered) and any(_is_relative(e.get("id"), base) for e in parsed.entries):
        return feedparser.parse(content, response_headers=with_base, **options)
    return parsed


# Both searched in the lower-cased bytes, which show every tag unless the document is UTF-16 or
# UTF-32 (it has NUL bytes) or EBCDIC. An attribute feedparser takes as a base URI (xml:base, or
# base in any namespace):
_XML_BASE = re.compile(rb"base\s*=")
_EBCDIC = b"\x4c\x6f\xa7\x94"  # "<?xm", the only EBCDIC feedparser recognises
# A guid or id tag other than the plain <guid isPermaLink="false">: feedparser resolves its value.
_RESOLVED_ID = re.compile(
    rb"""<(?:[^\s<>/:]+:)?(?:guid|id)(?=[\s/>])(?!\s+ispermalink\s*=\s*["']false["']\s*>)"""
)


def _is_relative(uri: str | None, base: str) -> bool:
    if not uri:
        return False
    try:
        return urljoin(base, uri) != uri
    except ValueError:  # feedparser turns it into ""
        return True


def _rss_entry(item: Mapping[str, Any], context: _Context, notes: list[str]) -> Fields:
    item = dict(item)  # FeedParserDict.get maps key aliases on every call; only canonical keys are read
    url = web_link(item.get("link") or "", context.base, notes)
    publisher, publisher_url = _publisher(item.get("source"), context.base)
    title = strip_publisher(html_to_text(item.get("title") or ""), publisher)
    summary = html_to_text(item.get("summary") or "")
    content = _content_text(item.get("content") or [])
    guid = (item.get("id") or "").strip() or None
    if not (title or url or guid or summary or content):
        raise ValueError("empty item: no title, link, id or text")
    published, date_source = _published(item, context.now, notes, title or url or guid or "")
    return dict(
        source_id=context.source.id,
        guid=guid,
        url=url,
        title=title,
        summary=summary if summary != content else "",
        content=content,
        published=published,
        date_source=date_source,
        authors=_authors(item),
        categories=_categories(item),
        language=language_tag((item.get("title_detail") or {}).get("language")) or context.language,
        publisher=publisher,
        publisher_url=publisher_url,
        content_hash=content_hash(title, content or summary),
    )


def _content_text(contents: Iterable[Mapping[str, Any]]) -> str:
    texts = [html_to_text(c.get("value") or "") for c in contents]
    return max(texts, key=len, default="")


def _publisher(source: Mapping[str, Any] | None, base: str) -> tuple[str | None, str | None]:
    if not source:
        return None, None
    name = html_to_text(source.get("title") or "") or None  # "&lt;b&gt;" as text, once, like titles
    href = (source.get("href") or "").strip()
    try:
        return name, (canonical_url(href, base) if href else None)
    except ValueError:  # no URL ("http://a[b/"): the name still says who published it
        return name, None


def _authors(item: Mapping[str, Any]) -> tuple[str, ...]:
    names = [a.get("name") or "" for a in item.get("authors") or []] or [item.get("author") or ""]
    return unique(" ".join(html_to_text(n).split()) for n in names)


def _categories(item: Mapping[str, Any]) -> tuple[str, ...]:
    return unique(" ".join((t.get("term") or t.get("label") or "").split()) for t in item.get("tags") or [])


def _ttl(feed: Mapping[str, Any]) -> timedelta | None:
    """<ttl> in minutes, at most a year (99999999999999999999 would not fit a timedelta)."""
    value = str(feed.get("ttl") or "").strip()
    return timedelta(minutes=min(int(value), _LONGEST_TTL)) if value.isdigit() and int(value) > 0 else None


_LONGEST_TTL = 525_600  # minutes: a year


# --- before feedparser: refusals and repairs ----------------------------------------------

_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)


def _drop_leading_junk(content: bytes, notes: list[str]) -> bytes:
    """Blank lines or PHP notices before `<?xml` make the whole document ill-formed."""
    start = content.find(b"<?xml", 0, 4096)
    if start <= 0 or content[:start] == codecs.BOM_UTF8:
        return content
    notes.append(f"dropped {start} bytes before the XML declaration")
    return content[start:]


def _refuse_entity_declarations(content: bytes) -> None:
    head = head_text(content)
    root = re.search(r"<[A-Za-z_]", head)
    prolog = head[: root.start()] if root else head
    if re.search(r"<!ENTITY", prolog, re.I):
        raise FeedParseError("entity declarations refused (possible XML bomb)")


_UTF8_CLAIMS = {"utf-8", "utf8", "us-ascii", "ascii"}
_LEGACY_CODEC = {
    "ar": "cp1256",
    "fa": "cp1256",
    "ur": "cp1256",
    "ku": "cp1256",
    "ru": "cp1251",
    "uk": "cp1251",
    "bg": "cp1251",
    "el": "iso-8859-7",
    "tr": "cp1254",
    "he": "cp1255",
    "pl": "cp1250",
    "cs": "cp1250",
}
_XML_ENCODING = re.compile(rb"""^(\s*<\?xml[^>]*?encoding\s*=\s*["'])([^"']+)""")
_HTTP_CHARSET = re.compile(r"""charset\s*=\s*["']?([\w.:-]+)""", re.I)


def _repair_charset(
    content: bytes, headers: Mapping[str, str], language: str, notes: list[str]
) -> tuple[bytes, dict[str, str]]:
    """Re-encode as UTF-8 when every declaration claims UTF-8 (or none exists) and lies."""
    declared = _declared_charsets(content, headers)
    if declared - _UTF8_CLAIMS or content.startswith(_BOMS[1:]) or _is_utf8(content):
        return content, dict(headers)
    text, how = _decode_lying_utf8(content, language)
    claim = "declared" if declared else "assumed"
    notes.append(f"bytes are not the UTF-8 {claim}; decoded as {how}")
    body = _XML_ENCODING.sub(rb"\1utf-8", text.encode("utf-8"), count=1)
    content_type = headers.get("content-type", "application/xml").split(";")[0].strip()
    return body, {**headers, "content-type": f"{content_type}; charset=utf-8"}


def _declared_charsets(content: bytes, headers: Mapping[str, str]) -> set[str]:
    found = set()
    if match := _HTTP_CHARSET.search(headers.get("content-type", "")):
        found.add(match.group(1).lower())
    if declared := _XML_ENCODING.match(content.lstrip(codecs.BOM_UTF8)):
        found.add(declared.group(2).decode("ascii", errors="replace").lower())
    return found


def _is_utf8(content: bytes) -> bool:
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _decode_lying_utf8(content: bytes, language: str) -> tuple[str, str]:
    replaced = content.decode("utf-8", errors="replace")
    bad = replaced.count("\ufffd")
    good = sum(1 for ch in replaced if ord(ch) > 127) - bad
    if good > bad:  # a UTF-8 document with a few broken bytes
        return replaced, "UTF-8 with replacement characters"
    codec = _LEGACY_CODEC.get(language_tag(language) or "", "cp1252")
    try:
        return content.decode(codec), codec
    except UnicodeDecodeError:
        return replaced, "UTF-8 with replacement characters"


_SURVIVABLE = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)


def _apply_bozo_policy(parsed: Any, notes: list[str]) -> None:
    if not parsed.get("bozo"):
        return
    error = parsed.get("bozo_exception")
    if isinstance(error, _SURVIVABLE):
        notes.append(f"{type(error).__name__}: {error}")
    elif parsed.entries:
        notes.append(f"feed is not well-formed, {len(parsed.entries)} entries recovered: {error}")
    else:
        raise FeedParseError(f"not a readable feed: {type(error).__name__}: {error}") from error


# A numeric zone at a date's end (+0300, -05:00): no place on Earth is more than 14 hours off UTC,
# so "+2500" is a broken date, not one to shift by a day.
_ZONE = re.compile(r"[+-](\d\d):?(\d\d)\s*$")
MAX_ZONE_HOURS = 14


def _published(
    item: Mapping[str, Any], now: datetime, notes: list[str], label: str
) -> tuple[datetime, DateSource]:
    parsed = item.get("published_parsed") or item.get("updated_parsed") or item.get("created_parsed")
    written = str(item.get("published") or item.get("updated") or item.get("created") or "")
    if (zone := _ZONE.search(written)) and (int(zone[1]) > MAX_ZONE_HOURS or int(zone[2]) >= 60):
        notes.append(f"impossible time zone in {written[:60]!r}; using the fetch time for {label[:80]!r}")
        return now, "fetched"
    try:
        when = datetime(*parsed[:6]).replace(tzinfo=UTC) if parsed else None
    except (ValueError, OverflowError):  # past year 9999 once in UTC ("31 Dec 9999 23:59 -1200")
        when = None
    for key in ("published", "updated", "created"):
        if when is None and item.get(key):
            when = parse_date(str(item[key]))
    return checked_date(when, now, notes, label)
