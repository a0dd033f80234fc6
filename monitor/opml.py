"""OPML in and out: subscription lists from feed readers become [[sources]] TOML, and back.

OPML files come from outside, so they are parsed with defusedxml (no entity expansion).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from xml.etree.ElementTree import Element, SubElement, tostring

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from monitor.config import SourceSettings
from monitor.errors import ConfigError
from monitor.records import Source


def read_opml(path: Path) -> list[SourceSettings]:
    """Every outline with an xmlUrl, nested folders included; ids made from the titles."""
    try:
        root = ElementTree.parse(path).getroot()
    except (OSError, ElementTree.ParseError, DefusedXmlException) as exc:
        raise ConfigError("opml", f"{path}: {exc}") from None
    taken: set[str] = set()
    sources = []
    for outline in root.iter("outline"):
        url = outline.get("xmlUrl")
        if not url:
            continue
        name = outline.get("title") or outline.get("text") or url
        sources.append(
            SourceSettings(
                id=_unique_id(name, taken),
                name=name,
                url=url,
                language=outline.get("language", "en") or "en",
                label=outline.get("category", "") or "",
            )
        )
    return sources


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
        lines += [f"language = {_q(s.language)}", f"interval = {_q(s.interval)}"]
        if s.label:
            lines.append(f"label = {_q(s.label)}")
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def _q(value: str) -> str:
    """A TOML basic string."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + re.sub(r"[\x00-\x1f]", lambda m: f"\\u{ord(m.group()):04x}", escaped) + '"'


def write_opml(sources: Sequence[Source]) -> str:
    root = Element("opml", version="2.0")
    SubElement(SubElement(root, "head"), "title").text = "Border monitor sources"
    body = SubElement(root, "body")
    for s in sources:
        attributes = {"type": "rss", "text": s.name, "title": s.name, "xmlUrl": s.url, "language": s.language}
        if s.label:
            attributes["category"] = s.label
        SubElement(body, "outline", attributes)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="unicode") + "\n"
