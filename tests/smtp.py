"""A real SMTP server on loopback (aiosmtpd) for tests that send email.

`smtp_sink` starts it on a free port of 127.0.0.1 and points the app's SMTP settings at it. The
sink records every accepted message; set `.mode` to "tempfail" (451) or "permfail" (550) to make
it refuse recipients, or `.stop()` / `.start()` it to take it down and bring it back on the same
port. Import the fixture in a conftest: `from tests.smtp import smtp_sink  # noqa: F401`.
"""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        if self.sink.mode == "tempfail":
            return "451 4.3.0 Mailbox temporarily unavailable, try again later"
        if self.sink.mode == "permfail":
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.sink.messages.append(message)  # type: ignore[arg-type]
        self.sink.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class SmtpSink:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.mode = "accept"  # accept | tempfail | permfail
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._controller: Controller | None = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        if self._controller is None:
            self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
            self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def recipients(self) -> list[str]:
        return [str(m["To"]) for m in self.messages]

    def message_ids(self) -> list[str]:
        return [str(m["Message-ID"]) for m in self.messages]

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if str(m["To"]) == address]


@pytest.fixture
def smtp_sink(app) -> Iterator[SmtpSink]:  # type: ignore[no-untyped-def]
    sink = SmtpSink()
    sink.start()
    app.config.update(
        MAIL_TRANSPORT="smtp",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=sink.port,
        SMTP_TIMEOUT=5,
        SMTP_STARTTLS=False,
        SMTP_USERNAME="",
    )
    try:
        yield sink
    finally:
        sink.stop()
