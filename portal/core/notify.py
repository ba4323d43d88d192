"""Outgoing messages: to a mail server when ``PORTAL_SMTP_URL`` is set, else to the outbox.

Emails never carry health data: only that something is waiting in the space, or
a one-time code. Even so a code is a key to an account, so a message's body is
never logged, only its Message-ID and where it went.

The embedded default is the outbox: a folder of ``.eml`` files (readable by any
mail program) in the data folder, each readable by its owner only. ``portal
outbox`` prints the newest ones, so a person trying the demo can read a code
"sent" to them.

Features call :func:`send_email` (or :func:`send_sms`, which only writes to the
outbox until an SMS gateway is set up); the blocking work (the SMTP conversation,
or the file write) runs in a worker thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import TYPE_CHECKING

from portal.core.crypto import PRIVATE_FILE_MODE, make_private_folder
from portal.settings import DEFAULT_MAIL_FROM

if TYPE_CHECKING:
    from portal.settings import Settings, SmtpServer

log = logging.getLogger(__name__)

DEFAULT_SENDER = DEFAULT_MAIL_FROM
# Seconds to wait for the mail server at each step (connect, each reply).
SMTP_TIMEOUT = 10.0


class DeliveryError(Exception):
    """The mail server could not be reached, or refused the message.

    The text says why, in words an operator can act on; it never holds the
    message's body or the server's password.
    """


@dataclass(frozen=True)
class OutgoingMessage:
    to: str
    subject: str
    body: str
    sent_at: datetime
    path: Path | None = None


def build_email(
    to: str, subject: str, body: str, sender: str = DEFAULT_SENDER, *, seven_bit: bool = False
) -> EmailMessage:
    """A plain-text email. ``seven_bit`` encodes a non-ASCII body as quoted-printable,
    which every mail server accepts (the outbox keeps 8-bit text, easier to read)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    domain = parseaddr(sender)[1].rpartition("@")[2] or "portal.invalid"
    message["Message-ID"] = make_msgid(domain=domain)
    if seven_bit and not body.isascii():
        message.set_content(body, cte="quoted-printable")
    else:
        message.set_content(body)
    return message


def write_to_outbox(outbox_dir: Path, message: EmailMessage) -> Path:
    """Store ``message`` as an .eml file, mode 600 in a folder of mode 700 (whatever the
    umask); the name sorts by time."""
    make_private_folder(outbox_dir.parent)  # the data folder
    make_private_folder(outbox_dir)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = outbox_dir / f"{stamp}-{secrets.token_hex(4)}.eml"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    os.fchmod(fd, PRIVATE_FILE_MODE)
    with os.fdopen(fd, "wb") as handle:
        handle.write(message.as_bytes(policy=policy.SMTP))
    return path


def write_email_to_outbox(
    outbox_dir: Path, to: str, subject: str, body: str, sender: str = DEFAULT_SENDER
) -> Path:
    """Write an email to the outbox, now (blocking: async code calls :func:`send_email`)."""
    return write_to_outbox(outbox_dir, build_email(to, subject, body, sender))


def _reason(exc: BaseException) -> str:
    """Why delivery failed, without anything the server might have echoed at length."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _text in exc.recipients.values()})
        return "the server refused the recipient (code " + ", ".join(map(str, codes)) + ")"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"the server refused the user name or password (code {exc.smtp_code})"
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else ""
        return f"the server refused the message (code {exc.smtp_code}: {text[:200]})"
    if isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError):
        # smtplib turns a timeout while reading a reply into SMTPServerDisconnected.
        return f"no answer within {SMTP_TIMEOUT:g} seconds"
    if isinstance(exc, ssl.SSLError):
        return f"the TLS connection failed ({exc.reason or exc})"
    if isinstance(exc, smtplib.SMTPException):
        return str(exc) or type(exc).__name__
    if isinstance(exc, OSError):
        return exc.strerror or str(exc) or type(exc).__name__
    return type(exc).__name__


def _connect(server: SmtpServer) -> smtplib.SMTP:
    if server.tls == "implicit":
        return smtplib.SMTP_SSL(
            server.host, server.port, timeout=SMTP_TIMEOUT, context=ssl.create_default_context()
        )
    return smtplib.SMTP(server.host, server.port, timeout=SMTP_TIMEOUT)


def send_with_smtp(server: SmtpServer, message: EmailMessage) -> None:
    """Hand ``message`` to ``server``; blocking. Raise :class:`DeliveryError` on failure.

    TLS certificates are checked against the system's trusted authorities (or
    ``SSL_CERT_FILE``). Every step waits at most ``SMTP_TIMEOUT`` seconds.
    """
    where = f"{server.host}:{server.port}"
    try:
        client = _connect(server)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"the mail server {where} could not be reached: {_reason(exc)}") from exc
    try:
        client.ehlo()
        if server.tls == "starttls":
            client.starttls(context=ssl.create_default_context())
            client.ehlo()
        if server.username is not None and server.password is not None:
            client.login(server.username, server.password)
        client.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        client.close()
        raise DeliveryError(f"the mail server {where} did not take the email: {_reason(exc)}") from exc
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        # The server has the message already: a failed goodbye is no failure.
        client.close()


async def send_email(settings: Settings, to: str, subject: str, body: str) -> None:
    """Send an email: to the mail server of ``PORTAL_SMTP_URL``, else to the outbox.

    The body must hold no health data: say that something is waiting, or give a
    one-time code, never what a document or message says. The blocking work runs
    in a worker thread. Raises :class:`DeliveryError` when the mail server cannot
    be reached in time or refuses the message (or the outbox cannot be written).
    """
    seven_bit = settings.smtp is not None
    message = build_email(to, subject, body, settings.mail_from, seven_bit=seven_bit)
    message_id = message["Message-ID"]
    try:
        if settings.smtp is None:
            await asyncio.to_thread(_write_to_outbox_or_fail, settings.outbox_dir, message)
            log.info("email %s written to the outbox", message_id)
        else:
            server = settings.smtp
            await asyncio.to_thread(send_with_smtp, server, message)
            log.info("email %s handed to the mail server %s:%s", message_id, server.host, server.port)
    except DeliveryError as exc:
        log.warning("email %s not sent: %s", message_id, exc)
        raise


async def send_sms(settings: Settings, to: str, body: str) -> None:
    """Send a text message to the mobile number ``to`` (E.164).

    For now every SMS goes to the outbox, as an .eml whose To is the number and
    whose Subject is "SMS", so a demo or a test can read it; a real SMS gateway
    (and its setting) comes later. Same rules as an email: no health data, and
    the body is never logged.
    """
    message = build_email(to, "SMS", body, settings.mail_from)
    message_id = message["Message-ID"]
    try:
        await asyncio.to_thread(_write_to_outbox_or_fail, settings.outbox_dir, message)
    except DeliveryError as exc:
        log.warning("SMS %s not sent: %s", message_id, exc)
        raise
    log.info("SMS %s written to the outbox", message_id)


def _write_to_outbox_or_fail(outbox_dir: Path, message: EmailMessage) -> Path:
    try:
        return write_to_outbox(outbox_dir, message)
    except OSError as exc:
        raise DeliveryError(f"cannot write to the outbox {outbox_dir}: {_reason(exc)}") from exc


def read_outbox(outbox_dir: Path, limit: int = 5) -> list[OutgoingMessage]:
    """The newest ``limit`` messages of the outbox, newest first."""
    if not outbox_dir.is_dir():
        return []
    paths = sorted(outbox_dir.glob("*.eml"), reverse=True)[:limit]
    messages = []
    parser = BytesParser(policy=policy.default)
    for path in paths:
        parsed = parser.parsebytes(path.read_bytes())
        body_part = parsed.get_body(preferencelist=("plain",))
        body = body_part.get_content() if body_part is not None else ""
        messages.append(
            OutgoingMessage(
                to=str(parsed["To"]),
                subject=str(parsed["Subject"]),
                body=body,
                sent_at=datetime.strptime(path.name.split("-")[0], "%Y%m%dT%H%M%S%fZ").replace(tzinfo=UTC),
                path=path,
            )
        )
    return messages
