"""StoryIndex: the in-memory signatures of recent stories that cross-outlet grouping compares with."""

from datetime import datetime, timedelta, timezone

from sqlalchemy.orm import Session, sessionmaker

from monitor.alerts import StoryIndex, signatures
from monitor.records import StoredArticle
from monitor.store import outbox

NOW = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)


def article(n: int, title: str, text: str = "") -> StoredArticle:
    return StoredArticle(n, "s", f"https://x.org/{n}", title, text, "", NOW, NOW)


def test_finds_the_same_story_among_many() -> None:
    index = StoryIndex()
    for n in range(200):  # past the initial capacity, so the matrices grow
        sigs = signatures(article(n, f"Unrelated headline number {n} about market prices in region {n}"))
        index.add(1000 + n, NOW, sigs)
    wire = "Drone strike hits militia convoy near al-Bukamal border crossing, war monitor says"
    index.add(7, NOW, signatures(article(7, wire)))
    score, story = index.best(signatures(article(8, wire.upper() + " - Reuters")))
    assert story == 7 and score > 0.9
    score, _ = index.best(signatures(article(9, "Wheat harvest begins in Hasakah province")))
    assert score < 0.5


def test_missing_signatures_never_match() -> None:
    index = StoryIndex()
    index.add(1, NOW, (None, None))
    assert index.best((None, None)) == (0.0, 1)


def test_refresh_reads_only_new_stories_and_drops_old_ones(sessions: sessionmaker[Session]) -> None:
    index = StoryIndex()
    with sessions.begin() as session:
        old = outbox.add_story(
            session,
            title="old",
            signatures=signatures(article(1, "Old story about Qaim")),
            entities=["qaim"],
            published=NOW,
            now=NOW - timedelta(days=3),
        )
        new = outbox.add_story(
            session,
            title="new",
            signatures=signatures(article(2, "New story on Hiri clashes")),
            entities=["hiri"],
            published=NOW,
            now=NOW,
        )
        index.refresh(session, NOW - timedelta(hours=48))
    assert index.best(signatures(article(3, "New story on Hiri clashes")))[1] == new
    assert index.best(signatures(article(4, "Old story about Qaim")))[1] != old
    with sessions.begin() as session:
        newer = outbox.add_story(
            session,
            title="x",
            signatures=signatures(article(5, "Third story, Akashat road")),
            entities=[],
            published=NOW,
            now=NOW + timedelta(hours=1),
        )
        index.refresh(session, NOW + timedelta(hours=1))  # 48 h later: the first two have left the window
    assert index.best(signatures(article(6, "Third story, Akashat road")))[1] == newer
    assert index.best(signatures(article(7, "New story on Hiri clashes")))[0] < 0.5
