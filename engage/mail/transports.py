"""How an email leaves: the SMTP transport that holds back the end of the message until its row
is marked "finishing" (PhasedSMTP, SmtpTransport), the console transport for local runs, and
the failures they report. engage/mail/delivery.py explains why, and is their one caller."""

from __future__ import annotations

import re
import smtplib
import socket
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol

from flask import current_app

from engage.mail.models import OutboxEmail

# The reply to the end of the message may take a while (RFC 5321 suggests waiting 10 minutes):
# no reply there makes the email uncertain, so wait at least this long for it.
DEFAULT_END_OF_DATA_TIMEOUT = 60


class TemporaryFailure(Exception):
    """Try again later (4xx reply, connection refused, timeout, dropped connection)."""


class PermanentFailure(Exception):
    """Never retry (5xx reply)."""


class ReplyLost(Exception):
    """The end of the message was sent but no reply came (dropped connection, timeout): the
    server may or may not have accepted the message."""


class EndWithheld(Exception):
    """The end of the message was not sent: its row could not be marked "finishing" (database
    unreachable, or the row is no longer this run's). The server discards the message."""


BeforeEnd = Callable[[], None]


class Transport(Protocol):
    def send(self, row: OutboxEmail, message: EmailMessage, before_end: BeforeEnd) -> None:
        """Send `message`; call `before_end()` just before the end of the message, if the
        transport has one (an exception from it means: do not send the end)."""

    def close(self) -> None: ...


class ConsoleTransport:
    """Local runs: prints the subject and the recipient's domain (no personal data) and writes
    the whole message to instance/mail/<id>.eml for inspection. There is no end of message to
    hold back, so a row goes straight from "sending" to "sent"."""

    def __init__(self) -> None:
        directory = current_app.config.get("MAIL_CONSOLE_DIR") or (
            Path(current_app.instance_path) / "mail"
        )
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def send(self, row: OutboxEmail, message: EmailMessage, before_end: BeforeEnd) -> None:
        path = self.directory / f"{row.id}.eml"
        path.write_bytes(message.as_bytes())
        domain = row.to_address.rpartition("@")[2]
        print(f"Email {row.id} to someone at {domain}: {row.subject} ({path})", flush=True)

    def close(self) -> None:
        pass


CRLF = b"\r\n"


def _fix_eols(data: str) -> str:
    return re.sub(r"(?:\r\n|\n|\r(?!\n))", "\r\n", data)


def _quote_periods(data: bytes) -> bytes:
    return re.sub(rb"(?m)^\.", b"..", data)


class PhasedSMTP(smtplib.SMTP):
    """smtplib.SMTP whose data() calls `before_end` after sending the whole message and before
    the `<CRLF>.<CRLF>` that ends it. Everything else (send_message's headers, sendmail's
    MAIL/RCPT and its handling of the reply) is the standard library's; data() is the standard
    library's too, split in two, and with a longer wait for the reply to the end."""

    before_end: BeforeEnd | None = None
    end_sent = False  # the end of the message (or part of it) may have reached the server
    end_of_data_timeout: float | None = None

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        sock = super()._get_socket(host, port, timeout)  # type: ignore[misc]
        # The end of the message is a few bytes sent on their own right after the body: without
        # TCP_NODELAY, Nagle's algorithm holds them until the body is acknowledged (a delayed
        # ACK, ~40 ms), which would slow every email and widen the uncertain window.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock  # type: ignore[no-any-return]

    def data(self, msg: Any) -> tuple[int, bytes]:
        self.end_sent = False
        self.putcmd("data")
        code, reply = self.getreply()
        if self.debuglevel > 0:
            self._print_debug("data:", (code, reply))  # type: ignore[attr-defined]
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        if isinstance(msg, str):
            msg = _fix_eols(msg).encode("ascii")
        body = _quote_periods(msg)
        if body[-2:] != CRLF:
            body += CRLF
        self.send(body)
        if self.before_end is not None:
            try:
                self.before_end()
            except BaseException:
                # Close without QUIT: anything sent now would become part of the message. With
                # no end of message, the server discards what it received.
                self.close()
                raise
        self.end_sent = True
        previous = self.sock.gettimeout() if self.sock is not None else None
        if self.end_of_data_timeout and self.sock is not None and previous is not None:
            self.sock.settimeout(max(previous, self.end_of_data_timeout))
        self.send(b"." + CRLF)
        code, reply = self.getreply()
        if self.debuglevel > 0:
            self._print_debug("data:", (code, reply))  # type: ignore[attr-defined]
        if self.sock is not None:
            self.sock.settimeout(previous)
        return code, reply


class SmtpTransport:
    """One SMTP connection per delivery run, opened lazily and reopened after an error."""

    def __init__(self) -> None:
        self.config = current_app.config
        self.connection: PhasedSMTP | None = None

    def _connect(self) -> PhasedSMTP:
        config = self.config
        connection = PhasedSMTP(
            config["SMTP_HOST"], int(config["SMTP_PORT"]), timeout=float(config["SMTP_TIMEOUT"])
        )
        connection.end_of_data_timeout = float(
            config.get("SMTP_END_OF_DATA_TIMEOUT", DEFAULT_END_OF_DATA_TIMEOUT)
        )
        try:
            if config["SMTP_STARTTLS"]:
                connection.starttls()
            if config["SMTP_USERNAME"]:
                connection.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
        except Exception:
            connection.close()
            raise
        return connection

    def send(self, row: OutboxEmail, message: EmailMessage, before_end: BeforeEnd) -> None:
        # One recipient per message: if it is refused, sendmail raises before DATA; once the
        # server has answered 250 to the end of the message, the email has gone.
        connection: PhasedSMTP | None = None
        try:
            if self.connection is None:
                self.connection = self._connect()
            connection = self.connection
            connection.before_end = before_end
            connection.end_sent = False  # not this message's end yet (a reused connection)
            connection.send_message(message)
        except EndWithheld:
            self.connection = None  # data() closed the socket without the end of the message
            raise
        except smtplib.SMTPRecipientsRefused as error:
            self.close()
            code, reply = next(iter(error.recipients.values()))
            raise _classify(code, reply) from error
        except smtplib.SMTPNotSupportedError as error:
            # An address the server cannot take (SMTPUTF8 needed): it will not change.
            self.close()
            raise PermanentFailure(
                f"The mail server cannot send to this address: {error}"
            ) from None
        except smtplib.SMTPAuthenticationError as error:
            self.close()
            raise TemporaryFailure(f"SMTP authentication failed: {error.smtp_code}") from error
        except smtplib.SMTPResponseException as error:
            # A reply, even to the end of the message: 4xx or 5xx there means not accepted.
            self.close()
            raise _classify(error.smtp_code, error.smtp_error) from error
        except (TimeoutError, smtplib.SMTPException, OSError) as error:
            ended = connection is not None and connection.end_sent
            self.close()
            detail = f"{type(error).__name__}: {error}"
            if ended:
                raise ReplyLost(f"No reply after the end of the message ({detail})") from error
            raise TemporaryFailure(detail) from error
        except BaseException:
            # Unexpected: never reuse a connection in an unknown state (and send no QUIT).
            self.connection = None
            if connection is not None:
                connection.close()
            raise
        finally:
            if connection is not None:
                connection.before_end = None

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (smtplib.SMTPException, OSError):
                self.connection.close()
            self.connection = None


def _classify(code: int, reply: bytes | str) -> Exception:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    detail = f"SMTP {code} {text}".strip()
    if 500 <= code < 600:
        return PermanentFailure(detail)
    return TemporaryFailure(detail)


def make_transport() -> Transport:
    name = current_app.config["MAIL_TRANSPORT"]
    if name == "smtp":
        return SmtpTransport()
    if name == "console":
        return ConsoleTransport()
    raise ValueError(f"MAIL_TRANSPORT must be 'console' or 'smtp', not {name!r}")
