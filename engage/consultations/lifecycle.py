"""Opening and closing consultations on their dates, and response reminders.

The scheduler calls these; each is idempotent (running it twice changes nothing the second time),
and every email goes through the outbox with a dedup key so none is ever sent twice.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from engage import audit
from engage.auth.models import User, UserRole
from engage.calendar import london_date
from engage.consultations import rules
from engage.consultations.models import Consultation, consultation_outputs
from engage.extensions import db
from engage.mail.models import OutboxEmail
from engage.mail.outbox import queue_email
from engage.outputs.models import LogEntry, Stakeholder

# Stakeholders told of a consultation on an output they follow.
NOTIFIED_LEVELS = ("informed", "consulted", "involved")


def queue_once(to: str, template: str, dedup_key: str, **context: Any) -> bool:
    """Queue an email unless one with this dedup key exists. Checked first, and inserted in a
    savepoint, so a duplicate never breaks the caller's transaction."""
    exists = db.session.execute(
        db.select(OutboxEmail.id).where(OutboxEmail.dedup_key == dedup_key)
    ).first()
    if exists is not None:
        return False
    with db.session.begin_nested():
        queue_email(to, template, dedup_key=dedup_key, **context)
    return True


def users_with_role(role: str) -> list[User]:
    return list(
        db.session.execute(
            db.select(User)
            .join(UserRole)
            .where(UserRole.role == role, User.active.is_(True))
            .order_by(User.id)
        ).scalars()
    )


def stakeholders_to_notify(consultation: Consultation) -> list[Stakeholder]:
    from engage.consent.service import bounced_addresses

    """Stakeholders who consented, in any affected output's log at level informed or deeper:
    each once, however many of the outputs' logs they are in."""
    ids = (
        db.select(LogEntry.stakeholder_id)
        .join(
            consultation_outputs,
            consultation_outputs.c.output_id == LogEntry.output_id,
        )
        .where(
            consultation_outputs.c.consultation_id == consultation.id,
            LogEntry.engagement_level.in_(NOTIFIED_LEVELS),
        )
    )
    return list(
        db.session.execute(
            db.select(Stakeholder)
            .where(
                Stakeholder.id.in_(ids),
                # Kept equal to a given consent to consultation invitations (engage.consent).
                Stakeholder.consent_to_contact.is_(True),
                Stakeholder.email.is_not(None),
                Stakeholder.anonymised_at.is_(None),
                Stakeholder.email.not_in(bounced_addresses()),
            )
            .order_by(Stakeholder.id)
        ).scalars()
    )


def open_consultation(consultation: Consultation, now: datetime, actor: Any = None) -> int:
    """Open an approved consultation and tell the stakeholders (in the caller's transaction).
    Returns the number of stakeholder emails queued."""
    consultation.state = "open"
    consultation.opened_at = now
    queued = 0
    from engage.consent import queue_stakeholder_email

    for stakeholder in stakeholders_to_notify(consultation):
        # With its one-click unsubscribe from consultation invitations (issue 21).
        if queue_stakeholder_email(
            stakeholder,
            "consultation_opened",
            purpose="consultations",
            dedup_key=f"consultation:{consultation.id}:opened:stakeholder:{stakeholder.id}",
            consultation=consultation,
        ):
            queued += 1
    audit.record(
        "consultation.opened",
        actor=actor,
        object_type="consultation",
        object_id=consultation.id,
        detail={"stakeholders_emailed": queued},
    )
    return queued


def open_due_consultations(now: datetime) -> int:
    """Open every approved consultation whose opening date has come. Returns how many opened."""
    today = london_date(now)
    due = db.session.execute(
        db.select(Consultation)
        .where(Consultation.state == "approved", Consultation.opens_on <= today)
        .order_by(Consultation.id)
        .with_for_update(skip_locked=True)
    ).scalars()
    opened = 0
    for consultation in due:
        open_consultation(consultation, now)
        opened += 1
    db.session.commit()
    return opened


def close_due_consultations(now: datetime) -> int:
    """Close every open consultation whose closing date has ended (Europe/London)."""
    today = london_date(now)
    due = db.session.execute(
        db.select(Consultation)
        .where(Consultation.state == "open", Consultation.closes_on < today)
        .order_by(Consultation.id)
        .with_for_update(skip_locked=True)
    ).scalars()
    closed = 0
    for consultation in due:
        consultation.state = "closed"
        consultation.closed_at = now
        audit.record(
            "consultation.closed",
            object_type="consultation",
            object_id=consultation.id,
            detail={"closes_on": consultation.closes_on.isoformat()},
        )
        closed += 1
    db.session.commit()
    return closed


def reminder_recipients(consultation: Consultation) -> list[User]:
    people: dict[int, User] = {}
    if consultation.created_by is not None and consultation.created_by.active:
        people[consultation.created_by.id] = consultation.created_by
    for user in users_with_role("cso"):
        people.setdefault(user.id, user)
    return list(people.values())


def queue_response_reminders(today: date) -> int:
    """Remind the consultation's owner and the CSO when a response is due within two weeks, and
    again when it is overdue: once per state. Returns the number of emails queued."""
    closed = db.session.execute(
        db.select(Consultation)
        .where(
            Consultation.state == "closed",
            Consultation.closes_on <= rules.latest_closing_to_publish(today),
        )
        .order_by(Consultation.id)
    ).scalars()
    queued = 0
    for consultation in closed:
        status = rules.response_status(consultation.closes_on, today)
        if status == "in_time":
            continue
        due_on = rules.response_due_on(consultation.closes_on)
        for user in reminder_recipients(consultation):
            if queue_once(
                user.email,
                f"consultation_response_{status}",
                f"consultation:{consultation.id}:response-{status}:user:{user.id}",
                consultation=consultation,
                user=user,
                due_on=due_on,
            ):
                queued += 1
    db.session.commit()
    return queued
