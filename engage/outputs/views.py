"""Outputs catalogue for staff. (User logs, reviews and feedback views join this blueprint.)"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from engage.auth.permissions import requires
from engage.calendar import today_london
from engage.extensions import db
from engage.forms import show_rule_error
from engage.outputs import bp, catalogue
from engage.outputs.forms import OutputForm
from engage.outputs.links import row_link
from engage.outputs.pages import output_or_404
from engage.pagination import paginate


@bp.route("/staff/outputs")
@requires("view_outputs")
def output_list():
    page = paginate(catalogue.list_query(), per_page=50, scalars=False)
    producers, mine = catalogue.producers_of(
        [row.id for row in page.items],
        current_user.id if current_user.has_role("producer") else None,
    )
    return render_template(
        "outputs/output-list.html",
        page=page,
        mine=mine,
        producers=producers,
        detail_link=row_link("outputs.output_detail", "slug"),
        today=today_london(),
    )


@bp.route("/staff/outputs/<slug>")
@requires("view_outputs")
def output_detail(slug: str):
    output = output_or_404(slug)
    return render_template("outputs/output-detail.html", output=output)


def _form_data(form: OutputForm) -> dict:
    return {name: getattr(form, name).data for name in catalogue.OUTPUT_FIELDS}


def _producer_choices(form: OutputForm) -> None:
    form.producer_ids.choices = [
        (u.id, f"{u.name} ({u.email})") for u in catalogue.producer_choices()
    ]


@bp.route("/staff/outputs/new", methods=["GET", "POST"])
@requires("manage_outputs")
def output_new():
    form = OutputForm()
    _producer_choices(form)
    if form.validate_on_submit():
        try:
            output = catalogue.create_output(
                _form_data(form), form.producer_ids.data or [], current_user
            )
        except catalogue.CatalogueError as error:
            db.session.rollback()
            show_rule_error(form, error)
        else:
            flash(f"Output ‘{output.title}’ created", "success")
            return redirect(url_for("outputs.output_detail", slug=output.slug))
    return render_template("outputs/output-form.html", form=form, output=None)


@bp.route("/staff/outputs/<slug>/edit", methods=["GET", "POST"])
@requires("manage_outputs")
def output_edit(slug: str):
    output = output_or_404(slug)
    form = OutputForm(obj=output)
    _producer_choices(form)
    if not form.is_submitted():
        form.producer_ids.data = [p.id for p in output.producers]
    if form.validate_on_submit():
        try:
            catalogue.update_output(
                output, _form_data(form), form.producer_ids.data or [], current_user
            )
        except catalogue.CatalogueError as error:
            db.session.rollback()
            show_rule_error(form, error)
        else:
            flash("Output saved", "success")
            return redirect(url_for("outputs.output_detail", slug=output.slug))
    return render_template("outputs/output-form.html", form=form, output=output)
