"""Deliver the outbox: send due rows over SMTP (or the console transport), one row at a time,
exactly once except across a crash in one window of some milliseconds per email.

Each row goes through phases, each committed before the next starts:

1. **Claim**: status "sending", `claimed_at`, `claim_token` (this run's) and attempts + 1. The row
   is picked with `SELECT ... FOR UPDATE SKIP LOCKED` on PostgreSQL and claimed by a conditional
   `UPDATE ... WHERE status = 'queued'`, so two deliverers never claim the same row.
2. **SMTP**: MAIL FROM, RCPT TO, DATA and the whole message, but not the `<CRLF>.<CRLF>` that
   ends it. Until the end is sent the server holds nothing: if the connection closes first,
   RFC 5321 makes it discard the message.
3. **Finishing**: status "finishing" is committed, and only then is the end of the message sent.
   If that commit fails (database unreachable) or the row is no longer this run's, the socket is
   closed without the end (no QUIT either: it would become part of the message), the server
   discards the message, and the row is left to recovery.
4. **The server's reply to the end**: 250 -> "sent" (if the database is briefly unreachable the
   commit is retried with backoff for up to MAIL_SENT_RECORD_SECONDS, 60 s, since we know it
   went; only then is the row left "finishing"); 4xx -> back to the queue with backoff; 5xx ->
   failed; no reply at all (connection dropped, timeout) -> "uncertain".

**Recovery**, at the start of every run: a row left "sending" by a run that died is queued again
(its end of message was never sent, so the server does not have it); a row left "finishing"
becomes "uncertain" (the server may or may not have it), is logged by id only and is never resent
automatically: an administrator chooses "Send again" or "Mark as delivered" on
/staff/admin/outbox. So an email can be sent twice only if an administrator chooses to, and the
uncertain window is from recording "finishing" to recording the 250: the time the server takes
to accept one message plus one commit. The Message-ID (`<outbox-ID@domain>`) is the same on every
attempt.

**One run at a time, and safe if not**: the deliver_emails job runs under its database lock
(engage/scheduler/locks.py; deliver_due has no other caller), so normally no other run owns a
row that recovery touches. Even so every change after the claim is conditional on the row still
carrying this run's claim token and an expected status, so two runs at once (a SQLite lease that
expired during a very long run, or a PostgreSQL advisory lock lost with its connection during a
database restart) still cannot both send a row: a run whose "sending" row was requeued by the
other's recovery cannot record "finishing" and withholds the end of the message; a "finishing"
row marked uncertain by the other's recovery is put right by its owner when the reply arrives.

Failures: an SMTP reply 5xx is permanent (status failed, shown to admins, never retried); 4xx
replies, refused connections, timeouts and dropped connections before the end of the message are
temporary and retried with exponential backoff and jitter, capped at an hour, for as long as
MAIL_RETRY_HOURS (72: a long weekend's outage loses nothing) from the first failure; only then
is the email failed. An authentication failure is a configuration problem, not a problem with
the email, so it is treated as temporary. When a run delivers again after an outage, every email
waiting on its backoff is due at once, and the CSO mailbox is told once how many waited and
since when (engage/mail/health.py).

A message that cannot be built from what is stored (an address the email package refuses, say)
fails on its own, with a plain reason: it never stops the rest of the run. Subjects and names
are cleaned for headers when the message is built (engage/textpolicy.py), so text stored before
the text policy existed cannot break a header either.
"""

from __future__ import annotations

import email.policy
import logging
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from engage.extensions import db
from engage.mail.models import IN_PROGRESS, OutboxEmail
from engage.mail.transports import (  # noqa: F401  (named here for their callers too)
    ConsoleTransport,
    EndWithheld,
    PermanentFailure,
    PhasedSMTP,
    ReplyLost,
    SmtpTransport,
    TemporaryFailure,
    Transport,
    make_transport,
)
from engage.textpolicy import header_text

log = logging.getLogger(__name__)

DEFAULT_RETRY_HOURS = 72
DEFAULT_BATCH_SIZE = 200
BACKOFF_BASE_SECONDS = 60
BACKOFF_CAP_SECONDS = 3600
# How long to keep trying to record "sent" after the server's 250 (the database is unreachable).
DEFAULT_SENT_RECORD_SECONDS = 60
# Statuses a run's own row may have after its claim (another run's recovery may have marked a
# "finishing" row uncertain while this run waited for the reply).
OWNED = ("sending", "finishing", "uncertain")


@dataclass
class DeliveryResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    uncertain: int = 0  # rows this run found or left uncertain, for an administrator
    requeued: int = 0  # rows an interrupted run left "sending", queued again
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = f"sent {self.sent}, retrying {self.retrying}, failed {self.failed}"
        if self.uncertain:
            text += f", uncertain {self.uncertain}"
        if self.requeued:
            text += f", requeued {self.requeued} left by an interrupted run"
        return text


def message_id(row: OutboxEmail) -> str:
    """Stable per outbox row, so a resent email carries the same Message-ID."""
    domain = current_app.config["MAIL_FROM"].rpartition("@")[2] or "engage.invalid"
    return f"<outbox-{row.id}@{domain}>"


# Long subjects stay on one line (RFC 5322 allows 998 characters); the default 78 folds them
# so that some clients show a stray leading space.
POLICY = email.policy.default.clone(max_line_length=998)


# RFC 3834: an email Engage writes by itself says so (`Auto-Submitted: auto-generated`), so that
# out-of-office and other responders do not answer it, and one that comes back into the
# office's mailbox is never answered either (engage.mailin.process.is_automatic). The emails
# whose words a member of staff wrote to a person (a full response, a request for
# clarification, a charge quote, a delay notice, a message to a user log) are not automatic:
# RFC 3834 5.1 reserves "auto-generated" for messages made by an automatic process and reads
# an absent header as "no", so they carry none. Every other template is automatic.
WRITTEN_BY_STAFF = frozenset(
    {"case_response", "case_clarification", "case_charge_quote", "case_delay", "log_message"}
)


class Unbuildable(Exception):
    """The stored row cannot become an email (the reason is plain English)."""


def build_message(row: OutboxEmail) -> EmailMessage:
    """The email for a row. Header values are cleaned here, whatever is stored; a row that still
    cannot be made into an email raises Unbuildable with a plain reason."""
    try:
        return _build(row)
    except Exception as error:  # the email package raises several kinds; all mean the same
        raise Unbuildable(
            f"The email could not be built from what is stored ({type(error).__name__}); "
            "check the recipient's address"
        ) from error


def _build(row: OutboxEmail) -> EmailMessage:
    address = header_text(row.to_address, 254)
    if "@" not in address or any(ch in address for ch in ' ,;<>"\t'):
        raise ValueError("not one email address")
    message = EmailMessage(policy=POLICY)
    message["Subject"] = header_text(row.subject)
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = address
    message["Message-ID"] = message_id(row)
    if current_app.config.get("MAIL_IN_ADDRESS"):  # replies reach the monitored mailbox
        message["Reply-To"] = current_app.config["MAIL_IN_ADDRESS"]
    message["Date"] = format_datetime(row.created_at)
    if row.template not in WRITTEN_BY_STAFF:
        message["Auto-Submitted"] = "auto-generated"
    if row.list_unsubscribe:  # RFC 8058 one-click unsubscribe (an email to a stakeholder)
        url = header_text(row.list_unsubscribe, 1000)
        if not url.startswith(("https://", "http://")) or any(c in url for c in " <>\t"):
            raise ValueError("not an unsubscribe URL")
        message["List-Unsubscribe"] = f"<{url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(row.body_text or "")
    if row.body_html:
        message.add_alternative(row.body_html, subtype="html")
    return message


def backoff(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Delay before the next try after `attempts` failed tries: exponential, capped, with
    jitter (between half and all of the step) so many failed emails do not retry in lockstep."""
    step = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1))
    jitter = (rng or random).uniform(0.5, 1.0)  # noqa: S311  # nosec B311 - not security
    return timedelta(seconds=step * jitter)


def _rollback_quietly() -> None:
    try:
        db.session.rollback()
    except SQLAlchemyError:  # the connection is gone; the session starts afresh next time
        log.debug("rollback failed", exc_info=True)


def _move(row_id: int, token: str, from_statuses: tuple[str, ...], **values: Any) -> bool:
    """Change this run's row if it still has this run's claim token and one of
    `from_statuses`; commit. True when the row was changed."""
    changed = db.session.execute(
        db.update(OutboxEmail)
        .where(
            OutboxEmail.id == row_id,
            OutboxEmail.claim_token == token,
            OutboxEmail.status.in_(from_statuses),
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    db.session.commit()
    return bool(changed == 1)


def _claim_next(now: datetime, skip: set[int], token: str) -> OutboxEmail | None:
    """Claim the next due row for this run (status "sending", committed), or None."""
    while True:
        query = (
            db.select(OutboxEmail.id)
            .where(OutboxEmail.status == "queued", OutboxEmail.next_attempt_at <= now)
            .order_by(OutboxEmail.next_attempt_at, OutboxEmail.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if skip:
            query = query.where(OutboxEmail.id.not_in(skip))
        row_id = db.session.execute(query).scalar_one_or_none()
        if row_id is None:
            db.session.commit()
            return None
        claimed = db.session.execute(
            db.update(OutboxEmail)
            .where(OutboxEmail.id == row_id, OutboxEmail.status == "queued")
            .values(
                status="sending",
                claimed_at=now,
                claim_token=token,
                attempts=OutboxEmail.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        ).rowcount  # type: ignore[attr-defined]
        db.session.commit()
        if claimed == 1:
            return db.session.get(OutboxEmail, row_id)
        skip.add(row_id)  # another deliverer took it between our SELECT and UPDATE


def retry_window() -> timedelta:
    return timedelta(hours=float(current_app.config.get("MAIL_RETRY_HOURS", DEFAULT_RETRY_HOURS)))


def recover_interrupted(now: datetime) -> tuple[int, int, int]:
    """Rows a delivery run left in progress when it died. "sending" -> queued after a backoff
    (the end of the message was never sent, so the server discarded it; the backoff keeps a
    message that kills the deliverer from going first every run), or failed once its retry
    window has passed; "finishing" -> uncertain (the server may or may not have it; never
    resent automatically). Logs ids only. Commits. Returns (requeued, failed, uncertain)."""
    rows = db.session.execute(
        db.select(
            OutboxEmail.id,
            OutboxEmail.status,
            OutboxEmail.claim_token,
            OutboxEmail.attempts,
            OutboxEmail.retry_until,
        )
        .where(OutboxEmail.status.in_(IN_PROGRESS))
        .order_by(OutboxEmail.id)
    ).all()
    requeued = failed = uncertain = 0
    for row_id, status, token, attempts, retry_until in rows:
        values: dict[str, Any]
        if status == "finishing":
            values = {
                "status": "uncertain",
                "last_error": "Delivery stopped after the end of the message was sent (or about "
                "to be) and before the mail server's reply was recorded: it may or may not "
                "have been delivered",
            }
        elif retry_until is not None and now >= retry_until:
            values = {
                "status": "failed",
                "failed_at": now,
                "last_error": f"Delivery stopped before the message was complete, "
                f"{attempts} attempts in all",
            }
        else:
            values = {
                "status": "queued",
                "next_attempt_at": now + backoff(attempts) if attempts > 1 else now,
                "retry_until": retry_until or now + retry_window(),
                "last_error": "Delivery stopped before the message was complete (the mail "
                "server discarded it); sending again",
            }
        changed = db.session.execute(
            db.update(OutboxEmail)
            .where(
                OutboxEmail.id == row_id,
                OutboxEmail.status == status,
                OutboxEmail.claim_token.is_not_distinct_from(token),
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount  # type: ignore[attr-defined]
        if changed != 1:
            continue
        if status == "finishing":
            uncertain += 1
            log.warning(
                "email %s is uncertain: its delivery run stopped between the end of the message "
                "and recording the reply; not resent, an administrator decides",
                row_id,
            )
        else:
            if values["status"] == "queued":
                requeued += 1
            else:
                failed += 1
            log.warning(
                "email %s: its delivery run stopped before the end of the message; %s",
                row_id,
                "queued again" if values["status"] == "queued" else "failed: attempts used up",
            )
    db.session.commit()
    return requeued, failed, uncertain


def _pause_for_tests(phase: str) -> None:
    """Tests only (ignored unless TESTING): MAIL_TEST_PAUSE = {"phase": "claimed" | "finishing"
    | "accepted", "marker": path, "seconds": n} writes the marker file and sleeps at that phase,
    so a test can SIGKILL the deliverer exactly there."""
    setting = current_app.config.get("MAIL_TEST_PAUSE")
    if not setting or not current_app.testing or setting.get("phase") != phase:
        return
    Path(setting["marker"]).write_text(phase)
    time.sleep(float(setting.get("seconds", 30)))


def _record_sent(row_id: int, token: str, now: datetime) -> None:
    """The server accepted the message: record it, retrying with backoff while the database is
    unreachable (the fact is kept here meanwhile) for up to MAIL_SENT_RECORD_SECONDS. If it
    still cannot, the error is raised and the row stays "finishing" (uncertain next run)."""
    window = float(current_app.config.get("MAIL_SENT_RECORD_SECONDS", DEFAULT_SENT_RECORD_SECONDS))
    deadline = time.monotonic() + window
    delay = 0.25
    while True:
        try:
            # "sent" included: a commit whose reply was lost may have gone through.
            recorded = _move(row_id, token, (*OWNED, "sent"), status="sent", sent_at=now)
        except SQLAlchemyError as error:
            _rollback_quietly()
            if time.monotonic() + delay > deadline:
                log.error(
                    "email %s was accepted by the mail server but could not be recorded as sent "
                    "for %.0f s; it stays 'finishing' and the next run marks it uncertain",
                    row_id,
                    window,
                )
                raise
            log.warning(
                "email %s was accepted by the mail server; recording it failed (%s), "
                "trying again in %.2f s",
                row_id,
                type(error).__name__,
                delay,
            )
            time.sleep(delay)
            delay = min(delay * 2, 5.0)
            continue
        if not recorded:
            log.warning(
                "email %s was accepted by the mail server, but an administrator or another run "
                "had changed its row; left as it is",
                row_id,
            )
        return


def _deliver_one(
    row: OutboxEmail,
    transport: Transport,
    now: datetime,
    token: str,
    result: DeliveryResult,
) -> None:
    """Send one claimed row and record the outcome (see the phases in the module docstring)."""
    row_id, attempts, retry_until = row.id, row.attempts, row.retry_until
    try:
        message = build_message(row)
    except Unbuildable as error:
        _move(row_id, token, OWNED, status="failed", failed_at=now, last_error=str(error))
        result.failed += 1
        result.errors.append(f"{row_id}: {error}")
        log.warning("email %s failed: %s", row_id, error)
        return
    _pause_for_tests("claimed")

    def before_end() -> None:
        try:
            ours = _move(row_id, token, ("sending",), status="finishing")
        except SQLAlchemyError as error:
            _rollback_quietly()
            log.warning(
                "email %s: could not record 'finishing' (%s); the end of the message was not "
                "sent and the server discards it",
                row_id,
                type(error).__name__,
            )
            raise EndWithheld("database unavailable") from error
        if not ours:
            raise EndWithheld("the row is no longer this run's")
        _pause_for_tests("finishing")

    try:
        transport.send(row, message, before_end)
    except EndWithheld as withheld:
        if isinstance(withheld.__cause__, SQLAlchemyError):
            raise withheld.__cause__ from withheld  # the database is down: end this run
        log.warning("email %s was taken over by another delivery run; not sent by this one", row_id)
        return
    except PermanentFailure as error:
        detail = str(error)[:2000]
        _move(row_id, token, OWNED, status="failed", failed_at=now, last_error=detail)
        result.failed += 1
        result.errors.append(f"{row_id}: {error}")
        log.warning("email %s failed permanently: %s", row_id, error)
    except TemporaryFailure as error:
        detail = str(error)[:2000]
        if retry_until is not None and now >= retry_until:
            detail = f"Still failing after {attempts} attempts over {retry_window()}: {detail}"
            _move(row_id, token, OWNED, status="failed", failed_at=now, last_error=detail)
            result.failed += 1
            log.warning("email %s failed after %s attempts", row_id, attempts)
        else:
            _move(
                row_id,
                token,
                OWNED,
                status="queued",
                next_attempt_at=now + backoff(attempts),
                retry_until=retry_until or now + retry_window(),
                last_error=detail,
            )
            result.retrying += 1
            log.info("email %s will be retried: %s", row_id, error)
        result.errors.append(f"{row_id}: {error}")
    except ReplyLost as error:
        _move(row_id, token, ("finishing",), status="uncertain", last_error=str(error)[:2000])
        result.uncertain += 1
        result.errors.append(f"{row_id}: {error}")
        log.warning(
            "email %s is uncertain: no reply after the end of the message; not resent, an "
            "administrator decides",
            row_id,
        )
    else:
        _pause_for_tests("accepted")
        _record_sent(row_id, token, now)
        result.sent += 1


def deliver_due(now: datetime, *, limit: int | None = None) -> DeliveryResult:
    """Recover rows an interrupted run left in progress, then send every queued email whose
    next attempt is due at `now` (up to a batch size)."""
    from engage.mail import health

    config = current_app.config
    limit = limit or int(config.get("MAIL_BATCH_SIZE", DEFAULT_BATCH_SIZE))
    result = DeliveryResult()
    token = uuid.uuid4().hex
    db.session.commit()  # start from a clean transaction: each phase is its own
    result.requeued, result.failed, result.uncertain = recover_interrupted(now)
    outage = health.waiting_since()  # emails already waiting on a retry: an outage
    transport = make_transport()
    tried: set[int] = set()
    resumed = False
    try:
        for _ in range(limit):
            row = _claim_next(now, tried, token)
            if row is None:
                break
            tried.add(row.id)
            _deliver_one(row, transport, now, token, result)
            if result.sent and outage is not None and not resumed:
                # The server answers again: everything waiting on a backoff goes now.
                resumed = True
                health.resume_waiting(now)
    finally:
        transport.close()
        _rollback_quietly()
    if resumed and outage is not None:
        health.report_recovery(now, outage)
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
