"""Retention: personal data is kept RETENTION_YEARS (default 6) after a case is closed,
feedback is received, or a consultation closes; then it is anonymised.

Anonymising removes names, email addresses, postal addresses, phone numbers and free text
(messages, responses, comments, answers, history notes) and keeps what the statistics need:
kinds, channels, dates, deadlines, states, categories and choices. It runs as a scheduled job
(`engage.jobs`) and is safe to run any number of times: rows already anonymised are left alone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import current_app

from engage import audit
from engage.cases.attachments import remove_files_of
from engage.cases.correspondence import forget_emails_of
from engage.cases.models import Case, CaseEvent
from engage.consultations.models import Consultation, ConsultationAnswer, ConsultationResponse
from engage.db_types import utcnow
from engage.extensions import db
from engage.outputs.models import Feedback

REMOVED = "[removed under the retention policy]"
ANONYMOUS_NAME = "Anonymised"
CHUNK = 500


def cutoff_for(today: date, years: int) -> datetime:
    """The moment N years before the start of `today` (29 February falls back to the 28th)."""
    try:
        day = today.replace(year=today.year - years)
    except ValueError:
        day = today.replace(year=today.year - years, day=28)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]


def _expired_case_ids(cutoff: datetime) -> list[int]:
    ended = db.func.coalesce(Case.closed_at, Case.withdrawn_at, Case.transferred_at)
    return list(
        db.session.execute(
            db.select(Case.id).where(Case.anonymised_at.is_(None), ended < cutoff)
        ).scalars()
    )


def _expired_feedback_ids(cutoff: datetime) -> list[int]:
    return list(
        db.session.execute(
            db.select(Feedback.id).where(
                Feedback.anonymised_at.is_(None), Feedback.received_at < cutoff
            )
        ).scalars()
    )


def _expired_response_ids(cutoff: datetime) -> list[int]:
    closed = db.select(Consultation.id).where(
        db.or_(
            Consultation.closed_at < cutoff,
            db.and_(Consultation.closed_at.is_(None), Consultation.closes_on < cutoff.date()),
        )
    )
    return list(
        db.session.execute(
            db.select(ConsultationResponse.id).where(
                ConsultationResponse.anonymised_at.is_(None),
                ConsultationResponse.consultation_id.in_(closed),
            )
        ).scalars()
    )


def anonymise_expired(today: date | None = None) -> dict[str, int]:
    """Anonymise every case, feedback and consultation response past the retention period.
    Returns the counts; records them (counts only) in the audit log; commits once."""
    today = today or date.today()
    years = int(current_app.config.get("RETENTION_YEARS", 6))
    cutoff = cutoff_for(today, years)
    now = utcnow()
    opts = {"synchronize_session": False}

    case_ids = _expired_case_ids(cutoff)
    for ids in _chunks(case_ids):
        db.session.execute(
            db.update(Case)
            .where(Case.id.in_(ids))
            .values(
                requester_name=ANONYMOUS_NAME,
                requester_email=None,
                requester_address=None,
                requester_phone=None,
                subject="",
                message=REMOVED,
                response_text=None,
                clarification_request=None,
                delay_reason=None,
                uksa_outcome=db.case((Case.uksa_outcome.is_(None), None), else_=REMOVED),
                anonymised_at=now,
            )
            .execution_options(**opts)
        )
        db.session.execute(
            db.update(CaseEvent)
            .where(CaseEvent.case_id.in_(ids), CaseEvent.note.is_not(None))
            .values(note=REMOVED)
            .execution_options(**opts)
        )
        remove_files_of(ids, now)  # files attached to the case (issue 17)
        forget_emails_of(ids, now)  # and the texts and addresses of its emails
        db.session.execute(
            db.update(Feedback)
            .where(Feedback.case_id.in_(ids), Feedback.anonymised_at.is_(None))
            .values(email=None, comments="", uses="", anonymised_at=now)
            .execution_options(**opts)
        )

    feedback_ids = _expired_feedback_ids(cutoff)
    for ids in _chunks(feedback_ids):
        db.session.execute(
            db.update(Feedback)
            .where(Feedback.id.in_(ids))
            .values(email=None, comments="", uses="", anonymised_at=now)
            .execution_options(**opts)
        )

    response_ids = _expired_response_ids(cutoff)
    for ids in _chunks(response_ids):
        db.session.execute(
            db.update(ConsultationResponse)
            .where(ConsultationResponse.id.in_(ids))
            .values(name=None, organisation=None, email=None, anonymised_at=now)
            .execution_options(**opts)
        )
        db.session.execute(
            db.update(ConsultationAnswer)
            .where(ConsultationAnswer.response_id.in_(ids), ConsultationAnswer.text.is_not(None))
            .values(text=REMOVED)
            .execution_options(**opts)
        )

    counts = {
        "cases": len(case_ids),
        "feedback": len(feedback_ids),
        "consultation_responses": len(response_ids),
    }
    audit.record(
        "retention.anonymised",
        object_type="retention",
        detail={**counts, "retention_years": years, "cutoff": cutoff.date().isoformat()},
    )
    db.session.commit()
    db.session.expire_all()
    return counts
