"""Parse: the bytes of one fetch → typed `Entry` records. Pure: no network, no clock, no logs.

Owns the feed-format knowledge of the monitor: feedparser and its bozo policy, the refusals
made before feedparser sees a byte (XML bombs, HTML where a feed was expected, challenge
pages), charset repair, GDELT and ReliefWeb JSON, URL canonicalisation, HTML → plain text,
dates (with extra parsers for localized and odd formats) and the stable key of each entry.
Everything is a module-level function so `parse_feed` can run in a ProcessPoolExecutor.

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
- `with_full_text` keeps the content hash of the feed item, so a key that falls back to the
  hash does not change when article-page extraction works one poll and fails the next.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import re
import warnings as pywarnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any, TypeVar
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

import feedparser
from dateutil import parser as dateparser

from monitor.errors import FeedParseError, FetchErrorKind
from monitor.records import DateSource, Entry, FetchResult, ParsedFeed, Source

_Kind = FetchErrorKind
MIN_MAIN_TEXT = 200  # characters; less is a menu, a paywall stub or a cookie banner, not an article
T = TypeVar("T")
_Fields = dict[str, Any]  # an Entry's fields but its key, which depends on the whole document

# --- public entry points ------------------------------------------------------------------


def parse_feed(result: FetchResult, source: Source, now: datetime) -> ParsedFeed:
    """Turn one fetched document into entries; raise FeedParseError when it holds none."""
    if source.kind == "gdelt":
        return _parse_gdelt(result, source, now)
    if source.kind == "reliefweb":
        return _parse_reliefweb(result, source, now)
    return _parse_rss(result, source, now)


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


# --- RSS / Atom ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Context:
    source: Source
    base: str
    language: str | None
    now: datetime


def _parse_rss(result: FetchResult, source: Source, now: datetime) -> ParsedFeed:
    notes: list[str] = []
    content = _drop_leading_junk(result.content, notes)
    _refuse_entity_declarations(content)
    _refuse_html(content, result.headers)
    content, headers = _repair_charset(content, result.headers, source.language, notes)
    base = result.final_url or result.url or source.url
    parsed = _run_feedparser(content, headers, base)
    _apply_bozo_policy(parsed, notes)
    if not parsed.entries and not parsed.get("version"):
        raise FeedParseError("no RSS, Atom or RDF document found", kind=_Kind.NOT_A_FEED)
    language = _language(parsed.feed.get("language")) or _language(source.language)
    context = _Context(source, base, language, now)
    entries = _convert_all(parsed.entries, lambda item: _rss_entry(item, context, notes), notes)
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


def _rss_entry(item: Mapping[str, Any], context: _Context, notes: list[str]) -> _Fields:
    item = dict(item)  # FeedParserDict.get maps key aliases on every call; only canonical keys are read
    url = _entry_url(item.get("link") or "", context.base, notes)
    publisher, publisher_url = _publisher(item.get("source"), context.base)
    title = _strip_publisher(html_to_text(item.get("title") or ""), publisher)
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
        language=_language((item.get("title_detail") or {}).get("language")) or context.language,
        publisher=publisher,
        publisher_url=publisher_url,
        content_hash=content_hash(title, content or summary),
    )


def _entry_url(link: str, base: str, notes: list[str]) -> str:
    if not link.strip():
        return ""
    try:
        # joined here and in canonical_url, as when feedparser joined links: whitespace left
        # before an empty query or fragment is dropped ("a ?#" → "a")
        url = canonical_url(_join(base, link), base)
    except ValueError as error:  # keep the item: its title and text still matter
        notes.append(f"unusable link {link.strip()[:200]!r} dropped: {error}")
        return ""
    if not url.startswith(("http://", "https://")):  # tag:, javascript:, mailto: are no article links
        notes.append(f"non-HTTP link {url[:200]!r} dropped")
        return ""
    return url


def _content_text(contents: Iterable[Mapping[str, Any]]) -> str:
    texts = [html_to_text(c.get("value") or "") for c in contents]
    return max(texts, key=len, default="")


def _publisher(source: Mapping[str, Any] | None, base: str) -> tuple[str | None, str | None]:
    if not source:
        return None, None
    name = " ".join((source.get("title") or "").split()) or None
    href = (source.get("href") or "").strip()
    return name, (canonical_url(href, base) if href else None)


def _strip_publisher(title: str, publisher: str | None) -> str:
    suffix = f" - {publisher}"
    if publisher and title.endswith(suffix) and len(title) > len(suffix):
        return title[: -len(suffix)].rstrip()
    return title


def _authors(item: Mapping[str, Any]) -> tuple[str, ...]:
    names = [a.get("name") or "" for a in item.get("authors") or []] or [item.get("author") or ""]
    return _unique(" ".join(html_to_text(n).split()) for n in names)


def _categories(item: Mapping[str, Any]) -> tuple[str, ...]:
    return _unique(" ".join((t.get("term") or t.get("label") or "").split()) for t in item.get("tags") or [])


def _ttl(feed: Mapping[str, Any]) -> timedelta | None:
    value = str(feed.get("ttl") or "").strip()
    return timedelta(minutes=int(value)) if value.isdigit() and int(value) > 0 else None


# --- before feedparser: refusals and repairs ----------------------------------------------

_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)


def _drop_leading_junk(content: bytes, notes: list[str]) -> bytes:
    """Blank lines or PHP notices before `<?xml` make the whole document ill-formed."""
    start = content.find(b"<?xml", 0, 4096)
    if start <= 0 or content[:start] == codecs.BOM_UTF8:
        return content
    notes.append(f"dropped {start} bytes before the XML declaration")
    return content[start:]


def _head_text(content: bytes, size: int = 65_536) -> str:
    head = content[:size]
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if head.startswith(bom) and not head.startswith(codecs.BOM_UTF32_LE):
            return head[len(bom) :].decode(codec, errors="replace")
    return head.decode("latin-1")


def _refuse_entity_declarations(content: bytes) -> None:
    head = _head_text(content)
    root = re.search(r"<[A-Za-z_]", head)
    prolog = head[: root.start()] if root else head
    if re.search(r"<!ENTITY", prolog, re.I):
        raise FeedParseError("entity declarations refused (possible XML bomb)")


_FEED_TAGS = ("<rss", "<feed", "<rdf")
_CHALLENGE_MARKERS = ("challenge-platform", "cf-chl", "cf_chl", "just a moment...", "_incapsula_resource")


def _refuse_html(content: bytes, headers: Mapping[str, str]) -> None:
    head = _head_text(content, 8192).lstrip("\ufeff\xef\xbb\xbf \t\r\n").lower()
    html_type = "text/html" in headers.get("content-type", "").lower()
    if not (
        head.startswith(("<!doctype html", "<html")) or (html_type and not any(t in head for t in _FEED_TAGS))
    ):
        return
    if any(marker in head for marker in _CHALLENGE_MARKERS):
        raise FeedParseError("a bot challenge page came instead of a feed", kind=_Kind.BLOCKED)
    page = content[:8192].decode("utf-8", errors="replace")
    title = re.search(r"<title[^>]*>(.*?)</title>", page, re.I | re.S)
    text = html_to_text(page)[:200]
    what = f"{html_to_text(title.group(1))!r}: {text!r}" if title else repr(text)
    raise FeedParseError(f"an HTML page came instead of a feed: {what}", kind=_Kind.NOT_A_FEED)


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
    if match := _XML_ENCODING.match(content.lstrip(codecs.BOM_UTF8)):
        found.add(match.group(2).decode("ascii", errors="replace").lower())
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
    codec = _LEGACY_CODEC.get(_language(language) or "", "cp1252")
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


# --- GDELT and ReliefWeb JSON -------------------------------------------------------------

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


def _parse_gdelt(result: FetchResult, source: Source, now: datetime) -> ParsedFeed:
    notes: list[str] = []
    data = _load_json(result, notes)
    articles = data.get("articles") if isinstance(data, dict) else None
    if data and not isinstance(articles, list):
        raise FeedParseError("GDELT answer has no 'articles' list", kind=_Kind.NOT_A_FEED)
    entries = _convert_all(articles or [], lambda a: _gdelt_entry(a, source, now, notes), notes)
    return ParsedFeed(entries=assign_keys(entries, source.guid_policy), warnings=tuple(notes))


def _gdelt_entry(article: Mapping[str, Any], source: Source, now: datetime, notes: list[str]) -> _Fields:
    url = canonical_url(str(article["url"]))
    title = html_to_text(str(article.get("title") or ""))
    domain = str(article.get("domain") or "").strip().lower() or None
    try:
        seen = datetime.strptime(str(article.get("seendate")), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        seen = None
    published, date_source = _checked_date(seen, now, notes, title or url)
    language = _GDELT_LANGUAGES.get(str(article.get("language") or "").lower()) or _language(source.language)
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
        publisher_url=f"https://{domain}/" if domain else None,
        content_hash=content_hash(title, ""),
    )


def _parse_reliefweb(result: FetchResult, source: Source, now: datetime) -> ParsedFeed:
    notes: list[str] = []
    data = _load_json(result, notes)
    reports = data.get("data") if isinstance(data, dict) else None
    if not isinstance(reports, list):
        raise FeedParseError("ReliefWeb answer has no 'data' list", kind=_Kind.NOT_A_FEED)
    entries = _convert_all(reports, lambda r: _reliefweb_entry(r, source, now, notes), notes)
    return ParsedFeed(entries=assign_keys(entries, source.guid_policy), warnings=tuple(notes))


def _reliefweb_entry(report: Mapping[str, Any], source: Source, now: datetime, notes: list[str]) -> _Fields:
    fields = report["fields"]
    url = canonical_url(str(fields.get("url_alias") or fields["url"]))
    title = html_to_text(str(fields.get("title") or ""))
    publishers = [str(s.get("name")).strip() for s in fields.get("source") or [] if s.get("name")]
    created = parse_date(str((fields.get("date") or {}).get("created") or ""))
    published, date_source = _checked_date(created, now, notes, title or url)
    return dict(
        source_id=source.id,
        guid=str(report["id"]),
        url=url,
        title=title,
        summary="",
        content="",
        published=published,
        date_source=date_source,
        language=_language(source.language),
        publisher="; ".join(publishers) or None,
        content_hash=content_hash(title, ""),
    )


_JSON_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _load_json(result: FetchResult, notes: list[str]) -> Any:
    """JSON, after refusing HTML error pages; illegal control characters become spaces."""
    _refuse_html(result.content, result.headers)
    text = result.content.decode("utf-8-sig", errors="replace")
    if not text.strip():
        return {}
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    try:
        data = json.loads(_JSON_CONTROL.sub(" ", text))
    except json.JSONDecodeError as error:
        raise FeedParseError(f"not JSON ({error}): {text[:200]!r}", kind=_Kind.NOT_A_FEED) from error
    notes.append("illegal control characters in the JSON were replaced")
    return data


# --- entries: conversion, keys, hashes ----------------------------------------------------


def _convert_all(items: Iterable[T], convert: Callable[[T], _Fields], notes: list[str]) -> list[_Fields]:
    """Convert every item; one that fails is skipped with a note, never the whole feed."""
    converted, failures = [], 0
    for index, item in enumerate(items):
        try:
            converted.append(convert(item))
        except Exception as error:  # noqa: BLE001 - any one bad item must not lose the others
            failures += 1
            notes.append(f"entry {index} skipped: {type(error).__name__}: {error}")
    if failures and not converted:
        raise FeedParseError(f"all {failures} entries failed to convert; first: {notes[-failures]}")
    return converted


def assign_keys(converted: Iterable[_Fields], policy: str) -> tuple[Entry, ...]:
    """Build each entry with its key: unique within this document, stable across polls."""
    converted = list(converted)
    guid_counts = Counter(fields["guid"] for fields in converted if fields["guid"])
    used: set[str] = set()
    entries = []
    for fields in converted:
        duplicate_guid = guid_counts[fields["guid"]] > 1 if fields["guid"] else False
        candidates = _key_candidates(fields, policy, duplicate_guid)
        key = next((c for c in candidates if c not in used), None) or _numbered(fields["content_hash"], used)
        used.add(key)
        entries.append(Entry(key=key, **fields))
    return tuple(entries)


def _key_candidates(fields: _Fields, policy: str, duplicate_guid: bool) -> Iterator[str]:
    """The guid and the URL key in the policy's order, then the content hash (never empty); lazily:
    the first is nearly always the key, and a URL key is a rebuilt URL."""
    guid = None if duplicate_guid else fields["guid"]
    if policy == "auto" and guid and not is_stable_guid(guid):
        guid = None
    if guid and policy != "url":
        yield guid
    if fields["url"]:
        yield url_key(fields["url"])
    if guid and policy == "url":
        yield guid
    yield fields["content_hash"]


def _numbered(key: str, used: set[str]) -> str:
    n = 2
    while f"{key}#{n}" in used:
        n += 1
    return f"{key}#{n}"


_TIME_PARAMS = {"t", "ts", "time", "timestamp", "_"}


def is_stable_guid(guid: str) -> bool:
    """False for guids that are a time, not an identity (Al Jazeera's https://…/?t=1717169400)."""
    guid = guid.strip()
    if not guid:
        return False
    if guid.isascii() and guid.isdigit():
        return len(guid) > 13 or not _is_epoch(int(guid))  # 13 digits: epoch milliseconds
    if "?" not in guid:  # no query, so no timestamp query either
        return True
    try:
        parts = urlsplit(guid)
    except ValueError:  # "http://[oops/?p=1": no URL at all, so no timestamp URL either
        return True
    if parts.scheme in ("http", "https") and parts.path in ("", "/") and parts.query:
        pairs = [p.partition("=") for p in parts.query.split("&")]
        return not all(k in _TIME_PARAMS and v.isdigit() for k, _, v in pairs)
    return True


def _is_epoch(n: int) -> bool:
    # 2000-01-01 .. 2100-01-01 in seconds or milliseconds
    return 946_684_800 <= n <= 4_102_444_800 or 946_684_800_000 <= n <= 4_102_444_800_000


def content_hash(title: str, text: str) -> str:
    """sha256 of the case- and whitespace-folded title and first 500 characters of text."""
    folded = " ".join(title.split()).casefold() + "\n" + _folded_start(text, 500)
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


def _folded_start(text: str, size: int) -> str:
    """`" ".join(text.split()).casefold()[:size]` without folding all of a long text (folding and
    casefold work character by character, so the folded head of a text is the head of the folded text)."""
    cut = size + 100
    head = _squeeze(text[:cut]).casefold()
    if len(head) < size and len(text) > cut:  # much whitespace: fold it all
        head = " ".join(text.split()).casefold()
    return head[:size]


# --- URLs ---------------------------------------------------------------------------------

_TRACKING_PARAMS = {
    "traffic_source",
    "fbclid",
    "gclid",
    "dclid",
    "msclkid",
    "yclid",
    "igshid",
    "mc_cid",
    "mc_eid",
    "_hsenc",
    "_hsmi",
    "mkt_tok",
}
_TRACKING_PREFIXES = ("utm_", "at_", "pk_", "mtm_")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_url(url: str, base: str | None = None) -> str:
    """Absolute URL without tracking parameters, fragment or default port; host lower-cased.

    Raises ValueError for a string urllib cannot split (e.g. an unclosed IPv6 bracket) or whose
    host it cannot read back.
    """
    url = url.strip()
    if base:
        url = _join(base, url)
    parts = urlsplit(url)
    if parts.scheme not in _DEFAULT_PORTS:
        return url
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    port = parts.port
    netloc = host if port in (None, _DEFAULT_PORTS[parts.scheme]) else f"{host}:{port}"
    query = "&".join(p for p in parts.query.split("&") if p and not _is_tracking(p))
    canonical = urlunsplit((parts.scheme, netloc, parts.path or "/", query, ""))
    urlsplit(canonical)  # a host urllib misread ("http://[fe80::1%eth@0]/a" → "0]") raises here
    return canonical


# An absolute http(s) link with a host and nothing urllib drops or rewrites (whitespace, ";" params,
# an empty query or fragment): urljoin returns it unchanged whatever the base.
_PLAIN_LINK = re.compile(r"https?://[^\s/?#;][^\s;]*")


def _join(base: str, link: str) -> str:
    """urljoin(base, link), without its work (two parses and a rebuild) for a plain link."""
    if not (base and _PLAIN_LINK.fullmatch(link)) or link.endswith(("?", "#")) or "?#" in link:
        return urljoin(base, link)
    urlsplit(base)  # raises as urljoin does for a base or link urllib cannot split
    urlsplit(link)
    return link


def _is_tracking(pair: str) -> bool:
    name = unquote(pair.partition("=")[0]).lower()
    return name in _TRACKING_PARAMS or name.startswith(_TRACKING_PREFIXES)


def url_key(url: str) -> str:
    """The canonical URL folded further for identity: http → https, no trailing slash."""
    if url.startswith("http://"):
        url = "https://" + url[len("http://") :]
    parts = urlsplit(url)
    if parts.path.endswith("/") and parts.path != "/":
        url = urlunsplit(parts._replace(path=parts.path.rstrip("/")))
    return url


# --- HTML → text --------------------------------------------------------------------------

_PARAGRAPH = "\ue000"  # private-use marks survive whitespace folding
_LINE = "\ue001"
_BLOCKS = {
    "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
    "pre", "section", "article", "header", "footer", "aside", "figure", "figcaption", "table", "tr",
    "hr", "address", "main", "nav", "details", "summary",
}  # fmt: skip
_SKIPPED = {"script", "style", "noscript", "template", "head", "svg", "math"}
_ESCAPED = re.compile(
    r"&(?:#\d{2,7}|#x[0-9a-f]{2,6}|[a-z]{2,8});|</?(?:p|br|div|a|b|i|em|strong|span|img|li|ul|ol|h[1-6]|font)\b[^>]*>",
    re.I,
)
_WP_FOOTER = re.compile(r"(?:^|\n+)The post [^\n]{1,400} appeared first on [^\n]{1,200}$")
_WP_FOOTER_AR = re.compile(r"(?:^|\n+)ظهرت المقالة [^\n]{1,400} أول[اًا]* على [^\n]{1,200}$")
_ELLIPSIS = re.compile(r"\s*\[(?:…|\.\.\.|&hellip;)\]")
_REMOVED = ((" appeared first on ", _WP_FOOTER), ("ظهرت المقالة ", _WP_FOOTER_AR), ("[", _ELLIPSIS))


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self._skipping += 1
        elif tag == "br":
            self.parts.append(_LINE)
        elif tag in _BLOCKS:
            self.parts.append(_PARAGRAPH)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCKS:
            self.parts.append(_PARAGRAPH)
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Plain text: tags dropped, entities decoded (twice when double-escaped), whitespace
    folded, block elements as paragraph breaks ("\\n\\n"), <br> as "\\n", WordPress
    "The post … appeared first on …" footers and "[…]" removed."""
    text = _collect_text(html)
    if ("&" in text or "<" in text) and _ESCAPED.search(text):
        text = _collect_text(text.replace("\n\n", _PARAGRAPH).replace("\n", _LINE))
    for marker, pattern in _REMOVED:
        if marker in text:  # far cheaper than letting the regex fail at every position
            text = pattern.sub("", text)
    return text.strip()


def _collect_text(html: str) -> str:
    if "&" not in html:
        if "<" not in html:
            return _fold(html)
        # one paragraph of plain text, as in WordPress excerpts: the parser would only put
        # paragraph marks around it
        if html.startswith("<p>") and html.endswith("</p>") and "<" not in html[3:-4]:
            return _fold(html[3:-4])
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    return _fold("".join(collector.parts))


def _fold(text: str) -> str:
    folded = _squeeze(text)
    if _PARAGRAPH not in folded and _LINE not in folded:
        return folded
    paragraphs = []
    for block in folded.split(_PARAGRAPH):
        lines = [line.strip() for line in block.split(_LINE)]
        paragraph = "\n".join(line for line in lines if line)
        if paragraph:
            paragraphs.append(paragraph)
    return "\n\n".join(paragraphs)


# str.split's ASCII whitespace but " "
_ASCII_SPACES = ("\t", "\n", "\x0b", "\x0c", "\r", "\x1c", "\x1d", "\x1e", "\x1f")


def _squeeze(text: str) -> str:
    """`" ".join(text.split())`. A long ASCII text is first searched for whitespace to fold: most
    have none, and ten searches cost less than splitting it into words."""
    return text if _is_folded_ascii(text) else " ".join(text.split())


def _is_folded_ascii(text: str) -> bool:
    if len(text) < 200 or not text.isascii() or "  " in text or text[:1] == " " or text[-1:] == " ":
        return False
    return not any(space in text for space in _ASCII_SPACES)


# --- dates --------------------------------------------------------------------------------


def _published(
    item: Mapping[str, Any], now: datetime, notes: list[str], label: str
) -> tuple[datetime, DateSource]:
    parsed = item.get("published_parsed") or item.get("updated_parsed") or item.get("created_parsed")
    when = datetime(*parsed[:6], tzinfo=UTC) if parsed else None
    for key in ("published", "updated", "created"):
        if when is None and item.get(key):
            when = parse_date(str(item[key]))
    return _checked_date(when, now, notes, label)


def _checked_date(
    when: datetime | None, now: datetime, notes: list[str], label: str
) -> tuple[datetime, DateSource]:
    if when is None:
        return now, "fetched"
    if when > now + timedelta(days=1):
        notes.append(f"date {when.isoformat()} is in the future; using the fetch time for {label[:80]!r}")
        return now, "fetched"
    return when, "feed"


def _month_names() -> dict[str, str]:
    table = {
        "jan": "janeiro janvier januar jänner enero ene janv tammikuu",
        "feb": "fev fevereiro février févr fév februar febrero helmikuu",
        "mar": "março marzo mars märz mär mrz maaliskuu",
        "apr": "abr abril avril avr huhtikuu",
        "may": "mai maio mayo toukokuu",
        "jun": "junho juin juni junio kesäkuu",
        "jul": "julho juillet juil juli julio heinäkuu",
        "aug": "ago agosto août elokuu",
        "sep": "set setembro septembre sept septiembre setiembre syyskuu",
        "oct": "out outubro octobre okt oktober octubre lokakuu",
        "nov": "novembro novembre noviembre marraskuu",
        "dec": "dez dezembro décembre déc dezember dic diciembre joulukuu",
    }
    arabic = {
        "jan": "يناير كانون_الثاني",
        "feb": "فبراير شباط",
        "mar": "مارس اذار",
        "apr": "ابريل نيسان",
        "may": "مايو ايار",
        "jun": "يونيو يونيه حزيران",
        "jul": "يوليو يوليه تموز",
        "aug": "اغسطس اب",
        "sep": "سبتمبر ايلول",
        "oct": "اكتوبر تشرين_الاول",
        "nov": "نوفمبر تشرين_الثاني",
        "dec": "ديسمبر كانون_الاول",
    }
    names = {}
    for month, words in table.items():
        for word in words.split():
            names[word] = month
            if word.endswith("kuu"):
                names[word + "ta"] = month  # Finnish partitive: "12. toukokuuta 2024"
    for month, words in arabic.items():
        names.update((word.replace("_", " "), month) for word in words.split())
    return names


_MONTHS = _month_names()
_ARABIC_MULTIWORD = re.compile("|".join(k for k in _MONTHS if " " in k))
_DAY_WORDS = {
    "الأحد",
    "الاحد",
    "الاثنين",
    "الإثنين",
    "الثلاثاء",
    "الأربعاء",
    "الاربعاء",
    "الخميس",
    "الجمعة",
    "السبت",
}
_MERIDIEM = {"ص": "AM", "صباحا": "AM", "صباحًا": "AM", "م": "PM", "مساء": "PM", "مساءً": "PM"}
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_ALEFS = str.maketrans("أإآ", "ااا")
_HOUR = 3600
_TZINFOS = {
    "UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "BST": _HOUR, "CET": _HOUR, "CEST": 2 * _HOUR,
    "EET": 2 * _HOUR, "EEST": 3 * _HOUR, "MSK": 3 * _HOUR, "AST": 3 * _HOUR,
    "EST": -5 * _HOUR, "EDT": -4 * _HOUR, "CST": -6 * _HOUR, "CDT": -5 * _HOUR,
    "MST": -7 * _HOUR, "MDT": -6 * _HOUR, "PST": -8 * _HOUR, "PDT": -7 * _HOUR,
}  # fmt: skip
_NO_YEAR = datetime(1, 1, 1)


def parse_date(value: str) -> datetime | None:
    """A date feedparser could not read: localized month names (Arabic, Portuguese, Spanish,
    French, German, Finnish), Drupal "Fri, 05/03/2019 - 15:21", prose dates, no zone (→ UTC)."""
    text = _normalise_date(value)
    if not re.search(r"\d", text):
        return None
    try:
        with pywarnings.catch_warnings():
            pywarnings.simplefilter("ignore")  # dateutil warns on unknown zone names; we assume UTC
            parsed = dateparser.parse(text, default=_NO_YEAR, tzinfos=_TZINFOS)
    except (ValueError, OverflowError, TypeError):
        return None
    if parsed.year == _NO_YEAR.year:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def _normalise_date(value: str) -> str:
    text = " ".join(value.translate(_DIGITS).translate(_ALEFS).replace("،", ",").split())
    text = _ARABIC_MULTIWORD.sub(lambda m: _MONTHS[m.group(0)], text)
    text = re.sub(r"^[^\W\d_]+\.?\s*,\s*", "", text)  # a leading day name in any language
    text = re.sub(r"(\d)\s+-\s+(\d)", r"\1 \2", text)  # Drupal "05/03/2019 - 15:21"
    return re.sub(r"[^\W\d_]+\.?", _translate_word, text)


def _translate_word(match: re.Match[str]) -> str:
    word = match.group(0)
    bare = word.rstrip(".").lower()
    if bare in _DAY_WORDS:
        return ""
    return _MONTHS.get(bare) or _MERIDIEM.get(bare) or word


# --- small helpers ------------------------------------------------------------------------


def _language(tag: str | None) -> str | None:
    """The primary subtag, lower-cased: "en-US" → "en"."""
    primary = (tag or "").strip().replace("_", "-").partition("-")[0].lower()
    return primary or None


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))
