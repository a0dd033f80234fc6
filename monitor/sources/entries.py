"""Entries: per-item conversion that skips a bad item, stable keys, content hashes.

Every kind builds each item's fields (`Fields`: an Entry's fields but its key, which depends on
the whole document) and hands them to `assign_keys`.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar
from urllib.parse import urlsplit

from monitor.errors import FeedParseError
from monitor.records import Entry
from monitor.sources.text import squeeze
from monitor.sources.urls import url_key

T = TypeVar("T")
Fields = dict[str, Any]

# --- entries: conversion, keys, hashes ----------------------------------------------------


def convert_all(items: Iterable[T], convert: Callable[[T], Fields], notes: list[str]) -> list[Fields]:
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


def assign_keys(converted: Iterable[Fields], policy: str) -> tuple[Entry, ...]:
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


def _key_candidates(fields: Fields, policy: str, duplicate_guid: bool) -> Iterator[str]:
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
    head = squeeze(text[:cut]).casefold()
    if len(head) < size and len(text) > cut:  # much whitespace: fold it all
        head = " ".join(text.split()).casefold()
    return head[:size]


# --- small helpers ------------------------------------------------------------------------


def language_tag(tag: str | None) -> str | None:
    """The primary subtag, lower-cased: "en-US" → "en"."""
    primary = (tag or "").strip().replace("_", "-").partition("-")[0].lower()
    return primary or None


def unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))
