"""Public feedback forms, and the staff views of feedback."""

from __future__ import annotations

import secrets

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import func

from engage import submissions
from engage.auth.permissions import deny, has_permission, public, requires
from engage.extensions import db
from engage.forms import show_rule_error
from engage.outputs import access, bp
from engage.outputs import feedback as feedback_domain
from engage.outputs.feedback_forms import FeedbackForm, GeneralFeedbackForm
from engage.outputs.links import row_link
from engage.outputs.log_forms import ConfirmForm, FeedbackCaseForm
from engage.outputs.models import FEEDBACK_NOT_REVIEWED, Feedback, Output, output_producers
from engage.outputs.pages import output_or_404, readable_output
from engage.pagination import paginate
from engage.public.abuse import public_form_limit
from engage.vocab import CASE_KINDS

THANKS_KEY = "feedback_reference"


def _thank(reference: str):  # type: ignore[no-untyped-def]
    session[THANKS_KEY] = reference
    return redirect(url_for("outputs.feedback_thanks"))


def _bot_reference() -> str:
    # Looks like a real reference; nothing is stored for a bot.
    return "FB-" + "".join(secrets.choice(feedback_domain._ALPHABET) for _ in range(6))


@bp.route("/statistics/<slug>/feedback", methods=["GET", "POST"])
@submissions.own_token
@public
@public_form_limit
def output_feedback(slug: str):
    output = output_or_404(slug)
    form = FeedbackForm()
    if form.validate_on_submit():
        if form.is_bot():
            return _thank(_bot_reference())
        token = form.submission_token.data
        outcome = submissions.begin(token, "feedback")
        if outcome.duplicate:
            return _thank(outcome.result or _bot_reference())
        try:
            item = _submit(output, form)
        except feedback_domain.FeedbackError as error:
            db.session.rollback()
            submissions.abandon(token)
            show_rule_error(form, error)
        else:
            submissions.finish(token, item.reference)
            return _thank(item.reference)
    return render_template("outputs/feedback-form.html", form=form, output=output)


def _submit(output: Output, form: FeedbackForm) -> Feedback:
    return feedback_domain.submit_feedback(
        output=output,
        useful=form.useful.data,
        uses=form.uses.data or "",
        category=form.category.data,
        comments=form.comments.data or "",
        email=form.email.data or None,
        join_level=form.join_level.data,
    )


@bp.route("/feedback", methods=["GET", "POST"])
@submissions.own_token
@public
@public_form_limit
def general_feedback():
    form = GeneralFeedbackForm()
    if form.validate_on_submit():
        if form.is_bot():
            return _thank(_bot_reference())
        token = form.submission_token.data
        outcome = submissions.begin(token, "feedback")
        if outcome.duplicate:
            return _thank(outcome.result or _bot_reference())
        item = feedback_domain.submit_feedback(
            output=None,
            useful=None,
            uses="",
            category=form.category.data or None,
            comments=form.comments.data or "",
            email=form.email.data or None,
            join_level=None,
        )
        submissions.finish(token, item.reference)
        return _thank(item.reference)
    return render_template("outputs/feedback-general-form.html", form=form)


@bp.route("/feedback/thank-you")
@public
def feedback_thanks():
    reference = session.get(THANKS_KEY)
    if not reference:
        return redirect(url_for("outputs.general_feedback"))
    return render_template("outputs/feedback-thanks.html", reference=reference)


# --- staff -------------------------------------------------------------------------------------


# The columns a feedback list shows (not Feedback objects with their outputs and producers).
FEEDBACK_ROW = (
    Feedback.id,
    Feedback.reference,
    Feedback.received_at,
    Feedback.output_id,
    Feedback.useful,
    Feedback.comments,
    Feedback.reviewed_at,
    Feedback.case_id,
)


def _visible_to(user) -> list:  # type: ignore[no-untyped-def]
    """Conditions on Feedback: what this person may see."""
    if access.sees_all_logs(user):
        return []
    owned = db.select(output_producers.c.output_id).where(output_producers.c.user_id == user.id)
    return [Feedback.output_id.in_(owned)]


def _feedback_page(where: list, *, with_output: bool):  # type: ignore[no-untyped-def]
    """A page of feedback (newest first) meeting the conditions `where`. The total is counted
    on the feedback table alone (the not-reviewed view from ix_feedback_not_reviewed); pages
    past the middle are read from the other end of the order."""
    total = db.session.execute(
        db.select(func.count()).select_from(Feedback).where(*where)
    ).scalar_one()
    query = db.select(*FEEDBACK_ROW).where(*where)
    if with_output:
        query = query.add_columns(Output.title.label("output_title")).outerjoin(
            Output, Output.id == Feedback.output_id
        )
    return paginate(
        query.order_by(Feedback.received_at.desc(), Feedback.id.desc()),
        per_page=25,
        scalars=False,
        total=total,
        reversible=True,  # the order ends with the id
    )


@bp.route("/staff/feedback")
@requires("view_feedback")
def feedback_list():
    show = request.args.get("show", "not-reviewed")
    where = _visible_to(current_user._get_current_object())
    if show == "not-reviewed":
        where.append(FEEDBACK_NOT_REVIEWED)
    elif show == "general":
        where.append(Feedback.output_id.is_(None))
    return render_template(
        "outputs/feedback-list.html",
        page=_feedback_page(where, with_output=True),
        show=show,
        output=None,
        detail_link=row_link("outputs.feedback_detail", "feedback_id"),
    )


@bp.route("/staff/feedback/reviewed", methods=["POST"])
@requires("view_feedback")
def feedback_mark_many_reviewed():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    ids = [int(v) for v in request.form.getlist("feedback_id") if v.isdigit() and len(v) < 10]
    back = _safe_back(request.form.get("back", ""))
    if not ids:
        flash("Select the feedback to mark as reviewed", "error")
        return redirect(back)
    marked = feedback_domain.mark_many_reviewed(ids, current_user._get_current_object())
    flash(f"{marked} feedback {'item' if marked == 1 else 'items'} marked as reviewed", "success")
    return redirect(back)


def _safe_back(path: str) -> str:
    """Back to the list the form was on: a path on this site only."""
    if path.startswith("/staff/") and "//" not in path and "\\" not in path:
        return path
    return url_for("outputs.feedback_list")


@bp.route("/staff/outputs/<slug>/feedback")
@requires("view_feedback")
def output_feedback_list(slug: str):
    output = readable_output(slug)
    show = request.args.get("show", "all")
    where = [Feedback.output_id == output.id]
    if show == "not-reviewed":
        where.append(FEEDBACK_NOT_REVIEWED)
    return render_template(
        "outputs/feedback-list.html",
        page=_feedback_page(where, with_output=False),
        show=show,
        output=output,
        detail_link=row_link("outputs.feedback_detail", "feedback_id"),
    )


def _feedback_or_deny(feedback_id: int) -> Feedback:
    item = db.session.get(Feedback, feedback_id)
    if item is None:
        abort(404)
    if not access.can_view_feedback(current_user, item):
        deny("feedback:not_visible")
    return item


@bp.route("/staff/feedback/<int:feedback_id>")
@requires("view_feedback")
def feedback_detail(feedback_id: int):
    item = _feedback_or_deny(feedback_id)
    case = None
    if item.case_id is not None:
        from engage.cases.access import can_view
        from engage.cases.models import Case

        case = db.session.get(Case, item.case_id)
        # A case (a complaint above all) is in confidence: its reference only for those who
        # may open it.
        if case is not None and not can_view(current_user, case):
            case = None
    return render_template(
        "outputs/feedback-detail.html",
        item=item,
        case=case,
        form=ConfirmForm(),
        can_make_case=has_permission(current_user, "triage_cases"),
    )


@bp.route("/staff/feedback/<int:feedback_id>/reviewed", methods=["POST"])
@requires("view_feedback")
def feedback_mark_reviewed(feedback_id: int):
    item = _feedback_or_deny(feedback_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    feedback_domain.mark_reviewed(item, current_user._get_current_object())
    flash(f"Feedback {item.reference} marked as reviewed", "success")
    return redirect(url_for("outputs.feedback_detail", feedback_id=item.id))


def _case_form(item: Feedback) -> FeedbackCaseForm:
    """The form making a case of this feedback, with the feedback's defaults when first shown."""
    form = FeedbackCaseForm()
    form.kind.choices = list(CASE_KINDS.items())
    if not form.is_submitted():
        for name, value in feedback_domain.case_defaults(item).items():
            getattr(form, name).data = value
    return form


@bp.route("/staff/feedback/<int:feedback_id>/case", methods=["GET", "POST"])
@requires("triage_cases")
def feedback_make_case(feedback_id: int):
    item = _feedback_or_deny(feedback_id)
    if item.case_id is not None:
        flash("This feedback has already been made into a case", "info")
        return redirect(url_for("outputs.feedback_detail", feedback_id=item.id))
    form = _case_form(item)
    if form.validate_on_submit():
        from engage.cases.workflow import CaseError

        try:
            case = feedback_domain.feedback_to_case(
                item,
                kind=form.kind.data,  # type: ignore[arg-type]
                subject=form.subject.data or "",
                requester_name=form.requester_name.data or "",
                actor=current_user._get_current_object(),
            )
        except CaseError as error:
            db.session.rollback()
            show_rule_error(form, error, "kind")
        except feedback_domain.FeedbackError as error:
            db.session.rollback()
            form.kind.errors = [error.message]
        else:
            flash(f"Case {case.reference} created from feedback {item.reference}", "success")
            return redirect(url_for("outputs.feedback_detail", feedback_id=item.id))
    return render_template("outputs/feedback-case-form.html", form=form, item=item)
