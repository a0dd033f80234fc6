"""HTML → plain text: tags dropped, entities decoded, whitespace folded, blocks as paragraphs; and
a title without its publisher's suffix."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from monitor.logs import BIDI_CONTROLS

# --- HTML → text --------------------------------------------------------------------------

_PARAGRAPH = "\ue000"  # private-use marks survive whitespace folding
_LINE = "\ue001"
_BLOCKS = {
    "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
    "pre", "section", "article", "header", "footer", "aside", "figure", "figcaption", "table", "tr",
    "hr", "address", "main", "nav", "details", "summary",
}  # fmt: skip
_SKIPPED = {"script", "style", "noscript", "template", "head", "svg", "math"}
_ESCAPED = re.compile(
    r"&(?:#\d{2,7}|#x[0-9a-f]{2,6}|[a-z]{2,8});|</?(?:p|br|div|a|b|i|em|strong|span|img|li|ul|ol|h[1-6]|font)\b[^>]*>",
    re.I,
)
_WP_FOOTER = re.compile(r"(?:^|\n+)The post [^\n]{1,400} appeared first on [^\n]{1,200}$")
_WP_FOOTER_AR = re.compile(r"(?:^|\n+)ظهرت المقالة [^\n]{1,400} أول[اًا]* على [^\n]{1,200}$")
_ELLIPSIS = re.compile(r"\s*\[(?:…|\.\.\.|&hellip;)\]")
_REMOVED = ((" appeared first on ", _WP_FOOTER), ("ظهرت المقالة ", _WP_FOOTER_AR), ("[", _ELLIPSIS))


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self._skipping += 1
        elif tag == "br":
            self.parts.append(_LINE)
        elif tag in _BLOCKS:
            self.parts.append(_PARAGRAPH)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCKS:
            self.parts.append(_PARAGRAPH)
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Plain text: tags dropped, entities decoded (twice when double-escaped), whitespace
    folded, block elements as paragraph breaks ("\\n\\n"), <br> as "\\n", WordPress
    "The post … appeared first on …" footers and "[…]" removed."""
    text = _collect_text(html)
    if ("&" in text or "<" in text) and _ESCAPED.search(text):
        text = _collect_text(text.replace("\n\n", _PARAGRAPH).replace("\n", _LINE))
    for marker, pattern in _REMOVED:
        if marker in text:  # far cheaper than letting the regex fail at every position
            text = pattern.sub("", text)
    if not text.isascii():
        text = BIDI_CONTROLS.sub("", text)
    return text.strip()


def _collect_text(html: str) -> str:
    if "&" not in html:
        if "<" not in html:
            return _fold(html)
        # one paragraph of plain text, as in WordPress excerpts: the parser would only put
        # paragraph marks around it
        if html.startswith("<p>") and html.endswith("</p>") and "<" not in html[3:-4]:
            return _fold(html[3:-4])
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    return _fold("".join(collector.parts))


def _fold(text: str) -> str:
    folded = squeeze(text)
    if _PARAGRAPH not in folded and _LINE not in folded:
        return folded
    paragraphs = []
    for block in folded.split(_PARAGRAPH):
        lines = [line.strip() for line in block.split(_LINE)]
        paragraph = "\n".join(line for line in lines if line)
        if paragraph:
            paragraphs.append(paragraph)
    return "\n\n".join(paragraphs)


# str.split's ASCII whitespace but " "
_ASCII_SPACES = ("\t", "\n", "\x0b", "\x0c", "\r", "\x1c", "\x1d", "\x1e", "\x1f")


def squeeze(text: str) -> str:
    """`" ".join(text.split())`. A long ASCII text is first searched for whitespace to fold: most
    have none, and ten searches cost less than splitting it into words."""
    return text if _is_folded_ascii(text) else " ".join(text.split())


def _is_folded_ascii(text: str) -> bool:
    if len(text) < 200 or not text.isascii() or "  " in text or text[:1] == " " or text[-1:] == " ":
        return False
    return not any(space in text for space in _ASCII_SPACES)


# --- titles ---------------------------------------------------------------------------------

_PUBLISHER_SEPARATORS = (" - ", " – ", " | ")


MAX_SHOWN_TITLE = 300  # characters of a title shown to people (alerts, listings); it is stored whole


def shown_title(title: str) -> str:
    """A title as alerts and listings show it: "(untitled)" for an item that has none, at most
    `MAX_SHOWN_TITLE` characters (a 200 KB title filled the terminal)."""
    title = title.strip()
    if not title:
        return "(untitled)"
    return title if len(title) <= MAX_SHOWN_TITLE else title[: MAX_SHOWN_TITLE - 1].rstrip() + "…"


def strip_publisher(title: str, publisher: str | None) -> str:
    """The title without a trailing " - Outlet" (Google News appends it; the outlet's own copy
    does not): what the feed parsers store and what story signatures compare. A title that is
    only the suffix is kept."""
    for separator in _PUBLISHER_SEPARATORS:
        suffix = separator + (publisher or "")
        if publisher and title.endswith(suffix) and len(title) > len(suffix):
            return title[: -len(suffix)].rstrip()
    return title
