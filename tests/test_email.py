"""Email delivery against a real aiosmtpd server on loopback: the MIME it received, TLS and AUTH,
SMTP errors as DeliveryError, and the digest sent once per recipient, retried, or forced."""

from __future__ import annotations

import socket
import ssl
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import Settings
from monitor.digest_delivery import (
    BACKOFF,
    DigestDeps,
    digest_deps,
    send_digest,
    send_weekly_digest,
)
from monitor.errors import ConfigError, DeliveryError
from monitor.notify.email import FileSender, SmtpSender, build_message, parse_smtp_url, standalone_html
from monitor.records import InlineImage, RenderedDigest
from monitor.store import digests
from monitor.watchlists import Watchlist
from tests.servers.smtp import (  # noqa: F401 (fixtures)
    PASSWORD,
    USER,
    SmtpServer,
    smtp_certificate_fixture,
    smtp_client_tls_fixture,
    smtp_server_fixture,
    smtp_starttls_server_fixture,
    smtps_server_fixture,
)
from tests.test_digest import NOW, SOURCES, WEEK, seed_week, watchlist_fixture  # noqa: F401 (fixture)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
RENDERED = RenderedDigest(
    subject="Border monitor digest 2026-W46: al-Qa'im – البوكمال",
    text="Plain text body, Kata'ib Hezbollah\n",
    html='<p>HTML body</p><img src="cid:chart-2026-W46@border-monitor" width="600">',
    images=(InlineImage("chart-2026-W46@border-monitor", PNG),),
)


def message(to: str = "analyst@example.org") -> EmailMessage:
    return build_message(RENDERED, sender="Border Monitor <monitor@example.org>", to=[to], week=WEEK, now=NOW)


# --- the URL -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example", ("mail.example", 25, "none", None, None)),
        ("smtp://relay.example?starttls=true", ("relay.example", 25, "starttls", None, None)),
        ("smtp://u:p@mail.example:587", ("mail.example", 587, "starttls", "u", "p")),
        ("smtp://mail.example:587?starttls=false", ("mail.example", 587, "none", None, None)),
        ("smtps://u%40x.org:p%3Aw%40d@mail.example", ("mail.example", 465, "ssl", "u@x.org", "p:w@d")),
        ("smtp://u:p@mail.example:465", ("mail.example", 465, "ssl", "u", "p")),
        ("smtp://u:p@127.0.0.1:1025", ("127.0.0.1", 1025, "none", "u", "p")),  # loopback may go plain
    ],
)
def test_smtp_urls(url: str, expected: tuple[object, ...]) -> None:
    t = parse_smtp_url(url)
    assert (t.host, t.port, t.security, t.username, t.password) == expected


@pytest.mark.parametrize(
    "url",
    [
        "http://mail.example",
        "smtp://",
        "smtp://mail.example:port",
        "smtp://mail.example?starttls=maybe",
        "smtp://mail.example?timeout=0",
        "smtp://u:p@mail.example:25",  # a password in the clear over the network
    ],
)
def test_bad_smtp_urls_name_the_key(url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_smtp_url(url)
    assert caught.value.key == "email.smtp_url" and "p@" not in str(caught.value)


def test_the_password_stays_out_of_repr_and_reports() -> None:
    target = parse_smtp_url("smtps://user:hunter22@mail.example?timeout=5")
    assert "hunter22" not in repr(target) + target.describe() and target.timeout == 5


# --- the message, as the server received it ------------------------------------------------------


def test_received_mime_parts_and_content(smtp_server: SmtpServer) -> None:
    SmtpSender(parse_smtp_url(smtp_server.url())).send(message())
    (received,) = smtp_server.messages
    assert received.rcpt_tos == ("analyst@example.org",) and received.mail_from == "monitor@example.org"
    mail = received.message
    assert mail["Subject"] == RENDERED.subject and mail["To"] == "analyst@example.org"
    assert mail["Auto-Submitted"] == "auto-generated" and mail["X-Monitor-Digest-Week"] == WEEK
    structure = [(part.get_content_type(), part.is_multipart()) for part in mail.walk()]
    assert structure == [
        ("multipart/alternative", True),
        ("text/plain", False),
        ("multipart/related", True),
        ("text/html", False),
        ("image/png", False),
    ]
    text, related = mail.get_payload()
    html, image = related.get_payload()
    assert text.get_content().replace("\r\n", "\n") == RENDERED.text
    assert html.get_content().replace("\r\n", "\n").rstrip() == RENDERED.html
    assert image["Content-ID"] == "<chart-2026-W46@border-monitor>" and image.get_content() == PNG
    assert image.get_content_disposition() == "inline"


def test_standalone_html_inlines_the_related_image() -> None:
    html = standalone_html(message())
    assert 'src="data:image/png;base64,iVBORw0KGgo' in html and "cid:" not in html


# --- TLS and AUTH --------------------------------------------------------------------------------


def test_starttls_and_auth(smtp_starttls_server: SmtpServer, smtp_client_tls: ssl.SSLContext) -> None:
    url = smtp_starttls_server.url(user=USER, password=quote(PASSWORD, safe=""), query="starttls=true")
    result = SmtpSender(parse_smtp_url(url), tls=smtp_client_tls).send(message())
    assert "(starttls)" in result and PASSWORD not in result
    assert smtp_starttls_server.messages[0].authenticated_as == USER


def test_implicit_tls_and_auth(smtps_server: SmtpServer, smtp_client_tls: ssl.SSLContext) -> None:
    url = smtps_server.url(user=USER, password=quote(PASSWORD, safe=""))
    SmtpSender(parse_smtp_url(url), tls=smtp_client_tls).send(message())
    assert smtps_server.messages[0].authenticated_as == USER


def test_wrong_password_is_permanent(
    smtp_starttls_server: SmtpServer, smtp_client_tls: ssl.SSLContext
) -> None:
    url = smtp_starttls_server.url(user=USER, password="wrong", query="starttls=true")
    with pytest.raises(DeliveryError) as caught:
        SmtpSender(parse_smtp_url(url), tls=smtp_client_tls).send(message())
    assert caught.value.permanent and "535" in caught.value.message and "wrong" not in caught.value.message
    assert smtp_starttls_server.messages == []


def test_an_untrusted_certificate_is_permanent(smtps_server: SmtpServer) -> None:
    with pytest.raises(DeliveryError) as caught:
        SmtpSender(parse_smtp_url(smtps_server.url())).send(message())  # the system's CAs only
    assert caught.value.permanent and "CERTIFICATE_VERIFY_FAILED" in caught.value.message


def test_starttls_asked_of_a_server_without_it_is_permanent(smtp_server: SmtpServer) -> None:
    with pytest.raises(DeliveryError) as caught:
        SmtpSender(parse_smtp_url(smtp_server.url(query="starttls=true"))).send(message())
    assert caught.value.permanent and "STARTTLS" in caught.value.message


# --- SMTP errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "permanent"), [(451, False), (550, True)])
def test_refused_data(smtp_server: SmtpServer, code: int, permanent: bool) -> None:
    smtp_server.refuse(code)
    with pytest.raises(DeliveryError) as caught:
        SmtpSender(parse_smtp_url(smtp_server.url())).send(message())
    assert caught.value.permanent is permanent and str(code) in caught.value.message


@pytest.mark.parametrize(("code", "permanent"), [(450, False), (550, True)])
def test_refused_recipient(smtp_server: SmtpServer, code: int, permanent: bool) -> None:
    smtp_server.refuse_recipients(code)
    with pytest.raises(DeliveryError) as caught:
        SmtpSender(parse_smtp_url(smtp_server.url())).send(message())
    assert caught.value.permanent is permanent and "analyst@example.org" in caught.value.message


def test_no_server_listening_is_retryable() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago and has no listener
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(DeliveryError) as caught:
        SmtpSender(parse_smtp_url(f"smtp://127.0.0.1:{port}?timeout=5")).send(message())
    assert not caught.value.permanent and "ConnectionRefusedError" in caught.value.message


# --- the digest: once per recipient, retried, forced ---------------------------------------------

RECIPIENTS = ("first@example.org", "second@example.org")


def config(server: SmtpServer) -> Settings:
    return Settings.model_validate(
        {
            "default_sources": False,
            "sources": [{"id": s.id, "name": s.name, "url": s.url} for s in SOURCES],
            "email": {"smtp_url": server.url(), "from": "monitor@example.org", "to": list(RECIPIENTS)},
            "digest": {"timezone": "Asia/Baghdad", "weekday": "mon", "time": "08:00"},
        }
    )


def deps(sessions: sessionmaker[Session], watchlist: Watchlist, server: SmtpServer) -> DigestDeps:
    return digest_deps(config(server), sessions, watchlist)


def statuses(report: object) -> dict[str, str]:
    return {o.recipient: o.status for o in report.outcomes}  # type: ignore[attr-defined]


def test_each_recipient_gets_the_week_once(
    sessions: sessionmaker[Session], watchlist: Watchlist, smtp_server: SmtpServer
) -> None:
    seed_week(sessions)
    d = deps(sessions, watchlist, smtp_server)
    assert statuses(send_digest(WEEK, d, NOW)) == dict.fromkeys(RECIPIENTS, "sent")
    assert sorted(m.rcpt_tos for m in smtp_server.messages) == [(r,) for r in RECIPIENTS]
    assert all(m.message["To"] == m.rcpt_tos[0] for m in smtp_server.messages)  # nobody sees the others
    assert "Kata'ib Hezbollah convoy" in smtp_server.messages[0].message.get_body(("plain",)).get_content()

    again = send_digest(WEEK, d, NOW + timedelta(hours=1))
    assert statuses(again) == dict.fromkeys(RECIPIENTS, "skipped") and len(smtp_server.messages) == 2
    assert all("already sent" in o.detail for o in again.outcomes)

    forced = send_digest(WEEK, d, NOW + timedelta(hours=2), force=True)
    assert statuses(forced) == dict.fromkeys(RECIPIENTS, "sent") and len(smtp_server.messages) == 4
    with sessions() as session:
        rows = digests.sends(session, WEEK)
    assert [(r.state, r.attempts) for r in rows] == [("sent", 2), ("sent", 2)]


def test_a_temporary_failure_is_retried_later_not_lost(
    sessions: sessionmaker[Session], watchlist: Watchlist, smtp_server: SmtpServer
) -> None:
    seed_week(sessions)
    d = deps(sessions, watchlist, smtp_server)
    smtp_server.refuse(451, times=1)
    first = send_digest(WEEK, d, NOW)
    assert sorted(statuses(first).values()) == ["retry", "sent"]
    (failed,) = [o for o in first.outcomes if o.status == "retry"]
    assert failed.retry_at == NOW + BACKOFF[0] and "451" in failed.detail

    early = send_digest(WEEK, d, NOW + BACKOFF[0] - timedelta(seconds=1))
    assert set(statuses(early).values()) == {"skipped"} and len(smtp_server.messages) == 1

    retried = send_weekly_digest(config(smtp_server), sessions, NOW + BACKOFF[0], watchlist=watchlist)
    assert [statuses(r) for r in retried] == [{failed.recipient: "sent", _other(failed.recipient): "skipped"}]
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == sorted(RECIPIENTS)


def _other(recipient: str) -> str:
    return next(r for r in RECIPIENTS if r != recipient)


def test_a_permanent_failure_waits_for_force(
    sessions: sessionmaker[Session], watchlist: Watchlist, smtp_server: SmtpServer
) -> None:
    seed_week(sessions)
    d = deps(sessions, watchlist, smtp_server)
    smtp_server.refuse(550)
    assert set(statuses(send_digest(WEEK, d, NOW)).values()) == {"failed"}
    smtp_server.accept()
    later = NOW + timedelta(days=1)
    assert set(statuses(send_digest(WEEK, d, later)).values()) == {"skipped"}
    assert send_weekly_digest(config(smtp_server), sessions, later, watchlist=watchlist)[0].sent == 0
    assert smtp_server.messages == []
    assert set(statuses(send_digest(WEEK, d, later, force=True)).values()) == {"sent"}


def test_the_daemon_sends_the_due_week_only_after_its_time(
    sessions: sessionmaker[Session], watchlist: Watchlist, smtp_server: SmtpServer
) -> None:
    seed_week(sessions)
    settings = config(smtp_server)
    before = datetime(2026, 11, 16, 4, 59, tzinfo=timezone.utc)  # 07:59 in Baghdad, due at 08:00
    (report,) = send_weekly_digest(settings, sessions, before, watchlist=watchlist)
    assert report.week == "2026-W45" and report.sent == 2  # last week's, never sent on this database
    (report,) = send_weekly_digest(settings, sessions, before + timedelta(minutes=1), watchlist=watchlist)
    assert report.week == WEEK and report.sent == 2
    (report,) = send_weekly_digest(settings, sessions, before + timedelta(hours=1), watchlist=watchlist)
    assert report.sent == 0 and len(smtp_server.messages) == 4


def test_an_empty_week_by_smtp_is_short_with_source_health(
    sessions: sessionmaker[Session], watchlist: Watchlist, smtp_server: SmtpServer
) -> None:
    seed_week(sessions)
    send_digest("2026-W30", deps(sessions, watchlist, smtp_server), NOW)
    mail = smtp_server.messages[0].message
    assert mail["Subject"].endswith("nothing matched")
    assert [p.get_content_type() for p in mail.walk()] == ["multipart/alternative", "text/plain", "text/html"]
    text = mail.get_body(("plain",)).get_content()
    assert "Nothing matched the watchlists this week." in text and "FAILING: Wire aggregator" in text


# --- the embedded default ------------------------------------------------------------------------


def test_the_file_sender_writes_eml_and_html(tmp_path: Path) -> None:
    sender = FileSender(tmp_path / "out")
    assert sender.deliveries(["a@x.org", "b@x.org"]) == {f"file:{tmp_path / 'out'}": ("a@x.org", "b@x.org")}
    said = sender.send(message())
    eml, html = tmp_path / "out" / f"digest-{WEEK}.eml", tmp_path / "out" / f"digest-{WEEK}.html"
    assert said == f"wrote {eml} and {html}"
    assert b"multipart/alternative" in eml.read_bytes()
    assert "data:image/png;base64," in html.read_text(encoding="utf-8")


def test_an_unwritable_folder_is_a_delivery_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(DeliveryError):
        FileSender(tmp_path / "file").send(message())
