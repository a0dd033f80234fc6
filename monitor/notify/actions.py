"""The triage actions a story alert carries, and the values they send back.

Relevant, Not relevant and a Mute menu are part of the message model, not of one transport:
the alerts flow attaches them to a story message, a transport that can show interactive
elements renders them (Slack's Block Kit buttons and menu), and the triage flow reads a click's
action id and value back with `read_value`. The values name what a click concerns (`story:12`,
and for the mute menu `story:12|entity:kataib-hezbollah|for:24h`).
"""

from __future__ import annotations

import re
from datetime import timedelta

from monitor.notify.messages import EntityRef, MessageAction

RELEVANT = "monitor_relevant"
NOT_RELEVANT = "monitor_not_relevant"
MUTE = "monitor_mute"
VERDICTS = {RELEVANT: "relevant", NOT_RELEVANT: "not_relevant"}
MUTE_FOR: dict[str, timedelta | None] = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "lifted": None}
MUTE_LABELS = {"24h": "24 h", "7d": "7 days", "lifted": "until lifted"}


def story_value(story_id: int) -> str:
    return f"story:{story_id}"


def mute_value(story_id: int, entity: str, mute_for: str) -> str:
    return f"story:{story_id}|entity:{entity}|for:{mute_for}"


def story_actions(story_id: int, entities: tuple[EntityRef, ...]) -> tuple[MessageAction, ...]:
    """Relevant, Not relevant, and a Mute menu: each entity that made the alert × each period
    (Slack allows 100 options, so at most 33 entities)."""
    options = tuple(
        (
            f"Mute {entity.name} {'until lifted' if key == 'lifted' else 'for ' + label}",
            mute_value(story_id, entity.id, key),
        )
        for entity in entities[:33]
        for key, label in MUTE_LABELS.items()
    )
    return (
        MessageAction(RELEVANT, "Relevant", story_value(story_id), "primary"),
        MessageAction(NOT_RELEVANT, "Not relevant", story_value(story_id), "danger"),
        MessageAction(MUTE, "Mute…", options=options),
    )


_STORY_ID = re.compile(r"[0-9]{1,18}")  # ASCII digits ("²" is a digit to str.isdigit) that fit a database id


def read_value(value: str) -> tuple[int, str, str] | None:
    """`story_value` / `mute_value` back to (story, entity, for); None for anything else."""
    parts = dict(part.partition(":")[::2] for part in value.split("|"))
    if set(parts) not in ({"story"}, {"story", "entity", "for"}) or not _STORY_ID.fullmatch(parts["story"]):
        return None
    mute_for = parts.get("for", "")
    if mute_for and (mute_for not in MUTE_FOR or not parts["entity"]):
        return None
    return int(parts["story"]), parts.get("entity", ""), mute_for
