"""The console channel: the embedded default when Slack is not configured. Prints to stdout.

Plain text (`monitor.notify.plain`), one alert per paragraph; later outlets of a story are
indented under it, so the console "threads" too. Never fails: a closed stdout is the process's
problem, not the outbox's.
"""

from __future__ import annotations

import itertools
import sys

from monitor.logs import inert
from monitor.notify.messages import AlertMessage
from monitor.notify.plain import render
from monitor.notify.transport import ChannelSpec, SendResult


class ConsoleNotifier:
    threads = True

    def __init__(self, spec: ChannelSpec | None = None) -> None:
        self._ids = itertools.count(1)

    def send(self, message: AlertMessage, reply_to: str | None = None) -> SendResult | None:
        lines = render(message)
        indent = "    " if reply_to else ""
        sys.stdout.write("".join(f"{indent}{one_line(line)}\n" for line in lines))
        sys.stdout.flush()
        return SendResult(ts=f"console-{next(self._ids)}")

    def describe(self) -> str:
        return "console: standard output"


def one_line(text: str) -> str:
    """Untrusted text made inert for a terminal and kept on one line (a line break in a title
    could fake another alert)."""
    return inert(text).replace("\n", " ")
