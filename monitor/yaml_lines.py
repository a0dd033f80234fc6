"""YAML read with the line of every node, and validated with pydantic into errors that name the
file, line and field (`monitor watchlists validate` prints them all); the watchlist loader's
reader (monitor/watchlists.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from monitor.errors import WatchlistError

YamlPath = tuple[str | int, ...]


@dataclass(slots=True)
class Parsed:
    path: Path
    data: Any
    lines: dict[YamlPath, int]

    def line(self, loc: Sequence[str | int]) -> int | None:
        """The line of the deepest node on `loc` that exists (a missing field points at its parent)."""
        for end in range(len(loc), -1, -1):
            if (found := self.lines.get(tuple(loc[:end]))) is not None:
                return found
        return None


# libyaml's loader when PyYAML was built with it: every CLI command, daemon start and reload
# reads the watchlists, 1.8 s in pure Python and 0.15 s with libyaml (960 aliases).
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(path: Path, errors: list[WatchlistError]) -> Parsed | None:
    """The file's data and the line of every node; None (and the error appended) when it is not YAML
    (nor UTF-8 text, nor a file that can be read: a folder named *.yaml, a dangling link)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        errors.append(
            WatchlistError(
                path, None, None, f"YAML syntax: not UTF-8 text (byte {exc.start}): save it as UTF-8"
            )
        )
        return None
    except OSError as exc:
        errors.append(
            WatchlistError(path, None, None, f"YAML syntax: cannot read the file: {exc.strerror or exc}")
        )
        return None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is not None and not isinstance(node, yaml.ScalarNode):
            _measure(node, 1, {}, set())
        data = loader.construct_document(node) if node is not None else None
    except _Unbounded as exc:
        errors.append(WatchlistError(path, exc.node.start_mark.line + 1, None, f"YAML syntax: {exc.problem}"))
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        errors.append(WatchlistError(path, line, None, _yaml_message(exc), column))
        return None
    finally:
        loader.dispose()
    lines: dict[YamlPath, int] = {}
    if node is not None:
        _record_lines(node, (), lines, path, errors)
    return Parsed(path, data, lines)


# The tree a file's aliases expand to, at most: the shipped files expand to 11,000 values and 9
# levels at most. Ten anchors of nine aliases each expand to 10^9 values (a "billion laughs"), which
# the line walk below and the validation would build in memory, without bound.
MAX_EXPANDED_VALUES = 1_000_000
MAX_EXPANDED_DEPTH = 100


class _Unbounded(Exception):
    """A node whose expansion is too large, too deep or endless, and what is wrong with it."""

    def __init__(self, node: yaml.Node, problem: str) -> None:
        super().__init__(problem)
        self.node = node
        self.problem = problem


def _measure(
    node: yaml.Node, level: int, memo: dict[int, tuple[int, int]], open_ids: set[int]
) -> tuple[int, int]:
    """(values, levels) of the collection `node` with its aliases expanded, or _Unbounded. Each node
    is measured once (an anchor used 50 times costs one walk); `open_ids` are its ancestors, which
    an alias inside it must not name; the depth bound also bounds this recursion."""
    key = id(node)
    if key in open_ids:
        raise _Unbounded(node, "an alias inside this value refers to the value itself")
    if key not in memo:
        if level > MAX_EXPANDED_DEPTH:
            raise _Unbounded(node, f"values nest more than {MAX_EXPANDED_DEPTH} deep")
        open_ids.add(key)
        size, height = 1, 1
        for child in _children(node):
            if isinstance(child, yaml.ScalarNode):
                size, height = size + 1, max(height, 2)
            else:
                values, levels = _measure(child, level + 1, memo, open_ids)
                size, height = size + values, max(height, levels + 1)
        open_ids.discard(key)
        if size > MAX_EXPANDED_VALUES:
            raise _Unbounded(
                node,
                f"aliases expand this value to more than {MAX_EXPANDED_VALUES:,} values (an alias bomb?)",
            )
        if level + height - 1 > MAX_EXPANDED_DEPTH:
            raise _Unbounded(node, f"values nest more than {MAX_EXPANDED_DEPTH} deep")
        memo[key] = (size, height)
    return memo[key]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return node.value  # a SequenceNode's


def _yaml_message(exc: yaml.YAMLError) -> str:
    problem = getattr(exc, "problem", None) or " ".join(str(exc).split())
    return f"YAML syntax: {problem} (fix the file, then run `monitor watchlists validate` again)"


def _record_lines(
    node: yaml.Node, at: YamlPath, lines: dict[YamlPath, int], path: Path, errors: list[WatchlistError]
) -> None:
    lines.setdefault(at, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                errors.append(
                    WatchlistError(path, key_node.start_mark.line + 1, dotted(at + (key,)), "duplicate key")
                )
            seen.add(key)
            lines[at + (key,)] = key_node.start_mark.line + 1
            _record_lines(value_node, at + (key,), lines, path, errors)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_lines(item, at + (index,), lines, path, errors)


def dotted(loc: Sequence[str | int]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# --- validating -----------------------------------------------------------------------------


def validate(parsed: Parsed, model: type[BaseModel], errors: list[WatchlistError]) -> Any:
    """The data as `model`, or None with each pydantic error appended, named by file, line and field."""
    data = {} if parsed.data is None else parsed.data
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            loc = tuple(part for part in err["loc"] if isinstance(part, (str, int)))
            message = err["msg"].removeprefix("Value error, ")
            errors.append(WatchlistError(parsed.path, parsed.line(loc), _field(parsed, loc), message))
        return None


def _field(parsed: Parsed, loc: YamlPath) -> str:
    """`entities[3].aliases[1]` reads better as `kataib-hezbollah.aliases[1]` when the id is known."""
    if len(loc) >= 2 and loc[0] == "entities" and isinstance(loc[1], int):
        try:
            entity_id = parsed.data["entities"][loc[1]]["id"]
        except (KeyError, IndexError, TypeError):
            entity_id = None
        if isinstance(entity_id, str):
            return dotted((entity_id,) + loc[2:])
    return dotted(loc) or "(file)"
