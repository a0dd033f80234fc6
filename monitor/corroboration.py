"""Corroboration: how many distinct publishers tell a story, and whether they are all of one kind.

Pure functions from records. Publishers, not feeds, count: a publisher is known by its domain
(english.enabbaladi.net and www.enabbaladi.net are one), a Telegram channel by t.me/<channel>, and
a feed on a bare address (a test server) by its URL. An aggregator (Google News, GDELT) is never a
publisher itself: its items count as the publisher they name, labelled like the bundled or
configured source on that publisher's domain (unlabelled when there is none).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import urlsplit

from monitor.records import ArticleOrigin, Corroboration, Outlet, Source

AGGREGATOR = "aggregator"
# Second-level labels under a country code that are not the outlet's own name (bbc.co.uk, x.com.sy).
_GENERIC_SLD = {"com", "net", "org", "gov", "edu", "co", "ac", "mil", "info"}
_TELEGRAM = {"t.me", "telegram.me"}


def publisher_key(url: str) -> str:
    """A publisher's identity from a URL: its registrable domain, t.me/<channel>, or for a bare
    address (127.0.0.1:8080) the URL itself. Empty when the URL has no host, or none that can be
    read (a source's field can be anything: "https://a[b/" is no URL)."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().rstrip(".")
    except ValueError:
        return ""
    if not host:
        return ""
    if host in _TELEGRAM:
        channel = [p for p in parts.path.split("/") if p and p != "s"][:1]
        return "t.me/" + channel[0].lower() if channel else host
    if host == "localhost" or _is_address(host):
        return f"{parts.netloc}{parts.path}".rstrip("/")
    labels = host.split(".")
    keep = 3 if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _GENERIC_SLD else 2
    return ".".join(labels[-keep:])


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def labels_by_publisher(sources: Iterable[Source]) -> dict[str, str]:
    """Publisher key → label of the labelled, non-aggregator sources: how an aggregated item is labelled."""
    found: dict[str, str] = {}
    for source in sources:
        if source.label and source.label != AGGREGATOR:
            found.setdefault(publisher_key(source.url), source.label)
    return found


def outlet_of(origin: ArticleOrigin, sources: Mapping[str, Source], known: Mapping[str, str]) -> Outlet:
    """The publisher of one article. `known` is labels_by_publisher() of the configured sources."""
    source = sources.get(origin.source_id)
    if origin.publisher or origin.publisher_url:
        key = publisher_key(origin.publisher_url or "") or "name:" + " ".join(
            (origin.publisher or "").casefold().split()
        )
        own = source.label if source and source.label != AGGREGATOR else ""  # a site: search for one outlet
        return Outlet(key, origin.publisher or key, own or known.get(key, ""))
    if source is None:
        return Outlet(publisher_key(origin.url) or origin.source_id, origin.source_id)
    label = "" if source.label == AGGREGATOR else source.label
    return Outlet(_source_key(source) or source.id, source.name, label)


def _source_key(source: Source) -> str:
    """A Telegram channel is itself on any base URL (t.me or a mirror of its preview page)."""
    if source.kind == "telegram":
        channel = [part for part in urlsplit(source.url).path.split("/") if part][-1:]
        return "t.me/" + channel[0].lower() if channel else ""
    return publisher_key(source.url)


def story_outlets(
    origins: Iterable[ArticleOrigin], sources: Mapping[str, Source], known: Mapping[str, str]
) -> tuple[Outlet, ...]:
    """The distinct publishers of a story's articles, in the order they reported it."""
    outlets: dict[str, Outlet] = {}
    for origin in origins:
        outlet = outlet_of(origin, sources, known)
        outlets.setdefault(outlet.key, outlet)
    return tuple(outlets.values())


def corroborate(outlets: Sequence[Outlet]) -> Corroboration:
    """`single source` or `N outlets` (distinct publishers), flagged `<label> only` when all share a label."""
    count = len({o.key for o in outlets})
    labels = tuple(sorted({o.label for o in outlets if o.label}))
    shared = len(labels) == 1 and all(o.label for o in outlets)
    status = "single source" if count <= 1 else f"{count} outlets"
    return Corroboration(status, count, f"{labels[0]} only" if shared else None, labels)


def assess(
    origins: Mapping[int, Sequence[ArticleOrigin]], sources: Sequence[Source]
) -> dict[int, tuple[tuple[Outlet, ...], Corroboration]]:
    """Article id → (its story's outlets, their corroboration), from store.story_origins()."""
    by_id, known = {s.id: s for s in sources}, labels_by_publisher(sources)
    assessed = {}
    for article_id, story in origins.items():
        outlets = story_outlets(story, by_id, known)
        assessed[article_id] = (outlets, corroborate(outlets))
    return assessed


def joining_notes(
    origins: Mapping[int, Sequence[ArticleOrigin]], sources: Sequence[Source]
) -> dict[int, str]:
    """Article id → the line its alert carries: its story's corroboration with it, and whether it
    made a single-source story corroborated (compared with the story without it)."""
    by_id, known = {s.id: s for s in sources}, labels_by_publisher(sources)
    notes = {}
    for article_id, story in origins.items():
        before = [o for o in story if o.article_id != article_id]
        was = corroborate(story_outlets(before, by_id, known)) if before else None
        notes[article_id] = note(was, corroborate(story_outlets(story, by_id, known)))
    return notes


def note(before: Corroboration | None, after: Corroboration) -> str:
    """The line an alert carries; says so when the story has just become corroborated."""
    if before is not None and not before.corroborated and after.corroborated:
        return f"Corroborated: now {after.text} (was {before.text})"
    return f"Corroboration: {after.text}"


def as_json(outlets: Sequence[Outlet], corroboration: Corroboration) -> dict[str, object]:
    """The `outlets` and `corroboration` fields of `monitor hits --json` and the export."""
    return {
        "outlets": [{"key": o.key, "name": o.name, "label": o.label or None} for o in outlets],
        "corroboration": {
            "status": corroboration.status,
            "outlets": corroboration.outlets,
            "corroborated": corroboration.corroborated,
            "flag": corroboration.flag,
            "labels": list(corroboration.labels),
        },
    }
