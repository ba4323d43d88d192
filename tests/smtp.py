"""A real SMTP server for tests: aiosmtpd on 127.0.0.1 (the ``smtp_server`` fixture)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import pytest
from aiosmtpd.controller import Controller


class Collector:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self, refuse_rcpt: bool = False) -> None:
        self.envelopes: list[Any] = []
        self.refuse_rcpt = refuse_rcpt

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_rcpt:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted"

    def message(self) -> EmailMessage:
        assert len(self.envelopes) == 1
        parsed = BytesParser(policy=policy.default).parsebytes(self.envelopes[0].content)
        assert isinstance(parsed, EmailMessage)
        return parsed


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[Any]:
    """Start an SMTP server on 127.0.0.1 with ``start(**options)``; stopped after the test."""
    controllers: list[Controller] = []

    def start(handler: Collector | None = None, **options: Any) -> tuple[Collector, int]:
        handler = handler or Collector()
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
        controller.start()
        controllers.append(controller)
        return handler, port

    yield start
    for controller in controllers:
        controller.stop()
