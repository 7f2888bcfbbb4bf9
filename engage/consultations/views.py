"""Consultations for staff: drafting, questions, decisions, extension and withdrawal.

Public pages are in public_views.py and the analysis of responses in analysis_views.py; what
they share is in pages.py.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from engage.auth.permissions import has_permission, requires
from engage.calendar import today_london
from engage.consultations import bp, rules, service
from engage.consultations.forms import ConsultationForm, ExtendForm, QuestionForm, ReasonForm
from engage.consultations.models import Consultation, ConsultationQuestion
from engage.consultations.pages import managed_or_404, me
from engage.consultations.rules import ConsultationError
from engage.db_types import utcnow
from engage.extensions import db
from engage.forms import show_rule_error
from engage.pagination import paginate


@bp.route("/staff/consultations")
@requires("draft_consultations")
def staff_list():
    """The consultations this person manages, newest first; with `?response=due`, only the
    closed ones whose response is due within two weeks or overdue, longest waiting first (the
    dashboard links here). Rows of the columns shown, not whole consultations."""
    today = today_london()
    responses_due = request.args.get("response") == "due"
    page = paginate(
        service.managed_list_query(me(), today, responses_due=responses_due),
        per_page=25,
        scalars=False,
    )
    return render_template(
        "consultations/staff-list.html",
        page=page,
        today=today,
        responses_due=responses_due,
        response_status=rules.response_status,
        response_due_on=rules.response_due_on,
    )


def _output_choices(form: ConsultationForm) -> None:
    form.output_ids.choices = [(o.id, o.title) for o in service.output_choices(me())]


@bp.route("/staff/consultations/new", methods=["GET", "POST"])
@requires("draft_consultations")
def staff_new():
    form = ConsultationForm()
    _output_choices(form)
    if form.validate_on_submit():
        try:
            consultation = service.create_consultation(
                form.data_for_domain(), form.output_ids.data or [], me(), today_london()
            )
        except ConsultationError as error:
            db.session.rollback()
            show_rule_error(form, error, "title")
        else:
            flash("Consultation drafted. Add its questions next.", "success")
            return redirect(url_for("consultations.staff_detail", slug=consultation.slug))
    return render_template("consultations/consultation-form.html", form=form, consultation=None)


@bp.route("/staff/consultations/<slug>")
@requires("draft_consultations")
def staff_detail(slug: str):
    consultation = managed_or_404(slug)
    return _detail_page(consultation)


def _detail_page(consultation: Consultation, action_error: str | None = None, status: int = 200):
    from engage.auth.models import User
    from engage.consultations.responses import response_count

    today = today_london()
    events = service.history(consultation)
    actor_ids = {e.actor_id for e in events if e.actor_id is not None}
    # The names of who drafted and decided come with the history's actors.
    actor_ids |= {i for i in (consultation.created_by_id, consultation.decided_by_id) if i}
    actors: dict[int, str] = {
        int(user_id): str(name)
        for user_id, name in db.session.execute(
            db.select(User.id, User.name).where(User.id.in_(actor_ids or {0}))
        ).tuples()
    }
    due_on = (
        rules.response_due_on(consultation.closes_on)
        if consultation.state in {"closed", "response_published"}
        else None
    )
    return (
        render_template(
            "consultations/staff-detail.html",
            consultation=consultation,
            output_titles=[] if consultation.ad_hoc else service.output_titles(consultation),
            history=events,
            actors=actors,
            editable=consultation.state in service.EDITABLE_STATES,
            can_decide=has_permission(current_user, "decide_consultations"),
            responses=response_count(consultation),
            response_due_on=due_on,
            response_status=(
                rules.response_status(consultation.closes_on, today)
                if consultation.state == "closed"
                else None
            ),
            length_days=rules.length_in_days(consultation.opens_on, consultation.closes_on),
            action_error=action_error,
            withdrawable=consultation.state in service.WITHDRAWABLE_STATES,
        ),
        status,
    )


def _edit_form(consultation: Consultation) -> ConsultationForm:
    """The consultation's form, filled in from it when first shown."""
    form = ConsultationForm(obj=consultation)
    _output_choices(form)
    # A producer editing a consultation that also names someone else's output still sees it.
    known = {value for value, _ in form.output_ids.choices}
    form.output_ids.choices += [(o.id, o.title) for o in consultation.outputs if o.id not in known]
    if request.method == "GET":
        form.scope.data = "ad_hoc" if consultation.ad_hoc else "outputs"
        form.output_ids.data = [o.id for o in consultation.outputs]
    return form


@bp.route("/staff/consultations/<slug>/edit", methods=["GET", "POST"])
@requires("draft_consultations")
def staff_edit(slug: str):
    consultation = managed_or_404(slug)
    if consultation.state not in service.EDITABLE_STATES:
        flash("This consultation can no longer be changed.")
        return redirect(url_for("consultations.staff_detail", slug=slug))
    form = _edit_form(consultation)
    if form.validate_on_submit():
        try:
            service.update_consultation(
                consultation,
                form.data_for_domain(),
                form.output_ids.data or [],
                me(),
                today_london(),
            )
        except ConsultationError as error:
            db.session.rollback()
            show_rule_error(form, error, "title")
        else:
            flash("Consultation saved", "success")
            return redirect(url_for("consultations.staff_detail", slug=slug))
    return render_template(
        "consultations/consultation-form.html", form=form, consultation=consultation
    )


# Questions -----------------------------------------------------------------------------------


def _question_or_404(consultation: Consultation, question_id: int) -> ConsultationQuestion:
    question = db.session.get(ConsultationQuestion, question_id)
    if question is None or question.consultation_id != consultation.id:
        abort(404)
    return question


def _question_data(form: QuestionForm) -> dict[str, Any]:
    return {
        "text": form.text.data,
        "kind": form.kind.data,
        "options": form.options.data,
        "required": form.required.data,
    }


def _question_page(consultation: Consultation, question: ConsultationQuestion | None):
    if consultation.state not in service.EDITABLE_STATES:
        flash("Questions cannot be changed once a consultation opens.")
        return redirect(url_for("consultations.staff_detail", slug=consultation.slug))
    form = QuestionForm(obj=question)
    if request.method == "GET" and question is not None:
        form.options.data = "\n".join(question.options)
    if form.validate_on_submit():
        try:
            if question is None:
                service.add_question(consultation, _question_data(form), me())
            else:
                service.update_question(question, _question_data(form), me())
        except ConsultationError as error:
            db.session.rollback()
            show_rule_error(form, error, "text")
        else:
            flash("Question saved", "success")
            return redirect(url_for("consultations.staff_detail", slug=consultation.slug))
    return render_template(
        "consultations/question-form.html",
        form=form,
        consultation=consultation,
        question=question,
    )


@bp.route("/staff/consultations/<slug>/questions/new", methods=["GET", "POST"])
@requires("draft_consultations")
def question_new(slug: str):
    return _question_page(managed_or_404(slug), None)


@bp.route("/staff/consultations/<slug>/questions/<int:question_id>", methods=["GET", "POST"])
@requires("draft_consultations")
def question_edit(slug: str, question_id: int):
    consultation = managed_or_404(slug)
    return _question_page(consultation, _question_or_404(consultation, question_id))


@bp.route("/staff/consultations/<slug>/questions/<int:question_id>/remove", methods=["POST"])
@requires("draft_consultations")
def question_remove(slug: str, question_id: int):
    consultation = managed_or_404(slug)
    question = _question_or_404(consultation, question_id)
    try:
        service.remove_question(question, me())
    except ConsultationError as error:
        db.session.rollback()
        return _detail_page(consultation, error.message, 409)
    flash("Question removed", "success")
    return redirect(url_for("consultations.staff_detail", slug=slug))


@bp.route("/staff/consultations/<slug>/questions/<int:question_id>/move", methods=["POST"])
@requires("draft_consultations")
def question_move(slug: str, question_id: int):
    consultation = managed_or_404(slug)
    question = _question_or_404(consultation, question_id)
    direction = "up" if request.form.get("direction") == "up" else "down"
    try:
        service.move_question(question, direction, me())
    except ConsultationError as error:
        db.session.rollback()
        return _detail_page(consultation, error.message, 409)
    return redirect(url_for("consultations.staff_detail", slug=slug) + "#questions")


# Decisions -----------------------------------------------------------------------------------


@bp.route("/staff/consultations/<slug>/submit", methods=["POST"])
@requires("draft_consultations")
def staff_submit(slug: str):
    consultation = managed_or_404(slug)
    try:
        service.submit_for_approval(consultation, me(), utcnow())
    except ConsultationError as error:
        db.session.rollback()
        return _detail_page(consultation, error.message, 409)
    flash("Sent to the Chief Statistician for approval", "success")
    return redirect(url_for("consultations.staff_detail", slug=slug))


@bp.route("/staff/consultations/<slug>/approve", methods=["POST"])
@requires("decide_consultations")
def staff_approve(slug: str):
    consultation = managed_or_404(slug)
    try:
        service.approve(consultation, me(), utcnow())
    except ConsultationError as error:
        db.session.rollback()
        return _detail_page(consultation, error.message, 409)
    message = "Consultation approved" + (": it is open now" if consultation.state == "open" else "")
    flash(message, "success")
    return redirect(url_for("consultations.staff_detail", slug=slug))


def _reason_page(slug: str, action: str):
    consultation = managed_or_404(slug)
    form = ReasonForm()
    form.reason.label.text = (
        "Why are you rejecting this consultation?"
        if action == "reject"
        else "Why are you withdrawing this consultation?"
    )
    form.submit.label.text = (
        "Reject consultation" if action == "reject" else "Withdraw consultation"
    )
    if form.validate_on_submit():
        try:
            if action == "reject":
                service.reject(consultation, me(), form.reason.data, utcnow())
            else:
                service.withdraw(consultation, me(), form.reason.data, utcnow())
        except ConsultationError as error:
            db.session.rollback()
            show_rule_error(form, error, "reason")
        else:
            flash(
                "Consultation rejected" if action == "reject" else "Consultation withdrawn",
                "success",
            )
            return redirect(url_for("consultations.staff_detail", slug=slug))
    return render_template(
        "consultations/reason-form.html", form=form, consultation=consultation, action=action
    )


@bp.route("/staff/consultations/<slug>/reject", methods=["GET", "POST"])
@requires("decide_consultations")
def staff_reject(slug: str):
    return _reason_page(slug, "reject")


@bp.route("/staff/consultations/<slug>/withdraw", methods=["GET", "POST"])
@requires("draft_consultations")
def staff_withdraw(slug: str):
    return _reason_page(slug, "withdraw")


@bp.route("/staff/consultations/<slug>/extend", methods=["GET", "POST"])
@requires("draft_consultations")
def staff_extend(slug: str):
    consultation = managed_or_404(slug)
    form = ExtendForm()
    earliest, latest = rules.allowed_closing_dates(consultation.opens_on)
    if form.validate_on_submit():
        try:
            # The form has validated the date; this only narrows the type.
            assert form.closes_on.data is not None  # nosec B101
            service.extend(consultation, form.closes_on.data, me(), utcnow())
        except ConsultationError as error:
            db.session.rollback()
            show_rule_error(form, error, "closes_on")
        else:
            flash("Closing date changed", "success")
            return redirect(url_for("consultations.staff_detail", slug=slug))
    return render_template(
        "consultations/extend-form.html", form=form, consultation=consultation, latest=latest
    )
