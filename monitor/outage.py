"""The database as the daemon's work finds it: up, or unavailable since when and why.

Every job reports what its store work met: `failed(fault)` for an expected fault (a
`StoreUnavailable`; the store thread reports it as soon as it meets it, so the writes queued
behind it are refused at once), `succeeded()` for a write that went through. The first failure logs one
WARNING (`database unavailable: disk full; retrying`), a fault that lasts logs one reminder a
minute at most, and the first success after it one INFO (`database back after 15s`). /healthz
reads `describe()` from its own thread, hence the lock.

A full disk is special: small writes (a source's schedule) can still fit in pages SQLite already
has, so only a write that stored new rows, or the daemon's probe seeing free space again, ends it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime

from monitor.errors import StoreUnavailable
from monitor.logs import log

logger = logging.getLogger(__name__)

REMIND_EVERY = 60.0  # seconds between "still unavailable" lines while a fault lasts
DISK_FULL = "disk full"


class Outage:
    def __init__(
        self, clock: Callable[[], datetime], monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._clock = clock
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._since: datetime | None = None
        self._started = 0.0
        self._reason = ""
        self._last_line = 0.0

    @property
    def active(self) -> bool:
        return self._since is not None

    @property
    def reason(self) -> str:
        return self._reason

    def failed(self, fault: StoreUnavailable) -> None:
        if fault.refused:  # an echo of this outage (perhaps of one just ended), not news
            return
        with self._lock:
            now = self._monotonic()
            if self._since is None:
                self._since, self._reason = self._clock(), fault.reason
                self._started = self._last_line = now
                line: tuple[str, dict[str, object]] | None = (
                    f"database unavailable: {fault.reason}; retrying",
                    {"detail": fault.detail},
                )
            elif now - self._last_line >= REMIND_EVERY:
                self._reason, self._last_line = fault.reason, now
                line = (
                    f"database still unavailable: {fault.reason}; retrying",
                    {"for": f"{now - self._started:.0f}s"},
                )
            else:
                line = None
        if line is not None:
            log(logger, line[0], logging.WARNING, **line[1])

    def succeeded(self, *, grew: bool = True) -> None:
        """A write went through; `grew` says whether it added rows (which a full disk refuses)."""
        if self._since is None:
            return
        with self._lock:
            if self._since is None or (self._reason == DISK_FULL and not grew):
                return
            took = self._monotonic() - self._started
            self._since = None
        log(logger, f"database back after {took:.0f}s", logging.INFO)

    def describe(self) -> str | None:
        """`unavailable since <iso>: <reason>` during a fault, else None (read by /healthz)."""
        with self._lock:
            if self._since is None:
                return None
            return f"unavailable since {self._since.isoformat(timespec='seconds')}: {self._reason}"
