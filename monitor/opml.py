"""OPML in and out: subscription lists from feed readers become [[sources]] TOML, and back.

OPML files come from outside, so they are parsed with defusedxml (no entity expansion).

Only RSS sources are feeds (`type="rss"`, `xmlUrl`). A source of another kind (a Telegram
channel's preview page, a GDELT or ReliefWeb query) is written as a link (`type="link"`, `url`)
with its kind in `monitorKind`: a feed reader leaves it alone instead of failing to subscribe to
a page that is no feed, and `import-opml` reads it back with its kind.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from xml.etree.ElementTree import Element, SubElement, tostring

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException
from pydantic import ValidationError

from monitor.config import SourceSettings
from monitor.errors import InputError
from monitor.files import read_input
from monitor.records import SOURCE_LABELS, Source

KIND_ATTRIBUTE = "monitorKind"


def read_opml(path: Path, *, ids: Iterable[str] = (), urls: Iterable[str] = ()) -> list[SourceSettings]:
    """Every outline with an xmlUrl (or, of another kind, a url and its monitorKind), nested
    folders included; ids made from the titles.

    `ids` and `urls` are those already configured or bundled: a new id avoids them (a bundled
    one would be silently overridden, a configured one makes the config fail), and an outline
    whose URL is among them, or an earlier outline's, is left out.
    InputError (naming the file) when it cannot be read, is not XML, or is not OPML with feeds."""
    data = read_input(path)
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise InputError(path, f"not an OPML file ({_xml_error(exc)})") from None
    except DefusedXmlException:
        raise InputError(path, "refused: the XML declares entities, which OPML never needs") from None
    if (tag := _local_name(root.tag)) != "opml":
        raise InputError(path, f"not an OPML file (its root element is <{tag}>, not <opml>)")
    taken, seen = set(ids), set(urls)
    sources, feeds = [], 0
    for outline in root.iter("outline"):
        kind = outline.get(KIND_ATTRIBUTE) or "rss"
        attribute = "xmlUrl" if kind == "rss" else "url"
        url = (outline.get(attribute) or "").strip()
        feeds += bool(url)
        if not url or url in seen:
            continue
        seen.add(url)
        name = outline.get("title") or outline.get("text") or url
        try:
            sources.append(
                SourceSettings(
                    id=_unique_id(name, taken),
                    name=name,
                    url=url,
                    kind=kind,
                    language=outline.get("language", "en") or "en",
                    label=_label(outline.get("category", "")),
                )
            )
        except ValidationError as exc:
            raise InputError(path, f"outline {name!r}: {_refusal(exc, attribute, url)}") from None
    if not feeds:
        raise InputError(path, "no feeds in it (no <outline> has an xmlUrl)")
    return sources


def _refusal(error: ValidationError, attribute: str, url: str) -> str:
    """What of an outline the source settings refused: its kind, else its URL."""
    kind = next((e["msg"] for e in error.errors() if e["loc"] == ("kind",)), None)
    if kind is not None:
        return f"{KIND_ATTRIBUTE}: {kind.removeprefix('Value error, ')}"
    return f"{attribute} {url!r} is not an http(s) URL"


def _label(category: str | None) -> str:
    """A feed reader's category is a label only when it is one of ours (else left for you to set)."""
    return category if category in SOURCE_LABELS else ""


def _xml_error(exc: ElementTree.ParseError) -> str:
    line, column = getattr(exc, "position", (0, 0))
    reason = str(exc).split(":")[0]
    return f"XML error at line {line}, column {column + 1}: {reason}"


def _local_name(tag: str) -> str:
    return tag.rpartition("}")[2]


def _unique_id(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")[:60] or "source"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


def to_toml(sources: Sequence[SourceSettings]) -> str:
    blocks = []
    for s in sources:
        lines = ["[[sources]]", f"id = {_q(s.id)}", f"name = {_q(s.name)}", f"url = {_q(s.url)}"]
        lines += [f"kind = {_q(s.kind)}"] if s.kind != "rss" else []
        lines += [f"language = {_q(s.language)}", f"interval = {_q(s.interval)}"]
        lines.append(f"label = {_q(s.label)}" if s.label else f"# label = one of: {', '.join(SOURCE_LABELS)}")
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def _q(value: str) -> str:
    """A TOML basic string."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\u{ord(m.group()):04x}", escaped) + '"'


def write_opml(sources: Sequence[Source]) -> str:
    root = Element("opml", version="2.0")
    SubElement(SubElement(root, "head"), "title").text = "Border monitor sources"
    body = SubElement(root, "body")
    for s in sources:
        attributes = {"text": s.name, "title": s.name, "language": s.language}
        if s.kind == "rss":
            attributes |= {"type": "rss", "xmlUrl": s.url}
        else:
            attributes |= {"type": "link", "url": s.url, KIND_ATTRIBUTE: s.kind}
        if s.label:
            attributes["category"] = s.label
        SubElement(body, "outline", attributes)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="unicode") + "\n"
