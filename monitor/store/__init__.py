"""The store's public face: engines, migrations and query functions. Nothing else imports models."""

from monitor.store.db import check, faults, is_sqlite, make_engine, make_sessions, unavailable, upgrade
from monitor.store.outlets import story_origins
from monitor.store.queries import (
    Success,
    articles_seen_since,
    known_keys,
    list_articles,
    list_hits,
    record_failure,
    record_success,
    record_successes,
    save_entries,
    save_matches,
    source_health,
    sync_sources,
)

__all__ = [
    "Success",
    "articles_seen_since",
    "check",
    "faults",
    "is_sqlite",
    "known_keys",
    "list_articles",
    "list_hits",
    "make_engine",
    "make_sessions",
    "record_failure",
    "record_success",
    "record_successes",
    "save_entries",
    "save_matches",
    "source_health",
    "story_origins",
    "sync_sources",
    "unavailable",
    "upgrade",
]
