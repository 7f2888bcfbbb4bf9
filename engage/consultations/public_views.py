"""Public consultation pages: lists, the consultation, responding, and the Atom feed."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from engage import submissions
from engage.auth.permissions import public
from engage.consultations import bp, feed, responses, rules, service
from engage.consultations.forms import (
    ConfirmForm,
    RespondentForm,
    question_field_name,
    response_form_class,
)
from engage.consultations.models import Consultation
from engage.db_types import utcnow
from engage.extensions import db
from engage.pagination import paginate
from engage.public.abuse import public_form_limit

FIXED_FIELDS = ("category", "name", "organisation", "email", "publish_name", "join_log")
# The answers wait in the database between the form and check-your-answers; the session cookie
# holds only the draft's token (answers can be far longer than a cookie allows).
LOST_DRAFT_MESSAGE = (
    "We could not find the answers you entered. They may have been more than a day old. "
    "Enter your answers again."
)


def _public_or_404(slug: str) -> Consultation:
    consultation = service.consultation_by_slug(slug)
    if consultation is None:
        abort(404)
    visible = consultation.state in service.PUBLIC_STATES or (
        consultation.state == "withdrawn" and consultation.opened_at is not None
    )
    if not visible:
        abort(404)
    return consultation


# What the public list shows of a consultation (rows of these columns, not whole consultations).
LISTED_COLUMNS = (
    Consultation.id,
    Consultation.slug,
    Consultation.title,
    Consultation.summary,
    Consultation.state,
    Consultation.opens_on,
    Consultation.closes_on,
    Consultation.response_published_at,
)


@bp.route("/consultations")
@public
def public_list():
    """Open (closing first), forthcoming (opening first) and closed (latest first) consultations
    from one query; those with a published response (latest first) a page at a time."""
    current = db.session.execute(
        db.select(*LISTED_COLUMNS).where(Consultation.state.in_(("open", "approved", "closed")))
    ).all()

    def listed(state: str, key, newest_first: bool = False):  # type: ignore[no-untyped-def]
        rows = sorted((c for c in current if c.state == state), key=lambda c: (key(c), c.id))
        return rows[::-1] if newest_first else rows

    return render_template(
        "consultations/public-list.html",
        open_consultations=listed("open", lambda c: c.closes_on),
        forthcoming=listed("approved", lambda c: c.opens_on),
        closed=listed("closed", lambda c: c.closes_on, newest_first=True),
        published=paginate(
            db.select(*LISTED_COLUMNS)
            .where(Consultation.state == "response_published")
            .order_by(Consultation.response_published_at.desc(), Consultation.id.desc()),
            per_page=20,
            scalars=False,
        ),
    )


@bp.route("/consultations/<slug>")
@public
def public_detail(slug: str):
    consultation = _public_or_404(slug)
    now = utcnow()
    return render_template(
        "consultations/public-detail.html",
        consultation=consultation,
        output_titles=[] if consultation.ad_hoc else service.output_titles(consultation),
        accepting=responses.is_accepting_responses(consultation, now),
        total=(
            responses.response_count(consultation)
            if consultation.state == "response_published"
            else None
        ),
        length_days=rules.length_in_days(consultation.opens_on, consultation.closes_on),
    )


def _session_key(consultation: Consultation) -> str:
    return f"consultation-response-{consultation.id}"


def _closed_page(consultation: Consultation, values: dict[str, Any] | None = None):
    """The consultation is not taking responses. When someone sent answers just after it
    closed, they are kept (a day, as a draft) and shown, with a copy to download: nothing
    typed is lost to the deadline."""
    if not values:
        session.pop(_session_key(consultation), None)
        return render_template("consultations/closed.html", consultation=consultation), 200
    return render_template(
        "consultations/closed.html",
        consultation=consultation,
        answers=_answers_for_display(consultation, values),
        values=values,
    ), 200


def _keep_late_answers(consultation: Consultation, form_class: Any, now: Any) -> dict | None:
    """Answers POSTed to the form after closing: saved as a draft for the download."""
    if request.method != "POST":
        return None
    values = _form_values(form_class(), consultation)
    token = session.get(_session_key(consultation))
    session[_session_key(consultation)] = responses.save_draft(
        consultation, values, now, token=token
    )
    return values


@bp.route("/consultations/<slug>/respond/your-answers")
@public
def late_answers(slug: str):
    """A copy of the answers someone sent after the consultation closed."""
    consultation = _public_or_404(slug)
    token = session.get(_session_key(consultation))
    values = responses.load_draft(consultation, token, utcnow()) if token else None
    if not values:
        return redirect(url_for("consultations.public_detail", slug=slug))
    lines = [f"Your answers to the consultation ‘{consultation.title}’", ""]
    for question, shown in _answers_for_display(consultation, values):
        lines += [f"{question.position}. {question.text}", shown or "(no answer)", ""]
    for name in ("name", "organisation", "email"):
        if values.get(name):
            lines.append(f"{name.capitalize()}: {values[name]}")
    return Response(
        "\n".join(lines) + "\n",
        mimetype="text/plain",
        headers={"Content-Disposition": 'attachment; filename="your-answers.txt"'},
    )


def _form_values(form: RespondentForm, consultation: Consultation) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(form, name).data for name in FIXED_FIELDS}
    for question in consultation.questions:
        values[question_field_name(question.id)] = getattr(
            form, question_field_name(question.id)
        ).data
    return values


@bp.route("/consultations/<slug>/respond", methods=["GET", "POST"])
@public
@public_form_limit
def respond(slug: str):
    consultation = _public_or_404(slug)
    now = utcnow()
    form_class = response_form_class(list(consultation.questions))
    if not responses.is_accepting_responses(consultation, now):
        return _closed_page(consultation, _keep_late_answers(consultation, form_class, now))
    token = session.get(_session_key(consultation))
    stored = responses.load_draft(consultation, token, now) if token else None
    lost = bool(token) and stored is None
    if lost:
        session.pop(_session_key(consultation), None)
    form = form_class(data=stored) if stored else form_class()
    if form.validate_on_submit():
        if form.is_bot():
            return _confirmation(consultation, "CR-" + secrets.token_hex(4).upper())
        values = _form_values(form, consultation)
        session[_session_key(consultation)] = responses.save_draft(
            consultation, values, now, token=token if stored else None
        )
        return redirect(url_for("consultations.check_answers", slug=slug))
    return render_template(
        "consultations/respond.html",
        form=form,
        consultation=consultation,
        lost_message=LOST_DRAFT_MESSAGE if lost else None,
    )


def _answers_for_display(consultation: Consultation, values: dict[str, Any]) -> list[tuple]:
    rows = []
    for question in consultation.questions:
        value = values.get(question_field_name(question.id))
        shown = ", ".join(value) if isinstance(value, list) else value or ""
        rows.append((question, shown))
    return rows


@bp.route("/consultations/<slug>/respond/check-your-answers", methods=["GET", "POST"])
@submissions.own_token
@public
@public_form_limit
def check_answers(slug: str):
    consultation = _public_or_404(slug)
    now = utcnow()
    token = session.get(_session_key(consultation))
    values = responses.load_draft(consultation, token, now) if token else None
    if not responses.is_accepting_responses(consultation, now):
        return _closed_page(consultation, values)
    if not values:
        # No token: start at the form. An unknown, expired or tampered token stays in the
        # session so the form can say the answers were lost.
        return redirect(url_for("consultations.respond", slug=slug))
    form = ConfirmForm()
    if form.validate_on_submit():
        if form.is_bot():
            session.pop(_session_key(consultation), None)
            responses.discard_draft(token)
            return _confirmation(consultation, "CR-" + secrets.token_hex(4).upper())
        return _send(consultation, token, values, now)
    return render_template(
        "consultations/check-answers.html",
        form=form,
        consultation=consultation,
        answers=_answers_for_display(consultation, values),
        values=values,
    )


def _send(consultation: Consultation, token: str | None, values: dict[str, Any], now: datetime):  # type: ignore[no-untyped-def]
    """Send the checked answers once (a second send of the same draft, from a double click or
    two tabs, finds the first response) and show the confirmation."""
    outcome = submissions.begin(token, "consultation_response")
    if outcome.duplicate:
        session.pop(_session_key(consultation), None)
        if outcome.result:
            session["consultation-response-reference"] = outcome.result
        return redirect(url_for("consultations.response_confirmation", slug=consultation.slug))
    answers = {q.id: values.get(question_field_name(q.id)) for q in consultation.questions}
    try:
        response = responses.submit_response(
            consultation, responses.response_data(values, answers), now, draft_token=token
        )
    except responses.ConsultationClosed:
        db.session.rollback()
        submissions.abandon(token)
        return _closed_page(consultation, values)
    except ValueError:
        db.session.rollback()
        submissions.abandon(token)
        return redirect(url_for("consultations.respond", slug=consultation.slug))
    submissions.finish(token, response.reference)
    session.pop(_session_key(consultation), None)
    session["consultation-response-reference"] = response.reference
    return redirect(url_for("consultations.response_confirmation", slug=consultation.slug))


def _confirmation(consultation: Consultation, reference: str):
    return render_template(
        "consultations/confirmation.html", consultation=consultation, reference=reference
    )


@bp.route("/consultations/<slug>/respond/confirmation")
@public
def response_confirmation(slug: str):
    consultation = _public_or_404(slug)
    reference = session.get("consultation-response-reference")
    if not reference:
        return redirect(url_for("consultations.public_detail", slug=slug))
    return _confirmation(consultation, reference)


# Atom feed -----------------------------------------------------------------------------------


@bp.route("/consultations.atom")
@public
def atom_feed():
    body = feed.atom_feed(
        current_app.config["BASE_URL"].rstrip("/"), current_app.config["OFFICE_NAME"], utcnow()
    )
    return Response(body, content_type="application/atom+xml; charset=utf-8")
