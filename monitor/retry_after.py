"""Retry-After, read one way for every server we ask: feeds (monitor/fetch.py) and channels
(monitor/notify). Here, below both, because those stages do not import each other.

The value is clamped to a day: a server that asks for longer (a date in 2099, or a number past
what a `timedelta` holds) is asked again tomorrow rather than never, or rather than crashing
the code that schedules the retry.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

LONGEST_RETRY_AFTER = 86_400.0  # seconds


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Retry-After as seconds from `now`: delta-seconds or an HTTP date, at most
    `LONGEST_RETRY_AFTER`; None when unusable."""
    if not value or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), LONGEST_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max(0.0, (when - now).total_seconds()), LONGEST_RETRY_AFTER)
