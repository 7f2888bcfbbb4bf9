"""Staff pages of the UK Statistics Authority recommendations tracker."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from engage.auth.permissions import requires
from engage.calendar import today_london
from engage.extensions import db
from engage.forms import show_rule_error
from engage.outputs.models import Output
from engage.pagination import paginate
from engage.reports import bp
from engage.reports import recommendations as recs
from engage.reports.forms import NoteForm, RecommendationForm
from engage.reports.models import UksaRecommendation

FORM_FIELDS = (*recs.FIELDS, "will_not_reason")


def _rec_or_404(rec_id: int) -> UksaRecommendation:
    rec = db.session.get(UksaRecommendation, rec_id)
    if rec is None:
        abort(404)
    return rec


def _choices(form: RecommendationForm) -> None:
    form.output_ids.choices = [
        (o.id, o.title)
        for o in db.session.execute(
            select(Output).where(Output.status == "active").order_by(Output.title)
        ).scalars()
    ]
    form.owner_id.choices = [(0, "No owner yet")] + [(u.id, u.name) for u in recs.owner_choices()]


def _data(form: RecommendationForm) -> dict[str, Any]:
    data = {name: getattr(form, name).data for name in FORM_FIELDS}
    data["owner_id"] = data["owner_id"] or None
    return data


@bp.route("/staff/reports/recommendations")
@requires("manage_recommendations")
def recommendation_list():
    today = today_london()
    status = request.args.get("status", "")
    query = recs.recommendation_list_query()
    if status == "overdue":
        query = query.where(recs.overdue_clause(today))
    page = paginate(query, per_page=50)
    overdue_count = db.session.execute(
        select(db.func.count(UksaRecommendation.id)).where(recs.overdue_clause(today))
    ).scalar_one()
    return render_template(
        "reports/recommendation-list.html",
        page=page,
        today=today,
        is_overdue=recs.is_overdue,
        overdue_count=overdue_count,
        status=status,
    )


@bp.route("/staff/reports/recommendations/new", methods=["GET", "POST"])
@requires("manage_recommendations")
def recommendation_new():
    form = RecommendationForm()
    _choices(form)
    if form.validate_on_submit():
        try:
            rec = recs.create_recommendation(_data(form), form.output_ids.data or [], current_user)
        except recs.RecommendationError as error:
            db.session.rollback()
            show_rule_error(form, error)
        else:
            flash(f"Recommendation {rec.reference} added", "success")
            return redirect(url_for("reports.recommendation_detail", rec_id=rec.id))
    return render_template("reports/recommendation-form.html", form=form, rec=None)


@bp.route("/staff/reports/recommendations/<int:rec_id>")
@requires("manage_recommendations")
def recommendation_detail(rec_id: int):
    rec = _rec_or_404(rec_id)
    form = NoteForm()
    return render_template(
        "reports/recommendation-detail.html",
        rec=rec,
        note_form=form,
        overdue=recs.is_overdue(rec, today_london()),
    )


@bp.route("/staff/reports/recommendations/<int:rec_id>/edit", methods=["GET", "POST"])
@requires("manage_recommendations")
def recommendation_edit(rec_id: int):
    rec = _rec_or_404(rec_id)
    form = RecommendationForm(
        obj=rec,
        data={"output_ids": [o.id for o in rec.outputs], "owner_id": rec.owner_id or 0},
    )
    _choices(form)
    if form.validate_on_submit():
        try:
            recs.update_recommendation(rec, _data(form), form.output_ids.data or [], current_user)
        except recs.RecommendationError as error:
            db.session.rollback()
            show_rule_error(form, error)
        else:
            flash(f"Recommendation {rec.reference} updated", "success")
            return redirect(url_for("reports.recommendation_detail", rec_id=rec.id))
    return render_template("reports/recommendation-form.html", form=form, rec=rec)


@bp.route("/staff/reports/recommendations/<int:rec_id>/notes", methods=["POST"])
@requires("manage_recommendations")
def recommendation_add_note(rec_id: int):
    rec = _rec_or_404(rec_id)
    form = NoteForm()
    if form.validate_on_submit():
        try:
            recs.add_note(rec, form.noted_on.data, form.note.data or "", current_user)  # type: ignore[arg-type]
        except recs.RecommendationError as error:
            db.session.rollback()
            show_rule_error(form, error)
        else:
            flash("Progress note added", "success")
            return redirect(url_for("reports.recommendation_detail", rec_id=rec.id))
    return render_template(
        "reports/recommendation-detail.html",
        rec=rec,
        note_form=form,
        form=form,
        overdue=recs.is_overdue(rec, today_london()),
    )
