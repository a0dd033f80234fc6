"""One story rule for Slack and the digest: the alerts outbox and the digest's grouping put the same
articles in the same stories, at the configured similarity."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.alerts import AlertPolicy
from monitor.config import Settings
from monitor.digest import group_stories
from monitor.records import Entry
from monitor.sources.text import strip_publisher
from monitor.store.digests import WeekArticle
from monitor.store.models import StoryArticleRow
from monitor.stories import MAX_TEXT_WORDS, StoryRule, _first_words, _words, signatures_of
from tests.test_outbox import NOW, entry, store_and_queue

WIRE = "Drone strike hits militia depot near al-Bukamal border crossing"
ARTICLES = [  # (title, publisher)
    (WIRE, None),
    (WIRE.upper() + " - Reuters", "Reuters"),  # the same once the outlet is stripped
    (WIRE + " on Tuesday", None),  # 9 of 10 word pairs shared: one story at 0.8, two at 0.95
    ("Drone strike hits militia depot near al-Qaim, residents say", None),  # 5 of 11 pairs
    ("Wheat harvest begins early in Deir ez-Zor countryside", None),
    ("Clashes", None),  # too short to compare: always a story of its own
    ("Clashes resumed", None),
]


def entries() -> list[Entry]:
    start = NOW - timedelta(hours=10)
    return [
        entry("wire", f"a{n}", title, publisher=publisher, published=start + timedelta(minutes=n))
        for n, (title, publisher) in enumerate(ARTICLES)
    ]


def week_article(n: int, item: Entry) -> WeekArticle:
    return WeekArticle(
        id=n,
        source_id=item.source_id,
        outlet=item.publisher or "Wire",
        url=item.url,
        title=item.title,
        summary="",
        when=item.published,
        priority="high",
        entities=("bukamal",),
        snippet="",
    )


def partition(groups: Sequence[Sequence[str]]) -> set[frozenset[str]]:
    return {frozenset(group) for group in groups}


def alerted_stories(sessions: sessionmaker[Session], items: Sequence[Entry], similarity: float) -> set:
    policy = AlertPolicy(throttle_messages=1000, similarity=similarity)
    for item in items:  # one poll each, in publication order, as a poller meets them
        store_and_queue(sessions, [item], policy=policy)
    by_story: dict[int, list[str]] = {}
    with sessions() as session:
        for row in session.scalars(select(StoryArticleRow)):
            by_story.setdefault(row.story_id, []).append(row.url)
    return partition(list(by_story.values()))


def digest_stories(items: Sequence[Entry], similarity: float) -> set:
    week = [week_article(n, item) for n, item in enumerate(items)]
    groups = group_stories(week, StoryRule(similarity, timedelta(hours=48)))
    return partition([[a.url for a in group] for group in groups])


@pytest.mark.parametrize("similarity", [0.3, 0.8, 0.95])
def test_alerts_and_digest_group_the_same_articles_alike(
    sessions: sessionmaker[Session], similarity: float
) -> None:
    items = entries()
    assert alerted_stories(sessions, items, similarity) == digest_stories(items, similarity)


def test_the_configured_similarity_decides() -> None:
    items = entries()
    url = [item.url for item in items]
    loose, default, strict = (digest_stories(items, s) for s in (0.3, 0.8, 0.95))
    assert frozenset(url[:4]) in loose
    assert frozenset(url[:3]) in default and frozenset({url[3]}) in default
    assert frozenset(url[:2]) in strict and frozenset({url[2]}) in strict


def test_the_rule_comes_from_the_alerts_settings() -> None:
    settings = Settings.model_validate({"alerts": {"similarity": 0.6, "dedupe_window": "12h"}})
    assert StoryRule.from_settings(settings) == StoryRule(0.6, timedelta(hours=12))


def test_signatures_ignore_case_and_the_aggregators_outlet_suffix() -> None:
    assert strip_publisher(WIRE + " - Reuters", "Reuters") == WIRE
    assert signatures_of(WIRE.upper() + " | Reuters", "Reuters") == signatures_of(WIRE, None)
    assert signatures_of("Clashes", None) == (None, None)


@pytest.mark.parametrize(
    "body",
    [
        "word " * 1000,  # long: read from a slice
        "x" * 5000 + " then words",  # one very long word first: read whole
        "كلمة، " * 700 + "End",  # Arabic with punctuation
        "Short text of a few words.",
        "Straße " * 500,  # a casefold that lengthens the text
    ],
)
def test_a_long_text_is_signed_from_its_first_words_alone(body: str) -> None:
    assert _first_words(body, MAX_TEXT_WORDS) == _words(body)[:MAX_TEXT_WORDS]
