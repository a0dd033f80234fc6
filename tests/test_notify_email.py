"""Alerts by email (`[[email.channels]]`): a plain-text mail per alert through the outbox, to a
real SMTP server (aiosmtpd) on loopback, retried or failed as the server answers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from monitor import alerts
from monitor.alerts import AlertPolicy, Route
from monitor.config import Settings, load_settings
from monitor.errors import ConfigError
from monitor.notify import build_notifiers
from monitor.notify.email import EmailNotifier
from tests.servers.smtp import SmtpServer, smtp_server_fixture  # noqa: F401 (fixture)
from tests.test_outbox import NOW, entry, states, store_and_queue

POLICY = AlertPolicy(routes=(Route("analysts", "low"),), throttle_messages=1000, wait_in_round=timedelta(0))


def settings(server: SmtpServer) -> Settings:
    return Settings.model_validate(
        {
            "email": {
                "smtp_url": server.url(),
                "from": "monitor@example.org",
                "channels": [{"name": "analysts", "to": ["desk@example.org", "lead@example.org"]}],
            },
            "alerts": {"routes": [{"channel": "analysts", "min_priority": "low"}]},
        }
    )


def queue(sessions: sessionmaker[Session], title: str) -> None:
    assert store_and_queue(sessions, [entry("wire", "k1", title)], policy=POLICY) == 1


def test_an_alert_is_one_plain_text_mail_to_the_channels_addresses(
    sessions: sessionmaker[Session], smtp_server: SmtpServer
) -> None:
    notifiers = build_notifiers(settings(smtp_server))
    assert isinstance(notifiers["analysts"], EmailNotifier)
    queue(sessions, "Drone strike near the al-Bukamal crossing")
    assert alerts.deliver_due(sessions, notifiers, NOW, POLICY).sent == 1
    (received,) = smtp_server.messages
    assert received.rcpt_tos == ("desk@example.org", "lead@example.org")
    mail = received.message
    assert mail["Subject"] == "[high] Drone strike near the al-Bukamal crossing"
    assert mail.get_content_type() == "text/plain" and mail["Auto-Submitted"] == "auto-generated"
    assert "https://wire.example/k1" in mail.get_content()


def test_a_title_cannot_add_headers(sessions: sessionmaker[Session], smtp_server: SmtpServer) -> None:
    queue(sessions, "Strike in al-Qaim\r\nBcc: someone@evil.example\r\n\r\nFake body")
    alerts.deliver_due(sessions, build_notifiers(settings(smtp_server)), NOW, POLICY)
    (received,) = smtp_server.messages
    assert received.message["Bcc"] is None and received.rcpt_tos == ("desk@example.org", "lead@example.org")
    assert "Bcc: someone@evil.example" in received.message["Subject"]


def test_a_temporary_refusal_is_retried_and_a_permanent_one_fails(
    sessions: sessionmaker[Session], smtp_server: SmtpServer
) -> None:
    notifiers = build_notifiers(settings(smtp_server))
    queue(sessions, "Drone strike near the al-Bukamal crossing")
    smtp_server.refuse(451, times=1)
    down = alerts.deliver_due(sessions, notifiers, NOW, POLICY, jitter=lambda: 0.0)
    assert (down.sent, down.retrying) == (0, 1) and states(sessions) == {"pending": 1}
    smtp_server.refuse(550)
    failed = alerts.deliver_due(sessions, notifiers, NOW + timedelta(minutes=1), POLICY)
    assert failed.failed == 1 and states(sessions) == {"failed": 1} and not smtp_server.messages


def test_email_channels_need_an_smtp_server() -> None:
    with pytest.raises(ConfigError, match="smtp_url"):
        load_settings(environ={"MONITOR_EMAIL_CHANNELS": '[{"name": "analysts", "to": ["a@example.org"]}]'})
