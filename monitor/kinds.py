"""The table of source kinds: the one place that says which kinds exist and which module reads each.

Config validation, the pipeline and `monitor sources` read `KINDS`. Each kind is a module of
`monitor.sources` that satisfies `SourceKind`. The table names modules rather than importing
them, so that validating a config does not import feedparser or lxml (nor climb from this base
layer up to the parsers); a kind's module is imported when a poll first needs it.

Adding a kind: write `monitor/sources/<kind>.py` with the three members of `SourceKind`, and add
one row here.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, cast

if TYPE_CHECKING:
    from monitor.records import FetchResult, ParsedFeed, Source

KINDS: Mapping[str, str] = {
    "rss": "monitor.sources.rss",  # RSS, Atom, RDF; Google News searches are RSS
    "gdelt": "monitor.sources.gdelt",
    "reliefweb": "monitor.sources.reliefweb",
    "telegram": "monitor.sources.telegram",  # public channel previews, t.me/s/<channel>
}


class SourceKind(Protocol):
    """What a kind's module provides."""

    # What each failure kind (FetchErrorKind value) means for this kind, for `monitor sources`.
    FAILURES: Mapping[str, str]

    def page_url(self, source: Source, before: str | None) -> str:
        """The URL to GET: the newest page when `before` is None, else the page of older items
        than the cursor a parse returned in `ParsedFeed.older`."""
        ...

    def parse(self, result: FetchResult, source: Source, now: datetime) -> ParsedFeed:
        """The entries of one fetched page; FeedParseError (with its FetchErrorKind) when the page
        holds none that could be read."""
        ...


def load(kind: str) -> SourceKind:
    """The module of a kind named in `KINDS` (KeyError for any other)."""
    return cast(SourceKind, importlib.import_module(KINDS[kind]))
