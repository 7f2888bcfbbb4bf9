"""Reading stored messages: loops, bounces, replies to a case, and the rest to the inbox.

`process_pending(now)` reads every stored message not yet read (status "pending"), one
transaction each; a message that cannot be read is marked "failed" with the reason (it stays
stored, shown to administrators) and the others carry on.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime

from flask import current_app

from engage.cases.models import Case, CaseEvent
from engage.db_types import utcnow
from engage.extensions import db
from engage.mail.models import OutboxEmail
from engage.mail.outbox import queue_email
from engage.mailin.models import InboundMessage
from engage.mailin.parse import Parsed, clean, header, parse

log = logging.getLogger(__name__)
REFERENCE = re.compile(r"\[(C-\d{4}-\d{5,9})\]")
_OUTBOX = re.compile(rb"<outbox-(\d{1,10})@([^>\s]{1,200})>")


def is_automatic(parsed: Parsed) -> str | None:
    """Why nothing automatic may answer this message, or None (RFC 3834 and common usage)."""
    message = parsed.message
    if message is None:
        return "unreadable"
    auto = header(message, "Auto-Submitted").lower()
    # Its keyword, without parameters or a comment ("no (typed by a person)"): RFC 3834 5.
    if auto and re.split(r"[\s;(]", auto, maxsplit=1)[0] != "no":
        return f"Auto-Submitted: {auto[:40]}"
    precedence = header(message, "Precedence").lower()
    if precedence in ("bulk", "junk", "list"):
        return f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond", "List-Id", "List-Unsubscribe"):
        if header(message, name):
            return f"{name} header"
    return_path = header(message, "Return-Path").strip().lower()
    if "Return-Path" in message and return_path in ("", "<>"):
        return "empty return path"
    if "mailer-daemon" in return_path or parsed.from_address.startswith("mailer-daemon@"):
        return "from MAILER-DAEMON"
    return None


def _our_outbox_ids(data: bytes) -> list[int]:
    domain = current_app.config["MAIL_FROM"].rpartition("@")[2].lower().encode()
    return [int(n) for n, d in _OUTBOX.findall(data) if d.lower() == domain]


_BOUNCE_SUBJECT = re.compile(
    r"undeliver|delivery status notification|delivery failure|returned mail|failure notice|"
    r"mail delivery failed|could not be delivered",
    re.I,
)


def bounce_reason(parsed: Parsed, raw: bytes) -> str | None:
    """The reason, when the message is a delivery failure report (RFC 3464 DSN, or a plain
    bounce from a mailer daemon); None otherwise. A "delayed" DSN is not a failure."""
    message = parsed.message
    if message is None:
        return None
    report = message.get_content_type() == "multipart/report"
    if report and "delivery-status" in header(message, "Content-Type").lower():
        text = raw.decode("utf-8", "replace")
        actions = re.findall(r"(?im)^Action:\s*(\S+)", text)
        if actions and all(a.lower() in ("delayed", "delivered", "relayed") for a in actions):
            return None
        status = re.search(r"(?im)^Status:\s*(\S+)", text)
        diagnostic = re.search(r"(?im)^Diagnostic-Code:\s*(.+(?:\n[ \t].+)*)", text)
        parts = [f"status {status.group(1)}" if status else ""]
        parts.append(" ".join(diagnostic.group(1).split()) if diagnostic else "")
        return clean("; ".join(p for p in parts if p) or "delivery failed", 500)
    daemon = is_automatic(parsed) in ("empty return path", "from MAILER-DAEMON")
    postmaster = parsed.from_address.startswith("postmaster@")
    if (daemon or postmaster) and _BOUNCE_SUBJECT.search(parsed.subject):
        return clean(parsed.subject, 500)
    return None


# Only an email the mail server has taken can come back as undelivered.
_BOUNCEABLE = ("sent", "uncertain", "failed")


def _report_text(raw: bytes, parsed: Parsed) -> bytes:
    """A failure report as sent and with its parts decoded (some servers base64-encode the
    report's text), at most 50 parts and 4 MB: where our Message-ID and the address are."""
    found = [raw]
    parts = parsed.message.walk() if parsed.message is not None else iter(())
    for index, part in enumerate(parts):
        if index >= 50 or sum(len(f) for f in found) > 4 * 1024 * 1024:
            break
        try:
            payload = part.get_payload(decode=True)
        except Exception:  # noqa: BLE001, S112  # nosec B112 - a malformed part is skipped
            continue
        if isinstance(payload, bytes):
            found.append(payload)
    return b"\n".join(found)


def _about(outbox: OutboxEmail, report: bytes) -> bool:
    """Whether a failure report is really about this email: it was handed to the mail server,
    and the report names the address it went to (a report made up by a stranger who guessed
    our Message-ID, `<outbox-N@...>` with N counting up, would otherwise cancel an email still
    waiting to be sent, or mark a delivered one failed)."""
    address = (outbox.to_address or "").strip().lower().encode()
    return outbox.status in _BOUNCEABLE and bool(address) and address in report.lower()


def _mark_bounced(
    row: InboundMessage, reason: str, raw: bytes, parsed: Parsed, now: datetime
) -> None:
    from engage.cases.sla.delivered import acknowledgement_bounced

    report = _report_text(raw, parsed)
    ids = _our_outbox_ids(report)
    outbox = db.session.get(OutboxEmail, ids[0]) if ids else None
    row.status = "bounce"
    if outbox is None:
        row.status_reason = f"Delivery failure report for no email of ours: {reason}"
        return
    if not _about(outbox, report):
        row.status_reason = (
            f"Delivery failure report that does not match email {outbox.id} (not sent yet, or "
            f"another address): nothing changed. {reason}"
        )[:2000]
        return
    row.outbox_id = outbox.id
    row.case_id = outbox.case_id
    row.status_reason = f"Bounced: {reason}"
    outbox.status = "failed"
    outbox.failed_at = outbox.failed_at or utcnow()
    outbox.last_error = f"Bounced: {reason}"[:2000]
    case = db.session.get(Case, outbox.case_id) if outbox.case_id else None
    if case is not None:
        acknowledgement_bounced(case, outbox, now)


def _case_for(parsed: Parsed, raw: bytes) -> Case | None:
    """The case a reply belongs to: by In-Reply-To/References (our outbox Message-IDs, or
    a message already on a case), else by [C-YYYY-NNNNN] in the subject when the sender is
    the case's requester (a stranger quoting a reference never reaches a case in
    confidence: the message waits in Mail in)."""
    sender = parsed.from_address
    refs = " ".join(parsed.references).encode()
    for outbox_id in _our_outbox_ids(refs):
        outbox = db.session.get(OutboxEmail, outbox_id)
        if outbox is not None and outbox.case_id is not None:
            case = db.session.get(Case, outbox.case_id)
            # Our Message-IDs count up: only whoever we wrote to (or the requester) threads.
            if case is not None and sender and sender in _addresses(outbox.to_address, case):
                return case
    if parsed.references and sender:
        earlier = db.session.execute(
            db.select(InboundMessage.case_id, InboundMessage.from_address)
            .where(InboundMessage.message_id.in_(parsed.references))
            .where(InboundMessage.case_id.is_not(None))
        ).all()
        for case_id, earlier_sender in earlier:
            case = db.session.get(Case, case_id)
            if case is not None and sender in _addresses(earlier_sender, case):
                return case
    found = REFERENCE.search(parsed.subject)
    if found:
        case = db.session.execute(
            db.select(Case).where(Case.reference == found.group(1))
        ).scalar_one_or_none()
        requester = (case.requester_email or "").lower() if case else ""
        if case is not None and requester and requester == parsed.from_address:
            return case
    return None


def _addresses(address: str | None, case: Case) -> set[str]:
    """Who may add to `case` by replying: the address written to (or from), the requester."""
    return {a.strip().lower() for a in (address, case.requester_email) if a and a.strip()}


def thread_into_case(row: InboundMessage, case: Case, parsed: Parsed, now: datetime) -> None:
    """Add a reply to its case: history entry, assignee told, and a reply to a
    clarification request resumes the clock from the day it was received."""
    from engage.mailin.clarification import resume_from_reply

    row.status = "threaded"
    row.case_id = case.id
    who = parsed.from_address or "unknown sender"
    requester = (case.requester_email or "").lower()
    replied = requester and requester == parsed.from_address
    # An out-of-office or other automatic reply is not the clarification we asked for.
    paused = case.state == "awaiting_clarification" and replied and row.automatic
    note = f"Email received from {who}: {parsed.subject or '(no subject)'}"[:900]
    if paused:
        note += "\nAn automatic reply: the clock stays paused"
    db.session.add(
        CaseEvent(
            case=case,
            at=now,
            actor_id=None,
            action="email_received",
            from_state=case.state,
            to_state=case.state,
            note=note,
        )
    )
    if case.state == "awaiting_clarification" and replied and not row.automatic:
        resume_from_reply(case, row, now)
    # Nothing is sent in answer to automatic mail: the assignee's own out-of-office reply to
    # this very notification would otherwise come back, thread, and be answered for ever.
    if case.assigned_to is not None and case.assigned_to.email and not row.automatic:
        queue_email(
            case.assigned_to.email,
            "mailin_reply_received",
            dedup_key=f"mailin-told:{row.id}",
            case=case,
            assignee=case.assigned_to,
            sender=who,
            message_subject=parsed.subject,
        )


def process_one(row: InboundMessage, now: datetime) -> None:
    raw = row.raw or b""
    parsed = parse(raw)
    row.from_address = parsed.from_address or None
    row.from_name = parsed.from_name or None
    row.subject = parsed.subject or None
    row.automatic = is_automatic(parsed) is not None
    row.processed_at = now
    reason = bounce_reason(parsed, raw)
    if reason is not None:
        _mark_bounced(row, reason, raw, parsed, now)
        return
    case = _case_for(parsed, raw)
    if case is not None:
        thread_into_case(row, case, parsed, now)
        return
    row.status = "new"


def process_pending(now: datetime | None = None, *, commit_every: int = 50) -> str:
    """Read every stored, unread message: each in its own SAVEPOINT (a message that cannot be
    read is marked so, with the reason, and the others carry on), committed in groups."""
    now = now or utcnow()
    ids = (
        db.session.execute(
            db.select(InboundMessage.id)
            .where(InboundMessage.status == "pending")
            .order_by(InboundMessage.id)
        )
        .scalars()
        .all()
    )
    db.session.commit()
    done = failed = 0
    for count, message_id in enumerate(ids, start=1):
        row = db.session.get(InboundMessage, message_id, with_for_update=_lock())
        if row is not None and row.status == "pending":
            try:
                with db.session.begin_nested():
                    process_one(row, now)
                done += 1
            except Exception as error:  # noqa: BLE001 - one bad message never stalls the others
                log.exception("mail in: message %s could not be read", message_id)
                db.session.expire(row)
                row.status = "failed"
                row.status_reason = f"Could not be read: {type(error).__name__}: {error}"[:2000]
                row.processed_at = now
                failed += 1
        if count % commit_every == 0:
            db.session.commit()
            db.session.expunge_all()  # the session stays small, whatever the number
    db.session.commit()
    return f"{done} message(s) read, {failed} could not be read"


def _lock() -> bool | dict[str, bool]:
    """Row lock on PostgreSQL (skip a row another reader holds); SQLite serialises writers."""
    if db.session.get_bind().dialect.name == "postgresql":
        return {"skip_locked": True}
    return False
