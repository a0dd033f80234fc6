"""Refusals shared by the kinds: HTML (or a bot challenge) where a feed or JSON was expected,
and JSON with illegal control characters."""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Mapping
from typing import Any

from monitor.errors import FeedParseError, FetchErrorKind
from monitor.records import FetchResult
from monitor.sources.text import html_to_text


def head_text(content: bytes, size: int = 65_536) -> str:
    head = content[:size]
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if head.startswith(bom) and not head.startswith(codecs.BOM_UTF32_LE):
            return head[len(bom) :].decode(codec, errors="replace")
    return head.decode("latin-1")


_FEED_TAGS = ("<rss", "<feed", "<rdf")
_CHALLENGE_MARKERS = ("challenge-platform", "cf-chl", "cf_chl", "just a moment...", "_incapsula_resource")


def is_challenge_page(head: str) -> bool:
    """A bot challenge (Cloudflare, Incapsula) in the lower-cased start of an HTML page."""
    return any(marker in head for marker in _CHALLENGE_MARKERS)


def refuse_html(content: bytes, headers: Mapping[str, str]) -> None:
    head = head_text(content, 8192).lstrip("\ufeff\xef\xbb\xbf \t\r\n").lower()
    html_type = "text/html" in headers.get("content-type", "").lower()
    if not (
        head.startswith(("<!doctype html", "<html")) or (html_type and not any(t in head for t in _FEED_TAGS))
    ):
        return
    if is_challenge_page(head):
        raise FeedParseError("a bot challenge page came instead of a feed", kind=FetchErrorKind.BLOCKED)
    page = content[:8192].decode("utf-8", errors="replace")
    title = re.search(r"<title[^>]*>(.*?)</title>", page, re.I | re.S)
    text = html_to_text(page)[:200]
    what = f"{html_to_text(title.group(1))!r}: {text!r}" if title else repr(text)
    raise FeedParseError(f"an HTML page came instead of a feed: {what}", kind=FetchErrorKind.NOT_A_FEED)


_JSON_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def load_json(result: FetchResult, notes: list[str]) -> Any:
    """JSON, after refusing HTML error pages; illegal control characters become spaces."""
    refuse_html(result.content, result.headers)
    text = result.content.decode("utf-8-sig", errors="replace")
    if not text.strip():
        return {}
    try:
        return _parsed(text)
    except json.JSONDecodeError:
        pass
    try:
        data = _parsed(_JSON_CONTROL.sub(" ", text))
    except json.JSONDecodeError as error:
        raise FeedParseError(f"not JSON ({error}): {text[:200]!r}", kind=FetchErrorKind.NOT_A_FEED) from error
    notes.append("illegal control characters in the JSON were replaced")
    return data


def _parsed(text: str) -> Any:
    """json.loads; what the parser refuses besides a syntax error (nesting past the recursion
    limit, an integer of 5,000 digits) is a parse error."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except (RecursionError, ValueError) as error:
        raise FeedParseError(f"unreadable JSON ({type(error).__name__}: {str(error)[:200]})") from None
