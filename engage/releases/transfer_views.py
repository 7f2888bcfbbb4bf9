"""Import a release calendar (upload, check row by row, confirm) and export it (CSV, XLSX)."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, session, url_for
from flask_login import current_user

from engage import submissions
from engage.auth.permissions import public, requires
from engage.calendar import london_date
from engage.db_types import utcnow
from engage.exports.streaming import csv_response, xlsx_response
from engage.extensions import db, limiter
from engage.outputs.importing import ImportFileError
from engage.releases import bp, transfer
from engage.releases.forms import ImportConfirmForm, ImportForm
from engage.releases.pages import me

SESSION_KEY = "release_imports"


def _per_user() -> str:
    return f"user:{current_user.get_id()}"


@bp.route("/staff/releases/import", methods=["GET", "POST"])
@requires("manage_releases")
@limiter.limit(
    lambda: current_app.config["STAFF_UPLOAD_RATE_LIMIT"], methods=["POST"], key_func=_per_user
)
def staff_import():
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            rows = transfer.read_rows(upload.filename or "", upload.read())
        except ImportFileError as error:
            form.file.errors = [str(error)]
        else:
            token = transfer.save_upload(
                rows, user_id=current_user.id, filename=upload.filename or ""
            )
            session[SESSION_KEY] = [*session.get(SESSION_KEY, [])[-4:], token]
            return redirect(url_for("releases.staff_import_preview", token=token))
    return render_template("releases/import.html", form=form, columns=transfer.COLUMNS)


def _upload_or_404(token: str) -> dict[str, Any]:
    if token not in session.get(SESSION_KEY, []):
        abort(404)
    payload = transfer.load_upload(token, user_id=current_user.id)
    if payload is None:
        abort(404)
    return payload


@bp.route("/staff/releases/import/<token>")
@requires("manage_releases")
def staff_import_preview(token: str):
    payload = _upload_or_404(token)
    plan = transfer.plan_import(payload["rows"], me(), london_date(utcnow()))
    db.session.rollback()  # planning never writes
    return render_template(
        "releases/import-preview.html",
        plan=plan,
        rows=plan.rows[:1000],
        token=token,
        filename=payload.get("filename", ""),
        form=ImportConfirmForm(),
    )


@bp.route("/staff/releases/import/<token>/confirm", methods=["POST"])
@requires("manage_releases")
def staff_import_confirm(token: str):
    payload = _upload_or_404(token)
    if not ImportConfirmForm().validate_on_submit():
        abort(400)
    outcome = submissions.begin(token, "release_import")
    if outcome.duplicate:
        flash("This import has already been applied", "info")
        return redirect(url_for("releases.staff_list"))
    try:
        plan = transfer.apply_import(payload["rows"], me(), utcnow())
    except Exception:
        db.session.rollback()
        submissions.abandon(token)
        raise
    submissions.finish(token, "applied")
    transfer.discard_upload(token)
    session[SESSION_KEY] = [t for t in session.get(SESSION_KEY, []) if t != token]
    counts = plan.counts
    flash(
        f"Import complete: {counts['add']} added, {counts['publish']} publications recorded, "
        f"{counts['unchanged']} unchanged, {counts['refuse']} refused",
        "success",
    )
    return redirect(url_for("releases.staff_list"))


@bp.route("/releases.csv")
@public
def export_csv():
    rows = transfer.export_rows(transfer.all_releases())
    return csv_response("releases.csv", transfer.header(), [rows], bom=True)


@bp.route("/releases.xlsx")
@public
def export_xlsx():
    rows = transfer.export_rows(transfer.all_releases())
    return xlsx_response("releases.xlsx", lambda handle: transfer.write_xlsx(handle, rows))
