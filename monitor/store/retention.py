"""Retention: what the daemon's housekeeping job forgets, and what it always keeps.

Old articles lose their full text (`content`, the bulk of the database) but keep title, URL,
summary, dates and every hit, so digests, `monitor hits` and story links still work for any
week; only `monitor rematch` over that period sees less text. Delivery attempts are pruned only
for alerts that are finished (sent or failed), so the audit trail of anything still retrying
stays whole. Each statement is one bounded UPDATE/DELETE, safe to run from several daemons.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from monitor.store.db import rows_changed
from monitor.store.models import AlertAttemptRow, AlertRow, ArticleRow


@dataclass(frozen=True, slots=True)
class RetentionReport:
    texts_cleared: int
    attempts_pruned: int


def apply(
    session: Session, *, now: datetime, keep_text_days: int, keep_attempts_days: int
) -> RetentionReport:
    """Both rules at once, as the housekeeping job runs them; 0 days keeps forever."""
    cleared = (
        clear_article_text(session, seen_before=now - timedelta(days=keep_text_days)) if keep_text_days else 0
    )
    pruned = (
        prune_attempts(session, before=now - timedelta(days=keep_attempts_days)) if keep_attempts_days else 0
    )
    return RetentionReport(cleared, pruned)


def clear_article_text(session: Session, *, seen_before: datetime) -> int:
    """Blank the full text of articles first seen before the cut-off; returns how many."""
    statement = (
        update(ArticleRow)
        .where(ArticleRow.first_seen < seen_before, ArticleRow.content != "")
        .values(content="")
        .execution_options(synchronize_session=False)
    )
    return rows_changed(session, statement)


def prune_attempts(session: Session, *, before: datetime) -> int:
    """Delete attempts older than the cut-off of alerts no longer pending; returns how many."""
    finished = select(AlertRow.id).where(AlertRow.state != "pending")
    statement = (
        delete(AlertAttemptRow)
        .where(AlertAttemptRow.at < before, AlertAttemptRow.alert_id.in_(finished))
        .execution_options(synchronize_session=False)
    )
    return rows_changed(session, statement)
