"""Staff views: several log entries changed at once, and a log entry's history."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from engage.auth.permissions import requires
from engage.extensions import db
from engage.forms import show_rule_error
from engage.outputs import access, bp, bulk, history
from engage.outputs.merge_forms import BulkForm
from engage.outputs.models import LogEntry
from engage.outputs.pages import editable_output, me, readable_output
from engage.urls import bounded_int


def _selected_ids() -> list[int]:
    """The ticked entries: integers within the database's range, or 400."""
    ids = []
    for value in request.form.getlist("entry")[: bulk.MAX_SELECTED + 1]:
        entry_id = bounded_int(value, low=1)  # "²" is a digit to str.isdigit, not to int()
        if entry_id is None:
            abort(400)
        ids.append(entry_id)
    return ids


@bp.route("/staff/outputs/<slug>/user-log/bulk", methods=["POST"])
@requires("edit_user_logs")
def log_entries_bulk(slug: str):
    """From the user log's ticked rows: choose what to do, with a reason; then apply it."""
    output = editable_output(slug)
    user = me()
    ids = _selected_ids()
    applying = request.form.get("step") == "apply"
    form = BulkForm() if applying else BulkForm(formdata=None)
    try:
        entries = bulk.selected_entries(output, ids, user)  # a Refusal: 403 and an audit row
    except bulk.BulkError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("outputs.user_log", slug=output.slug))
    if applying and form.validate_on_submit():
        try:
            if form.action.data == "level":
                done = bulk.change_level(
                    output, ids, form.level.data or "", form.reason.data or "", user
                )
                message = f"Engagement level changed for {done} user{'s' if done != 1 else ''}"
            else:
                done = bulk.remove_entries(output, ids, form.reason.data or "", user)
                message = f"{done} user{'s' if done != 1 else ''} removed from the user log"
        except bulk.BulkError as error:
            db.session.rollback()
            if getattr(form, error.field or "", None) is None:  # the selection: on the log page
                flash(error.message, "error")
                return redirect(url_for("outputs.user_log", slug=output.slug))
            show_rule_error(form, error)
        else:
            flash(message, "success")
            return redirect(url_for("outputs.user_log", slug=output.slug))
    elsewhere = access.people_kept_elsewhere(user, [e.stakeholder_id for e in entries])
    return render_template(
        "outputs/log-entries-bulk.html",
        form=form,
        output=output,
        entries=[
            (
                e,
                access.person_label(e.stakeholder, restricted=True)
                if e.stakeholder_id in elsewhere
                else e.stakeholder_name,
            )
            for e in entries
        ],
    )


@bp.route("/staff/outputs/<slug>/user-log/<int:entry_id>/history")
@requires("view_outputs")
def log_entry_history(slug: str, entry_id: int):
    output = readable_output(slug)
    user = me()
    entry = db.session.get(LogEntry, entry_id)
    if entry is None or entry.output_id != output.id:
        abort(404)
    restricted = not access.may_edit_person(user, entry.stakeholder)
    return render_template(
        "outputs/log-entry-history.html",
        output=output,
        entry=entry,
        name=access.person_label(entry.stakeholder, restricted=restricted),
        rows=history.entry_history(entry.id),
    )
