"""Deliver the outbox: send due rows over SMTP (or the console transport), one row at a time.

Why one row per transaction: each row is claimed (`SELECT ... FOR UPDATE SKIP LOCKED` on
PostgreSQL) and marked sent in the same short transaction, so two deliverers never send the same
row, and a crash between sending and committing leaves the row queued (sent again later, with the
same Message-ID so a receiving side can drop the duplicate). On SQLite the scheduler's job lease
makes the deliverer single.

Failures: an SMTP reply 5xx is permanent (status failed, shown to admins, never retried); 4xx
replies, refused connections, timeouts and dropped connections are temporary and retried with
exponential backoff and jitter until MAIL_MAX_ATTEMPTS, then failed. An authentication failure
is a configuration problem, not a problem with the email, so it is treated as temporary.
"""

from __future__ import annotations

import email.policy
import logging
import random
import smtplib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Protocol

from flask import current_app

from engage.extensions import db
from engage.mail.models import OutboxEmail

log = logging.getLogger(__name__)

DEFAULT_MAX_ATTEMPTS = 10
DEFAULT_BATCH_SIZE = 200
BACKOFF_BASE_SECONDS = 60
BACKOFF_CAP_SECONDS = 6 * 3600


class TemporaryFailure(Exception):
    """Try again later (4xx reply, connection refused, timeout, dropped connection)."""


class PermanentFailure(Exception):
    """Never retry (5xx reply)."""


@dataclass
class DeliveryResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"sent {self.sent}, retrying {self.retrying}, failed {self.failed}"


class Transport(Protocol):
    def send(self, row: OutboxEmail, message: EmailMessage) -> None: ...

    def close(self) -> None: ...


def message_id(row: OutboxEmail) -> str:
    """Stable per outbox row, so a resent email carries the same Message-ID."""
    domain = current_app.config["MAIL_FROM"].rpartition("@")[2] or "engage.invalid"
    return f"<outbox-{row.id}@{domain}>"


# Long subjects stay on one line (RFC 5322 allows 998 characters); the default 78 folds them
# so that some clients show a stray leading space.
POLICY = email.policy.default.clone(max_line_length=998)


def build_message(row: OutboxEmail) -> EmailMessage:
    message = EmailMessage(policy=POLICY)
    message["Subject"] = row.subject
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = row.to_address
    message["Message-ID"] = message_id(row)
    message["Date"] = format_datetime(row.created_at)
    message.set_content(row.body_text or "")
    if row.body_html:
        message.add_alternative(row.body_html, subtype="html")
    return message


class ConsoleTransport:
    """Local runs: prints the subject and the recipient's domain (no personal data) and writes
    the whole message to instance/mail/<id>.eml for inspection."""

    def __init__(self) -> None:
        directory = current_app.config.get("MAIL_CONSOLE_DIR") or (
            Path(current_app.instance_path) / "mail"
        )
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def send(self, row: OutboxEmail, message: EmailMessage) -> None:
        path = self.directory / f"{row.id}.eml"
        path.write_bytes(message.as_bytes())
        domain = row.to_address.rpartition("@")[2]
        print(f"Email {row.id} to someone at {domain}: {row.subject} ({path})", flush=True)

    def close(self) -> None:
        pass


class SmtpTransport:
    """One SMTP connection per delivery run, opened lazily and reopened after an error."""

    def __init__(self) -> None:
        self.config = current_app.config
        self.connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        connection = smtplib.SMTP(
            config["SMTP_HOST"], int(config["SMTP_PORT"]), timeout=float(config["SMTP_TIMEOUT"])
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

    def send(self, row: OutboxEmail, message: EmailMessage) -> None:
        try:
            if self.connection is None:
                self.connection = self._connect()
            refused = self.connection.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            self.close()
            code, reply = next(iter(error.recipients.values()))
            raise _classify(code, reply) from error
        except smtplib.SMTPAuthenticationError as error:
            self.close()
            raise TemporaryFailure(f"SMTP authentication failed: {error.smtp_code}") from error
        except smtplib.SMTPResponseException as error:
            self.close()
            raise _classify(error.smtp_code, error.smtp_error) from error
        except (TimeoutError, smtplib.SMTPException, OSError) as error:
            self.close()
            raise TemporaryFailure(f"{type(error).__name__}: {error}") from error
        if refused:
            code, reply = next(iter(refused.values()))
            raise _classify(code, reply)

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


def backoff(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Delay before the next try after `attempts` failed tries: exponential, capped, with
    jitter (between half and all of the step) so many failed emails do not retry in lockstep."""
    step = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1))
    jitter = (rng or random).uniform(0.5, 1.0)  # noqa: S311  # nosec B311 - not security
    return timedelta(seconds=step * jitter)


def _claim_next(now: datetime, skip: set[int]) -> OutboxEmail | None:
    query = (
        db.select(OutboxEmail)
        .where(OutboxEmail.status == "queued", OutboxEmail.next_attempt_at <= now)
        .order_by(OutboxEmail.next_attempt_at, OutboxEmail.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if skip:
        query = query.where(OutboxEmail.id.not_in(skip))
    return db.session.execute(query).scalar_one_or_none()


def deliver_due(now: datetime, *, limit: int | None = None) -> DeliveryResult:
    """Send every queued email whose next attempt is due at `now` (up to a batch size)."""
    config = current_app.config
    max_attempts = int(config.get("MAIL_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS))
    limit = limit or int(config.get("MAIL_BATCH_SIZE", DEFAULT_BATCH_SIZE))
    result = DeliveryResult()
    transport = make_transport()
    tried: set[int] = set()
    db.session.commit()  # start from a clean transaction: each claim is its own
    try:
        for _ in range(limit):
            row = _claim_next(now, tried)
            if row is None:
                break
            tried.add(row.id)
            try:
                transport.send(row, build_message(row))
            except PermanentFailure as error:
                row.attempts += 1
                row.status = "failed"
                row.failed_at = now
                row.last_error = str(error)[:2000]
                result.failed += 1
                result.errors.append(f"{row.id}: {error}")
                log.warning("email %s failed permanently: %s", row.id, error)
            except TemporaryFailure as error:
                row.attempts += 1
                row.last_error = str(error)[:2000]
                if row.attempts >= max_attempts:
                    row.status = "failed"
                    row.failed_at = now
                    result.failed += 1
                    log.warning("email %s failed after %s attempts", row.id, row.attempts)
                else:
                    row.next_attempt_at = now + backoff(row.attempts)
                    result.retrying += 1
                    log.info("email %s will be retried: %s", row.id, error)
                result.errors.append(f"{row.id}: {error}")
            else:
                row.attempts += 1
                row.status = "sent"
                row.sent_at = now
                row.last_error = None
                result.sent += 1
            db.session.commit()
    finally:
        transport.close()
        db.session.rollback()
    return result


def purge_sent_email_bodies(now: datetime) -> int:
    """Remove the bodies of emails sent more than SENT_EMAIL_BODY_RETENTION_DAYS ago; the row
    (who, when, subject) stays as the record that the email went."""
    days = int(current_app.config["SENT_EMAIL_BODY_RETENTION_DAYS"])
    cutoff = now - timedelta(days=days)
    result = db.session.execute(
        db.update(OutboxEmail)
        .where(
            OutboxEmail.status == "sent",
            OutboxEmail.sent_at < cutoff,
            OutboxEmail.body_removed_at.is_(None),
        )
        .values(body_text=None, body_html=None, body_removed_at=now)
    )
    db.session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
