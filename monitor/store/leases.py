"""Who may poll a source now: the scale-out lease, and SQLite's one-daemon lock.

Several `monitor run` processes on one PostgreSQL share the sources through one conditional
UPDATE (healthchecks' `Flip.processed` pattern): a process may poll a source only if it moved
the row's lease to itself while the lease was free or expired *and* the source was due, and
`rowcount == 1` tells it so. Under READ COMMITTED a second UPDATE on the same row waits for the
first to commit and then re-checks the WHERE clause against the new row, so exactly one claimer
wins; the winner's poll writes the next `next_poll_at` before it releases the lease, so nobody
else polls that source again within the interval. A process killed mid-poll leaves its lease to
expire (`daemon.poll_lease`), then another daemon takes the source over. The trade-off: times
come from each daemon's clock, so hosts sharing a database need NTP-synchronised clocks.

SQLite has no row locks worth sharing across processes and one writer at a time, so there a
second daemon is refused outright: `DaemonLock` holds an exclusive `flock` on
`<database>.daemon.lock` for the life of the process. The kernel drops it when the process dies,
even by kill -9, so a crash never leaves a stale lock behind. A forked child (a parse worker)
would share the lock and keep it alive after such a crash, so forked children close their copy.
"""

from __future__ import annotations

import fcntl
import functools
import os
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

from sqlalchemy import false, or_, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from monitor.errors import StoreError
from monitor.store.db import rows_changed
from monitor.store.models import SourceRow


@dataclass(frozen=True, slots=True)
class PollLease:
    """A source's schedule and lease as stored: what the daemon reads to decide when to try again."""

    source_id: str
    next_poll_at: datetime | None
    lease_owner: str | None
    lease_until: datetime | None


def claim_poll(session: Session, source_id: str, *, owner: str, now: datetime, lease: timedelta) -> bool:
    """Take the source's poll for `owner` if it is due and nobody else holds a live lease on it.
    A lease `owner` itself holds (its release failed during a database outage) is taken again:
    the owner token is unique per process, so only this process can hold it."""
    statement = (
        update(SourceRow)
        .where(
            SourceRow.id == source_id,
            or_(SourceRow.lease_until.is_(None), SourceRow.lease_until < now, SourceRow.lease_owner == owner),
            or_(SourceRow.next_poll_at.is_(None), SourceRow.next_poll_at <= now),
        )
        .values(lease_owner=owner, lease_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    return rows_changed(session, statement) == 1


def release_poll(session: Session, source_id: str, *, owner: str) -> None:
    """Give the lease back (only if it is still ours: an expired lease may have moved on)."""
    session.execute(
        update(SourceRow)
        .where(SourceRow.id == source_id, SourceRow.lease_owner == owner)
        .values(lease_owner=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )


def release_all(session: Session, *, owner: str | None) -> int:
    """Every lease `owner` still holds, at shutdown; returns how many there were. With None,
    every lease: only for a daemon holding `DaemonLock`, where any lease is a dead process's."""
    statement = (
        update(SourceRow)
        .where(SourceRow.lease_owner.is_not(None) if owner is None else SourceRow.lease_owner == owner)
        .values(lease_owner=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    return rows_changed(session, statement)


def is_due(session: Session, source_id: str, now: datetime) -> bool:
    """The due half of `claim_poll`, read only: what the one daemon of a SQLite file checks,
    which needs no lease in the database (`DaemonLock` already keeps every other daemon out)."""
    due = session.execute(select(SourceRow.next_poll_at).where(SourceRow.id == source_id)).scalar()
    return due is None or due <= now


def probe(session: Session) -> None:
    """A write that changes nothing but needs what every write needs (the connection, SQLite's
    write lock, a writable file): the daemon's test of whether the database is back."""
    session.execute(
        update(SourceRow).where(false()).values(lease_owner=None).execution_options(synchronize_session=False)
    )


def poll_leases(session: Session, ids: list[str] | None = None) -> list[PollLease]:
    query = select(SourceRow.id, SourceRow.next_poll_at, SourceRow.lease_owner, SourceRow.lease_until)
    if ids is not None:
        query = query.where(SourceRow.id.in_(ids))
    return [PollLease(*row) for row in session.execute(query.order_by(SourceRow.id))]


def next_try(
    lease: PollLease | None, *, owner: str, now: datetime, at_least: timedelta, at_most: timedelta
) -> datetime:
    """When a daemon should next try to claim this source: once it is due and its lease is free,
    but within [now + at_least, now + at_most] (a live lease usually ends long before it expires)."""
    candidates = [now + at_least]
    if lease is not None and lease.next_poll_at is not None:
        candidates.append(lease.next_poll_at)
    if lease is not None and lease.lease_until is not None and lease.lease_owner != owner:
        candidates.append(lease.lease_until)
    return min(max(candidates), now + max(at_most, at_least))


_held: list[IO[str]] = []  # lock files this process holds


def _close_in_child() -> None:
    """After fork: the child's copy of a lock file goes; the parent's lock is untouched."""
    for handle in _held:
        handle.close()
    _held.clear()


@functools.cache
def _watch_forks() -> None:
    os.register_at_fork(after_in_child=_close_in_child)


class DaemonLock:
    """An exclusive lock file next to a SQLite database, held while the daemon lives.

    A no-op for server databases (PostgreSQL), where daemons share work through leases instead
    (`sole` is then False, and a crashed daemon's leases simply expire).
    """

    def __init__(self, database_url: str) -> None:
        self.path = _lock_path(database_url)
        self._file: IO[str] | None = None

    @property
    def sole(self) -> bool:
        """True while this process is the only daemon the database can have."""
        return self._file is not None

    def acquire(self) -> None:
        if self.path is None:
            return
        try:
            handle = self.path.open("a+", encoding="utf-8")
        except OSError as exc:
            raise StoreError(f"cannot open the daemon's lock {self.path}: {exc.strerror or exc}") from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise StoreError(
                f"another `monitor run` ({holder}) is using this SQLite database (lock {self.path}); "
                "SQLite allows one daemon: stop it, or use PostgreSQL to run several"
            ) from None
        try:
            handle.truncate(0)
            handle.write(f"pid {os.getpid()}\n")
            handle.flush()
        except OSError as exc:  # a full disk
            with suppress(OSError):  # closing flushes the buffer again, and fails again
                handle.close()
            raise StoreError(f"cannot write the daemon's lock {self.path}: {exc.strerror or exc}") from None
        self._file = handle
        _watch_forks()
        _held.append(handle)

    def release(self) -> None:
        if self._file is not None:
            _held.remove(self._file)
            self._file.close()  # closing drops the flock
            self._file = None

    def __enter__(self) -> DaemonLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _lock_path(database_url: str) -> Path | None:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database + ".daemon.lock")
