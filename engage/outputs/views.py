"""Outputs catalogue for staff. (User logs, reviews and feedback views join this blueprint.)"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from engage.auth.models import User
from engage.auth.permissions import requires
from engage.calendar import today_london
from engage.extensions import db
from engage.forms import show_rule_error
from engage.outputs import bp, catalogue
from engage.outputs.forms import OutputForm
from engage.outputs.links import row_link
from engage.outputs.models import Output, OutputReview, output_producers
from engage.outputs.pages import output_or_404
from engage.pagination import paginate


@bp.route("/staff/outputs")
@requires("view_outputs")
def output_list():
    # Only the columns the list shows (not Output objects with their producers' User objects).
    reviewed = (
        db.select(OutputReview.id)
        .where(OutputReview.output_id == Output.id)
        .exists()
        .label("reviewed")
    )
    query = db.select(
        Output.id,
        Output.slug,
        Output.title,
        Output.area,
        Output.next_review_due,
        Output.status,
        reviewed,
    ).order_by(Output.title, Output.id)
    page = paginate(query, per_page=50, scalars=False)
    producers: dict[int, list[str]] = {}
    mine = None
    if current_user.has_role("producer"):
        mine = set()
    if page.items:
        # The producers of the outputs on this page, in one query; an output is the signed-in
        # producer's own when they are among them.
        for output_id, user_id, name in db.session.execute(
            db.select(output_producers.c.output_id, User.id, User.name)
            .join(User, User.id == output_producers.c.user_id)
            .where(output_producers.c.output_id.in_([row.id for row in page.items]))
            .order_by(output_producers.c.output_id, User.id)
        ):
            producers.setdefault(output_id, []).append(name)
            if mine is not None and user_id == current_user.id:
                mine.add(output_id)
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
