"""Structured logging: an event name plus key=value pairs, as text or JSON, secrets redacted.

Call `log(logger, "poll.failed", source="x", kind="timeout")`. The redaction filter scrubs
every configured secret (webhook URL, bot token, SMTP URL) and anything shaped like a Slack token
or a password in a URL from every record, whatever module wrote it; httpx's own request log lines
(which carry full URLs) and Alembic's progress lines are quietened to WARNING (Alembic's show at
DEBUG). slack_sdk's own lines show only at DEBUG: it logs an ERROR before each failed try (with
part of a proxy's HTML page), which the outbox already reports as one `alert.retry` WARNING.
Times are ISO 8601 in UTC (`2026-12-05T10:42:00.123Z`) in text and JSON alike.

Levels: one-shot commands log at WARNING (DEFAULT_LEVEL); `monitor run` at `daemon.log_level`
(INFO); `--log-level` wins over both.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

_TOKEN = re.compile(r"xox[abposr]-[A-Za-z0-9-]+|hooks\.slack\.com/services/[A-Za-z0-9/]+")
_URL_PASSWORD = re.compile(r"(?<=://)([^:/@\s]+):([^@/\s]+)@")
REDACTED = "[redacted]"
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
DEFAULT_LEVEL = "WARNING"  # of one-shot commands; the daemon's is daemon.log_level
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Bidi embeddings, overrides and isolates: in text from outside they reorder what follows on the
# screen (a title or a URL read backwards) and mean nothing a title needs; every place that shows
# such text drops them (the terminal, Slack, webhooks, the digest), and ingest does too
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_QUIET = ("httpx", "httpcore", "apscheduler.executors.default", "apscheduler.scheduler")


def inert(text: str) -> str:
    """Text from outside, safe for a terminal: control characters (escape sequences that could
    move the cursor, retitle the window or hide what follows) become U+FFFD, bidi controls go."""
    return _CONTROL.sub("\ufffd", BIDI_CONTROLS.sub("", text))


def log(logger: logging.Logger, event: str, level: int = logging.INFO, **fields: Any) -> None:
    logger.log(level, event, extra={"fields": fields})


class RedactingFilter(logging.Filter):
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        text = _TOKEN.sub(REDACTED, text)
        return _URL_PASSWORD.sub(rf"\1:{REDACTED}@", text)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redact(record.getMessage())
        record.args = None
        fields = getattr(record, "fields", None)
        if fields:
            record.fields = {k: self.redact(str(v)) if isinstance(v, str) else v for k, v in fields.items()}
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def utc_time(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", {}) or {}
        pairs = " ".join(f"{k}={_text_value(v)}" for k, v in fields.items())
        line = f"{utc_time(record)} {record.levelname.lower():7} {record.getMessage()} {pairs}".rstrip()
        return inert(line) + (f"\n{record.exc_text}" if record.exc_text else "")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        body = {
            "time": utc_time(record),
            "level": record.levelname.lower(),
            "event": record.getMessage(),
        }
        body |= getattr(record, "fields", {}) or {}
        if record.exc_text:
            body["traceback"] = record.exc_text
        return json.dumps(body, default=str, ensure_ascii=False)


def _text_value(value: Any) -> str:
    text = str(value)
    return json.dumps(text, ensure_ascii=False) if (" " in text or not text) else text


def setup_logging(
    *, level: str = DEFAULT_LEVEL, json_format: bool = False, secrets: Iterable[str] = ()
) -> None:
    """Configure the root logger once, writing to stderr (stdout is for JSON output)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if json_format else TextFormatter())
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in _QUIET:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    debug = level.upper() == "DEBUG"
    logging.getLogger("alembic").setLevel(logging.DEBUG if debug else logging.WARNING)
    logging.getLogger("slack_sdk").setLevel(logging.DEBUG if debug else logging.CRITICAL)


class LateRunsAreExpected(logging.Filter):
    """APScheduler warns each time a job's trigger fires while its last run still goes on (a poll
    waiting for a locked database, a delivery waiting for Slack). With coalesce and one instance
    per job that is the design, not a fault: the run just starts late; so these lines go."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in record.getMessage()
