"""The CSO office's decisions on a message waiting in Mail in: turn it into a case, add it to
an existing case, or mark it not a case with a reason. Each message is decided once: the
decision claims it (`status = 'new'` in the UPDATE), so a double submit or two people at once
change nothing the second time."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, update

from engage.calendar import london_date
from engage.cases import workflow
from engage.cases.attachments import add_attachment, add_note
from engage.cases.intake import MESSAGE_MAX, create_case
from engage.cases.models import Case, CaseEvent
from engage.cases.sla.deadlines import current_calendar
from engage.cases.workflow import CaseError
from engage.db_types import utcnow
from engage.extensions import db
from engage.mail.models import OutboxEmail
from engage.mailin.models import NOT_A_CASE_REASONS, InboundMessage
from engage.mailin.parse import Parsed, parse

ACK_WORKING_DAYS = 5
NOTE_MAX = 2000


def waiting() -> list[InboundMessage]:
    return list(
        db.session.execute(
            db.select(InboundMessage)
            .where(InboundMessage.status == "new")
            .order_by(InboundMessage.received_at, InboundMessage.id)
        ).scalars()
    )


def age(row: InboundMessage, now: datetime | None = None) -> tuple[int, int]:
    """(working days since received, working days left of the 5-day acknowledgement promise;
    negative when missed)."""
    cal = current_calendar()
    received = london_date(row.received_at)
    today = london_date(now or utcnow())
    days = cal.working_days_between(received, today) if today > received else 0
    return days, ACK_WORKING_DAYS - days


def read(row: InboundMessage) -> Parsed:
    return parse(row.raw or b"")


def _claim(row: InboundMessage, status: str, actor: Any, now: datetime) -> None:
    claimed = db.session.execute(
        update(InboundMessage)
        .where(InboundMessage.id == row.id, InboundMessage.status == "new")
        .values(status=status, decided_by_id=getattr(actor, "id", None), decided_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    if claimed != 1:
        db.session.rollback()
        raise CaseError("Someone has already dealt with this message")
    db.session.refresh(row)


def _require_office(actor: Any) -> None:
    from engage.cases.access import is_office

    if not is_office(actor):
        raise workflow.CaseForbidden("mailin:decide")


def acknowledgements_today(address: str, now: datetime) -> int:
    return int(
        db.session.execute(
            db.select(func.count(OutboxEmail.id))
            .where(OutboxEmail.template == "case_acknowledged")
            .where(func.lower(OutboxEmail.to_address) == address.lower())
            .where(OutboxEmail.created_at >= now - timedelta(days=1))
        ).scalar_one()
    )


def sender_problem(parsed: Parsed) -> str | None:
    """Why the sender of a message cannot be the requester's email address, or None: none at
    all, not an address the case forms would accept (engage.forms.email_problem, their very
    validators), one of Engage's own addresses, or a mail server's (a bounce)."""
    from email.utils import getaddresses

    from flask import current_app

    from engage.forms import email_problem

    address = parsed.from_address
    if not address:
        return "the email has no sender address"
    if email_problem(address) is not None:
        return f"the sender’s address ‘{address[:100]}’ is not a valid email address"
    config = current_app.config
    ours = {a.lower() for _, a in getaddresses([config["MAIL_FROM"], config["MAIL_IN_ADDRESS"]])}
    if address in ours:
        return f"the sender’s address ‘{address}’ is Engage’s own"
    if address.split("@", 1)[0] in ("mailer-daemon", "postmaster"):
        return f"the sender ‘{address}’ is a mail server (a bounce), not a person"
    return None


@dataclass
class Made:
    case: Case
    acknowledged: bool
    why_not_acknowledged: str = ""
    why_no_contact: str = ""
    attachments_refused: list[str] = field(default_factory=list)


def _check_received(row: InboundMessage, now: datetime) -> None:
    """A case's received date from a message must be one the staff form would accept (a
    message copied into the mailbox keeps its old INTERNALDATE; 1890 broke the calendar)."""
    from datetime import date

    from flask import current_app

    from engage.filters import govuk_date

    received = london_date(row.received_at)
    earliest = date.fromisoformat(current_app.config["RECORDS_BEGIN"])
    if received < earliest or received > london_date(now):
        raise CaseError(
            f"This email was received on {govuk_date(received)}, a date a case cannot have "
            f"(from {govuk_date(earliest)} to today): enter it as a new case with the date it "
            "really arrived, and mark this email not a case",
            "kind",
        )


def to_case(
    row: InboundMessage,
    actor: Any,
    *,
    kind: str,
    requester_name: str,
    acknowledge: bool,
    now: datetime | None = None,
) -> Made:
    """A new enquiry or complaint from the message: received when the message reached the
    mailbox, channel email, the requester its sender, the text its message (cut to the case's
    limit, the whole message kept here), attachments carried over (those a case cannot keep are
    named in a note), acknowledged by email unless unticked, never to automatic mail and at
    most MAIL_IN_ACK_PER_SENDER_PER_DAY times a day to one sender. A sender that cannot be
    written to (`sender_problem`) is not kept as the requester's email: the case has no
    contact details, and its history and `Made.why_no_contact` say why. Commits."""
    from flask import current_app

    _require_office(actor)
    now = now or utcnow()
    _check_received(row, now)
    parsed = read(row)
    no_contact = sender_problem(parsed)
    text = parsed.text or "(The email had no text.)"
    if len(text) > MESSAGE_MAX:
        text = text[: MESSAGE_MAX - 60].rstrip() + "\n\n[Cut: the whole email is kept in Mail in]"
    _claim(row, "case_created", actor, now)
    case = create_case(
        kind=kind,
        channel="email",
        requester_name=(requester_name or parsed.from_name or parsed.from_address)[:200],
        requester_email=None if no_contact else parsed.from_address,
        requester_address=None,
        output=None,
        subject=parsed.subject or None,
        message=text,
        received_at=row.received_at,
        actor=actor,
        now=now,
        commit=False,
        without_contact=no_contact is not None,
    )
    row.case_id = case.id
    made = Made(case=case, acknowledged=False, why_no_contact=no_contact or "")
    if no_contact:  # in the history, with the case, in the same transaction
        db.session.add(
            CaseEvent(
                case=case,
                at=now,
                actor_id=getattr(actor, "id", None),
                action="note",
                from_state=case.state,
                to_state=case.state,
                note=f"The sender was not kept as the requester’s email: {no_contact}. Add "
                "the requester’s contact details by correcting the case if they are known.",
            )
        )
    db.session.commit()
    for attachment in parsed.attachments:
        try:
            add_attachment(
                case,
                actor,
                stream=io.BytesIO(attachment.data),
                filename=attachment.filename,
                description="From the email",
                now=now,
            )
        except CaseError as error:
            db.session.rollback()
            made.attachments_refused.append(f"{attachment.filename}: {error}")
    if made.attachments_refused:
        add_note(
            case,
            actor,
            text="Attachments not kept from the email:\n" + "\n".join(made.attachments_refused),
            now=now,
        )
    cap = current_app.config["MAIL_IN_ACK_PER_SENDER_PER_DAY"]
    if not acknowledge:
        made.why_not_acknowledged = "not asked for"
    elif not case.requester_email:
        made.why_not_acknowledged = no_contact or "the email has no sender address"
    elif row.automatic:
        made.why_not_acknowledged = "the email was sent automatically (no reply to automatic mail)"
    elif acknowledgements_today(case.requester_email, now) >= cap:
        made.why_not_acknowledged = f"this sender has had {cap} acknowledgements in a day"
    else:
        workflow.acknowledge(case, actor, method="email", now=now)
        made.acknowledged = True
    return made


def add_to_case(row: InboundMessage, actor: Any, *, case: Case, now: datetime | None = None):
    """Add the message to an existing case's correspondence (history entry). Commits."""
    from engage.cases.access import can_view

    _require_office(actor)
    if not can_view(actor, case):
        raise workflow.CaseForbidden("mailin:add-to-case")
    now = now or utcnow()
    _claim(row, "added_to_case", actor, now)
    row.case_id = case.id
    db.session.add(
        CaseEvent(
            case=case,
            at=now,
            actor_id=actor.id,
            action="email_received",
            from_state=case.state,
            to_state=case.state,
            note=f"Email from {row.from_address or 'unknown sender'} added: "
            f"{row.subject or '(no subject)'}"[:1000],
        )
    )
    db.session.commit()


def not_a_case(
    row: InboundMessage, actor: Any, *, reason: str, note: str = "", now: datetime | None = None
) -> None:
    _require_office(actor)
    if reason not in NOT_A_CASE_REASONS:
        raise CaseError("Select why this is not a case", "reason")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise CaseError(f"The note must be {NOTE_MAX:,} characters or fewer", "note")
    if reason == "other" and not note:
        raise CaseError("Explain why this is not a case", "note")
    _claim(row, "not_a_case", actor, now or utcnow())
    row.status_reason = NOT_A_CASE_REASONS[reason] + (f": {note}" if note else "")
    db.session.commit()
