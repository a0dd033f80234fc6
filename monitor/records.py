"""Plain, frozen records handed from one stage to the next.

Names say who produces a record and who consumes it: `FetchResult` leaves fetch for feeds,
`Entry` leaves feeds for the store, `StoredArticle` leaves the store for matching, `Mention`
leaves matching, `Hit` goes back into the store. ORM objects never leave `monitor.store`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

DateSource = Literal["feed", "fetched"]
PollStatus = Literal["ok", "not_modified", "failed", "deferred"]

# What kind of outlet a source is, as analysts weigh reports (README "Sources"): a source's
# `label` is one of these (or empty), and corroboration flags stories told by one kind only.
SOURCE_LABELS = (
    "wire",
    "international",
    "regional",
    "independent-syrian",
    "iraqi",
    "kurdish",
    "state",
    "factional",
    "think-tank",
    "monitor",
    "aggregator",
    "humanitarian",
)


@dataclass(frozen=True, slots=True)
class Source:
    """A configured source: what to fetch and how often."""

    id: str
    name: str
    url: str
    kind: str = "rss"  # a name in monitor.kinds.KINDS
    language: str = "en"
    interval: timedelta = timedelta(minutes=15)
    label: str = ""  # one of SOURCE_LABELS, or empty
    enabled: bool = True
    full_text: bool = False  # fetch each article page and extract its main text
    user_agent: str | None = None  # per-source override of the global User-Agent
    guid_policy: Literal["auto", "guid", "url"] = "auto"  # how entries are keyed, see sources.entries
    backfill: int = 100  # paged kinds (Telegram): posts the first poll reads at most
    owner: str = ""  # who owns or runs the outlet, free text (a government, a party, a family)


@dataclass(frozen=True, slots=True)
class CachingInfo:
    """Validators from the last 200, sent back as If-None-Match / If-Modified-Since."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What fetch got: bytes plus the HTTP facts the later stages and the scheduler need."""

    source_id: str
    url: str  # as requested
    final_url: str  # after redirects
    status: int
    content: bytes  # raw, decompressed body; empty on 304
    headers: dict[str, str]  # lower-cased names
    elapsed: float  # seconds
    not_modified: bool = False
    caching: CachingInfo = CachingInfo()
    permanent_redirect: str | None = None  # target of a 301/308, to surface to people
    max_age: float | None = None  # Cache-Control max-age, seconds


@dataclass(frozen=True, slots=True)
class Entry:
    """One feed item, normalised: plain text, canonical URL, UTC date."""

    source_id: str
    key: str  # stable identity within the source (guid, canonical URL or content hash)
    guid: str | None
    url: str  # canonical: tracking parameters stripped, fragment dropped, absolute
    title: str
    summary: str  # plain text
    content: str  # plain text; full text when the source has full_text and extraction worked
    published: datetime  # timezone-aware UTC
    date_source: DateSource = "feed"
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    language: str | None = None
    publisher: str | None = None  # aggregators (Google News <source>, GDELT domain)
    publisher_url: str | None = None
    content_hash: str = ""  # of title + text, to detect edits and re-posts


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """What feeds.parse_feed made of a FetchResult."""

    entries: tuple[Entry, ...]
    warnings: tuple[str, ...] = ()
    ttl: timedelta | None = None  # RSS <ttl>
    older: str | None = None  # paged kinds (Telegram): the cursor of the page of older items


@dataclass(frozen=True, slots=True)
class StoredArticle:
    """An article as the store holds it, handed to matching and the CLI."""

    id: int
    source_id: str
    url: str
    title: str
    summary: str
    content: str
    published: datetime
    first_seen: datetime
    language: str | None = None
    publisher: str | None = None
    content_hash: str = ""
    key: str = ""  # its identity within the source (Entry.key)
    publisher_url: str | None = None

    @property
    def text(self) -> str:
        """The stored plain text: the full text or content, else the summary."""
        return self.content or self.summary

    @property
    def origin(self) -> ArticleOrigin:
        """What corroboration counts of it."""
        return ArticleOrigin(self.id, self.source_id, self.url, self.publisher, self.publisher_url)


@dataclass(frozen=True, slots=True)
class Mention:
    """One match of a watchlist entity in a text; start/end index the text as given."""

    entity: str  # entity id
    name: str  # canonical name
    kind: str
    start: int
    end: int
    text: str  # the surface form, text[start:end]
    alias: str = ""  # the alias that matched, as written in the watchlist


@dataclass(frozen=True, slots=True)
class Event:
    """What happened, by a trigger near a watched entity (monitor/events.py); start/end index the text."""

    type: str  # an id of watchlists/events.yaml
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Priority:
    """An article's priority and the rule that gave it."""

    level: Literal["high", "medium", "low"]
    reason: str


@dataclass(frozen=True, slots=True)
class Hit:
    """A stored-to-be mention in one field of one article."""

    article_id: int
    entity: str
    alias: str
    field: Literal["title", "summary", "content"]
    start: int
    end: int
    surface: str
    snippet: str


@dataclass(frozen=True, slots=True)
class PollReport:
    """The outcome of polling one source once; the CLI prints one line of it."""

    source_id: str
    status: PollStatus
    entries: int = 0
    new: int = 0
    updated: int = 0
    hits: int = 0
    alerts: int = 0
    error_kind: str | None = None
    error: str | None = None
    next_poll_at: datetime | None = None
    elapsed: float = 0.0


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """A source's stored state: what `monitor sources` shows and what the scheduler reads."""

    id: str
    name: str
    url: str
    caching: CachingInfo = CachingInfo()
    last_polled_at: datetime | None = None
    last_success_at: datetime | None = None
    last_new_item_at: datetime | None = None
    last_error: str | None = None
    last_error_kind: str | None = None
    last_error_at: datetime | None = None
    consecutive_failures: int = 0
    next_poll_at: datetime | None = None
    moved_to: str | None = None
    retry_after_until: datetime | None = None  # the server asked (Retry-After) not to be asked before


@dataclass(frozen=True, slots=True)
class SavedArticles:
    """What save_entries did with one feed's entries: only the new and the edited come back."""

    new: tuple[StoredArticle, ...] = ()
    updated: tuple[StoredArticle, ...] = ()
    reposts: int = 0  # same content under another key, skipped


@dataclass(frozen=True, slots=True)
class ArticleMatches:
    """Matching's verdict on one stored article, ready to store (and to alert on)."""

    article: StoredArticle
    hits: tuple[Hit, ...]
    priority: Priority | None
    edited: bool = False  # an update of an article already stored
    signatures: tuple[bytes | None, bytes | None] | None = None  # story MinHashes, if made upstream
    event_types: tuple[str, ...] = ()  # what happened (monitor/events.py), in order of first appearance


@dataclass(frozen=True, slots=True)
class HitSummary:
    """One article with hits, as `monitor hits --json` prints it."""

    article_id: int
    url: str
    title: str
    source: str
    published: datetime
    entities: tuple[str, ...]
    priority: str | None
    priority_reason: str | None = None
    event_types: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ArticleOrigin:
    """Where a stored article came from, as corroboration reads it: its source, and the publisher
    an aggregator (Google News <source>, GDELT domain, ReliefWeb source) named for it."""

    article_id: int
    source_id: str
    url: str
    publisher: str | None = None
    publisher_url: str | None = None


@dataclass(frozen=True, slots=True)
class Outlet:
    """A publisher of a story: `key` is its identity (a domain, t.me/<channel>), so the English and
    Arabic editions of one outlet, or its direct feed and its Google News copy, are one outlet."""

    key: str
    name: str
    label: str = ""  # one of SOURCE_LABELS; empty when not known


@dataclass(frozen=True, slots=True)
class Corroboration:
    """How far a story stands: `single source` or `N outlets`, and `<label> only` when every outlet
    carries one label (`factional only`, `state only`)."""

    status: str
    outlets: int
    flag: str | None = None
    labels: tuple[str, ...] = ()

    @property
    def corroborated(self) -> bool:
        return self.outlets > 1

    @property
    def text(self) -> str:
        """One line for people: `3 outlets`, `single source, factional only`."""
        return self.status + (f", {self.flag}" if self.flag else "")


@dataclass(frozen=True, slots=True)
class TextMatches:
    """What matching found in one article's text, before the article has an id."""

    mentions: tuple[tuple[str, Mention, str], ...] = ()  # (field, mention, snippet)
    priority: Priority | None = None
    event_types: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class InlineImage:
    """A picture the digest email carries inline (the map, the chart), referenced as cid:<cid>."""

    cid: str
    content: bytes
    subtype: str = "png"
    filename: str = "chart.png"


@dataclass(frozen=True, slots=True)
class RenderedDigest:
    """A digest ready to deliver: what the digest flow renders and the email transport sends."""

    subject: str
    text: str
    html: str  # images referenced as cid:<InlineImage.cid>
    images: tuple[InlineImage, ...] = field(default_factory=tuple)
