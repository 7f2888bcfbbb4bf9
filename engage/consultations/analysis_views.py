"""Staff analysis of responses, exports, and the published response."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from engage.auth.permissions import requires
from engage.calendar import today_london
from engage.consultations import analysis, bp, responses, service
from engage.consultations.forms import CATEGORY_CHOICES, PublishedResponseForm
from engage.consultations.models import Consultation
from engage.consultations.pages import managed_or_404, me
from engage.consultations.rules import ConsultationError
from engage.db_types import utcnow
from engage.exports.pages import offer_export
from engage.exports.streaming import csv_response
from engage.extensions import db
from engage.pagination import paginate
from engage.vocab import USER_CATEGORIES


@bp.route("/staff/consultations/<slug>/responses")
@requires("draft_consultations")
def staff_responses(slug: str):
    consultation = managed_or_404(slug)
    # The category filter's radios are written out in the template (the GOV.UK macro is slow):
    # the one checked is the value asked for, as the form field would have it.
    chosen = request.args.get("category", "")
    category = chosen if chosen in USER_CATEGORIES else ""
    summary = analysis.response_summary(consultation)
    page = paginate(
        analysis.responses_query(consultation.id, category),
        per_page=20,
        total=summary.received_in(category),
        scalars=False,
    )
    questions = analysis.questions_of(consultation)
    return render_template(
        "consultations/staff-responses.html",
        consultation=consultation,
        page=page,
        responses=analysis.with_answers(page.items, questions),
        repeats=analysis.repeat_responses(consultation.id, page.items),
        category_choices=CATEGORY_CHOICES,
        chosen_category=chosen,
        category=category,
        by_category=summary.by_category,
        tallies=analysis.question_tallies(consultation, questions),
        total=summary.total,
        superseded=summary.superseded,
    )


@bp.route("/staff/consultations/<slug>/responses.csv")
@requires("draft_consultations")
def staff_responses_csv(slug: str):
    consultation = managed_or_404(slug)
    questions = list(consultation.questions)
    today = today_london().isoformat()
    return csv_response(
        f"{consultation.slug}-responses-{today}.csv",
        responses.export_header(questions),
        responses.export_batches(consultation, questions),
    )


@bp.route("/staff/consultations/<slug>/responses.xlsx", methods=["GET", "POST"])
@requires("draft_consultations")
def staff_responses_xlsx(slug: str):
    """Built in the background (engage.exports): a page to ask for it, then its status page."""
    consultation = managed_or_404(slug)
    return offer_export(
        "consultation_responses_xlsx",
        {"consultation_id": consultation.id},
        title=f"the responses to {consultation.title} (XLSX)",
        back_url=url_for("consultations.staff_responses", slug=consultation.slug),
    )


@bp.route("/staff/consultations/<slug>/published-response", methods=["GET", "POST"])
@requires("draft_consultations")
def staff_published_response(slug: str):
    consultation = managed_or_404(slug)
    if consultation.state != "closed":
        flash("A response can be written once the consultation has closed, until it is published.")
        return redirect(url_for("consultations.staff_detail", slug=slug))
    form = PublishedResponseForm(obj=consultation)
    if request.method == "GET" and not consultation.response_summary:
        form.response_summary.data = responses.summary_starting_text(consultation)
    if form.validate_on_submit() and _save_or_publish(consultation, form):
        return redirect(url_for("consultations.staff_detail", slug=slug))
    return render_template(
        "consultations/published-response-form.html",
        form=form,
        consultation=consultation,
        total=responses.response_count(consultation),
    )


def _save_or_publish(consultation: Consultation, form: PublishedResponseForm) -> bool:
    """Save the published response's parts, or publish them: False, with the errors on the form,
    when a rule refuses."""
    parts = {name: getattr(form, name).data for name in service.RESPONSE_PARTS}
    try:
        if form.publish.data:
            service.publish_response(consultation, parts, me(), utcnow())
            flash("Response published", "success")
        else:
            service.save_response(consultation, parts, me())
            flash("Response saved. It is not published yet.", "success")
    except service.ResponseIncomplete as incomplete:
        db.session.rollback()
        for name, message in incomplete.errors.items():
            getattr(form, name).errors = [message]
        return False
    except ConsultationError as error:
        db.session.rollback()
        form.response_summary.errors = [error.message]
        return False
    return True
