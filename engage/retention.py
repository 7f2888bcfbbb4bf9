"""Retention: personal data is kept RETENTION_YEARS (default 6) after a case ends (closed,
withdrawn, transferred, or responded to and not taken further), feedback is received, a
consultation closes, or a stakeholder was last in contact; then it is anonymised. Emails in the
outbox older than that lose their address and subject (which names the case), so an anonymised
case cannot be found again through them. Emails received (email in) go with their case; those
that never became part of a case are kept no longer than the retention period.

Anonymising removes names, email addresses, postal addresses, phone numbers and free text
(messages, responses, comments, answers, history notes, contact summaries) and keeps what the
statistics need: kinds, channels, dates, deadlines, states, categories, levels and choices. It
runs as a scheduled job (`engage.jobs`) and is safe to run any number of times: rows already
anonymised are left alone.

The same job forgets client addresses in the audit log after AUDIT_IP_RETENTION_DAYS, deletes
import uploads never confirmed after IMPORT_UPLOAD_HOURS, and deletes the local mail
transport's .eml copies after SENT_EMAIL_BODY_RETENTION_DAYS.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app

from engage import audit
from engage.audit import AuditEvent
from engage.cases.attachments import remove_files_of
from engage.cases.correspondence import forget_emails_of
from engage.cases.models import Case, CaseEvent
from engage.consultations.models import Consultation, ConsultationAnswer, ConsultationResponse
from engage.db_types import utcnow
from engage.extensions import db
from engage.mail.models import OutboxEmail
from engage.mailin.store import forget_messages_before, forget_messages_of
from engage.outputs import merge_snapshots, merge_undo
from engage.outputs.models import Contact, Feedback, LogEntry, Stakeholder

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
    # The first of these that is set is when the case ended; a response counts when nothing
    # came after it (a referral to the UK Statistics Authority keeps the case until it too is
    # old enough).
    ended = db.func.coalesce(
        Case.closed_at, Case.withdrawn_at, Case.transferred_at, Case.responded_at
    )
    return list(
        db.session.execute(
            db.select(Case.id).where(
                Case.anonymised_at.is_(None),
                ended < cutoff,
                db.or_(Case.uksa_referred_on.is_(None), Case.uksa_referred_on < cutoff.date()),
            )
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
    case_ids = _expired_case_ids(cutoff)
    for ids in _chunks(case_ids):
        _anonymise_cases(ids, now)
    feedback_ids = _expired_feedback_ids(cutoff)
    for ids in _chunks(feedback_ids):
        _anonymise_feedback(Feedback.id.in_(ids), now)
    response_ids = _expired_response_ids(cutoff)
    for ids in _chunks(response_ids):
        _anonymise_responses(ids, now)
    counts = {
        "cases": len(case_ids),
        "feedback": len(feedback_ids),
        "consultation_responses": len(response_ids),
        "stakeholders": _anonymise_stakeholders(cutoff, now),
        "emails": _anonymise_outbox(cutoff, now),
        "emails_received": forget_messages_before(cutoff),
        "audit_addresses": _forget_audit_addresses(now),
        "files": _purge_files(),
        # What a merge of two records kept to undo it, once it can no longer be undone.
        "merged_records": merge_undo.forget_expired_merges(now),
    }
    audit.record(
        "retention.anonymised",
        object_type="retention",
        detail={**counts, "retention_years": years, "cutoff": cutoff.date().isoformat()},
    )
    db.session.commit()
    db.session.expire_all()
    return counts


OPTS = {"synchronize_session": False}


def _anonymise_cases(ids: list[int], now: datetime) -> None:
    """The cases, their history's notes, files, emails sent and received, and feedback."""
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
        .execution_options(**OPTS)
    )
    db.session.execute(
        db.update(CaseEvent)
        .where(CaseEvent.case_id.in_(ids), CaseEvent.note.is_not(None))
        .values(note=REMOVED)
        .execution_options(**OPTS)
    )
    remove_files_of(ids, now)  # files attached to the case
    forget_emails_of(ids, now)  # and the texts and addresses of its emails
    forget_messages_of(ids)  # and the emails received on it (email in, issue 20)
    _anonymise_feedback(db.and_(Feedback.case_id.in_(ids), Feedback.anonymised_at.is_(None)), now)


def _anonymise_feedback(which: Any, now: datetime) -> None:
    db.session.execute(
        db.update(Feedback)
        .where(which)
        .values(email=None, comments="", uses="", anonymised_at=now)
        .execution_options(**OPTS)
    )


def _anonymise_responses(ids: list[int], now: datetime) -> None:
    """Consultation responses: the respondent's details and the text of their answers."""
    db.session.execute(
        db.update(ConsultationResponse)
        .where(ConsultationResponse.id.in_(ids))
        .values(name=None, organisation=None, email=None, anonymised_at=now)
        .execution_options(**OPTS)
    )
    db.session.execute(
        db.update(ConsultationAnswer)
        .where(ConsultationAnswer.response_id.in_(ids), ConsultationAnswer.text.is_not(None))
        .values(text=REMOVED)
        .execution_options(**OPTS)
    )


def _expired_stakeholder_ids(cutoff: datetime) -> list[int]:
    """Stakeholders recorded before the cutoff with no contact, entry or change since."""
    day = cutoff.date()
    recent_entries = db.select(LogEntry.stakeholder_id).where(
        db.or_(LogEntry.latest_contact_on >= day, LogEntry.updated_at >= cutoff)
    )
    recent_contacts = db.select(Contact.stakeholder_id).where(Contact.contacted_on >= day)
    return list(
        db.session.execute(
            db.select(Stakeholder.id).where(
                Stakeholder.anonymised_at.is_(None),
                # A record merged into another is the kept record's to answer for: forgotten
                # with it, or when the merge can no longer be undone (merging).
                Stakeholder.merged_into_id.is_(None),
                Stakeholder.created_at < cutoff,
                Stakeholder.id.not_in(recent_entries),
                Stakeholder.id.not_in(recent_contacts),
            )
        ).scalars()
    )


def _anonymise_stakeholders(cutoff: datetime, now: datetime) -> int:
    """Stakeholders out of contact for the period (_expired_stakeholder_ids); their log entries'
    copy of the name and uses, and the summaries of contacts with them."""
    ids = _expired_stakeholder_ids(cutoff)
    for chunk in _chunks(ids):
        db.session.execute(
            db.update(Stakeholder)
            .where(Stakeholder.id.in_(chunk))
            .values(
                name=ANONYMOUS_NAME,
                organisation="",
                email=None,
                phone=None,
                consent_to_contact=False,
                anonymised_at=now,
            )
            .execution_options(**OPTS)
        )
        audit.record_select(  # in each log entry's history (engage/outputs/history.py)
            "log_entry.anonymised",
            actor=None,
            object_type="log_entry",
            object_ids=db.select(LogEntry.id).where(LogEntry.stakeholder_id.in_(chunk)),
            detail={"note": "Name and uses removed under the retention policy"},
        )
        # What merges of their records keep to be undone (engage/outputs/merge_snapshots.py).
        merge_snapshots.scrub_merges_of(chunk, now)
        # The log's copy of the name (see LogEntry), and free text about the person.
        db.session.execute(
            db.update(LogEntry)
            .where(LogEntry.stakeholder_id.in_(chunk))
            .values(stakeholder_name=ANONYMOUS_NAME, uses="")
            .execution_options(**OPTS)
        )
        db.session.execute(
            db.update(Contact)
            .where(Contact.stakeholder_id.in_(chunk))
            .values(summary=REMOVED)
            .execution_options(**OPTS)
        )
    return len(ids)


REMOVED_ADDRESS = "removed@retention.invalid"


def _anonymise_outbox(cutoff: datetime, now: datetime) -> int:
    """Emails older than the cutoff keep their template, status and dates only."""
    result = db.session.execute(
        db.update(OutboxEmail)
        .where(
            OutboxEmail.created_at < cutoff,
            OutboxEmail.to_address != REMOVED_ADDRESS,
            OutboxEmail.status != "queued",
        )
        .values(
            to_address=REMOVED_ADDRESS,
            subject=REMOVED,
            body_text=None,
            body_html=None,
            body_removed_at=db.func.coalesce(OutboxEmail.body_removed_at, now),
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _forget_audit_addresses(now: datetime) -> int:
    """Client addresses in the audit log are personal data needed only for a while. (Audit
    rows are otherwise append-only: this one column is cleared, by a statement, not the ORM.)"""
    days = int(current_app.config.get("AUDIT_IP_RETENTION_DAYS", 365))
    result = db.session.execute(
        db.update(AuditEvent)
        .where(AuditEvent.at < now - timedelta(days=days), AuditEvent.ip_address.is_not(None))
        .values(ip_address=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _purge_files() -> int:
    """Import uploads never confirmed, and the local mail transport's copies of messages."""
    config = current_app.config
    instance = Path(current_app.instance_path)
    mail_dir = Path(config.get("MAIL_CONSOLE_DIR") or instance / "mail")
    rules = [
        (instance / "user-log-imports", "*.json", timedelta(hours=config["IMPORT_UPLOAD_HOURS"])),
        (mail_dir, "*.eml", timedelta(days=config["SENT_EMAIL_BODY_RETENTION_DAYS"])),
    ]
    removed = 0
    wall_now = time.time()
    for folder, pattern, age in rules:
        if not folder.is_dir():
            continue
        for path in folder.glob(pattern):
            if path.is_file() and wall_now - path.stat().st_mtime > age.total_seconds():
                path.unlink(missing_ok=True)
                removed += 1
    return removed
