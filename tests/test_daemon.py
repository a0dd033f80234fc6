"""The daemon: poll leases (unit), then real `monitor run` processes against loopback servers."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from monitor import store
from monitor.errors import StoreError
from monitor.records import FetchResult, Source
from monitor.store import leases

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
LEASE = timedelta(minutes=5)


# --- leases --------------------------------------------------------------------------------------


def _sources(sessions: sessionmaker[Session], n: int) -> list[str]:
    ids = [f"s{i}" for i in range(n)]
    with sessions.begin() as session:
        store.sync_sources(session, [Source(id=i, name=i, url=f"http://127.0.0.1/{i}") for i in ids])
    return ids


def _claim(sessions: sessionmaker[Session], source_id: str, owner: str, now: datetime = NOW) -> bool:
    with sessions.begin() as session:
        return leases.claim_poll(session, source_id, owner=owner, now=now, lease=LEASE)


def _lease(sessions: sessionmaker[Session], source_id: str) -> leases.PollLease:
    with sessions() as session:
        return leases.poll_leases(session, [source_id])[0]


def _race(sessions: sessionmaker[Session], source_id: str, owners: list[str]) -> list[str]:
    """Every owner claims the source at the same moment, each on its own connection."""
    barrier = threading.Barrier(len(owners))
    won: list[str] = []

    def claimer(owner: str) -> None:
        barrier.wait()
        if _claim(sessions, source_id, owner):
            won.append(owner)

    threads = [threading.Thread(target=claimer, args=(owner,)) for owner in owners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return won


def test_two_claimers_racing_one_wins(sessions: sessionmaker[Session]) -> None:
    for source_id in _sources(sessions, 20):
        won = _race(sessions, source_id, ["a", "b"])
        assert len(won) == 1, source_id
        assert _lease(sessions, source_id).lease_owner == won[0]


def test_claim_waits_for_a_live_lease_and_takes_an_expired_one(sessions: sessionmaker[Session]) -> None:
    [source_id] = _sources(sessions, 1)
    assert _claim(sessions, source_id, "a")
    assert not _claim(sessions, source_id, "b", NOW + LEASE - timedelta(seconds=1))
    assert _claim(sessions, source_id, "b", NOW + LEASE + timedelta(seconds=1))
    assert _lease(sessions, source_id).lease_owner == "b"


def test_claim_refuses_a_source_not_due(sessions: sessionmaker[Session]) -> None:
    [source_id] = _sources(sessions, 1)
    _set_next_poll(sessions, source_id, NOW + timedelta(minutes=1))
    assert not _claim(sessions, source_id, "a")
    assert _claim(sessions, source_id, "a", NOW + timedelta(minutes=1))


def test_release_frees_only_the_owners_lease(sessions: sessionmaker[Session]) -> None:
    [source_id] = _sources(sessions, 1)
    assert _claim(sessions, source_id, "a")
    with sessions.begin() as session:
        leases.release_poll(session, source_id, owner="b")
    assert _lease(sessions, source_id).lease_owner == "a"
    with sessions.begin() as session:
        leases.release_poll(session, source_id, owner="a")
    assert _lease(sessions, source_id).lease_owner is None
    assert _claim(sessions, source_id, "b")


def test_release_all_at_shutdown(sessions: sessionmaker[Session]) -> None:
    ids = _sources(sessions, 3)
    for source_id in ids[:2]:
        assert _claim(sessions, source_id, "a")
    assert _claim(sessions, ids[2], "b")
    with sessions.begin() as session:
        assert leases.release_all(session, owner="a") == 2
    assert [_lease(sessions, i).lease_owner for i in ids] == [None, None, "b"]


def _set_next_poll(sessions: sessionmaker[Session], source_id: str, when: datetime) -> None:
    result = FetchResult(source_id, "u", "u", 200, b"", {}, 0.0)
    with sessions.begin() as session:
        store.record_success(session, source_id, result, now=NOW, next_poll_at=when, new_items=0)


@pytest.mark.parametrize(
    ("lease", "expected"),
    [
        (None, NOW),
        (leases.PollLease("s", NOW - timedelta(minutes=1), None, None), NOW),
        (leases.PollLease("s", NOW + timedelta(seconds=30), None, None), NOW + timedelta(seconds=30)),
        (leases.PollLease("s", NOW, "other", NOW + timedelta(seconds=20)), NOW + timedelta(seconds=20)),
        (leases.PollLease("s", NOW, "me", NOW + timedelta(seconds=20)), NOW),
        (leases.PollLease("s", NOW + timedelta(hours=5), None, None), NOW + timedelta(minutes=1)),
    ],
)
def test_next_try(lease: leases.PollLease | None, expected: datetime) -> None:
    assert leases.next_try(lease, owner="me", now=NOW, at_most=timedelta(minutes=1)) == expected


def test_sqlite_daemon_lock_is_exclusive(sqlite_url: str) -> None:
    with leases.DaemonLock(sqlite_url) as first:
        assert first.path is not None and first.path.name == "monitor.db.daemon.lock"
        with pytest.raises(StoreError, match="SQLite allows one daemon"):
            leases.DaemonLock(sqlite_url).acquire()
    with leases.DaemonLock(sqlite_url):
        pass


def test_server_databases_need_no_lock_file(engine: Engine, database_url: str) -> None:
    lock = leases.DaemonLock(database_url)
    assert (lock.path is None) == (not store.is_sqlite(engine))
