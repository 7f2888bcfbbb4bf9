"""Subject access requests: everything Engage holds about one email address, for an
administrator to review and download. Every lookup is recorded in the audit log (counts only:
the address itself is not copied into the audit trail)."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Response, render_template
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from sqlalchemy import inspect
from wtforms import HiddenField, StringField, SubmitField
from wtforms.validators import Email, InputRequired, Length

from engage import audit
from engage.admin import bp
from engage.auth.permissions import requires
from engage.cases.models import Case
from engage.consultations.models import ConsultationResponse, ConsultationResponseDraft
from engage.db_types import utcnow
from engage.extensions import db
from engage.forms import EngageForm, strip_filter
from engage.mail.models import OutboxEmail
from engage.outputs.models import Contact, Feedback, LogEntry, Stakeholder
from engage.vocab import COMPLAINT_KINDS

SECTIONS = {
    "stakeholders": "Stakeholder records",
    "log_entries": "User log entries",
    "contacts": "Contacts",
    "feedback": "Feedback",
    "cases": "Enquiries and complaints",
    "consultation_responses": "Consultation responses",
    "consultation_response_drafts": "Consultation responses not yet sent",
    "emails": "Emails sent or queued",
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

    out: dict[str, list[dict[str, Any]]] = {
        "stakeholders": [_row(s) for s in stakeholders],
        "log_entries": [
            {**_row(e), "output_title": e.output.title if e.output else None} for e in log_entries
        ],
        "contacts": [
            {**_row(c), "output_title": c.output.title if c.output else None} for c in contacts
        ],
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


# ---------------------------------------------------------------- pages


class SubjectAccessForm(EngageForm):
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            InputRequired(message="Enter an email address"),
            Email(message="Enter an email address in the correct format, like name@example.com"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
        ],
    )
    submit = SubmitField("Find records", widget=GovSubmitInput())


class DownloadForm(EngageForm):
    email = HiddenField()


@bp.route("/subject-access", methods=["GET", "POST"])
@requires("subject_access")
def subject_access():
    # POST, not GET: the address must not land in URLs, browser history or access logs.
    form = SubjectAccessForm()
    if form.validate_on_submit():
        found = find_everything(form.email.data)
        record_lookup(found, download=False, actor=current_user._get_current_object())
        return render_template(
            "admin/subject-access-results.html",
            email=form.email.data,
            found=found,
            sections=SECTIONS,
            total=sum(len(v) for v in found.values()),
            download=DownloadForm(email=form.email.data),
        )
    return render_template("admin/subject-access.html", form=form)


@bp.route("/subject-access/download", methods=["POST"])
@requires("subject_access")
def subject_access_download():
    form = DownloadForm()
    email = (form.email.data or "").strip() if form.validate_on_submit() else ""
    if not email or "@" not in email:
        return subject_access()
    found = find_everything(email)
    record_lookup(found, download=True, actor=current_user._get_current_object())
    body = json.dumps(
        {
            "email": email,
            "generated_at": utcnow().isoformat(),
            "generated_by": current_user.email,
            "records": found,
        },
        indent=2,
        ensure_ascii=False,
    )
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="subject-access-{stamp}.json"'},
    )
