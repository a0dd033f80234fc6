"""StoryIndex: the in-memory signatures of recent stories that cross-outlet grouping compares with."""

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from sqlalchemy.orm import Session, sessionmaker

from monitor.records import StoredArticle
from monitor.store import stories as story_rows
from monitor.stories import NUM_PERM, StoryIndex, signatures

NOW = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)


def article(n: int, title: str, text: str = "") -> StoredArticle:
    return StoredArticle(n, "s", f"https://x.org/{n}", title, text, "", NOW, NOW)


def story(title: str, headline: str) -> story_rows.NewStory:
    return story_rows.NewStory(title, signatures(article(0, headline)), frozenset(), NOW)


def test_finds_the_same_story_among_many() -> None:
    index = StoryIndex()
    for n in range(200):  # past the initial capacity, so the matrices grow
        sigs = signatures(article(n, f"Unrelated headline number {n} about market prices in region {n}"))
        index.add(1000 + n, NOW, sigs)
    wire = "Drone strike hits militia convoy near al-Bukamal border crossing, war monitor says"
    index.add(7, NOW, signatures(article(7, wire)))
    assert index.match(signatures(article(8, wire.upper() + " - Reuters")), 0.8) == 7
    assert index.match(signatures(article(9, "Wheat harvest begins in Hasakah province")), 0.5) is None


def test_missing_signatures_never_match() -> None:
    index = StoryIndex()
    index.add(1, NOW, (None, None))
    assert index.match((None, None), 0.01) is None


def test_refresh_reads_only_new_stories_and_drops_old_ones(sessions: sessionmaker[Session]) -> None:
    index = StoryIndex()
    with sessions.begin() as session:
        [old] = story_rows.add_stories(
            session, [story("old", "Old story about Qaim")], now=NOW - timedelta(days=3)
        )
        [new] = story_rows.add_stories(session, [story("new", "New story on Hiri clashes")], now=NOW)
        index.refresh(session, NOW - timedelta(hours=48))
    assert index.match(signatures(article(3, "New story on Hiri clashes")), 0.8) == new
    assert index.match(signatures(article(4, "Old story about Qaim")), 0.8) is None  # left the window
    with sessions.begin() as session:
        [newer] = story_rows.add_stories(
            session, [story("x", "Third story, Akashat road")], now=NOW + timedelta(hours=1)
        )
        index.refresh(session, NOW + timedelta(hours=1))  # 48 h later: the first two have left the window
    assert index.match(signatures(article(6, "Third story, Akashat road")), 0.8) == newer
    assert index.match(signatures(article(7, "New story on Hiri clashes")), 0.5) is None


@pytest.mark.parametrize("threshold", [0.5, 0.75, 0.8, 0.9])
def test_band_search_finds_what_comparing_every_value_finds(threshold: float) -> None:
    """Bands only choose which stories to compare; the answer is the brute-force one, even for a
    story whose differing values are spread over as many bands as possible."""
    rng = np.random.default_rng(7)
    base = rng.integers(0, 2**32, NUM_PERM, dtype=np.uint64)
    index, stored = StoryIndex(), {}
    for story_id in range(1, 400):
        values = base.copy()
        differing = rng.choice(NUM_PERM, size=int(rng.integers(0, NUM_PERM + 1)), replace=False)
        if story_id % 3 == 0:  # one differing value per band, as far as they go: the worst case
            differing = np.arange(0, NUM_PERM, 4)[: int(rng.integers(1, NUM_PERM // 4 + 1))]
        values[differing] = rng.integers(0, 2**32, differing.size, dtype=np.uint64) + 2**32
        stored[story_id] = values
        index.add(story_id, NOW, (None, values.astype("<u8").tobytes()))
    for probe in (base, *list(stored.values())[::37]):
        equal = {sid: int((v == probe).sum()) for sid, v in stored.items()}
        most = max(equal.values())
        found = index.match((None, probe.astype("<u8").tobytes()), threshold)
        if most >= threshold * NUM_PERM:
            assert found is not None and equal[found] == most  # one of the closest
        else:
            assert found is None
