"""Intake: every new enquiry or complaint comes in through `create_case`.

`create_case(*, kind, channel, requester_name, requester_email, requester_address, output,
subject, message, received_at, actor, requester_phone=None, now=None, commit=True) -> Case`

- `kind` is a key of `engage.vocab.CASE_KINDS`, `channel` of `CASE_CHANNELS` ("web" for the public
  form, "email"/"letter"/"phone" for staff entry, "feedback" for feedback turned into a case).
- `received_at` is an aware datetime (UTC or any zone); day 0 of the clock is its
  Europe/London date. It must not be in the future.
- At least one of `requester_email` and `requester_address` is needed.
- `actor` is the member of staff entering it, or None for the public form.
- The reference is `C-<London year of registration (now)>-<that year's number>`
  (engage/cases/references.py), whatever the received date.
- The deadlines (and their originals) are stored on the case, a "received" history entry is
  written and the case is committed. A web case with an email address is acknowledged at once:
  the acknowledgement email is queued in the same transaction and counts as the acknowledgement.
- `commit=False` flushes instead of committing, for a caller that makes the case as part of a
  bigger change and commits once (feedback turned into a case links the feedback in the same
  transaction); that caller must commit or roll back.

Raises `CaseError` (with the form field it concerns) and stores nothing when the input is
invalid.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from uuid import uuid4

from sqlalchemy import func

from engage.calendar import london_date, london_noon
from engage.cases import clock
from engage.cases.models import Case, CaseEvent
from engage.cases.references import allocate_reference
from engage.cases.sla.delivered import mark_emailed
from engage.cases.workflow import CaseError
from engage.db_types import utcnow
from engage.extensions import db
from engage.mail.outbox import queue_email
from engage.outputs.models import Output
from engage.vocab import CASE_CHANNELS, CASE_KINDS

MESSAGE_MAX = 5000
SUBJECT_MAX = 300


def _subject_from(message: str) -> str:
    first = message.strip().splitlines()[0] if message.strip() else ""
    return first if len(first) <= 80 else first[:77].rstrip() + "…"


def received_at_for(received_on: date, now: datetime) -> datetime:
    """The instant a case staff enter was received: now when the day typed is today in London,
    otherwise 12:00 London time on that day (a letter's date says nothing of the hour)."""
    return now if received_on == london_date(now) else london_noon(received_on)


def _may_acknowledge(email: str, now: datetime) -> bool:
    """At most CONTACT_ACKNOWLEDGEMENTS_PER_ADDRESS_PER_DAY automatic acknowledgements go to one
    address in 24 hours: the form must not be a way to send the office's emails to anyone, in
    bulk. Over the limit the case is kept, unacknowledged, for staff to acknowledge."""
    from flask import current_app

    from engage.mail.models import OutboxEmail

    sent = db.session.execute(
        db.select(func.count(OutboxEmail.id)).where(
            func.lower(OutboxEmail.to_address) == email.lower(),
            OutboxEmail.template == "case_acknowledged",
            OutboxEmail.created_at >= now - timedelta(days=1),
        )
    ).scalar_one()
    return int(sent) < current_app.config["CONTACT_ACKNOWLEDGEMENTS_PER_ADDRESS_PER_DAY"]


def create_case(
    *,
    kind: str,
    channel: str,
    requester_name: str,
    requester_email: str | None,
    requester_address: str | None,
    output: Output | None,
    subject: str | None,
    message: str,
    received_at: datetime,
    actor: Any = None,
    requester_phone: str | None = None,
    now: datetime | None = None,
    commit: bool = True,
    without_contact: bool = False,
) -> Case:
    """Open a case. `without_contact`: the case may have no email or postal address (feedback
    sent without one); the case says so and no email is ever attempted."""
    now = now or utcnow()
    if kind not in CASE_KINDS:
        raise CaseError("Select what you would like to do", "kind")
    if channel not in CASE_CHANNELS:
        raise CaseError("Select how the case arrived", "channel")
    name = (requester_name or "").strip()
    if not name:
        raise CaseError("Enter the requester's name", "requester_name")
    email = (requester_email or "").strip() or None
    address = (requester_address or "").strip() or None
    if not email and not address and not without_contact:
        raise CaseError("Enter an email address or a postal address", "requester_email")
    message = (message or "").strip()
    if not message:
        raise CaseError("Enter the message", "message")
    if len(message) > MESSAGE_MAX:
        raise CaseError(f"The message must be {MESSAGE_MAX:,} characters or fewer", "message")
    if received_at.tzinfo is None:
        raise ValueError("received_at must be timezone-aware")
    if london_date(received_at) > london_date(now):
        raise CaseError("The date received must be today or in the past", "received_on")

    received_on = london_date(received_at)
    due = clock.deadlines_for(received_on)
    case = Case(
        reference=f"NEW-{uuid4().hex[:16]}",
        kind=kind,
        channel=channel,
        state="received",
        requester_name=name[:200],
        requester_email=email,
        requester_address=address,
        requester_phone=(requester_phone or "").strip() or None,
        output=output,
        subject=((subject or "").strip() or _subject_from(message))[:SUBJECT_MAX],
        message=message,
        received_at=received_at,
        received_on=received_on,
        acknowledge_by=due.acknowledge_by,
        respond_by=due.respond_by,
        original_acknowledge_by=due.acknowledge_by,
        original_respond_by=due.respond_by,
        created_by_id=getattr(actor, "id", None),
        created_at=now,
    )
    db.session.add(case)
    db.session.flush()  # the case row first: see engage/cases/references.py on lock order
    case.reference = allocate_reference(now)
    how = CASE_CHANNELS[channel].lower()
    db.session.add(
        CaseEvent(
            case=case,
            at=now,
            actor_id=getattr(actor, "id", None),
            action="received",
            from_state=None,
            to_state="received",
            note=f"Received by {how}"
            + (
                ". No contact details were given: no acknowledgement or reply can be sent"
                if not email and not address
                else ""
            ),
        )
    )
    if channel == "web" and email and _may_acknowledge(email, now):
        case.state = "acknowledged"
        mark_emailed(case, now)  # it counts once delivered
        db.session.add(
            CaseEvent(
                case=case,
                at=now,
                actor_id=None,
                action="acknowledged",
                from_state="received",
                to_state="acknowledged",
                note="Acknowledgement emailed automatically: it counts once delivered",
            )
        )
        queue_email(email, "case_acknowledged", case=case)
    if commit:
        db.session.commit()
    else:
        db.session.flush()
    return case
