"""Articles stored once: by key, edits updated, reused guids kept apart, re-posts skipped."""

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy.orm import Session, sessionmaker

from monitor import store
from monitor.errors import StoreError
from monitor.records import ArticleMatches, CachingInfo, Entry, FetchResult, Hit, Priority, Source

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
SOURCE = Source(id="enab", name="Enab Baladi", url="https://english.enabbaladi.net/feed/")


def entry(n: int, **changes: object) -> Entry:
    base = Entry(
        source_id="enab",
        key=f"https://english.enabbaladi.net/?p={n}",
        guid=f"https://english.enabbaladi.net/?p={n}",
        url=f"https://english.enabbaladi.net/archives/2026/11/story-{n}/",
        title=f"Story number {n} about al-Bukamal",
        summary="Summary",
        content="Content",
        published=NOW - timedelta(hours=n),
        content_hash=f"hash-{n}",
    )
    return replace(base, **changes)


@pytest.fixture
def ready(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    with sessions.begin() as session:
        store.sync_sources(session, [SOURCE])
    return sessions


def save(sessions: sessionmaker[Session], entries: list[Entry]):
    with sessions.begin() as session:
        return store.save_entries(session, "enab", entries, now=NOW)


def test_new_entries_stored_once(ready: sessionmaker[Session]) -> None:
    first = save(ready, [entry(1), entry(2), entry(1)])
    assert [a.title for a in first.new] == [
        "Story number 1 about al-Bukamal",
        "Story number 2 about al-Bukamal",
    ]
    again = save(ready, [entry(1), entry(2)])
    assert again.new == () and again.updated == ()
    with ready() as session:
        assert len(store.list_articles(session)) == 2


def test_edit_updates_in_place(ready: sessionmaker[Session]) -> None:
    (original,) = save(ready, [entry(1)]).new
    edited = save(
        ready, [entry(1, title="Story number 1 about al-Bukamal (updated)", content_hash="hash-1b")]
    )
    assert edited.new == ()
    assert [a.id for a in edited.updated] == [original.id]
    with ready() as session:
        (stored,) = store.list_articles(session)
    assert stored.title.endswith("(updated)")
    assert stored.first_seen == NOW


def test_reused_guid_with_other_story_is_not_swallowed(ready: sessionmaker[Session]) -> None:
    save(ready, [entry(1)])
    other = entry(
        1,
        title="Completely different report on Deir ez-Zor markets",
        url="https://x.org/other",
        content_hash="hash-other",
    )
    result = save(ready, [other])
    assert len(result.new) == 1 and result.updated == ()
    assert save(ready, [other]).new == ()  # and stored only once itself
    with ready() as session:
        assert len(store.list_articles(session)) == 2


def test_repost_under_new_key_is_skipped(ready: sessionmaker[Session]) -> None:
    save(ready, [entry(1)])
    result = save(ready, [entry(1, key="https://english.enabbaladi.net/?p=999")])
    assert result.new == () and result.reposts == 1


def test_large_batch(ready: sessionmaker[Session]) -> None:
    entries = [entry(n) for n in range(1, 1301)]
    assert len(save(ready, entries).new) == 1300
    assert save(ready, entries).new == ()


def test_hits_and_priority(ready: sessionmaker[Session]) -> None:
    (article,) = save(ready, [entry(1)]).new
    hit = Hit(
        article.id, "bukamal", "al-Bukamal", "title", 22, 32, "al-Bukamal", "Story number 1 about al-Bukamal"
    )
    match = ArticleMatches(article, (hit,), Priority("medium", "watched place bukamal"))
    with ready.begin() as session:
        assert store.save_matches(session, [match], now=NOW) == 1
    with ready.begin() as session:
        assert store.save_matches(session, [match], now=NOW) == 0  # rematch adds nothing twice
    with ready() as session:
        (summary,) = store.list_hits(session, since=NOW - timedelta(days=7))
    assert summary.entities == ("bukamal",)
    assert summary.priority == "medium" and summary.priority_reason == "watched place bukamal"
    with ready() as session:
        assert store.list_hits(session, since=NOW) == []


def test_source_health(ready: sessionmaker[Session]) -> None:
    result = FetchResult(
        "enab", SOURCE.url, SOURCE.url, 200, b"", {}, 0.1, caching=CachingInfo('"v1"', "Mon")
    )
    later = NOW + timedelta(minutes=15)
    with ready.begin() as session:
        store.record_failure(
            session, "enab", kind="timeout", message="read timed out", now=NOW, next_poll_at=later
        )
        store.record_failure(session, "enab", kind="http_5xx", message="503", now=NOW, next_poll_at=later)
    with ready() as session:
        (health,) = store.source_health(session)
    assert health.consecutive_failures == 2 and health.last_error_kind == "http_5xx"
    with ready.begin() as session:
        store.record_success(session, "enab", result, now=later, next_poll_at=later, new_items=3)
    with ready() as session:
        (health,) = store.source_health(session)
    assert health.consecutive_failures == 0
    assert health.caching == CachingInfo('"v1"', "Mon")
    assert health.last_success_at == later == health.last_new_item_at
    assert health.last_error_kind == "http_5xx"  # kept, for the record


def test_successes_stored_together_each_as_alone(sessions: sessionmaker[Session]) -> None:
    """A batch's successes, 304s and 200s mixed, each row gets exactly its own values."""
    ids = ["a", "b", "c"]
    with sessions.begin() as session:
        store.sync_sources(session, [replace(SOURCE, id=i, url=f"https://{i}.example/feed") for i in ids])
        store.record_failure(session, "b", kind="timeout", message="slow", now=NOW, next_poll_at=NOW)
    fresh = FetchResult("a", "u", "u", 200, b"", {}, 0.1, caching=CachingInfo('"a2"', "Tue"))
    unchanged = FetchResult("b", "u", "u", 304, b"", {}, 0.1, not_modified=True, caching=CachingInfo('"b1"'))
    moved = replace(unchanged, source_id="c", permanent_redirect="https://c.example/new")
    later = NOW + timedelta(minutes=5)
    with sessions.begin() as session:
        store.record_successes(
            session,
            [
                store.Success("a", fresh, later, later + timedelta(minutes=1), 2),
                store.Success("b", unchanged, later, later + timedelta(minutes=2), 0),
                store.Success("c", moved, later, later + timedelta(minutes=3), 0),
            ],
        )
    with sessions() as session:
        health = {h.id: h for h in store.source_health(session)}
    assert [health[i].next_poll_at for i in ids] == [later + timedelta(minutes=m) for m in (1, 2, 3)]
    assert health["a"].caching == CachingInfo('"a2"', "Tue") and health["a"].last_new_item_at == later
    assert health["b"].caching == CachingInfo(None, None)  # a 304 keeps what was stored (nothing here)
    assert health["b"].consecutive_failures == 0 and health["b"].last_new_item_at is None
    assert health["c"].moved_to == "https://c.example/new" and health["a"].moved_to is None
    assert all(h.last_success_at == later for h in health.values())


def test_unreachable_database_is_a_store_error() -> None:
    engine = store.make_engine("postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(StoreError, match="unreachable"):
        store.upgrade(engine)


def test_published_times_of_many_sources_in_one_query(sessions: sessionmaker[Session]) -> None:
    from monitor.store import outbox

    other = replace(SOURCE, id="other", url="https://other.example/feed")
    with sessions.begin() as session:
        store.sync_sources(session, [SOURCE, other])
        store.save_entries(session, "enab", [entry(n) for n in range(1, 6)], now=NOW)
        store.save_entries(session, "other", [entry(n, source_id="other") for n in (7, 3)], now=NOW)
    with sessions() as session:
        times = outbox.published_times(session, ["enab", "other", "silent"], limit=3)
    assert times == {
        "enab": [NOW - timedelta(hours=n) for n in (1, 2, 3)],  # the newest three, newest first
        "other": [NOW - timedelta(hours=3), NOW - timedelta(hours=7)],
        "silent": [],
    }
