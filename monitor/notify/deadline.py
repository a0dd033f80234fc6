"""A whole send's deadline, whatever the transport.

httpx's, urllib's (slack-sdk's) and smtplib's timeouts bound each read, not a send: a peer that
answers a byte at a time, or an SMTP server that sends `250-` lines without end, would hold the
delivery round, and every channel after it, for as long as it likes. So a send runs under
`within(seconds)`: the sockets its thread connects meanwhile are recorded (an audit hook on
`socket.connect`, installed once), and when the deadline passes they are shut down, which ends
the library's blocked read with an error the transport already turns into a retryable
DeliveryError; that error then says the deadline passed. A socket is recorded by its descriptor
and inode, so one closed and reused by another thread before the deadline is left alone (a TLS
socket takes over its plain socket's descriptor, so it is shut down too).
"""

from __future__ import annotations

import functools
import os
import socket
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from monitor.errors import DeliveryError

SEND_DEADLINE = 60.0  # seconds for one whole send: connect, request, the whole answer

T = TypeVar("T")

_GUARDED: dict[int, _Guard] = {}  # thread ident -> the guard of the send it runs


@dataclass
class _Guard:
    sockets: list[tuple[int, int]] = field(default_factory=list)  # (descriptor, inode)
    lock: threading.Lock = field(default_factory=threading.Lock)
    running: bool = True
    expired: bool = False


def within(seconds: float, send: Callable[[], T]) -> T:
    """`send()`, its sockets shut down if it has not returned after `seconds`; then any error it
    raises is a retryable DeliveryError that says so."""
    _install()
    guard, ident = _Guard(), threading.get_ident()
    _GUARDED[ident] = guard
    timer = threading.Timer(seconds, _expire, (guard,))
    timer.daemon = True
    timer.start()
    try:
        return send()
    except Exception as error:
        if not guard.expired:
            raise
        raise DeliveryError(f"no whole answer within {seconds:g} s") from error
    finally:
        timer.cancel()
        with guard.lock:  # an expiry running now finishes first; none starts after
            guard.running = False
        _GUARDED.pop(ident, None)


@functools.cache  # once per process: an audit hook cannot be removed
def _install() -> None:
    sys.addaudithook(_record)


def _record(event: str, args: tuple[Any, ...]) -> None:
    if event != "socket.connect" or (guard := _GUARDED.get(threading.get_ident())) is None:
        return
    try:
        fd = args[0].fileno()
        guard.sockets.append((fd, os.fstat(fd).st_ino))
    except (OSError, AttributeError, IndexError):
        pass


def _expire(guard: _Guard) -> None:
    with guard.lock:
        if not guard.running:
            return
        guard.expired = True
        for fd, inode in guard.sockets:
            try:
                if os.fstat(fd).st_ino != inode:
                    continue  # closed, and the descriptor is another file's now
                borrowed = socket.socket(fileno=fd)
            except OSError:
                continue
            try:
                borrowed.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            finally:
                borrowed.detach()  # the descriptor stays the library's to close
