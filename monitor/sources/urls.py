"""URLs: canonical form (absolute, no tracking parameters, no fragment) and identity keys."""

from __future__ import annotations

import re
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

# --- URLs ---------------------------------------------------------------------------------

_TRACKING_PARAMS = {
    "traffic_source",
    "fbclid",
    "gclid",
    "dclid",
    "msclkid",
    "yclid",
    "igshid",
    "mc_cid",
    "mc_eid",
    "_hsenc",
    "_hsmi",
    "mkt_tok",
}
_TRACKING_PREFIXES = ("utm_", "at_", "pk_", "mtm_")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_url(url: str, base: str | None = None) -> str:
    """Absolute URL without tracking parameters, fragment or default port; host lower-cased.

    Raises ValueError for a string urllib cannot split (e.g. an unclosed IPv6 bracket) or whose
    host it cannot read back.
    """
    url = url.strip()
    if base:
        url = join_url(base, url)
    parts = urlsplit(url)
    if parts.scheme not in _DEFAULT_PORTS:
        return url
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    port = parts.port
    netloc = host if port in (None, _DEFAULT_PORTS[parts.scheme]) else f"{host}:{port}"
    query = "&".join(p for p in parts.query.split("&") if p and not _is_tracking(p))
    canonical = urlunsplit((parts.scheme, netloc, parts.path or "/", query, ""))
    urlsplit(canonical)  # a host urllib misread ("http://[fe80::1%eth@0]/a" → "0]") raises here
    return canonical


# An absolute http(s) link with a host and nothing urllib drops or rewrites (whitespace, ";" params,
# an empty query or fragment): urljoin returns it unchanged whatever the base.
_PLAIN_LINK = re.compile(r"https?://[^\s/?#;][^\s;]*")


def join_url(base: str, link: str) -> str:
    """urljoin(base, link), without its work (two parses and a rebuild) for a plain link."""
    if not (base and _PLAIN_LINK.fullmatch(link)) or link.endswith(("?", "#")) or "?#" in link:
        return urljoin(base, link)
    urlsplit(base)  # raises as urljoin does for a base or link urllib cannot split
    urlsplit(link)
    return link


def web_link(link: str, base: str, notes: list[str]) -> str:
    """An item's link, absolute and canonical; "" (and a note why) when it is empty, unreadable or
    no web address."""
    if not link.strip():
        return ""
    try:
        # joined here and in canonical_url, as when feedparser joined links: whitespace left
        # before an empty query or fragment is dropped ("a ?#" → "a")
        url = canonical_url(join_url(base, link), base)
    except ValueError as error:  # keep the item: its title and text still matter
        notes.append(f"unusable link {link.strip()[:200]!r} dropped: {error}")
        return ""
    if not url.startswith(("http://", "https://")):  # tag:, javascript:, mailto: are no article links
        notes.append(f"non-HTTP link {url[:200]!r} dropped")
        return ""
    return url


def _is_tracking(pair: str) -> bool:
    name = unquote(pair.partition("=")[0]).lower()
    return name in _TRACKING_PARAMS or name.startswith(_TRACKING_PREFIXES)


def url_key(url: str) -> str:
    """The canonical URL folded further for identity: http → https, no trailing slash."""
    if url.startswith("http://"):
        url = "https://" + url[len("http://") :]
    parts = urlsplit(url)
    if parts.path.endswith("/") and parts.path != "/":
        url = urlunsplit(parts._replace(path=parts.path.rstrip("/")))
    return url
