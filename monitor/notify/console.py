"""The console channel: the embedded default when Slack is not configured. Prints to stdout.

Plain text, one alert per paragraph; later outlets of a story are indented under it, so the
console "threads" too. Never fails: a closed stdout is the process's problem, not the outbox's.
"""

from __future__ import annotations

import itertools
import sys
from datetime import timezone

from monitor.logs import inert
from monitor.notify import AlertMessage, ChannelSpec, SendResult


class ConsoleNotifier:
    threads = True

    def __init__(self, spec: ChannelSpec | None = None) -> None:
        self._ids = itertools.count(1)

    def send(self, message: AlertMessage) -> SendResult | None:
        lines = render(message)
        indent = "    " if message.thread_ts else ""
        sys.stdout.write("".join(f"{indent}{one_line(line)}\n" for line in lines))
        sys.stdout.flush()
        return SendResult(ts=f"console-{next(self._ids)}")

    def describe(self) -> str:
        return "console: standard output"


def one_line(text: str) -> str:
    """Untrusted text made inert for a terminal and kept on one line (a line break in a title
    could fake another alert)."""
    return inert(text).replace("\n", " ")


def render(message: AlertMessage) -> list[str]:
    if message.kind == "story":
        return _story(message)
    if message.kind == "attachment":
        return [f"also reported by {message.outlet}: {message.title}", f"  {message.url}"]
    if message.kind == "update":
        return [f"updated: {message.title} now also mentions {_entities(message)}", f"  {message.url}"]
    if message.kind == "summary":
        return [message.text] + [f"  - {i.title} ({i.outlet}) {i.url}" for i in message.items]
    return [message.text]


def _story(message: AlertMessage) -> list[str]:
    when = (
        message.published.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC") if message.published else ""
    )
    outlet = " · ".join(
        p for p in (message.outlet, message.outlet_label, message.via and f"via {message.via}", when) if p
    )
    lines = [f"[{message.priority or '-'}] {message.title}", f"  {outlet}", f"  {message.url}"]
    if message.entities:
        lines.append(f"  {_entities(message)}")
    if message.snippet:
        lines.append(f"  “{message.snippet}”")
    if message.reason:
        lines.append(f"  priority {message.priority}: {message.reason}")
    return lines


def _entities(message: AlertMessage) -> str:
    return ", ".join(f"{e.name} ({e.kind})" if e.kind else e.name for e in message.entities)
