"""A real SMTP server on loopback (aiosmtpd) for tests that send email.

`smtp_sink` starts it on a free port of 127.0.0.1 and points the app's SMTP settings at it. The
sink records every accepted message; set `.mode` to "tempfail" (451) or "permfail" (550) to make
it refuse recipients, to "tempfail-data" (451) or "permfail-data" (554) to make it refuse the
message after its end (the reply to "<CRLF>.<CRLF>"), or to "slow-data" to make it accept the
message but reply only after `.reply_delay` seconds, to "drop-at-mail" to make it close the
connection without a word at the next MAIL FROM (once); or `.stop()` / `.start()` it to take it
down and bring it back on the same port. `.on_rcpt` and `.on_data` (functions of no arguments,
run in the server's thread) are called when a recipient arrives and when a complete message has
arrived, before the reply: a test looks at or changes the database at those moments. A message
whose end never arrives (the client closed the connection first) is discarded, as RFC 5321 says.
Import the fixture in a conftest: `from tests.smtp import smtp_sink  # noqa: F401`.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
from collections.abc import Callable, Iterator
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

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # type: ignore[no-untyped-def]
        if self.sink.mode == "drop-at-mail":  # once: the connection closes without a reply
            self.sink.mode = "accept"
            server.transport.close()
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        if self.sink.on_rcpt is not None:
            self.sink.on_rcpt()
        if self.sink.mode == "tempfail":
            return "451 4.3.0 Mailbox temporarily unavailable, try again later"
        if self.sink.mode == "permfail":
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        if self.sink.on_data is not None:
            self.sink.on_data()
        if self.sink.mode == "tempfail-data":
            return "451 4.3.0 Message not accepted now, try again later"
        if self.sink.mode == "permfail-data":
            return "554 5.6.0 Message refused"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.sink.messages.append(message)  # type: ignore[arg-type]
        self.sink.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        if self.sink.mode == "slow-data":
            await asyncio.sleep(self.sink.reply_delay)
        return "250 Message accepted for delivery"


class SmtpSink:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        # accept | tempfail | permfail | tempfail-data | permfail-data | slow-data | drop-at-mail
        self.mode = "accept"
        self.reply_delay = 2.0
        self.on_rcpt: Callable[[], None] | None = None
        self.on_data: Callable[[], None] | None = None
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
