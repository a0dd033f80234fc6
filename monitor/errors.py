"""The exception tree. Expected failures carry their context so the CLI can print one line.

MonitorError
 ├── ConfigError(key)                   bad TOML, unknown key, bad value: names the key
 ├── WatchlistError(path, line, field)  bad watchlist file: names file, line and field
 ├── FetchError(kind)                   one closed set of kinds (FetchErrorKind), see fetch.py
 │    └── FeedParseError                kind is PARSE or NOT_A_FEED: the bytes were no feed
 ├── DeliveryError(permanent, retry_after)  Slack/SMTP refused or failed; retry unless permanent
 ├── StoreError                         database unreachable or schema out of date
 │    └── StoreUnavailable(reason)      an expected fault that passes (server down, disk full,
 │                                      locked, read-only, I/O error): retried, never a traceback
 ├── InputError(path)                   a file the user named cannot be read or is not what it should be
 └── OutputError(path)                  a file cannot be written (missing or read-only folder, disk full)
"""

from __future__ import annotations

import enum
from pathlib import Path


class MonitorError(Exception):
    """Base of every error the monitor raises on purpose."""


class ConfigError(MonitorError):
    def __init__(self, key: str, message: str) -> None:
        self.key = key
        self.message = message
        super().__init__(f"config {key}: {message}" if key else f"config: {message}")


class WatchlistError(MonitorError):
    def __init__(
        self, path: Path | str, line: int | None, field: str | None, message: str, column: int | None = None
    ) -> None:
        self.path = str(path)
        self.line = line
        self.field = field
        self.message = message
        self.column = column
        where = self.path if line is None else f"{self.path}:{line}" + (f":{column}" if column else "")
        what = f" {field}:" if field else ""
        super().__init__(f"{where}:{what} {message}")


class FetchErrorKind(enum.StrEnum):
    """Every way a poll can fail; stored per source and counted in the digest."""

    TIMEOUT = "timeout"
    DNS = "dns"
    CONNECT = "connect"
    TLS = "tls"
    HTTP_4XX = "http_4xx"
    HTTP_429 = "http_429"
    HTTP_5XX = "http_5xx"
    TOO_LARGE = "too_large"
    NOT_A_FEED = "not_a_feed"
    BLOCKED = "blocked"
    PARSE = "parse"


class FetchError(MonitorError):
    def __init__(
        self,
        kind: FetchErrorKind,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.kind = kind
        self.message = message
        self.status = status
        self.retry_after = retry_after  # seconds, from Retry-After on 429/503
        super().__init__(f"{kind.value}: {message}")


class FeedParseError(FetchError):
    def __init__(self, message: str, *, kind: FetchErrorKind = FetchErrorKind.PARSE) -> None:
        super().__init__(kind, message)


class DeliveryError(MonitorError):
    def __init__(self, message: str, *, permanent: bool = False, retry_after: float | None = None) -> None:
        self.message = message
        self.permanent = permanent
        self.retry_after = retry_after
        super().__init__(message)


class StoreError(MonitorError):
    """The database cannot be reached or used."""


class StoreUnavailable(StoreError):
    """An expected database fault, classified by `store.db.unavailable`: the work is retried once
    the database is back. `reason` is short and fixed ("disk full", "connection refused", ...)."""

    def __init__(self, reason: str, detail: str = "", *, refused: bool = False) -> None:
        self.reason = reason
        self.detail = detail
        self.refused = refused  # not tried: the database was already known to be unavailable
        super().__init__(f"database unavailable: {reason}")


class InputError(MonitorError):
    def __init__(self, path: Path | str, message: str) -> None:
        self.path = str(path)
        self.message = message
        super().__init__(f"input {path}: {message}")


class OutputError(MonitorError):
    def __init__(self, path: Path | str, message: str) -> None:
        self.path = str(path)
        self.message = message
        super().__init__(f"output {path}: {message}")
