"""Subject access requests: everything Engage holds about one email address, for an
administrator to review and download. Every lookup is recorded in the audit log (counts only:
the address itself is not copied into the audit trail)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect

from engage import audit
from engage.cases.models import Case
from engage.consent.models import Consent
from engage.consultations.models import ConsultationResponse, ConsultationResponseDraft
from engage.extensions import db
from engage.mail.models import OutboxEmail
from engage.outputs import merge_snapshots
from engage.outputs.models import Contact, Feedback, LogEntry, Stakeholder
from engage.vocab import COMPLAINT_KINDS

SECTIONS = {
    "stakeholders": "Stakeholder records",
    "log_entries": "User log entries",
    "contacts": "Contacts",
    "consents": "Consent to be contacted",
    "feedback": "Feedback",
    "cases": "Enquiries and complaints",
    "consultation_responses": "Consultation responses",
    "consultation_response_drafts": "Consultation responses not yet sent",
    "emails": "Emails sent or queued",
    "merges": "Records merged into another (kept so that the merge can be undone)",
}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _row(obj: Any) -> dict[str, Any]:
    return {col.key: _plain(getattr(obj, col.key)) for col in inspect(obj).mapper.column_attrs}


def find_everything(email: str) -> dict[str, list[dict[str, Any]]]:
    """Every record holding this email address, and the records that hang off them."""
    address = email.strip().lower()
    lower = db.func.lower

    def rows(stmt) -> list[Any]:  # type: ignore[no-untyped-def]
        return list(db.session.execute(stmt).scalars())

    stakeholders = rows(db.select(Stakeholder).where(lower(Stakeholder.email) == address))
    ids = [s.id for s in stakeholders]
    log_entries = rows(db.select(LogEntry).where(LogEntry.stakeholder_id.in_(ids))) if ids else []
    contacts = rows(db.select(Contact).where(Contact.stakeholder_id.in_(ids))) if ids else []
    consents = rows(db.select(Consent).where(Consent.stakeholder_id.in_(ids))) if ids else []
    feedback = rows(db.select(Feedback).where(lower(Feedback.email) == address))
    cases = rows(db.select(Case).where(lower(Case.requester_email) == address))
    responses = rows(
        db.select(ConsultationResponse).where(lower(ConsultationResponse.email) == address)
    )
    emails = rows(db.select(OutboxEmail).where(lower(OutboxEmail.to_address) == address))
    # Drafts live a day at most (purged after), so reading them all is cheap; their address is
    # inside a JSON document, which the two databases query differently.
    drafts = [
        d
        for d in rows(db.select(ConsultationResponseDraft))
        if str((d.data or {}).get("email") or "").strip().lower() == address
    ]

    merges = merge_snapshots.holding(address, ids)
    merged_records = {
        s.id: s
        for s in rows(
            db.select(Stakeholder).where(Stakeholder.id.in_([m.merged_id for m in merges]))
        )
    }

    out: dict[str, list[dict[str, Any]]] = {
        "stakeholders": [_row(s) for s in stakeholders],
        "log_entries": [
            {**_row(e), "output_title": e.output.title if e.output else None} for e in log_entries
        ],
        "contacts": [
            {**_row(c), "output_title": c.output.title if c.output else None} for c in contacts
        ],
        "consents": [_row(c) for c in consents],
        "feedback": [
            {**_row(f), "output_title": f.output.title if f.output else None} for f in feedback
        ],
        "cases": [
            {
                **_row(c),
                "history": [
                    {"at": _plain(ev.at), "action": ev.action, "note": ev.note} for ev in c.history
                ],
            }
            for c in cases
        ],
        "consultation_responses": [
            {
                **_row(r),
                "consultation_title": r.consultation.title,
                "answers": [
                    {"question_id": a.question_id, "text": a.text, "choices": a.choices}
                    for a in r.answers
                ],
            }
            for r in responses
        ],
        "consultation_response_drafts": [
            {k: v for k, v in _row(d).items() if k != "token"} for d in drafts
        ],
        "emails": [_row(m) for m in emails],
        # The merged record (it gave up its email address to the kept one) and what the merge
        # keeps of both records' details until it can no longer be undone.
        "merges": [
            {
                **_row(m),
                "merged_record": _row(merged_records[m.merged_id])
                if m.merged_id in merged_records
                else None,
            }
            for m in merges
        ],
    }
    return out


def record_lookup(found: dict[str, list[dict[str, Any]]], *, download: bool, actor: Any) -> None:
    """Audit the lookup (counts only) and, as every view of a complaint is, each complaint it
    showed or gave out."""
    how = "subject_access_download" if download else "subject_access"
    audit.record(
        "subject_access.download" if download else "subject_access.lookup",
        actor=actor,
        object_type="subject_access",
        detail={name: len(rows) for name, rows in found.items()},
    )
    audit.record_many(
        "case.viewed",
        actor=actor,
        object_type="case",
        items=[
            (c["reference"], {"kind": c["kind"], "how": how})
            for c in found["cases"]
            if c["kind"] in COMPLAINT_KINDS
        ],
    )
    db.session.commit()
