"""When an acknowledgement counts: the date the acknowledge clock is fulfilled.

- By email: on the day (Europe/London) the mail server accepted the email, not the day it was
  queued. Until then the case is *acknowledged* (the email is on its way) but
  ``acknowledged_on`` is empty, so the clock keeps running: an acknowledgement that bounces
  never counts as met. ``confirm_delivered_acknowledgements`` (run by the ``deliver_emails``
  job after each delivery run) fills it in from the outbox.
- Another way (post, phone, in person): on the day staff say it happened
  (``record_acknowledgement``), which may be earlier than today (backdating) but never before
  the day of receipt nor in the future.

``ACKNOWLEDGEMENT_METHODS`` are the ways; ``acknowledgement_method`` on the case says which.
"""

from __future__ import annotations

from datetime import date, datetime

from engage.calendar import london_date
from engage.cases.models import Case, CaseEvent
from engage.db_types import utcnow
from engage.extensions import db
from engage.filters import govuk_date as long_date
from engage.mail.models import OutboxEmail
from engage.vocab import method_choices

ACKNOWLEDGEMENT_METHODS = method_choices("email", "post", "phone", "in_person")
ACK_TEMPLATE = "case_acknowledged"


def acknowledgement_pending(case: Case) -> bool:
    """An emailed acknowledgement not (yet) delivered: the clock still runs."""
    return case.acknowledgement_method == "email" and case.acknowledged_on is None


def pending_email_acknowledgements() -> list[Case]:
    """Cases whose acknowledgement email has not been delivered (yet)."""
    return list(
        db.session.execute(
            db.select(Case).where(
                Case.acknowledgement_method == "email", Case.acknowledged_on.is_(None)
            )
        ).scalars()
    )


def mark_emailed(case: Case, at: datetime) -> None:
    """An acknowledgement email was queued at `at`: it counts once delivered."""
    case.acknowledged_at = at
    case.acknowledged_on = None
    case.acknowledgement_method = "email"


def mark_done_another_way(case: Case, *, on: date, method: str, at: datetime) -> None:
    """Staff acknowledged by `method` on `on` (checked by the caller: see check_done_on)."""
    case.acknowledged_on = on
    case.acknowledged_at = at
    case.acknowledgement_method = method


def check_done_on(case: Case, on: date, today: date) -> str | None:
    """Why `on` cannot be the day something was done on this case, or None: not before the
    day of receipt, not in the future."""
    if on > today:
        return "The date must be today or in the past"
    if on < case.received_on:
        return "The date cannot be before the day the case was received"
    return None


def confirm_delivered_acknowledgements(now: datetime | None = None) -> str:
    """Fill in ``acknowledged_on`` of every case whose acknowledgement email has been
    delivered since; one history entry each; commits once."""
    now = now or utcnow()
    rows = db.session.execute(
        db.select(Case, OutboxEmail.sent_at)
        .join(OutboxEmail, OutboxEmail.case_id == Case.id)
        .where(
            Case.acknowledgement_method == "email",
            Case.acknowledged_on.is_(None),
            OutboxEmail.template == ACK_TEMPLATE,
            OutboxEmail.status == "sent",
            OutboxEmail.sent_at.is_not(None),
        )
        .order_by(Case.id, OutboxEmail.sent_at)
    ).all()
    first_delivery: dict[int, tuple[Case, datetime]] = {}
    for case, sent_at in rows:
        first_delivery.setdefault(case.id, (case, sent_at))
    for case, sent_at in first_delivery.values():
        case.acknowledged_on = london_date(sent_at)
        db.session.add(
            CaseEvent(
                case=case,
                at=now,
                actor_id=None,
                action="acknowledgement_delivered",
                from_state=case.state,
                to_state=case.state,
                note=f"Acknowledgement email delivered on {long_date(case.acknowledged_on)}",
            )
        )
    db.session.commit()
    return f"{len(first_delivery)} acknowledgements delivered"


def acknowledgement_bounced(case: Case, bounced: OutboxEmail, now: datetime | None = None) -> bool:
    """The mail server accepted an acknowledgement email (so it counted) but a delivery
    failure report says it never reached the requester: it no longer counts. The acknowledge
    clock then counts from another acknowledgement email that was delivered, if any, else runs
    again (staff may resend or record another way). One history entry; the caller commits.
    Returns whether the date changed."""
    if (
        bounced.template != ACK_TEMPLATE
        or bounced.case_id != case.id
        or case.acknowledgement_method != "email"
        or case.acknowledged_on is None
    ):
        return False
    other = db.session.execute(
        db.select(db.func.min(OutboxEmail.sent_at)).where(
            OutboxEmail.case_id == case.id,
            OutboxEmail.template == ACK_TEMPLATE,
            OutboxEmail.status == "sent",
            OutboxEmail.sent_at.is_not(None),
            OutboxEmail.id != bounced.id,
        )
    ).scalar_one_or_none()
    counted = london_date(other) if other is not None else None
    if counted == case.acknowledged_on:
        return False
    was = case.acknowledged_on
    case.acknowledged_on = counted
    note = f"The acknowledgement email counted on {long_date(was)} was not delivered (bounced)"
    note += (
        f": the acknowledgement delivered on {long_date(counted)} counts"
        if counted
        else ": the acknowledge clock runs again until an acknowledgement reaches the requester"
    )
    db.session.add(
        CaseEvent(
            case=case,
            at=now or utcnow(),
            actor_id=None,
            action="acknowledgement_bounced",
            from_state=case.state,
            to_state=case.state,
            note=note,
        )
    )
    return True
