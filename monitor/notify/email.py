"""Email: the weekly digest, and alerts for `[[email.channels]]` (`EmailNotifier`).

The digest: the SMTP URL, the MIME message, and two senders behind one interface.

`SmtpSender` delivers through the server named by `email.smtp_url`; `FileSender` is the embedded
default when no SMTP is configured and writes the .eml and a browser-ready .html to a folder
(warehouse's SMTP and console email senders, the same seam). Both take a finished
`EmailMessage` built by `build_message`: multipart/alternative with the plain text first and the
HTML last, the HTML inside multipart/related with the chart it shows as cid:.

    smtp://host                     port 25, plain; ?starttls=true to upgrade
    smtp://user:pass@host:587       STARTTLS (port 587 implies it; ?starttls=false turns it off)
    smtps://user:pass@host          TLS from the first byte, port 465 (smtp://…:465 implies it)
    ?timeout=30                     seconds for the connection and for each command (default 30)

Credentials are refused over an unencrypted connection unless the server is on loopback, so a
missing `?starttls=true` cannot leak a password. The sender does not retry: the caller records a
`DeliveryError` and tries again later. A 5xx reply is permanent (the same message would be
refused again), as are a failed certificate check and a server lacking STARTTLS or AUTH; a 4xx
reply, a timeout or a dropped connection is retryable.
"""

from __future__ import annotations

import base64
import ipaddress
import re
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Any, Literal, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from monitor.errors import ConfigError, DeliveryError, OutputError
from monitor.files import describe_write_error, write_atomic
from monitor.notify.messages import AlertMessage
from monitor.notify.plain import render
from monitor.notify.transport import ChannelSpec, SendResult
from monitor.records import RenderedDigest

DEFAULT_FROM = "border-monitor@localhost"
WEEK_HEADER = "X-Monitor-Digest-Week"
_KEY = "email.smtp_url"
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


# --- the URL -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SmtpTarget:
    host: str
    port: int
    security: Literal["ssl", "starttls", "none"]
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0

    def describe(self) -> str:
        """Where mail goes, without credentials, for logs and reports."""
        return f"{self.host}:{self.port} ({self.security})"


def parse_smtp_url(url: str) -> SmtpTarget:
    """smtp[s]://[user:pass@]host[:port][?starttls=…&timeout=…] → SmtpTarget, or ConfigError."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ConfigError(_KEY, "use smtp://host:587?starttls=true or smtps://host:465")
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 25)
    except ValueError:
        raise ConfigError(_KEY, "the port is not a number") from None
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    target = SmtpTarget(
        host=parts.hostname,
        port=port,
        security=_security(parts.scheme, port, query.get("starttls")),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        timeout=_timeout(query.get("timeout", "30")),
    )
    if target.username and target.security == "none" and not _loopback(target.host):
        raise ConfigError(
            _KEY, "credentials over an unencrypted connection: add ?starttls=true or use smtps://"
        )
    return target


def _security(scheme: str, port: int, starttls: str | None) -> Literal["ssl", "starttls", "none"]:
    if starttls is not None and starttls.lower() not in _TRUE | _FALSE:
        raise ConfigError(_KEY, f"starttls={starttls!r}: use true or false")
    if scheme == "smtps" or (port == 465 and starttls is None):
        return "ssl"
    if (starttls or "").lower() in _TRUE or (port == 587 and starttls is None):
        return "starttls"
    return "none"


def _timeout(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0
    if seconds <= 0:
        raise ConfigError(_KEY, f"timeout={text!r}: use a number of seconds")
    return seconds


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


# --- the message ---------------------------------------------------------------------------------


def build_message(
    rendered: RenderedDigest, *, sender: str, to: Sequence[str], week: str, now: datetime
) -> EmailMessage:
    """multipart/alternative: text/plain, then multipart/related(text/html, the chart)."""
    message = EmailMessage()
    message["Subject"] = rendered.subject
    message["From"] = sender or DEFAULT_FROM
    if to:
        message["To"] = ", ".join(to)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid("digest", domain=_domain(sender))
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
    message[WEEK_HEADER] = week
    message.set_content(rendered.text, cte="quoted-printable")
    message.add_alternative(rendered.html, subtype="html", cte="quoted-printable")
    html = next(part for part in message.iter_parts() if part.get_content_type() == "text/html")
    for image in rendered.images:
        html.add_related(
            image.content,
            "image",
            image.subtype,
            cid=f"<{image.cid}>",
            disposition="inline",
            filename=image.filename,
        )
    return message


def _domain(sender: str) -> str:
    address = parseaddr(sender or DEFAULT_FROM)[1]
    return address.rpartition("@")[2] or "localhost"


def standalone_html(message: EmailMessage) -> str:
    """The message's HTML with its cid: images as data: URIs, to open in a browser."""
    body = message.get_body(preferencelist=("html",))
    if body is None:
        raise ValueError("the message has no HTML part")
    images = {
        str(part["Content-ID"]).strip("<>"): part
        for part in message.walk()
        if part.get_content_maintype() == "image" and part["Content-ID"]
    }

    def inline(found: re.Match[str]) -> str:
        part = images.get(found[1])
        if part is None:
            return found[0]
        data = base64.b64encode(part.get_content()).decode("ascii")
        return f'src="data:{part.get_content_type()};base64,{data}"'

    return re.sub(r'src="cid:([^"]+)"', inline, body.get_content())


def recipients(message: EmailMessage) -> list[str]:
    header = message["To"]
    return [address.addr_spec for address in header.addresses] if header is not None else []


# --- senders -------------------------------------------------------------------------------------


class EmailSender(Protocol):
    """Delivers one finished message; returns where it went, or raises DeliveryError."""

    def deliveries(self, to: Sequence[str]) -> dict[str, tuple[str, ...]]:
        """One digest's deliveries: the key its send is recorded under → the message's To."""
        ...

    def send(self, message: EmailMessage) -> str: ...


class SmtpSender:
    """One message per address, so one refused address neither blocks nor reveals the others."""

    def __init__(self, target: SmtpTarget, *, tls: ssl.SSLContext | None = None) -> None:
        self.target = target
        self.tls = tls or ssl.create_default_context()

    def deliveries(self, to: Sequence[str]) -> dict[str, tuple[str, ...]]:
        return {address: (address,) for address in to}

    def send(self, message: EmailMessage) -> str:
        to = recipients(message)
        try:
            with self._connect() as smtp:
                refused = smtp.send_message(message, to_addrs=to)
        except (smtplib.SMTPException, OSError) as exc:
            raise delivery_error(exc, self.target) from exc
        if refused:  # some accepted, some not: report the refused ones
            raise delivery_error(smtplib.SMTPRecipientsRefused(refused), self.target)
        return f"sent to {', '.join(to)} via {self.target.describe()}"

    def _connect(self) -> smtplib.SMTP:
        t = self.target
        if t.security == "ssl":
            smtp: smtplib.SMTP = _BoundedSMTPSSL(t.host, t.port, timeout=t.timeout, context=self.tls)
        else:
            smtp = _BoundedSMTP(t.host, t.port, timeout=t.timeout)
        try:
            if t.security == "starttls":
                smtp.starttls(context=self.tls)
            if t.username:
                smtp.login(t.username, t.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp


MAX_REPLIES = 256 * 1024  # bytes of replies in one session (a server's are a few KB)


class _BoundedReplies:
    """The server's replies as smtplib reads them (`readline`), cut off past MAX_REPLIES bytes in
    all: smtplib keeps every line of a reply, and a server that sends `250-` lines without end would
    fill memory before any timeout."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self._read = 0

    def readline(self, size: int = -1) -> bytes:
        line: bytes = self._raw.readline(size)
        self._read += len(line)
        if self._read > MAX_REPLIES:
            raise smtplib.SMTPServerDisconnected(f"replies longer than {MAX_REPLIES} bytes")
        return line

    def close(self) -> None:
        self._raw.close()


class _BoundedSMTP(smtplib.SMTP):
    def getreply(self) -> tuple[int, bytes]:
        if self.file is None and self.sock is not None:  # as smtplib makes it, after STARTTLS too
            self.file = _BoundedReplies(self.sock.makefile("rb"))
        return super().getreply()


class _BoundedSMTPSSL(_BoundedSMTP, smtplib.SMTP_SSL):
    pass


def delivery_error(exc: BaseException, target: SmtpTarget) -> DeliveryError:
    """Classify what smtplib raised: 5xx and configuration mistakes are permanent, the rest retryable."""
    where = target.describe()
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        replies = [f"{r}: {code} {_text(text)}" for r, (code, text) in exc.recipients.items()]
        permanent = all(500 <= code < 600 for code, _ in exc.recipients.values())
        return DeliveryError(f"{where} refused {'; '.join(replies)}", permanent=permanent)
    if isinstance(exc, smtplib.SMTPResponseException):
        message = f"{where} answered {exc.smtp_code} {_text(exc.smtp_error)}"
        return DeliveryError(message, permanent=500 <= exc.smtp_code < 600)
    if isinstance(exc, smtplib.SMTPNotSupportedError | ssl.SSLCertVerificationError):
        return DeliveryError(f"{where}: {exc}", permanent=True)
    return DeliveryError(f"{where}: {type(exc).__name__}: {exc}".rstrip(": "), permanent=False)


def _text(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return " ".join(text.split())


class FileSender:
    """The embedded default: `<folder>/digest-<week>.eml` and `.html`, overwritten on a re-send."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def deliveries(self, to: Sequence[str]) -> dict[str, tuple[str, ...]]:
        return {f"file:{self.folder}": tuple(to)}

    def send(self, message: EmailMessage) -> str:
        stem = f"digest-{message.get(WEEK_HEADER, 'week')}"
        eml, html = self.folder / f"{stem}.eml", self.folder / f"{stem}.html"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            reason = describe_write_error(exc, self.folder.parent)
            raise DeliveryError(str(OutputError(self.folder, reason))) from exc
        try:
            write_atomic(eml, message.as_bytes())
            write_atomic(html, standalone_html(message))
        except OutputError as exc:
            raise DeliveryError(str(exc)) from exc
        return f"wrote {eml} and {html}"


# --- alerts by email -----------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
MAX_SUBJECT = 150


class EmailNotifier:
    """An alert channel by email: the message as plain text (no HTML, so article text cannot
    form markup), one mail to the channel's addresses through `email.smtp_url`. No threads:
    later outlets of a story are recorded for the digest. SMTP answers are classified as for
    the digest (`delivery_error`); the outbox retries."""

    threads = False

    def __init__(self, spec: ChannelSpec, *, tls: ssl.SSLContext | None = None) -> None:
        self._spec = spec
        self._sender = SmtpSender(parse_smtp_url(spec.smtp_url), tls=tls)

    def send(self, message: AlertMessage, reply_to: str | None = None) -> SendResult | None:
        now = datetime.now().astimezone()
        self._sender.send(alert_mail(message, sender=self._spec.sender, to=self._spec.to, now=now))
        return SendResult()

    def describe(self) -> str:
        return f"{self._spec.name}: email to {', '.join(self._spec.to)} via {self._sender.target.describe()}"


def alert_mail(message: AlertMessage, *, sender: str, to: Sequence[str], now: datetime) -> EmailMessage:
    """The alert as a plain-text mail; its first line (control characters removed, so a title
    cannot add a header) is the subject."""
    lines = render(message)
    mail = EmailMessage()
    subject = _CONTROL.sub(" ", lines[0] if lines else message.kind).strip()
    mail["Subject"] = subject if len(subject) <= MAX_SUBJECT else subject[: MAX_SUBJECT - 1] + "…"
    mail["From"] = sender or DEFAULT_FROM
    mail["To"] = ", ".join(to)
    mail["Date"] = format_datetime(now)
    mail["Message-ID"] = make_msgid("alert", domain=_domain(sender))
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content("\n".join(_CONTROL.sub(" ", line) for line in lines) + "\n", cte="quoted-printable")
    return mail
