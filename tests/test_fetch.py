"""fetch() against the real loopback feed server: caching, redirects, limits, retries, errors."""

from __future__ import annotations

import asyncio
import gzip
import socket
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import pytest

from monitor.errors import FetchError, FetchErrorKind
from monitor.fetch import (
    USER_AGENT,
    FetchLimits,
    HostLimiter,
    build_client,
    fetch,
    fetch_page,
)
from monitor.records import CachingInfo, FetchResult, Source
from monitor.retry_after import parse_retry_after
from tests.servers.feeds import FEEDS_DIR, FeedServer

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
NO_CACHE = CachingInfo()
FAST = FetchLimits(retries=0, backoff=0.0, connect_timeout=2.0, read_timeout=5.0, total_timeout=20.0)


def source(url: str, **kwargs: Any) -> Source:
    return Source(id="test", name="Test", url=url, **kwargs)


def get(url: str, caching: CachingInfo = NO_CACHE, limits: FetchLimits = FAST, **kwargs: Any) -> FetchResult:
    async def go() -> FetchResult:
        async with build_client(limits) as client:
            hosts = HostLimiter(limits.per_host)
            return await fetch(client, source(url, **kwargs), caching, limits=limits, hosts=hosts, now=NOW)

    return asyncio.run(go())


def fails(url: str, limits: FetchLimits = FAST) -> FetchError:
    with pytest.raises(FetchError) as caught:
        get(url, limits=limits)
    return caught.value


def test_200_returns_bytes_headers_and_validators(feed_server: FeedServer) -> None:
    result = get(feed_server.url("/feeds/enab-baladi-en.xml"))
    assert result.status == 200 and not result.not_modified
    assert result.content == (FEEDS_DIR / "enab-baladi-en.xml").read_bytes()
    assert result.source_id == "test"
    assert result.caching.etag and result.caching.etag == result.headers["etag"]
    assert result.caching.last_modified == result.headers["last-modified"]
    assert all(name == name.lower() for name in result.headers)
    assert result.final_url == result.url and result.permanent_redirect is None


def test_sends_user_agent_and_per_source_override(feed_server: FeedServer) -> None:
    get(feed_server.url("/feeds/ttl.xml?ua=default"))
    get(feed_server.url("/feeds/ttl.xml?ua=custom"), user_agent="Mozilla/5.0 test; syndication")
    agents = {r.path: r.headers["user-agent"] for r in feed_server.requests_to("/feeds/ttl.xml")}
    assert agents["/feeds/ttl.xml?ua=default"] == USER_AGENT
    assert agents["/feeds/ttl.xml?ua=custom"] == "Mozilla/5.0 test; syndication"


def test_conditional_get_gives_304_and_keeps_validators(feed_server: FeedServer) -> None:
    url = feed_server.set_feed(
        "/dyn/conditional.xml", b"<rss version='2.0'><channel><title>a</title></channel></rss>"
    )
    first = get(url)
    second = get(url, caching=first.caching)
    assert second.not_modified and second.status == 304 and second.content == b""
    assert second.caching == first.caching
    sent = feed_server.requests_to("/dyn/conditional.xml")[-1].headers
    assert sent["if-none-match"] == first.caching.etag
    assert sent["if-modified-since"] == first.caching.last_modified


def test_changed_feed_gives_200_and_new_validators(feed_server: FeedServer) -> None:
    url = feed_server.set_feed(
        "/dyn/changing.xml", b"<rss version='2.0'><channel><title>v1</title></channel></rss>"
    )
    first = get(url)
    feed_server.set_feed(
        "/dyn/changing.xml", b"<rss version='2.0'><channel><title>v2</title></channel></rss>"
    )
    second = get(url, caching=first.caching)
    assert not second.not_modified and b"v2" in second.content
    assert second.caching.etag != first.caching.etag


def test_last_modified_alone_is_honoured(feed_server: FeedServer) -> None:
    url = feed_server.url("/feeds/ttl.xml?only=ims")
    first = get(url)
    second = get(url, caching=CachingInfo(last_modified=first.caching.last_modified))
    assert second.not_modified


@pytest.mark.parametrize(("code", "permanent"), [(301, True), (308, True), (302, False), (307, False)])
def test_redirects_are_followed_and_permanent_ones_recorded(
    feed_server: FeedServer, code: int, permanent: bool
) -> None:
    result = get(feed_server.url(f"/redirect/{code}?to=/feeds/ttl.xml"))
    target = feed_server.url("/feeds/ttl.xml")
    assert result.status == 200 and result.final_url == target
    assert result.permanent_redirect == (target if permanent else None)


def test_absolute_redirect_and_chain_within_limit(feed_server: FeedServer) -> None:
    assert get(feed_server.url("/redirect/301?to=/feeds/ttl.xml&absolute=1")).status == 200
    chained = get(feed_server.url("/redirect/chain/5?to=/feeds/ttl.xml"))
    assert chained.final_url == feed_server.url("/feeds/ttl.xml") and chained.permanent_redirect is None


def test_redirect_loop_stops_after_max_redirects(feed_server: FeedServer) -> None:
    feed_server.reset()
    error = fails(feed_server.url("/redirect/loop/0"))
    assert "redirects" in error.message
    assert len(feed_server.requests_to("/redirect/loop/0")) == 1
    assert (
        len([r for r in feed_server.requests if r.path.startswith("/redirect/loop/")])
        == FAST.max_redirects + 1
    )


def test_redirect_to_an_invalid_url_is_reported(feed_server: FeedServer) -> None:
    error = fails(feed_server.url(f"/redirect/302?to={quote('http://[broken/feed')}"))
    assert error.kind is FetchErrorKind.HTTP_4XX and "invalid URL" in error.message


def test_read_timeout_is_a_timeout(feed_server: FeedServer) -> None:
    error = fails(feed_server.url("/slow?delay=1.5"), replace(FAST, read_timeout=0.2))
    assert error.kind is FetchErrorKind.TIMEOUT


def test_total_deadline_covers_a_trickling_body(feed_server: FeedServer) -> None:
    limits = replace(FAST, read_timeout=5.0, total_timeout=0.5)
    error = fails(feed_server.url("/trickle?chunks=50&interval=0.1"), limits)
    assert error.kind is FetchErrorKind.TIMEOUT and "0.5" in error.message


def test_500_is_retried_then_reported(feed_server: FeedServer) -> None:
    feed_server.reset()
    error = fails(feed_server.url("/status/500"), replace(FAST, retries=2))
    assert error.kind is FetchErrorKind.HTTP_5XX and error.status == 500
    assert len(feed_server.requests_to("/status/500")) == 3


def test_flaky_source_succeeds_after_retries(feed_server: FeedServer) -> None:
    feed_server.reset_flaky("retry-ok")
    result = get(
        feed_server.url("/flaky/retry-ok?fails=2&to=/feeds/ttl.xml"), limits=replace(FAST, retries=2)
    )
    assert result.status == 200
    assert len(feed_server.requests_to("/flaky/retry-ok")) == 3


def test_flaky_source_fails_when_retries_run_out(feed_server: FeedServer) -> None:
    feed_server.reset_flaky("retry-short")
    error = fails(feed_server.url("/flaky/retry-short?fails=3&to=/feeds/ttl.xml"), replace(FAST, retries=1))
    assert error.kind is FetchErrorKind.HTTP_5XX


def test_503_with_retry_after_is_not_retried(feed_server: FeedServer) -> None:
    feed_server.reset()
    error = fails(feed_server.url("/status/503?retry_after=120"), replace(FAST, retries=2))
    assert error.kind is FetchErrorKind.HTTP_5XX and error.retry_after == 120.0
    assert len(feed_server.requests_to("/status/503")) == 1


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("30", 30.0), ("Sat, 01 Jun 2024 12:01:30 GMT", 90.0)],
)
def test_429_carries_retry_after_in_both_forms(feed_server: FeedServer, value: str, seconds: float) -> None:
    error = fails(feed_server.url(f"/status/429?retry_after={quote(value)}"), replace(FAST, retries=2))
    assert error.kind is FetchErrorKind.HTTP_429 and error.retry_after == seconds


def test_404_is_http_4xx(feed_server: FeedServer) -> None:
    error = fails(feed_server.url("/status/404"))
    assert (error.kind, error.status) == (FetchErrorKind.HTTP_4XX, 404)


def test_plain_403_is_http_4xx_not_blocked(feed_server: FeedServer) -> None:
    assert fails(feed_server.url("/status/403")).kind is FetchErrorKind.HTTP_4XX


@pytest.mark.parametrize("edge", ["cloudflare", "akamai"])
def test_challenge_pages_are_blocked(feed_server: FeedServer, edge: str) -> None:
    error = fails(feed_server.url(f"/challenge/{edge}"))
    assert error.kind is FetchErrorKind.BLOCKED and error.status == 403


@pytest.mark.parametrize("query", ["", "&length=1"])
def test_huge_body_stops_at_the_cap(feed_server: FeedServer, query: str) -> None:
    error = fails(
        feed_server.url(f"/huge?size={30 * 1024 * 1024}{query}"), replace(FAST, max_bytes=1_000_000)
    )
    assert error.kind is FetchErrorKind.TOO_LARGE


def test_gzip_bomb_stops_at_the_decompressed_cap(feed_server: FeedServer) -> None:
    error = fails(feed_server.url("/gzip-bomb"), replace(FAST, max_bytes=5_000_000))
    assert error.kind is FetchErrorKind.TOO_LARGE and "decompressed" in error.message


def test_gzip_body_is_inflated(feed_server: FeedServer) -> None:
    body = (FEEDS_DIR / "enab-baladi-en.xml").read_bytes() * 50
    url = feed_server.set_feed("/dyn/gzipped.xml", gzip.compress(body), headers={"Content-Encoding": "gzip"})
    assert get(url).content == body


def test_corrupt_gzip_is_a_parse_failure(feed_server: FeedServer) -> None:
    url = feed_server.set_feed(
        "/dyn/corrupt-gzip.xml",
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + b"\xff" * 20,
        headers={"Content-Encoding": "gzip"},
    )
    assert fails(url).kind is FetchErrorKind.PARSE


def test_body_just_under_the_cap_is_accepted(feed_server: FeedServer) -> None:
    result = get(feed_server.url("/huge?size=200000"), limits=replace(FAST, max_bytes=200_000))
    assert len(result.content) == 200_000


def test_connection_refused_is_connect() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert fails(f"http://127.0.0.1:{port}/feed").kind is FetchErrorKind.CONNECT


def test_unknown_host_is_dns() -> None:
    assert fails("http://feeds.border-monitor.invalid/rss").kind is FetchErrorKind.DNS


@pytest.mark.parametrize("url", ["", "tag:example.org,2024:1", "http://[::1"])
def test_invalid_urls_are_fetch_errors_without_retries(url: str) -> None:
    limits = replace(FAST, retries=2, backoff=1e6)  # any retry would sleep past the deadline
    error = fails(url, replace(limits, total_timeout=5.0))
    assert error.kind is FetchErrorKind.CONNECT and "within" not in error.message


def test_tls_handshake_failure_is_tls(feed_server: FeedServer) -> None:
    https_url = feed_server.url("/feeds/ttl.xml").replace("http://", "https://")
    assert fails(https_url).kind is FetchErrorKind.TLS


def test_cache_control_max_age(feed_server: FeedServer) -> None:
    assert get(feed_server.url("/cache-control?max_age=900")).max_age == 900.0
    assert get(feed_server.url("/feeds/ttl.xml")).max_age is None


def test_host_limiter_caps_requests_in_flight(feed_server: FeedServer) -> None:
    limits = replace(FAST, per_host=1)

    async def go() -> None:
        async with build_client(limits) as client:
            hosts = HostLimiter(limits.per_host)
            urls = [feed_server.url(f"/slow?delay=0.2&n={i}") for i in range(4)]
            await asyncio.gather(
                *(fetch(client, source(u), CachingInfo(), limits=limits, hosts=hosts, now=NOW) for u in urls)
            )

    feed_server.reset_peak()
    asyncio.run(go())
    assert feed_server.peak_in_flight == 1


def test_the_wait_for_a_host_slot_is_not_the_fetchs_time(feed_server: FeedServer) -> None:
    """A source queued behind a slow one on its host is asked, not timed out unasked: its clock
    starts with its first request (here it waits 2.5 s for its turn, then takes 2 s: within 4 s
    each, with room for a loaded machine, but not in all). The wait is bounded too (next test)."""
    limits = replace(FAST, per_host=1, total_timeout=4.0)

    async def go() -> list[FetchResult]:
        async with build_client(limits) as client:
            hosts = HostLimiter(limits.per_host)
            urls = [feed_server.url(f"/slow?delay={d}&to=/feeds/ttl.xml") for d in (2.5, 2.0)]
            return await asyncio.gather(
                *(fetch(client, source(u), CachingInfo(), limits=limits, hosts=hosts, now=NOW) for u in urls)
            )

    assert [r.status for r in asyncio.run(go())] == [200, 200]


def test_a_host_slot_not_freed_in_time_fails_saying_so(feed_server: FeedServer) -> None:
    limits = replace(FAST, total_timeout=0.3)
    url = feed_server.url("/feeds/ttl.xml?held=1")

    async def go() -> None:
        async with build_client(limits) as client:
            hosts = HostLimiter(per_host=1)
            async with hosts.slot(url):  # held by another source's request
                await fetch(client, source(url), CachingInfo(), limits=limits, hosts=hosts, now=NOW)

    with pytest.raises(FetchError) as caught:
        asyncio.run(go())
    assert caught.value.kind is FetchErrorKind.TIMEOUT
    assert "no free connection to 127.0.0.1 within 0.3s" in str(caught.value)
    assert not [r for r in feed_server.requests_to("/feeds/ttl.xml") if "held=1" in r.path]


def test_hosts_are_limited_separately() -> None:
    servers = [FeedServer("127.0.0.2"), FeedServer("127.0.0.3")]
    limits = replace(FAST, per_host=1)

    async def go() -> None:
        async with build_client(limits) as client:
            hosts = HostLimiter(limits.per_host)
            urls = [s.url(f"/slow?delay=0.3&n={i}") for s in servers for i in range(2)]
            await asyncio.gather(
                *(fetch(client, source(u), CachingInfo(), limits=limits, hosts=hosts, now=NOW) for u in urls)
            )

    try:
        asyncio.run(go())
        assert [s.peak_in_flight for s in servers] == [1, 1]
        assert all(len(s.requests) == 2 for s in servers)
    finally:
        for s in servers:
            s.close()


def test_fetch_page_follows_the_same_rules(feed_server: FeedServer) -> None:
    async def go() -> FetchResult:
        async with build_client(FAST) as client:
            return await fetch_page(
                client, feed_server.url("/redirect/302?to=/html"), limits=FAST, hosts=HostLimiter(), now=NOW
            )

    page = asyncio.run(go())
    assert page.status == 200 and b"Carnegie" in page.content and page.final_url.endswith("/html")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("120", 120.0),
        (" 7 ", 7.0),
        ("Sat, 01 Jun 2024 12:02:00 GMT", 120.0),
        ("Sat, 01 Jun 2024 11:00:00 GMT", 0.0),  # in the past: retry now
        ("soon", None),
        ("-5", None),
        # a day at most: a server's 2099 (or a number past what a date holds) is asked again tomorrow
        ("Thu, 01 Jan 2099 00:00:00 GMT", 86_400.0),
        ("99999999999999999999999", 86_400.0),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, NOW) == expected
