"""Enquiries and complaints: public intake and staff pages. Thin: rules live in intake.py,
workflow.py, clock.py and access.py."""

from __future__ import annotations

from datetime import date

from flask import (
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from sqlalchemy import String, cast, literal, union_all

from engage import audit, submissions
from engage.auth.models import User
from engage.auth.permissions import public, requires
from engage.calendar import today_london
from engage.cases import bp, clock, followup
from engage.cases import complaint_outcomes as outcomes
from engage.cases.access import (
    assignable,
    complaint_viewers,
    record_exported_complaints,
    record_view,
    record_views,
)
from engage.cases.actions import ACTIONS
from engage.cases.attachments import ALLOWED_TYPES, attachments_of, may_add
from engage.cases.correction import corrections_allowed
from engage.cases.correspondence import PURPOSES, STATE_WORDS, emails_of, failures_in
from engage.cases.desk_models import COMPLAINT_OUTCOMES
from engage.cases.forms import ContactForm, DeadlineCalculatorForm, StaffIntakeForm
from engage.cases.intake import received_at_for
from engage.cases.listing import (
    CSV_COLUMNS,
    SORTS,
    CaseFilters,
    CaseListPage,
    csv_rows,
    export_query,
)
from engage.cases.models import Case
from engage.cases.pages import case_from_form, load_case, output_choices
from engage.cases.workflow import CaseError, allowed_actions, unavailable_actions
from engage.db_types import utcnow
from engage.exports.streaming import csv_response, read_in_batches
from engage.extensions import db
from engage.forms import show_rule_error
from engage.outputs.models import Output
from engage.public.abuse import public_form_limit
from engage.vocab import COMPLAINT_KINDS

# --- public -----------------------------------------------------------------------------------


@bp.route("/contact", methods=["GET", "POST"])
@submissions.own_token
@public
@public_form_limit
def contact():
    form = ContactForm()
    form.output_id.choices = output_choices()
    if form.validate_on_submit():
        if form.is_bot():
            return render_template("cases/contact-confirmation.html", reference=None)
        token = form.submission_token.data
        outcome = submissions.begin(token, "contact")
        if outcome.duplicate:  # a double click or resend: the first POST's confirmation
            _remember_contact(outcome.result)
            return redirect(url_for("cases.contact_confirmation"))
        try:
            case = case_from_form(
                form, channel="web", subject=None, received_at=utcnow(), actor=None
            )
        except CaseError as error:
            db.session.rollback()
            submissions.abandon(token)
            show_rule_error(form, error)
        else:
            reference = case.reference
            submissions.finish(token, reference)
            _remember_contact(reference)
            return redirect(url_for("cases.contact_confirmation"))
    return render_template("cases/contact.html", form=form)


def _remember_contact(reference: str | None) -> None:
    if reference is None:
        return
    row = db.session.execute(
        db.select(Case.state, Case.acknowledge_by, Case.respond_by).where(
            Case.reference == reference
        )
    ).one_or_none()
    session["contact_reference"] = reference
    session["contact_acknowledged"] = row is not None and row.state == "acknowledged"
    if row is not None:
        session["contact_deadlines"] = [row.acknowledge_by.isoformat(), row.respond_by.isoformat()]


@bp.route("/contact/confirmation")
@public
def contact_confirmation():
    reference = session.get("contact_reference")
    if not reference:
        return redirect(url_for("cases.contact"))
    return render_template(
        "cases/contact-confirmation.html",
        reference=reference,
        emailed=session.get("contact_acknowledged", False),
        deadlines=_deadlines_from(session.get("contact_deadlines")),
    )


def _deadlines_from(raw: object) -> tuple[date, date] | None:
    try:
        ack, respond = (date.fromisoformat(str(d)) for d in raw)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        return None
    return ack, respond


# --- staff: list, export, intake --------------------------------------------------------------


def _filter_choices() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(outputs, assignees) for the case list's filters, as (value, text), in one query: every
    output, and the people a case can be assigned to (columns, not accounts with roles)."""
    outputs = db.select(literal("output"), cast(Output.id, String), Output.title)
    people = db.select(literal("person"), cast(User.id, String), User.name).where(assignable())
    rows = db.session.execute(union_all(outputs, people)).all()
    by_text = sorted(rows, key=lambda row: row[2])
    return (
        [(value, text) for kind, value, text in by_text if kind == "output"],
        [(value, text) for kind, value, text in by_text if kind == "person"],
    )


@bp.route("/staff/cases")
@requires("view_cases")
def case_list():
    filters = CaseFilters.from_args(request.args)
    today = today_london()
    user = current_user._get_current_object()
    page = CaseListPage.load(filters, user, today)
    outputs, assignees = _filter_choices()
    # A complaint's subject is its text: listing it is a view of the complaint.
    record_views(user, [r for r in page.page.items if r.kind in COMPLAINT_KINDS], how="list")
    html = render_template(
        "cases/case-list.html",
        page=page.page,
        rows=page.rows,
        failed_emails=page.failed_emails,
        filters=filters,
        sorts=SORTS,
        outputs=outputs,
        assignees=assignees,
        export_url=url_for("cases.case_export", **filters.to_args()),
        today=today,
    )
    audit.commit_views()
    return html


@bp.route("/staff/cases/export.csv")
@requires("view_cases")
def case_export():
    user = current_user._get_current_object()
    filters = CaseFilters.from_args(request.args)
    today = today_london()
    cal = clock.current_calendar()
    query = filters.query(user, today, cal)
    # Every complaint in the export is recorded as seen, in one INSERT, before a row is sent.
    record_exported_complaints(user, query)
    db.session.commit()
    batches = (csv_rows(rows) for rows in read_in_batches(export_query(query, today, cal)))
    return csv_response(f"cases-{today.isoformat()}.csv", CSV_COLUMNS, batches)


def _intake_form() -> StaffIntakeForm:
    form = StaffIntakeForm()
    form.today = today_london()  # type: ignore[attr-defined]
    form.output_id.choices = output_choices()
    return form


def _saved_before(reference: str | None):  # type: ignore[no-untyped-def]
    """The case an earlier save of the same form made (or the list, while it is being saved)."""
    if reference is None:
        flash("This case is still being saved: find it in the list in a moment", "info")
        return redirect(url_for("cases.case_list"))
    return redirect(url_for("cases.case_page", reference=reference, created=1))


@bp.route("/staff/cases/new", methods=["GET", "POST"])
@submissions.own_token
@requires("triage_cases")
def case_new():
    form = _intake_form()
    if form.validate_on_submit():
        now = utcnow()
        token = form.submission_token.data
        outcome = submissions.begin(token, "staff_case")
        if outcome.duplicate:  # saved twice: the case the first save made
            return _saved_before(outcome.result)
        try:
            case = case_from_form(
                form,
                channel=form.channel.data,
                requester_phone=form.requester_phone.data,
                subject=form.subject.data,
                received_at=received_at_for(form.received_on.data, now),
                actor=current_user,
                now=now,
            )
        except CaseError as error:
            db.session.rollback()
            submissions.abandon(token)
            show_rule_error(form, error)
        else:
            reference = case.reference
            submissions.finish(token, reference)
            return redirect(url_for("cases.case_page", reference=reference, created=1))
    return render_template("cases/case-new.html", form=form)


# --- staff: one case --------------------------------------------------------------------------


@bp.route("/staff/cases/<reference>")
@requires("view_cases")
def case_page(reference: str):
    user = current_user._get_current_object()
    case = load_case(reference, with_history=True)
    if case.reference != reference:  # written another way: the one address of the case
        return redirect(url_for("cases.case_page", reference=case.reference))
    record_view(user, case)
    emails = emails_of(case.id)
    today = today_london()
    # Rendered before the commit (which would expire every loaded object and so reload them
    # one by one); the page is only sent once the view of a complaint is recorded.
    page = render_template(
        "cases/case.html",
        case=case,
        today=today,
        sla=clock.clock_summary(case, today),
        actions=allowed_actions(case, user),
        unavailable=unavailable_actions(case, user),
        viewers=complaint_viewers(case, user),
        corrections=corrections_allowed(case, user),
        files=attachments_of(case),
        may_add=may_add(case, user),
        file_kinds=ALLOWED_TYPES,
        emails=emails,
        linked=followup.linked_cases(case),
        may_undo_transfer=followup.may_undo_transfer(case, user),
        may_follow_up=followup.may_follow_up(case, user),
        complaint_outcome=outcomes.outcome_of(case) if case.is_complaint else None,
        lessons=outcomes.lessons_of(case) if case.is_complaint else [],
        may_record_outcome=outcomes.may_record_outcome(case, user),
        may_complete=outcomes.may_complete,
        outcome_words=COMPLAINT_OUTCOMES,
        email_failures=failures_in(emails),
        purposes=PURPOSES,
        email_states=STATE_WORDS,
        action_slugs={name: spec.slug for name, spec in ACTIONS.items()},
        action_titles={name: spec.title for name, spec in ACTIONS.items()},
        created=request.args.get("created") == "1",
    )
    audit.commit_views()
    return page


@bp.route("/staff/deadline-calculator")
@requires("use_deadline_calculator")
def deadline_calculator():
    form = DeadlineCalculatorForm(request.args)
    result = None
    if any(request.args.getlist("received_on")) and form.validate():
        try:
            due = clock.deadlines_for(form.received_on.data)
        except ValueError:
            form.received_on.errors = ["Date received must be between 1990 and 2080"]
        else:
            cal = clock.current_calendar()
            result = {
                "received": form.received_on.data,
                "acknowledge_by": due.acknowledge_by,
                "respond_by": due.respond_by,
                "working_day": cal.is_working_day(form.received_on.data),
                "region": clock.calendar_region(),
            }
    elif request.args.get("received_on") is not None:
        form.validate()
    return render_template("cases/deadline-calculator.html", form=form, result=result)
