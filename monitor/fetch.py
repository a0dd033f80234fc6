"""Fetch: bytes plus HTTP facts, and the closed set of ways that can fail.

This is the only module that imports httpx. It owns the client factory, per-host concurrency,
conditional GET, redirects, size and time limits, retries, and turning every failure into one
`FetchErrorKind`. It never looks inside a feed: `feeds.parse_feed` does that.

Trade-offs:
- Redirects are followed here, not by httpx, so each hop is counted, each hop takes its own
  per-host slot, and a source URL that moved permanently (every hop so far 301/308) is reported.
- `total_timeout` bounds one whole `fetch()` call, redirects and retries included, so a source
  can never hold a scheduler slot longer than that; httpx's own timeouts bound each socket wait.
  Its clock starts when the first request gets its host's slot: sources queued behind slow ones
  on the same host (two slow Google News searches) are not timed out without being asked. The
  wait for that slot is bounded by `total_timeout` too, and fails saying so.
- The size cap counts *decompressed* bytes. gzip is inflated here, at most 1 MB per step, from
  `aiter_raw()`: httpx's own decoder inflates each network chunk whole, and a 64 KB chunk of a
  gzip bomb became 64 MB at once (151 MB peak for a 10 MB cap, measured). Other encodings
  (deflate, br) go through `aiter_bytes()`, still capped, just not as tightly.
- Keep-alive is off (`max_keepalive_connections=0`). Measured on loopback against
  tests/servers/feeds.py, 600 GETs: 20 in flight 436 req/s with keep-alive vs 525 without; 100
  in flight 91 vs 136. A poll makes 1-2 requests per host, so reuse buys little anyway.
  Re-measured with HostLimiter in front of the pool (300 feeds on 30 hosts answering 304, a pool
  of 40 keeping up to 40 idle): 0.76-0.93 CPU-s a cycle with keep-alive vs 0.62-0.98 without,
  no gain, so it stays off.
"""

from __future__ import annotations

import asyncio
import random
import re
import socket
import ssl
import sys
import time
import zlib
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from monitor import __version__
from monitor.errors import FetchError, FetchErrorKind
from monitor.records import CachingInfo, FetchResult, Source
from monitor.retry_after import parse_retry_after

# httpx imports its command-line client (click, pygments, rich's progress bars and syntax
# highlighting: 40 modules, ~0.03 CPU-s, measured) whenever click is installed, as it is beside
# the test tools; without click that import fails and httpx gives `main` a stub. A None entry
# fails it the same way here: nothing of ours runs httpx's command line.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
import httpx  # noqa: E402

USER_AGENT = f"border-monitor/{__version__} (+https://github.com/border-monitor; news monitoring)"
ERROR_BODY_BYTES = 65_536  # enough of a 4xx/5xx body to recognise a challenge page
INFLATE_STEP = 1_048_576  # most bytes one zlib call may produce
_PER_HOST = 2

_Kind = FetchErrorKind


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """Every knob of one fetch; built once from Settings and passed in."""

    max_bytes: int = 10_000_000
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    total_timeout: float = 60.0  # wall clock for one fetch() call: redirects, retries, body
    max_redirects: int = 5
    retries: int = 2  # connect errors, timeouts, 5xx other than 503-with-Retry-After
    backoff: float = 0.5  # base seconds; attempt n sleeps uniform(0, backoff * 2**n)
    per_host: int = _PER_HOST
    max_connections: int = 40
    user_agent: str = USER_AGENT
    page_delay: float = 1.0  # seconds between two pages of one paged source (Telegram backfill)


def build_client(limits: FetchLimits) -> httpx.AsyncClient:
    """The only place an HTTP client is built; the caller owns and closes it."""
    timeout = httpx.Timeout(
        connect=limits.connect_timeout,
        read=limits.read_timeout,
        write=limits.read_timeout,
        pool=limits.total_timeout,
    )
    pool = httpx.Limits(max_connections=limits.max_connections, max_keepalive_connections=0)
    return httpx.AsyncClient(
        timeout=timeout,
        limits=pool,
        follow_redirects=False,
        headers={"user-agent": limits.user_agent},
    )


class HostLimiter:
    """At most `per_host` requests in flight to one host:port and `overall` in all, across all
    sources. The overall limit matches the client's connection pool, so requests wait here, in
    O(1), rather than in httpcore's pool, which rescans every queued request whenever a
    connection frees."""

    def __init__(self, per_host: int = _PER_HOST, overall: int = 40) -> None:
        self._per_host = per_host
        self._overall = asyncio.Semaphore(overall)
        self._slots: dict[str, asyncio.Semaphore] = {}

    @asynccontextmanager
    async def slot(self, url: str) -> AsyncIterator[None]:
        try:
            parts = urlsplit(url)
            key = f"{(parts.hostname or '').lower()}:{parts.port or parts.scheme}"
        except ValueError:  # an invalid URL fails in the request, classified there
            key = url
        semaphore = self._slots.setdefault(key, asyncio.Semaphore(self._per_host))
        async with semaphore, self._overall:
            yield


async def fetch(
    client: httpx.AsyncClient,
    source: Source,
    caching: CachingInfo,
    *,
    limits: FetchLimits,
    hosts: HostLimiter,
    now: datetime,
) -> FetchResult:
    """GET a source's feed conditionally; raise FetchError with the failure's kind."""
    headers = {"user-agent": source.user_agent or limits.user_agent, **_conditional(caching)}
    result = await _fetch_url(client, source.url, headers, limits=limits, hosts=hosts, now=now)
    caching = caching if result.not_modified else _validators(result.headers)
    return replace(result, source_id=source.id, caching=caching)


async def fetch_page(
    client: httpx.AsyncClient,
    url: str,
    *,
    limits: FetchLimits,
    hosts: HostLimiter,
    now: datetime,
) -> FetchResult:
    """GET an article page (for full text) under the same rules as a feed."""
    headers = {"user-agent": limits.user_agent, "accept": "text/html,application/xhtml+xml"}
    result = await _fetch_url(client, url, headers, limits=limits, hosts=hosts, now=now)
    return replace(result, caching=_validators(result.headers))


LONGEST_MAX_AGE = 31_536_000.0  # seconds (a year): a larger one (999999999999999999999) is read as this


def parse_max_age(cache_control: str | None) -> float | None:
    """Cache-Control max-age in seconds, at most `LONGEST_MAX_AGE` (the schedule stretches an
    interval by 12 hours at most anyway), or None."""
    match = re.search(r"(?:^|[,\s])max-age\s*=\s*\"?(\d+)", cache_control or "", re.I)
    return min(float(match.group(1)), LONGEST_MAX_AGE) if match else None


# --- one fetch: deadline, retries, redirects --------------------------------------------------


async def _fetch_url(
    client: httpx.AsyncClient,
    url: str,
    headers: dict[str, str],
    *,
    limits: FetchLimits,
    hosts: HostLimiter,
    now: datetime,
) -> FetchResult:
    started = time.monotonic()
    clock = _Clock()
    try:
        async with asyncio.timeout(limits.total_timeout) as clock.deadline:
            result = await _with_retries(client, url, headers, limits, hosts, now, clock)
    except TimeoutError:
        if not clock.running:
            host = urlsplit(url).hostname or url
            waited = f"no free connection to {host} within {limits.total_timeout:g}s"
            raise FetchError(_Kind.TIMEOUT, f"{waited}: other sources on it are slow") from None
        raise FetchError(_Kind.TIMEOUT, f"no complete answer within {limits.total_timeout:g}s") from None
    return replace(result, elapsed=time.monotonic() - started)


@dataclass(slots=True)
class _Clock:
    """One fetch's deadline: first for its turn at its host, then, from its first request on,
    `total_timeout` for the fetch itself."""

    deadline: asyncio.Timeout | None = None
    running: bool = False

    def start(self, seconds: float) -> None:
        if not self.running and self.deadline is not None:
            self.running = True
            self.deadline.reschedule(asyncio.get_running_loop().time() + seconds)


async def _with_retries(
    client: httpx.AsyncClient,
    url: str,
    headers: dict[str, str],
    limits: FetchLimits,
    hosts: HostLimiter,
    now: datetime,
    clock: _Clock,
) -> FetchResult:
    for attempt in range(limits.retries + 1):
        try:
            return await _follow_redirects(client, url, headers, limits, hosts, now, clock)
        except FetchError as error:
            if attempt == limits.retries or not _retryable(error):
                raise
        await asyncio.sleep(random.uniform(0, limits.backoff * 2**attempt))
    raise AssertionError("unreachable: the last attempt returns or raises")


def _resolve(url: str, location: str) -> str:
    try:
        return urljoin(url, location.strip())
    except ValueError as error:
        raise FetchError(_Kind.HTTP_4XX, f"redirect to an invalid URL {location[:200]!r}") from error


def _retryable(error: FetchError) -> bool:
    if isinstance(error.__cause__, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return False  # the URL itself is wrong: asking again cannot help
    if error.kind in (_Kind.TIMEOUT, _Kind.CONNECT):
        return True
    return error.kind is _Kind.HTTP_5XX and error.retry_after is None


async def _follow_redirects(
    client: httpx.AsyncClient,
    url: str,
    headers: dict[str, str],
    limits: FetchLimits,
    hosts: HostLimiter,
    now: datetime,
    clock: _Clock,
) -> FetchResult:
    requested, permanent, all_permanent = url, None, True
    for _ in range(limits.max_redirects + 1):
        async with hosts.slot(url):
            clock.start(limits.total_timeout)
            status, response_headers, body = await _get(client, url, headers, limits)
        location = response_headers.get("location")
        if status not in (301, 302, 303, 307, 308) or not location:
            return _result(requested, url, status, response_headers, body, permanent, now)
        url = _resolve(url, location)
        all_permanent = all_permanent and status in (301, 308)
        permanent = url if all_permanent else permanent
    raise FetchError(_Kind.HTTP_4XX, f"more than {limits.max_redirects} redirects (last: {url})")


async def _get(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], limits: FetchLimits
) -> tuple[int, dict[str, str], bytes]:
    """One request; the body is read only for answers that carry one we need."""
    try:
        async with client.stream("GET", url, headers=headers) as response:
            response_headers = {k.lower(): v for k, v in response.headers.items()}
            status = response.status_code
            if status == 304 or 300 <= status < 400:
                return status, response_headers, b""
            if status >= 400:
                return status, response_headers, await _read_prefix(response, ERROR_BODY_BYTES)
            return status, response_headers, await _read_capped(response, limits.max_bytes)
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        raise _transport_error(error) from error


async def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and "content-encoding" not in response.headers and int(declared) > max_bytes:
        raise FetchError(_Kind.TOO_LARGE, f"Content-Length {declared} exceeds {max_bytes} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in _decoded(response):
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(_Kind.TOO_LARGE, f"body exceeds {max_bytes} bytes (decompressed)")
        chunks.append(chunk)
    return b"".join(chunks)


async def _read_prefix(response: httpx.Response, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in _decoded(response):
        chunks.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    return b"".join(chunks)[:limit]


async def _decoded(response: httpx.Response) -> AsyncIterator[bytes]:
    if response.headers.get("content-encoding", "").strip().lower() not in ("gzip", "x-gzip"):
        async for chunk in response.aiter_bytes():
            yield chunk
        return
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    try:
        async for raw in response.aiter_raw():
            while raw and not inflater.eof:
                yield inflater.decompress(raw, INFLATE_STEP)
                raw = inflater.unconsumed_tail
        yield inflater.flush()
    except zlib.error as error:
        raise FetchError(_Kind.PARSE, f"bad gzip body: {error}") from error


# --- classification -----------------------------------------------------------------------


def _result(
    requested: str,
    final: str,
    status: int,
    headers: dict[str, str],
    body: bytes,
    permanent: str | None,
    now: datetime,
) -> FetchResult:
    if status >= 400:
        raise _status_error(status, headers, body, now)
    return FetchResult(
        source_id="",
        url=requested,
        final_url=final,
        status=status,
        content=body,
        headers=headers,
        elapsed=0.0,
        not_modified=status == 304,
        permanent_redirect=permanent,
        max_age=parse_max_age(headers.get("cache-control")),
    )


def _status_error(status: int, headers: Mapping[str, str], body: bytes, now: datetime) -> FetchError:
    if is_challenge(status, headers, body):
        return FetchError(
            _Kind.BLOCKED, f"HTTP {status}: bot challenge ({headers.get('server', '?')})", status=status
        )
    retry_after = parse_retry_after(headers.get("retry-after"), now) if status in (429, 503) else None
    if status == 429:
        return FetchError(
            _Kind.HTTP_429, "HTTP 429 Too Many Requests", status=status, retry_after=retry_after
        )
    kind = _Kind.HTTP_5XX if status >= 500 else _Kind.HTTP_4XX
    return FetchError(kind, f"HTTP {status}", status=status, retry_after=retry_after)


_CHALLENGE_MARKERS = (
    b"challenge-platform",
    b"cf-chl",
    b"cf_chl",
    b"just a moment...",
    b"attention required! | cloudflare",
    b"_incapsula_resource",
    b"error code: 1010",
    b"access denied</title>",  # Akamai's "Access Denied ... Reference #" page
)
_BOT_EDGES = ("cloudflare", "akamaighost", "akamai")


def is_challenge(status: int, headers: Mapping[str, str], body: bytes) -> bool:
    """A WAF/bot-protection answer (Cloudflare, Akamai, Imperva) rather than the site's own."""
    if status not in (403, 429, 503):
        return False
    if "cf-mitigated" in headers:
        return True
    lowered = body[:ERROR_BODY_BYTES].lower()
    if any(marker in lowered for marker in _CHALLENGE_MARKERS):
        return True
    # a bare 403 from the edge itself; a 503 from it may be a real outage
    return status == 403 and headers.get("server", "").lower() in _BOT_EDGES


def _transport_error(error: httpx.HTTPError | httpx.InvalidURL) -> FetchError:
    message = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    if isinstance(error, httpx.TimeoutException):
        return FetchError(_Kind.TIMEOUT, message)
    if _caused_by(error, socket.gaierror):
        return FetchError(_Kind.DNS, message)
    if _caused_by(error, ssl.SSLError, ssl.CertificateError):
        return FetchError(_Kind.TLS, message)
    if isinstance(error, httpx.DecodingError):
        return FetchError(_Kind.PARSE, f"bad Content-Encoding: {message}")
    return FetchError(_Kind.CONNECT, message)


def _caused_by(error: BaseException, *types: type[BaseException]) -> bool:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, types):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


# --- small helpers ------------------------------------------------------------------------


def _conditional(caching: CachingInfo) -> dict[str, str]:
    headers = {}
    if caching.etag:
        headers["if-none-match"] = caching.etag
    if caching.last_modified:
        headers["if-modified-since"] = caching.last_modified
    return headers


def _validators(headers: Mapping[str, str]) -> CachingInfo:
    return CachingInfo(etag=headers.get("etag"), last_modified=headers.get("last-modified"))
