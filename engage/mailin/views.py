"""Mail in pages: /staff/mail-in (the CSO office's inbox), /staff/mail-in/<id> (one message
and its decision), /staff/admin/mail-in (operations), and undoing a clock resumed by an
emailed reply. Thin: rules in engage.mailin.inbox and engage.mailin.clarification."""

from __future__ import annotations

import contextlib

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func

from engage import audit
from engage.auth.permissions import requires
from engage.cases.desk_models import MAX_ID
from engage.cases.models import Case
from engage.cases.pages import load_case
from engage.cases.workflow import CaseError, check
from engage.db_types import utcnow
from engage.extensions import db
from engage.forms import show_rule_error
from engage.mailin import bp, clarification, inbox
from engage.mailin import forms as mailin_forms
from engage.mailin.models import STATUSES, InboundMessage, MailFetch


@bp.app_template_global()
def emails_received(case_id: int) -> list[tuple[InboundMessage, str]]:
    """Emails received on a case (its page: whoever may see the case), with their text."""
    rows = db.session.execute(
        db.select(InboundMessage)
        .where(InboundMessage.case_id == case_id, InboundMessage.raw.is_not(None))
        .where(InboundMessage.status != "bounce")
        .order_by(InboundMessage.received_at, InboundMessage.id)
    ).scalars()
    return [(row, inbox.read(row).text[:20000]) for row in rows]


def _message(message_id: int) -> InboundMessage:
    row = db.session.get(InboundMessage, message_id) if 0 < message_id <= MAX_ID else None
    if row is None or row.raw is None and row.status != "refused":
        abort(404)
    return row


@bp.route("/staff/mail-in")
@requires("triage_cases")
def inbox_list():
    rows = inbox.waiting()
    now = utcnow()
    return render_template("mailin/inbox.html", rows=[(row, *inbox.age(row, now)) for row in rows])


@bp.route("/staff/mail-in/<int:message_id>")
@requires("triage_cases")
def message_page(message_id: int):
    from engage.cases.access import record_view

    row = _message(message_id)
    parsed = inbox.read(row) if row.raw is not None else None
    case = db.session.get(Case, row.case_id) if row.case_id else None
    if case is not None:  # an email on a complaint is the complaint's text: a view of it
        record_view(current_user._get_current_object(), case, how="mail-in")
    html = render_template(
        "mailin/message.html",
        row=row,
        parsed=parsed,
        status=STATUSES.get(row.status, row.status),
        age=inbox.age(row),
        case=case,
    )
    audit.commit_views()
    return html


def _decision(message_id: int, form_class, title: str, run):  # type: ignore[no-untyped-def]
    row = _message(message_id)
    if row.status != "new":
        flash("Someone has already dealt with this message", "success")
        return redirect(url_for("mailin.message_page", message_id=row.id))
    form = form_class()
    parsed = inbox.read(row)
    # Only a case made from the message takes its sender as the requester: say beforehand when
    # the sender cannot be (the case would have no contact details).
    no_contact = inbox.sender_problem(parsed) if hasattr(form, "requester_name") else None
    if not form.is_submitted() and hasattr(form, "requester_name"):
        form.requester_name.data = parsed.from_name or ("" if no_contact else parsed.from_address)
    if form.validate_on_submit():
        try:
            done = run(row, current_user._get_current_object(), form)
        except CaseError as error:
            db.session.rollback()
            show_rule_error(form, error)
        else:
            return done
    return render_template(
        "mailin/decide.html", row=row, parsed=parsed, form=form, title=title, no_contact=no_contact
    )


@bp.route("/staff/mail-in/<int:message_id>/case", methods=["GET", "POST"])
@requires("triage_cases")
def to_case(message_id: int):
    def run(row, actor, form):  # type: ignore[no-untyped-def]
        made = inbox.to_case(
            row,
            actor,
            kind=form.kind.data,
            requester_name=form.requester_name.data,
            acknowledge=bool(form.acknowledge.data),
        )
        text = f"Case {made.case.reference} created"
        if made.why_no_contact:
            text += f" with no contact details: {made.why_no_contact}"
        text += (
            "; acknowledgement emailed"
            if made.acknowledged
            else f"; no acknowledgement sent: {made.why_not_acknowledged}"
        )
        if made.attachments_refused:
            text += f"; {len(made.attachments_refused)} attachment(s) not kept (see the history)"
        flash(text, "success")
        return redirect(url_for("cases.case_page", reference=made.case.reference))

    return _decision(message_id, mailin_forms.ToCaseForm, "Turn this email into a case", run)


@bp.route("/staff/mail-in/<int:message_id>/add", methods=["GET", "POST"])
@requires("triage_cases")
def add_to_case(message_id: int):
    def run(row, actor, form):  # type: ignore[no-untyped-def]
        from engage.cases.search import normalise_reference

        typed = form.reference.data or ""
        reference = normalise_reference(typed) or typed.strip().upper()  # c-2026-21 too
        case = db.session.execute(
            db.select(Case).where(Case.reference == reference)
        ).scalar_one_or_none()
        if case is None:
            raise CaseError("No case has that reference", "reference")
        inbox.add_to_case(row, actor, case=case)
        flash(f"Email added to case {case.reference}", "success")
        return redirect(url_for("cases.case_page", reference=case.reference))

    return _decision(message_id, mailin_forms.AddToCaseForm, "Add this email to a case", run)


@bp.route("/staff/mail-in/<int:message_id>/not-a-case", methods=["GET", "POST"])
@requires("triage_cases")
def not_a_case(message_id: int):
    def run(row, actor, form):  # type: ignore[no-untyped-def]
        inbox.not_a_case(row, actor, reason=form.reason.data, note=form.note.data or "")
        flash("Marked as not a case", "success")
        return redirect(url_for("mailin.inbox_list"))

    return _decision(message_id, mailin_forms.NotACaseForm, "Mark this email as not a case", run)


@bp.route("/staff/cases/<reference>/undo-email-resume", methods=["GET", "POST"])
@requires("work_cases")
def undo_resume(reference: str):
    case = load_case(reference[:40])  # 404, or 403 for whoever may not see the case
    # Only whoever may pause this case's clock sees the page at all (a CaseForbidden is the
    # app's Refusal handler's: 403 and an audit row); the state is the domain function's to
    # explain, with the form.
    with contextlib.suppress(CaseError):
        check(case, current_user._get_current_object(), "request_clarification")
    form = mailin_forms.UndoResumeForm()
    if form.validate_on_submit():
        try:
            clarification.undo_resume(
                case, current_user._get_current_object(), reason=form.reason.data, now=utcnow()
            )
            db.session.commit()
        except CaseError as error:
            db.session.rollback()
            show_rule_error(form, error)
        else:
            flash("The clock is paused again", "success")
            return redirect(url_for("cases.case_page", reference=case.reference))
    return render_template("mailin/undo-resume.html", case=case, form=form)


@bp.route("/staff/admin/mail-in")
@requires("view_outbox")
def admin_page():
    fetches = (
        db.session.execute(db.select(MailFetch).order_by(MailFetch.started_at.desc()).limit(10))
        .scalars()
        .all()
    )
    waiting = db.session.execute(
        db.select(func.count(InboundMessage.id)).where(InboundMessage.status == "new")
    ).scalar_one()
    problems = (
        db.session.execute(
            db.select(InboundMessage)
            .where(InboundMessage.status.in_(("failed", "refused", "pending")))
            .order_by(InboundMessage.stored_at.desc())
            .limit(50)
        )
        .scalars()
        .all()
    )
    return render_template(
        "mailin/admin.html", fetches=fetches, waiting=waiting, problems=problems, statuses=STATUSES
    )
