"""Outgoing messages. The embedded default writes each email to the outbox folder.

The outbox is a folder of ``.eml`` files (readable by any mail program) in the
data folder, each readable by its owner only. ``portal outbox`` prints the
newest ones, so a person trying the demo can read a code "sent" to them.
Messages never carry health data: only that something is waiting, or a code.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid
from pathlib import Path

DEFAULT_SENDER = "Mon espace santé <ne-pas-repondre@portal.invalid>"


@dataclass(frozen=True)
class OutgoingMessage:
    to: str
    subject: str
    body: str
    sent_at: datetime
    path: Path | None = None


def build_email(to: str, subject: str, body: str, sender: str = DEFAULT_SENDER) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain="portal.invalid")
    message.set_content(body)
    return message


def write_to_outbox(outbox_dir: Path, message: EmailMessage) -> Path:
    """Store ``message`` as an .eml file, mode 600; the name sorts by time."""
    outbox_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = outbox_dir / f"{stamp}-{secrets.token_hex(4)}.eml"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(message.as_bytes(policy=policy.SMTP))
    return path


def send_email(outbox_dir: Path, to: str, subject: str, body: str) -> Path:
    """Send an email through the embedded default: the outbox."""
    return write_to_outbox(outbox_dir, build_email(to, subject, body))


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
