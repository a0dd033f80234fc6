"""A real SMTP server (aiosmtpd) on 127.0.0.1, port 0, in a thread; tests read back what it received.

`SmtpServer(tls=…, implicit_tls=…, users=…)` starts at once; `.url(...)` builds the
`email.smtp_url` pointing at it, `.messages` holds every accepted message parsed with the modern
email policy (plus its envelope), `.refuse(code, times=n)` makes the next n messages (all, with
None) fail at DATA with that reply: 451 (temporary) or 550 (permanent); `.refuse_recipients(code)`
refuses at RCPT instead, `.accept()` ends both. With `users`, AUTH PLAIN/LOGIN is offered
(after STARTTLS, as real servers do) and checked against them.

Fixtures (defined as `<name>_fixture`, so a test module can import them without its test
parameters shadowing the import): `smtp_server` (plain, no AUTH), `smtp_starttls_server` (STARTTLS and AUTH),
`smtps_server` (TLS from the first byte and AUTH), and `smtp_client_tls`, an SSLContext that
trusts the throwaway certificate those servers use (made with the openssl command, valid for
127.0.0.1 and localhost).
"""

from __future__ import annotations

import email
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

USER, PASSWORD = "digest", "s3cret p@ss:word"


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    message: EmailMessage
    authenticated_as: str | None


class _PortZeroController(Controller):
    """aiosmtpd connects to its own port once started; with port 0 it must learn the port first."""

    def _trigger_server(self) -> None:
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.server.rcpt_refusal:
            return self.server.rcpt_refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        return self.server._take(session, envelope)


class SmtpServer:
    def __init__(
        self,
        *,
        tls: ssl.SSLContext | None = None,
        implicit_tls: bool = False,
        users: dict[str, str] | None = None,
    ) -> None:
        self.messages: list[Received] = []
        self.rcpt_refusal = ""
        self._refusal = ""
        self._refusals_left: int | None = None
        self._lock = threading.Lock()
        self.users = users or {}
        self.implicit_tls = implicit_tls
        options: dict[str, Any] = {"hostname": "127.0.0.1", "port": 0}
        if implicit_tls:
            options["ssl_context"] = tls
        elif tls:
            options["tls_context"] = tls
        if self.users:
            # aiosmtpd does not count implicit TLS as TLS for AUTH, so only STARTTLS servers insist
            options |= {"authenticator": self._authenticate, "auth_require_tls": not implicit_tls}
        self.controller = _PortZeroController(_Handler(self), **options)
        self.controller.start()

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def url(self, *, user: str | None = None, password: str | None = None, query: str = "") -> str:
        scheme = "smtps" if self.implicit_tls else "smtp"
        credentials = f"{user}:{password}@" if user else ""
        return f"{scheme}://{credentials}127.0.0.1:{self.port}" + (f"?{query}" if query else "")

    def refuse(self, code: int, *, times: int | None = None) -> None:
        self._refusal = f"{code} {'4.3.0 try again later' if code < 500 else '5.7.1 message rejected'}"
        self._refusals_left = times

    def accept(self) -> None:
        """Accept everything again."""
        self._refusal = self.rcpt_refusal = ""

    def refuse_recipients(self, code: int) -> None:
        self.rcpt_refusal = f"{code} {'4.2.1 mailbox busy' if code < 500 else '5.1.1 no such user'}"

    def stop(self) -> None:
        self.controller.stop()

    def _authenticate(
        self, server: Any, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and self.users.get(data.login.decode()) == data.password.decode()
        return AuthResult(success=ok, handled=False, auth_data=data)

    def _take(self, session: Session, envelope: Envelope) -> str:
        with self._lock:
            if self._refusal and self._refusals_left != 0:
                if self._refusals_left is not None:
                    self._refusals_left -= 1
                return self._refusal
            raw = bytes(envelope.original_content or b"")
            message = email.message_from_bytes(raw, _class=EmailMessage, policy=default_policy)
            auth = session.auth_data
            login = auth.login.decode() if isinstance(auth, LoginPassword) else None
            self.messages.append(
                Received(str(envelope.mail_from), tuple(envelope.rcpt_tos), raw, message, login)
            )
        return "250 2.0.0 queued"


@pytest.fixture(scope="session", name="smtp_certificate")
def smtp_certificate_fixture(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A throwaway self-signed certificate for 127.0.0.1 and localhost: (certificate, key)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.fail("the TLS tests need the openssl command to make a throwaway certificate")
    folder = tmp_path_factory.mktemp("smtp-tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture(name="smtp_client_tls")
def smtp_client_tls_fixture(smtp_certificate: tuple[Path, Path]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(smtp_certificate[0]))


def _server_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*map(str, certificate))
    return context


@pytest.fixture(name="smtp_server")
def smtp_server_fixture() -> Iterator[SmtpServer]:
    server = SmtpServer()
    yield server
    server.stop()


@pytest.fixture(name="smtp_starttls_server")
def smtp_starttls_server_fixture(smtp_certificate: tuple[Path, Path]) -> Iterator[SmtpServer]:
    server = SmtpServer(tls=_server_tls(smtp_certificate), users={USER: PASSWORD})
    yield server
    server.stop()


@pytest.fixture(name="smtps_server")
def smtps_server_fixture(smtp_certificate: tuple[Path, Path]) -> Iterator[SmtpServer]:
    server = SmtpServer(tls=_server_tls(smtp_certificate), implicit_tls=True, users={USER: PASSWORD})
    yield server
    server.stop()
