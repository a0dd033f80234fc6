"""poll_sources end to end against the loopback feed server and a real database."""

import asyncio
import logging
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from monitor import store
from monitor.fetch import FetchLimits, HostLimiter, build_client
from monitor.matching import Matcher
from monitor.pipeline import FeedWorkers, PollDeps, StoreBatcher, next_poll_at, poll_source, poll_sources
from monitor.records import PollReport, Source, SourceHealth
from monitor.watchlists import load_watchlists
from tests.conftest import WATCHLISTS
from tests.servers.feeds import FeedServer

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)


def rss(*items: tuple[str, str, str]) -> bytes:
    body = "".join(
        f"<item><title>{t}</title><link>https://example.org/{g}</link><guid isPermaLink='false'>{g}</guid>"
        f"<description>{d}</description><pubDate>Fri, 20 Nov 2026 10:00:00 +0000</pubDate></item>"
        for g, t, d in items
    )
    head = "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
    return f"{head}<title>t</title>{body}</channel></rss>".encode()


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_watchlists(WATCHLISTS))


@pytest.fixture
def deps(sessions: sessionmaker[Session], matcher: Matcher) -> Iterator[PollDeps]:
    limits = FetchLimits(retries=0, connect_timeout=2, read_timeout=2, total_timeout=5, backoff=0.01)
    workers = FeedWorkers(lambda: matcher, workers=1)
    client = build_client(limits)
    yield PollDeps(client, HostLimiter(2), limits, sessions, lambda: matcher, workers, lambda: NOW)
    workers.close()


def source(url: str, **kwargs: object) -> Source:
    return Source(id=f"s-{uuid.uuid4().hex[:8]}", name="Test", url=url, **kwargs)  # type: ignore[arg-type]


def test_a_poll_of_unchanged_feeds_builds_no_matcher(
    deps: PollDeps, feed_server: FeedServer, matcher: Matcher
) -> None:
    asked: list[str] = []

    def counted() -> Matcher:
        asked.append("matcher")
        return matcher

    async def scenario() -> PollReport:
        url = feed_server.set_feed(
            f"/t/{uuid.uuid4().hex}.xml", rss(("a1", "Drone strike near Albu Kamal", ""))
        )
        src = source(url)
        await poll_sources([src], deps)
        unchanged = replace(deps, matcher=counted, workers=FeedWorkers(counted, workers=1))
        (report,) = await poll_sources([src], unchanged)
        return report

    assert asyncio.run(scenario()).status == "not_modified"
    assert asked == []


def test_poll_stores_matches_and_then_sees_304(deps: PollDeps, feed_server: FeedServer) -> None:
    asyncio.run(scenario_poll_stores_matches_and_then_sees_304(deps, feed_server))


async def scenario_poll_stores_matches_and_then_sees_304(deps: PollDeps, feed_server: FeedServer) -> None:
    path = f"/t/{uuid.uuid4().hex}.xml"
    url = feed_server.set_feed(
        path,
        rss(
            ("a1", "Drone strike near Albu Kamal", "Kataib Hezbollah depot hit"),
            ("a2", "Weather in Paris", "Rain"),
        ),
    )
    src = source(url)
    (first,) = await poll_sources([src], deps)
    assert (first.status, first.entries, first.new) == ("ok", 2, 2)
    assert first.hits >= 2
    (second,) = await poll_sources([src], deps)
    assert second.status == "not_modified"
    assert feed_server.requests_to(path)[-1].headers.get("if-none-match")
    with deps.sessions() as session:
        hits = store.list_hits(session)
        (health,) = store.source_health(session, [src.id])
    assert [h.title for h in hits] == ["Drone strike near Albu Kamal"]
    assert {"bukamal", "kataib-hezbollah"} <= set(hits[0].entities)
    assert hits[0].priority is not None
    assert health.consecutive_failures == 0 and health.next_poll_at is not None


def test_new_item_between_polls_is_the_only_new_one(deps: PollDeps, feed_server: FeedServer) -> None:
    asyncio.run(scenario_new_item_between_polls_is_the_only_new_one(deps, feed_server))


async def scenario_new_item_between_polls_is_the_only_new_one(
    deps: PollDeps, feed_server: FeedServer
) -> None:
    path = f"/t/{uuid.uuid4().hex}.xml"
    url = feed_server.set_feed(path, rss(("b1", "First", "x")))
    src = source(url)
    await poll_sources([src], deps)
    feed_server.set_feed(path, rss(("b2", "Clashes in al-Mayadin", "y"), ("b1", "First", "x")))
    (report,) = await poll_sources([src], deps)
    assert (report.entries, report.new, report.updated) == (2, 1, 0)


def test_one_bad_source_does_not_stop_the_others(deps: PollDeps, feed_server: FeedServer) -> None:
    asyncio.run(scenario_one_bad_source_does_not_stop_the_others(deps, feed_server))


async def scenario_one_bad_source_does_not_stop_the_others(deps: PollDeps, feed_server: FeedServer) -> None:
    good = source(
        feed_server.set_feed(f"/t/{uuid.uuid4().hex}.xml", rss(("c1", "Qaim crossing reopens", "z")))
    )
    bad = [source(feed_server.url(p)) for p in ("/status/500", "/html", "/xml-bomb", "/status/404")]
    reports = {r.source_id: r for r in await poll_sources([*bad, good], deps)}
    assert reports[good.id].status == "ok" and reports[good.id].new == 1
    kinds = [reports[s.id].error_kind for s in bad]
    assert kinds == ["http_5xx", "not_a_feed", "parse", "http_4xx"]
    with deps.sessions() as session:
        failing = [h for h in store.source_health(session) if h.id in {s.id for s in bad}]
    assert all(h.consecutive_failures == 1 and h.last_error for h in failing)


def test_feeds_stored_together_keep_their_own_outcomes(deps: PollDeps, feed_server: FeedServer) -> None:
    asyncio.run(scenario_feeds_stored_together(replace(deps, batcher=StoreBatcher(window=1.0)), feed_server))


async def scenario_feeds_stored_together(deps: PollDeps, feed_server: FeedServer) -> None:
    """Three feeds ready within the batch window share a transaction; the one that cannot be
    stored (its source has no row, so its articles break a foreign key) fails alone."""
    good = [
        source(feed_server.set_feed(f"/t/{uuid.uuid4().hex}.xml", rss((f"g{n}", "Curfew in al-Qaim", "x"))))
        for n in range(2)
    ]
    orphan = source(feed_server.set_feed(f"/t/{uuid.uuid4().hex}.xml", rss(("o1", "Orphan item", "x"))))
    with deps.sessions.begin() as session:
        store.sync_sources(session, good)
    reports = await asyncio.gather(
        *(poll_source(src, SourceHealth(src.id, src.name, src.url), deps) for src in [*good, orphan])
    )
    assert [(r.status, r.new) for r in reports[:2]] == [("ok", 1), ("ok", 1)]
    assert (reports[2].status, reports[2].error_kind) == ("failed", "internal")
    with deps.sessions() as session:
        assert {a.source_id for a in store.list_articles(session)} >= {src.id for src in good}


def test_a_poll_cancelled_while_waiting_to_be_stored_stores_nothing(
    deps: PollDeps, feed_server: FeedServer
) -> None:
    asyncio.run(
        scenario_cancelled_while_waiting(replace(deps, batcher=StoreBatcher(window=1.0)), feed_server)
    )


async def scenario_cancelled_while_waiting(deps: PollDeps, feed_server: FeedServer) -> None:
    path = f"/t/{uuid.uuid4().hex}.xml"
    src = source(feed_server.set_feed(path, rss(("c1", "Cancelled at al-Bukamal", "x"))))
    with deps.sessions.begin() as session:
        store.sync_sources(session, [src])
    poll = asyncio.create_task(poll_source(src, SourceHealth(src.id, src.name, src.url), deps))
    while not feed_server.requests_to(path):
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.3)  # fetched and parsed inline; waiting out the 1 s window now
    poll.cancel()
    with pytest.raises(asyncio.CancelledError):
        await poll
    await asyncio.sleep(1.0)  # the window ends with nothing left to store
    with deps.sessions() as session:
        assert store.list_articles(session, source_ids=[src.id]) == []


def test_retry_after_defers_the_source(deps: PollDeps, feed_server: FeedServer) -> None:
    asyncio.run(scenario_retry_after_defers_the_source(deps, feed_server))


async def scenario_retry_after_defers_the_source(deps: PollDeps, feed_server: FeedServer) -> None:
    src = source(feed_server.url("/status/429?retry_after=7200"), interval=timedelta(minutes=15))
    (report,) = await poll_sources([src], deps)
    assert report.status == "deferred" and report.error_kind == "http_429"
    assert report.next_poll_at is not None and report.next_poll_at >= NOW + timedelta(hours=2)


def test_next_poll_at_rules() -> None:
    src = Source(id="x", name="x", url="http://x/", interval=timedelta(minutes=15))
    assert next_poll_at(src, NOW) == NOW + timedelta(minutes=15)
    assert next_poll_at(src, NOW, ttl=timedelta(hours=1)) == NOW + timedelta(hours=1)
    assert next_poll_at(src, NOW, max_age=60) == NOW + timedelta(minutes=15)  # never sooner than the interval
    assert next_poll_at(src, NOW, ttl=timedelta(days=30)) == NOW + timedelta(hours=12)  # capped
    assert next_poll_at(src, NOW, failures=3) == NOW + timedelta(hours=1)
    assert next_poll_at(src, NOW, failures=30) == NOW + timedelta(hours=6)
    assert next_poll_at(src, NOW, failures=1, retry_after=3600) == NOW + timedelta(hours=1)
    jittered = next_poll_at(src, NOW, jitter=0.999)
    assert NOW + timedelta(minutes=15) < jittered < NOW + timedelta(minutes=16, seconds=31)


ARTICLE_PAGE = """<html><head><title>x</title></head><body><nav>Home | News</nav><article>
<h1>Border report</h1>
<p>{body}</p>
<p>Residents described the night in detail to our correspondent, who visited the area twice this week
and spoke with farmers, traders and local officials about the situation along the river.</p>
</article><footer>Copyright</footer></body></html>"""


def test_full_text_is_matched_and_failures_fall_back(deps: PollDeps, feed_server: FeedServer) -> None:
    asyncio.run(scenario_full_text(deps, feed_server))


async def scenario_full_text(deps: PollDeps, feed_server: FeedServer) -> None:
    page = f"/t/{uuid.uuid4().hex}.html"
    body = "Fighters of Liwa Fatemiyoun moved into the Hamdan airport area overnight, witnesses said. " * 3
    feed_server.set_feed(
        page, ARTICLE_PAGE.format(body=body).encode(), content_type="text/html; charset=utf-8"
    )
    feed = rss(
        ("f1", "Night movements reported", "A short teaser."), ("f2", "Another teaser", "Nothing here.")
    )
    feed = feed.replace(b"https://example.org/f1", feed_server.url(page).encode())
    feed = feed.replace(b"https://example.org/f2", feed_server.url("/status/500").encode())
    src = source(feed_server.set_feed(f"/t/{uuid.uuid4().hex}.xml", feed), full_text=True)
    (report,) = await poll_sources([src], deps)
    assert report.new == 2
    with deps.sessions() as session:
        articles = {a.title: a for a in store.list_articles(session, source_ids=[src.id])}
        hits = store.list_hits(session)
    assert "Liwa Fatemiyoun" in articles["Night movements reported"].content
    assert articles["Another teaser"].content in ("", "Nothing here.")  # the feed text, kept
    (hit,) = [h for h in hits if h.source == src.id]
    assert {"liwa-fatemiyoun", "hamdan-airport"} <= set(hit.entities)


WORKER_SCRIPT = """
import asyncio, pathlib, time
from datetime import datetime, timezone
from monitor.matching import Matcher
from monitor.pipeline import FeedWorkers
from monitor.records import FetchResult, Source
from monitor.watchlists import load_watchlists

matcher = Matcher(load_watchlists(pathlib.Path({watchlists!r})))
workers = FeedWorkers(lambda: matcher, workers=2)
feed = b"<rss version='2.0'><channel><title>t</title><item><title>x</title><link>http://x/1</link></item></channel></rss>"
result = FetchResult("s", "http://x/", "http://x/", 200, feed, {{}}, 0.0)
asyncio.run(workers.analyse(result, Source(id="s", name="s", url="http://x/"), datetime.now(timezone.utc)))
print("ready", flush=True)
time.sleep(120)
"""


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found.update(int(child) for child in (task / "children").read_text().split())
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text().split("State:")[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")
def test_parse_workers_end_with_a_parent_killed_by_sigkill() -> None:
    script = WORKER_SCRIPT.format(watchlists=str(WATCHLISTS))
    with subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE) as parent:
        try:
            assert parent.stdout is not None and parent.stdout.readline().strip() == b"ready"
            workers = _children(parent.pid)
            assert workers
        finally:
            parent.kill()
    deadline = time.monotonic() + 30
    while any(_running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_running(pid) for pid in workers)


SHARING_SCRIPT = """
import asyncio, pathlib
from datetime import datetime, timezone
from monitor import feed_workers
from monitor.events import event_typer
from monitor.matching import Matcher
from monitor.records import FetchResult, Source
from monitor.watchlists import load_watchlists

def typer_in_worker():
    return id(event_typer(feed_workers._worker_matcher.watchlist))

matcher = Matcher(load_watchlists(pathlib.Path({watchlists!r})))
workers = feed_workers.FeedWorkers(lambda: matcher, workers=2)
feed = b"<rss version='2.0'><channel><title>t</title><item><title>Drone strike near Albu Kamal</title><link>http://x/1</link></item></channel></rss>"
result = FetchResult("s", "http://x/", "http://x/", 200, feed, {{}}, 0.0)
now = datetime.now(timezone.utc)
analysed = asyncio.run(workers.analyse(result, Source(id="s", name="s", url="http://x/"), now))
in_workers = {{workers._pool.submit(typer_in_worker).result() for _ in range(6)}}
workers.close()
print(analysed.matches[0].event_types, in_workers == {{id(event_typer(matcher.watchlist))}})
"""


def test_parse_workers_use_the_event_typer_compiled_before_they_forked() -> None:
    """The parent compiles the watchlist's event typer before the pool forks, so the workers
    share that one (the same object, inherited) rather than each compiling its own copy."""
    script = SHARING_SCRIPT.format(watchlists=str(WATCHLISTS))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["('airstrike',)", "True"]


class FailsOnOneTitle(Matcher):
    """A matcher with a bug that one article's text sets off (as an IndexError once did)."""

    def find_fields(self, fields: dict[str, str], *args: object, **kwargs: object) -> dict:  # type: ignore[override]
        if "Kaboom" in fields["title"]:
            raise IndexError("string index out of range")
        return super().find_fields(fields, *args, **kwargs)  # type: ignore[arg-type]


def test_an_article_the_matcher_fails_on_does_not_fail_its_feed(
    deps: PollDeps, feed_server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    faulty = FailsOnOneTitle(load_watchlists(WATCHLISTS))
    deps = replace(deps, matcher=lambda: faulty, workers=FeedWorkers(lambda: faulty, workers=1))
    path = f"/t/{uuid.uuid4().hex}.xml"
    # A title of its own: the process remembers the texts it has reported (this test runs twice)
    kaboom = f"Kaboom {uuid.uuid4().hex[:8]} near Albu Kamal"
    crashing = ("k1", kaboom, "Kataib Hezbollah")
    url = feed_server.set_feed(path, rss(crashing, ("k2", "Drone strike near Albu Kamal", "")))
    src = source(url)

    async def two_polls() -> tuple[PollReport, PollReport]:
        (first,) = await poll_sources([src], deps)
        feed_server.set_feed(path, rss(("k3", "Clashes in al-Mayadin", ""), crashing))
        (second,) = await poll_sources([src], deps)
        return first, second

    first, second = asyncio.run(two_polls())
    deps.workers.close()
    assert (first.status, first.new, second.status, second.new) == ("ok", 2, "ok", 1)
    with deps.sessions() as session:
        titles = {a.title for a in store.list_articles(session) if a.source_id == src.id}
        hit_titles = {h.title for h in store.list_hits(session)}
    assert kaboom in titles  # stored, for `monitor rematch` once fixed
    assert {"Drone strike near Albu Kamal", "Clashes in al-Mayadin"} <= hit_titles
    assert kaboom not in hit_titles
    failures = [r for r in caplog.records if r.msg == "match.internal_error"]
    assert len(failures) == 1  # once, though still in the feed
    # with its traceback (the redacting filter, once installed, keeps it as text)
    (failure,) = failures
    traceback = failure.exc_text or logging.Formatter().formatException(failure.exc_info)
    assert "IndexError: string index out of range" in traceback


def _logged(caplog: pytest.LogCaptureFixture, source_id: str) -> list[tuple[str, int]]:
    return [(r.msg, r.levelno) for r in caplog.records if getattr(r, "fields", {}).get("source") == source_id]


def test_a_failing_source_warns_once_and_says_when_it_is_back(
    deps: PollDeps, feed_server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    """An expected fault: one WARNING when it starts, INFO while it lasts, one line when it ends."""
    caplog.set_level(logging.DEBUG, logger="monitor")
    path = f"/t/{uuid.uuid4().hex}.xml"
    src = source(feed_server.set_feed(path, b"down for maintenance", status=404))

    async def polls() -> None:
        for _ in range(2):
            await poll_sources([src], deps)
        feed_server.set_feed(path, rss(("k1", "Clashes in al-Mayadin", "")))
        await poll_sources([src], deps)

    asyncio.run(polls())
    deps.workers.close()
    assert _logged(caplog, src.id) == [
        ("poll.failed", logging.WARNING),
        ("poll.failed", logging.INFO),
        ("poll.recovered", logging.INFO),
    ]


def test_a_feed_warning_is_a_warning_once_while_the_feed_keeps_it(
    deps: PollDeps, feed_server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="monitor")
    path = f"/t/{uuid.uuid4().hex}.xml"
    item = "<item><title>{t}</title><link>{link}</link><guid isPermaLink='false'>{t}</guid></item>"

    def feed(*titles: str) -> bytes:
        items = item.format(t="bad", link="javascript:alert(1)") + "".join(
            item.format(t=t, link=f"https://example.org/{t}") for t in titles
        )
        head = "<?xml version='1.0'?><rss version='2.0'><channel><title>t</title>"
        return f"{head}{items}</channel></rss>".encode()

    src = source(feed_server.set_feed(path, feed("a")))

    async def polls() -> None:
        await poll_sources([src], deps)
        feed_server.set_feed(path, feed("a", "b"))  # changed, so parsed again: the same warning
        await poll_sources([src], deps)

    asyncio.run(polls())
    deps.workers.close()
    assert [level for msg, level in _logged(caplog, src.id) if msg == "poll.warning"] == [
        logging.WARNING,
        logging.DEBUG,
    ]
