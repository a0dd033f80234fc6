"""Peers that never finish answering: a whole send has a deadline whatever the transport (a JSON
webhook over httpx, Slack over slack-sdk's urllib, SMTP over smtplib), a webhook's body is never
read, and the metrics server hangs up on idle clients and caps how many it holds. The peers are
real servers on loopback that answer a byte at a time or without end."""

from __future__ import annotations

import socket
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from functools import partial

import pytest

from monitor import metrics as metrics_module
from monitor.errors import DeliveryError
from monitor.metrics import Health, Metrics, MetricsServer
from monitor.notify import AlertMessage, ChannelSpec
from monitor.notify.deadline import within
from monitor.notify.email import SmtpSender, parse_smtp_url
from monitor.notify.slack import SlackWebhookNotifier
from monitor.notify.webhook import JsonWebhookNotifier

MESSAGE = AlertMessage(kind="test", text="Test message from the border monitor")
HANG_GUARD = 60.0  # seconds: a send still running then would hang the delivery round for good


@contextmanager
def peer(answer: Callable[[socket.socket], None]) -> Iterator[int]:
    """A loopback server that runs `answer` on every connection; yields its port."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=_answer, args=(answer, conn), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        listener.close()


def _answer(answer: Callable[[socket.socket], None], conn: socket.socket) -> None:
    try:
        answer(conn)
    except OSError:
        pass  # the client hung up: what the deadline is for
    finally:
        conn.close()


def _read_request(conn: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(65536)
    head, _, rest = data.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        ),
        0,
    )
    while len(rest) < length:
        rest += conn.recv(65536)


def http_drip(conn: socket.socket) -> None:
    """200 and its headers at once, then the body a byte every 0.2 s."""
    _read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n")
    while True:
        conn.sendall(b"o")
        time.sleep(0.2)


def http_endless(conn: socket.socket) -> None:
    """200, then a body that never ends, as fast as the client takes it."""
    _read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"%x\r\n%s\r\n" % (65536, b"x" * 65536)
    while True:
        conn.sendall(chunk)


def smtp_endless(conn: socket.socket) -> None:
    """A greeting, then an EHLO reply of `250-` lines without end."""
    conn.sendall(b"220 mail.example ESMTP\r\n")
    conn.recv(1024)
    while True:
        conn.sendall(b"250-PIPELINING\r\n" * 64)
        time.sleep(0.01)


def sent_within(seconds: float, send: Callable[[], object]) -> object:
    """`within(seconds, send)` in a thread: its result or error, and a failure if it hangs."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(within(seconds, send))
        except Exception as error:
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(HANG_GUARD)
    assert not thread.is_alive(), "the send outlived its deadline"
    return outcome[0]


def test_a_webhook_that_answers_a_byte_at_a_time_fails_at_the_deadline_as_retryable() -> None:
    with peer(http_drip) as port:
        spec = ChannelSpec("ops", "slack-webhook", webhook_url=f"http://127.0.0.1:{port}/services/T/B/X")
        error = sent_within(1.0, partial(SlackWebhookNotifier(spec).send, MESSAGE))
    assert isinstance(error, DeliveryError)
    assert error.message == "no whole answer within 1 s" and not error.permanent


def test_smtp_without_end_to_its_reply_fails_at_the_deadline() -> None:
    with peer(smtp_endless) as port:
        sender = SmtpSender(parse_smtp_url(f"smtp://127.0.0.1:{port}?timeout=5"))
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "m@example.org", "a@example.org", "test"
        error = sent_within(1.0, partial(sender.send, message))
    assert isinstance(error, DeliveryError)
    assert error.message == "no whole answer within 1 s" and not error.permanent


def smtp_fast_endless(conn: socket.socket) -> None:
    """A greeting, then an EHLO reply of `250-` lines without end, as fast as they are taken."""
    conn.sendall(b"220 mail.example ESMTP\r\n")
    conn.recv(1024)
    while True:
        conn.sendall(b"250-PIPELINING\r\n" * 4096)


def test_an_endless_answer_is_cut_off_by_its_size_before_the_deadline() -> None:
    with peer(http_endless) as http_port, peer(smtp_fast_endless) as smtp_port:
        spec = ChannelSpec("ops", "slack-webhook", webhook_url=f"http://127.0.0.1:{http_port}/services/T/B/X")
        slack = sent_within(HANG_GUARD / 2, partial(SlackWebhookNotifier(spec).send, MESSAGE))
        sender = SmtpSender(parse_smtp_url(f"smtp://127.0.0.1:{smtp_port}?timeout=5"))
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "m@example.org", "a@example.org", "test"
        smtp = sent_within(HANG_GUARD / 2, partial(sender.send, message))
    assert isinstance(slack, DeliveryError) and "longer than 1048576 bytes" in slack.message
    assert isinstance(smtp, DeliveryError) and "longer than 262144 bytes" in smtp.message
    assert not slack.permanent and not smtp.permanent


def test_a_json_webhook_is_judged_by_its_status_and_its_body_never_read() -> None:
    with peer(http_endless) as endless, peer(http_drip) as drip:
        for port in (endless, drip):
            spec = ChannelSpec("ops", "json-webhook", webhook_url=f"http://127.0.0.1:{port}/hook")
            assert sent_within(5.0, partial(JsonWebhookNotifier(spec).send, MESSAGE)) is not None


@pytest.mark.parametrize("status", [301, 308, 413])
def test_a_permanent_redirect_or_a_body_too_large_fails_for_good(status: int) -> None:
    """Retried for 24 h before: the same message gets the same answer."""

    def answer(conn: socket.socket) -> None:
        _read_request(conn)
        conn.sendall(
            b"HTTP/1.1 %d Moved\r\nLocation: http://127.0.0.1:1/elsewhere\r\nContent-Length: 0\r\n\r\n"
            % status
        )

    with peer(answer) as port:
        spec = ChannelSpec("ops", "json-webhook", webhook_url=f"http://127.0.0.1:{port}/hook")
        error = sent_within(5.0, partial(JsonWebhookNotifier(spec).send, MESSAGE))
    assert isinstance(error, DeliveryError) and error.permanent


def test_a_send_that_ends_in_time_is_untouched() -> None:
    def answer(conn: socket.socket) -> None:
        _read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    with peer(answer) as port:
        spec = ChannelSpec("ops", "slack-webhook", webhook_url=f"http://127.0.0.1:{port}/services/T/B/X")
        assert sent_within(5.0, partial(SlackWebhookNotifier(spec).send, MESSAGE)) is not None


def test_the_metrics_server_hangs_up_on_idle_clients_and_caps_how_many_it_holds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(metrics_module, "CLIENT_TIMEOUT", 1.0)
    server = MetricsServer(
        Metrics(lambda: {}), lambda: Health(True, "ok", None, None, 0, True), "127.0.0.1", 0
    )
    server.start()
    idle = [
        socket.create_connection(("127.0.0.1", server.port)) for _ in range(metrics_module.MAX_CLIENTS + 8)
    ]
    try:
        for conn in idle:  # each is hung up on: at once past the cap, after the timeout below it
            conn.settimeout(HANG_GUARD)
            assert conn.recv(1) == b""
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/healthz", timeout=HANG_GUARD) as answer:
            assert answer.status == 200
        head = urllib.request.Request(f"http://127.0.0.1:{server.port}/healthz", method="HEAD")
        with urllib.request.urlopen(head, timeout=HANG_GUARD) as answer:  # a health check's HEAD: no 501
            assert answer.status == 200 and answer.read() == b""
    finally:
        for conn in idle:
            conn.close()
        server.close()
