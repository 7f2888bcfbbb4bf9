"""Admin pages for the office calendar: closure days and the calendar region."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from engage.auth.permissions import has_permission, requires
from engage.calendar import REGIONS, today_london
from engage.cases import bp, calendar_admin, clock
from engage.cases.forms import ClosureForm, RegionForm
from engage.cases.models import OfficeClosure
from engage.cases.workflow import CaseError
from engage.extensions import db
from engage.filters import govuk_date as long_date
from engage.forms import show_rule_error
from engage.pagination import paginate


def _moved(n: int) -> str:
    if n == 0:
        return "No open case's deadlines changed"
    return f"Deadlines recalculated on {n} open case{'s' if n != 1 else ''}"


def _page(closure_form: ClosureForm, region_form: RegionForm, status: int = 200):  # type: ignore[no-untyped-def]
    today = today_london()
    query = db.select(OfficeClosure).order_by(OfficeClosure.closed_on.desc())
    page = paginate(query, per_page=50)
    if not region_form.is_submitted():
        region_form.region.data = clock.calendar_region()
    form = closure_form if closure_form.errors else region_form
    return (
        render_template(
            "cases/admin-calendar.html",
            page=page,
            closure_form=closure_form,
            region_form=region_form,
            form=form,
            today=today,
            region=REGIONS[clock.calendar_region()],
            can_set_region=has_permission(current_user, "manage_settings"),
        ),
        status,
    )


@bp.route("/staff/admin/calendar")
@requires("manage_calendar")
def calendar_admin_page():
    return _page(ClosureForm(formdata=None), RegionForm(formdata=None))


@bp.route("/staff/admin/calendar/closures", methods=["POST"])
@requires("manage_calendar")
def closure_add():
    form = ClosureForm()
    if form.validate_on_submit():
        try:
            moved = calendar_admin.add_closure(
                form.closed_on.data, form.reason.data, actor=current_user
            )
        except CaseError as error:
            db.session.rollback()
            show_rule_error(form, error)
        else:
            flash(
                f"Office closure added for {long_date(form.closed_on.data)}. {_moved(moved)}.",
                "success",
            )
            return redirect(url_for("cases.calendar_admin_page"))
    return _page(form, RegionForm(formdata=None))


@bp.route("/staff/admin/calendar/closures/<int:closure_id>/remove", methods=["POST"])
@requires("manage_calendar")
def closure_remove(closure_id: int):
    closure = db.session.get(OfficeClosure, closure_id)
    if closure is None:
        abort(404)
    day = closure.closed_on
    moved = calendar_admin.remove_closure(closure, actor=current_user)
    flash(f"Office closure on {long_date(day)} removed. {_moved(moved)}.", "success")
    return redirect(url_for("cases.calendar_admin_page"))


@bp.route("/staff/admin/calendar/region", methods=["POST"])
@requires("manage_settings")
def region_save():
    form = RegionForm()
    if form.validate_on_submit():
        try:
            moved = calendar_admin.set_region(form.region.data, actor=current_user)
        except CaseError as error:
            db.session.rollback()
            show_rule_error(form, error)
        else:
            flash(f"Calendar region saved. {_moved(moved)}.", "success")
            return redirect(url_for("cases.calendar_admin_page"))
    return _page(ClosureForm(formdata=None), form)
