"""Queue emails in the caller's transaction. Delivery is the scheduler's job."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from engage.db_types import utcnow
from engage.extensions import db
from engage.mail.models import OutboxEmail


def render_email(template: str, **context: Any) -> tuple[str, str, str]:
    """Render templates/email/<template>.txt (first line 'Subject: ...') and .html."""
    context.setdefault("service_name", current_app.config["SERVICE_NAME"])
    context.setdefault("office_name", current_app.config["OFFICE_NAME"])
    context.setdefault("base_url", current_app.config["BASE_URL"])
    text = render_template(f"email/{template}.txt", **context)
    first, _, body = text.partition("\n")
    if not first.startswith("Subject: "):
        raise ValueError(f"email/{template}.txt must start with a 'Subject: ' line")
    html = render_template(f"email/{template}.html", body_text=body.strip(), **context)
    return first[len("Subject: ") :].strip(), body.strip() + "\n", html


def _case_id(context: dict[str, Any]) -> int | None:
    """The case an email is about: `case=` in its context, or the case of an SLA `alert=`."""
    case = context.get("case") or getattr(context.get("alert"), "case", None)
    case_id = getattr(case, "id", None)
    return case_id if isinstance(case_id, int) else None


def queue_email(
    to: str,
    template: str,
    *,
    dedup_key: str | None = None,
    list_unsubscribe: str | None = None,
    **context: Any,
) -> OutboxEmail:
    """Add an outbox row to the current session. The caller commits, with its own change.
    `list_unsubscribe`: the one-click unsubscribe URL of an email to a stakeholder (the
    List-Unsubscribe headers are built from it; see engage.consent)."""
    subject, body_text, body_html = render_email(template, **context)
    row = OutboxEmail(
        to_address=to,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        template=template,
        dedup_key=dedup_key,
        case_id=_case_id(context),
        list_unsubscribe=list_unsubscribe,
    )
    db.session.add(row)
    return row


def queue_email_once(
    to: str, template: str, dedup_key: str, *, list_unsubscribe: str | None = None, **context: Any
) -> bool:
    """Queue an email unless one with the same dedup_key exists; True when it queued one.

    The UNIQUE constraint on dedup_key is the real guarantee: even two processes racing each
    other cannot both insert. A duplicate never breaks the caller's transaction: the insert is
    `INSERT ... ON CONFLICT DO NOTHING` (PostgreSQL, SQLite) or, on other databases, runs in a
    SAVEPOINT that is rolled back on IntegrityError.
    """
    exists = db.session.execute(
        db.select(OutboxEmail.id).where(OutboxEmail.dedup_key == dedup_key)
    ).first()
    if exists is not None:
        return False
    subject, body_text, body_html = render_email(template, **context)
    values = {
        "to_address": to,
        "subject": subject,
        "body_text": body_text,
        "body_html": body_html,
        "template": template,
        "dedup_key": dedup_key,
        "case_id": _case_id(context),
        "list_unsubscribe": list_unsubscribe,
        "status": "queued",
        "attempts": 0,
        "created_at": utcnow(),
        "next_attempt_at": utcnow(),
    }
    dialect = db.session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (
            insert(OutboxEmail)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["dedup_key"])
            .returning(OutboxEmail.id)
        )
        return db.session.execute(statement).scalar_one_or_none() is not None
    try:
        with db.session.begin_nested():
            db.session.add(OutboxEmail(**values))
    except IntegrityError:
        return False
    return True


class RetryRefused(Exception):
    pass


def retry_failed_email(row: OutboxEmail, actor: Any) -> None:
    """An administrator sends a failed or uncertain email again: back to the queue, due now.
    Commits. (An uncertain email may already have been delivered: the administrator decides.)"""
    from engage import audit

    if row.status not in ("failed", "uncertain"):
        raise RetryRefused("Only a failed or uncertain email can be sent again")
    if row.body_text is None:
        raise RetryRefused("This email's text has been removed, so it cannot be sent again")
    previous = row.status
    row.status = "queued"
    row.failed_at = None
    row.next_attempt_at = utcnow()
    row.attempts = 0
    row.retry_until = None  # a fresh retry window
    audit.record(
        "email.retry",
        actor=actor,
        object_type="outbox_email",
        object_id=row.id,
        detail={"from_status": previous, "last_error": (row.last_error or "")[:200]},
    )
    db.session.commit()


def mark_email_delivered(row: OutboxEmail, actor: Any) -> None:
    """An administrator has checked that an uncertain email did reach the mail server (its
    logs, or the recipient): record it as sent, as of the attempt, so it is never resent.
    Commits."""
    from engage import audit

    if row.status != "uncertain":
        raise RetryRefused("Only an uncertain email can be marked as delivered")
    row.status = "sent"
    row.sent_at = row.claimed_at or utcnow()
    audit.record(
        "email.mark_delivered",
        actor=actor,
        object_type="outbox_email",
        object_id=row.id,
        detail={"from_status": "uncertain", "last_error": (row.last_error or "")[:200]},
    )
    db.session.commit()


CANCELLABLE = ("queued", "failed", "uncertain")


def cancel_email(row: OutboxEmail, actor: Any, reason: str) -> None:
    """An administrator decides an email must not go (sent to the wrong person, no longer
    true): cancelled, with the reason, audited. Only a queued, failed or uncertain email (one
    being sent is the delivery run's until it finishes). Commits."""
    from engage import audit

    if row.status not in CANCELLABLE:
        raise RetryRefused("Only a queued, failed or uncertain email can be cancelled")
    previous = row.status
    row.status = "cancelled"
    row.last_error = f"Cancelled: {reason}"[:2000]
    audit.record(
        "email.cancel",
        actor=actor,
        object_type="outbox_email",
        object_id=row.id,
        detail={"from_status": previous, "reason": reason[:500]},
    )
    db.session.commit()


def retry_all_failed(actor: Any) -> int:
    """Every failed email that still has its text goes back to the queue, due now, with a fresh
    retry window (after an outage that outlasted the window). One audit record. Commits."""
    from engage import audit

    ids = list(
        db.session.execute(
            db.select(OutboxEmail.id).where(
                OutboxEmail.status == "failed", OutboxEmail.body_text.is_not(None)
            )
        ).scalars()
    )
    if not ids:
        return 0
    db.session.execute(
        db.update(OutboxEmail)
        .where(OutboxEmail.id.in_(ids), OutboxEmail.status == "failed")
        .values(
            status="queued", failed_at=None, next_attempt_at=utcnow(), attempts=0, retry_until=None
        )
        .execution_options(synchronize_session=False)
    )
    audit.record(
        "email.retry_all_failed",
        actor=actor,
        object_type="outbox_email",
        object_id=None,
        detail={"count": len(ids), "ids": ids[:1000]},
    )
    db.session.commit()
    return len(ids)
