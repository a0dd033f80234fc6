"""Telegram channels, read from their public web preview (`https://t.me/s/<channel>`, the page
RSSHub and RSS-Bridge read): no account, no API key. Any base URL serves (a mirror, a test server).

The layout this reads: a `tgme_channel_history` section holds one `tgme_widget_message` per post,
oldest first, with `data-post="<channel>/<id>"`; inside its `tgme_widget_message_bubble`:
- the post's text (or a media post's caption), `tgme_widget_message_text`, a direct child of the
  bubble: a reply's quoted text sits deeper, inside `tgme_widget_message_reply`;
- `tgme_widget_message_forwarded_from` naming the origin (`..._forwarded_from_name`, a link when
  the origin is public), and `tgme_widget_message_from_author`, the post's signature;
- `tgme_widget_message_date`, the post's own link, around `<time datetime="...">`.
Service messages (channel created, message pinned, photo changed) carry `service_message`. The
page of older posts is the `tme_messages_more` link's `data-before`, fetched as `?before=<id>`.
A channel with no public preview (private, renamed, deleted) gets Telegram's own channel page
(`tgme_page`) with no history: `not_a_feed`. Anything else is a layout this does not know: `parse`.

Each post is an entry keyed `<channel>/<id>`, newest first: the pipeline reads older pages until
a stored post shows up, or `backfill` posts on the first poll. A forwarded post's origin is its
publisher (kept out of the text, where a channel's name would be matched as a mention). Posts
without text (media without caption) are skipped.
"""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import lxml.html
from lxml import etree
from lxml.html import HtmlElement

from monitor.errors import FeedParseError, FetchErrorKind
from monitor.records import DateSource, FetchResult, ParsedFeed, Source
from monitor.sources.dates import checked_date, parse_date
from monitor.sources.documents import is_challenge_page
from monitor.sources.entries import Fields, assign_keys, content_hash, convert_all, language_tag, unique
from monitor.sources.text import html_to_text
from monitor.sources.urls import canonical_url, web_link

FAILURES = {
    "not_a_feed": "t.me shows no public preview of the channel: it is private, renamed or deleted",
    "parse": "the preview page is not in the layout the parser knows (Telegram may have changed it)",
    "blocked": "a bot challenge page came instead of the channel preview",
}
TITLE_MOST = 120  # characters of the first line, cut at a word


def page_url(source: Source, before: str | None) -> str:
    """The newest page is the configured URL; older ones add `before=<oldest id seen>`."""
    if before is None:
        return source.url
    parts = urlsplit(source.url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "before"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("before", before)])))


def parse(result: FetchResult, source: Source, now: datetime) -> ParsedFeed:
    page = result.content.decode("utf-8", errors="replace")
    root = _document(page)
    base = result.final_url or result.url or source.url
    messages = _has_class("tgme_widget_message")(root)
    if not messages:
        return _no_messages(root, page, source)
    if not any(m.get("data-post") for m in messages):
        raise _unknown_layout(root, "messages without data-post")
    notes: list[str] = []
    posts = [(m, text) for m in messages if not _is_service(m) and (text := _own_text(m)) is not None]
    if not posts and not all(_is_service(m) for m in messages):
        notes.append(f"none of the {len(messages)} messages has text: a media-only page or a changed layout")
    fields = convert_all(posts, lambda post: _post(*post, base, source, now, notes), notes)
    fields.sort(key=lambda f: -int(f["guid"].rpartition("/")[2]))  # newest first
    return ParsedFeed(entries=assign_keys(fields, "guid"), warnings=tuple(notes), older=_older(root))


# --- the page -------------------------------------------------------------------------------


class _Find:
    """The elements an XPath expression selects (lxml types its results loosely)."""

    def __init__(self, path: str) -> None:
        self._xpath = etree.XPath(path)

    def __call__(self, element: HtmlElement) -> list[HtmlElement]:
        found = self._xpath(element)
        return [e for e in found if isinstance(e, HtmlElement)] if isinstance(found, list) else []


def _has_class(name: str, axis: str = ".//*") -> _Find:
    return _Find(f"{axis}[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]")


_HISTORY = _has_class("tgme_channel_history")
_TELEGRAM_PAGE = _has_class("tgme_page")
_MORE = _has_class("tme_messages_more")
_BUBBLE = _has_class("tgme_widget_message_bubble")
_TEXT = _has_class("tgme_widget_message_text", axis="./*")  # the bubble's own, not a reply's
_FORWARDED = _has_class("tgme_widget_message_forwarded_from")
_FORWARDED_NAME = _has_class("tgme_widget_message_forwarded_from_name")
_SIGNATURE = _has_class("tgme_widget_message_from_author")
_DATE = _has_class("tgme_widget_message_date")
_SERVICE = _has_class("service_message")


def _document(page: str) -> HtmlElement:
    try:
        return lxml.html.document_fromstring(page)
    except (etree.ParserError, ValueError) as error:  # empty, or nothing HTML-like at all
        raise FeedParseError(f"not an HTML page ({error}): {page[:200]!r}") from None


def _no_messages(root: HtmlElement, page: str, source: Source) -> ParsedFeed:
    if _HISTORY(root):  # a public channel with no posts (yet)
        return ParsedFeed(entries=())
    if is_challenge_page(page[:8192].lower()):
        raise FeedParseError("a bot challenge page came instead of the channel", kind=FetchErrorKind.BLOCKED)
    if _TELEGRAM_PAGE(root):
        channel = urlsplit(source.url).path.rstrip("/").rpartition("/")[2]
        raise FeedParseError(
            f"t.me shows no public preview of channel {channel!r} (private, renamed or deleted): "
            "the page carries no messages",
            kind=FetchErrorKind.NOT_A_FEED,
        )
    raise _unknown_layout(root, "no channel history")


def _unknown_layout(root: HtmlElement, what: str) -> FeedParseError:
    text = " ".join(root.text_content().split())[:200]
    return FeedParseError(f"not a Telegram channel preview layout this parser knows ({what}): {text!r}")


def _older(root: HtmlElement) -> str | None:
    """The cursor of the page of older posts, when the page links to one."""
    for more in _MORE(root):
        before = (more.get("data-before") or "").strip()
        if before.isdigit():
            return before
    return None


def _is_service(message: HtmlElement) -> bool:
    return "service_message" in (message.get("class") or "").split() or bool(_SERVICE(message))


def _bubble(message: HtmlElement) -> HtmlElement:
    found = _BUBBLE(message)
    return found[0] if found else message


def _own_text(message: HtmlElement) -> HtmlElement | None:
    found = _TEXT(_bubble(message))
    return found[0] if found else None


# --- one post -------------------------------------------------------------------------------


def _post(
    message: HtmlElement,
    text_element: HtmlElement,
    base: str,
    source: Source,
    now: datetime,
    notes: list[str],
) -> Fields:
    channel, _, number = (message.get("data-post") or "").strip().partition("/")
    if not (channel and number.isascii() and number.isdigit()):  # "1²" is a digit to isdigit, not to int
        raise ValueError(f"no channel/id in data-post={message.get('data-post')!r}")
    bubble = _bubble(message)
    text = _text(text_element, base)
    if not text:
        raise ValueError(f"post {channel}/{number} has an empty text")
    title = _title(html_to_text(lxml.html.tostring(text_element, encoding="unicode")))  # links as shown
    origin, origin_url = _forwarded_from(bubble, base)
    date_link = _DATE(bubble)
    link = date_link[0].get("href") if date_link else None
    published, date_source = _published(date_link[0] if date_link else None, now, notes, title)
    signature = _SIGNATURE(bubble)
    return dict(
        source_id=source.id,
        guid=f"{channel}/{number}",
        url=web_link(link or "", base, notes) or canonical_url(f"/{channel}/{number}", base),
        title=title,
        summary="",
        content=text,
        published=published,
        date_source=date_source,
        authors=unique([" ".join(signature[0].text_content().split())] if signature else []),
        language=language_tag(source.language),
        publisher=origin,
        publisher_url=origin_url,
        content_hash=content_hash(title, text),
    )


_URL_LIKE = re.compile(r"(?:https?://|www\.)\S+|[\w-]+(?:\.[\w-]+)+(?:/\S*)?…?", re.I)


def _text(element: HtmlElement, base: str) -> str:
    """Plain text with line breaks kept; a link shows where it goes: a shortened URL becomes the
    whole one, other link text is followed by the URL; hashtags and @mentions stay as written."""
    element = copy.deepcopy(element)
    for anchor in element.iter("a"):
        label = " ".join(anchor.text_content().split())
        try:
            target = canonical_url(urljoin(base, anchor.get("href") or ""))
        except ValueError:
            continue
        if not label or label.startswith(("#", "@")) or not target.startswith(("http://", "https://")):
            continue
        if _URL_LIKE.fullmatch(label):
            for child in list(anchor):
                anchor.remove(child)
            anchor.text = target
        elif target not in label:
            anchor.tail = f" ({target})" + (anchor.tail or "")
    return html_to_text(lxml.html.tostring(element, encoding="unicode"))


def _title(text: str) -> str:
    """The first line, cut at a word when longer than TITLE_MOST characters."""
    first = text.split("\n", 1)[0].strip()
    if len(first) <= TITLE_MOST:
        return first
    cut = first[: TITLE_MOST + 1].rsplit(" ", 1)[0] if " " in first[:TITLE_MOST] else first[:TITLE_MOST]
    return cut.rstrip(" ,;:.-–—") + "…"


def _forwarded_from(bubble: HtmlElement, base: str) -> tuple[str | None, str | None]:
    found = _FORWARDED(bubble)
    if not found:
        return None, None
    named = _FORWARDED_NAME(found[0])
    if named:
        name = " ".join(named[0].text_content().split())
        href = named[0].get("href")
    else:  # the origin has no public page: its name is plain text after "Forwarded from"
        name = " ".join(found[0].text_content().split()).removeprefix("Forwarded from").strip()
        href = None
    try:
        url = canonical_url(href, base) if href else None
    except ValueError:
        url = None
    return name or None, url


def _published(
    date_link: HtmlElement | None, now: datetime, notes: list[str], label: str
) -> tuple[datetime, DateSource]:
    times = date_link.findall(".//time") if date_link is not None else []
    value = (times[0].get("datetime") or "").strip() if times else ""
    when: datetime | None
    try:
        when = datetime.fromisoformat(value) if value else None
    except ValueError:
        when = parse_date(value)
    try:
        when = (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC) if when else None
    except OverflowError:  # past year 9999 once in UTC ("9999-12-31T23:59:59-23:59")
        notes.append(f"date {value[:40]!r} out of range in post {label[:80]!r}; dated by the fetch")
        return now, "fetched"
    if when is None:
        notes.append(f"no <time datetime> in post {label[:80]!r}; dated by the fetch")
    return checked_date(when, now, notes, label)
