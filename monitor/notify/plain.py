"""Messages as plain lines of text, for the transports that show text (console, JSON webhook).

Untrusted text comes out as it came in: each transport makes it inert for where it is shown
(a terminal, a Markdown renderer).
"""

from __future__ import annotations

from monitor.notify.messages import AlertMessage


def render(message: AlertMessage) -> list[str]:
    if message.kind == "story":
        return _story(message)
    if message.kind == "attachment":
        lines = [f"also reported by {message.outlet}: {message.title}", f"  {message.url}"]
        return lines + [f"  {note}" for note in message.notes]
    if message.kind == "update":
        return [f"updated: {message.title} now also mentions {_entities(message)}", f"  {message.url}"]
    if message.kind in ("summary", "spike"):
        return [message.text] + [f"  - {i.title} ({i.outlet}) {i.url}" for i in message.items]
    return [message.text]


def _story(message: AlertMessage) -> list[str]:
    when = message.published_text
    outlet = " · ".join(
        p for p in (message.outlet, message.outlet_label, message.via and f"via {message.via}", when) if p
    )
    lines = [f"[{message.priority or '-'}] {message.title}", f"  {outlet}", f"  {message.url}"]
    if message.headline:
        lines[0] = f"[{message.priority or '-'}] {message.headline}: {message.title}"
    if message.entities:
        lines.append(f"  {_entities(message)}")
    if message.snippet:
        lines.append(f"  “{message.snippet}”")
    lines += [f"  {note}" for note in message.notes]
    if message.reason:
        lines.append(f"  priority {message.priority}: {message.reason}")
    return lines


def _entities(message: AlertMessage) -> str:
    return ", ".join(f"{e.name} ({e.kind})" if e.kind else e.name for e in message.entities)
