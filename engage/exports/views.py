"""A background export's status page and its download (requester or CSO office only)."""

from __future__ import annotations

from flask import abort, render_template, send_file
from flask_login import current_user

from engage.auth.permissions import deny, requires
from engage.db_types import utcnow
from engage.exports import background, bp
from engage.exports.models import ExportJob
from engage.exports.streaming import XLSX_TYPE, attachment
from engage.extensions import db


def _job_for_me(token: str) -> ExportJob:
    job = db.session.execute(
        db.select(ExportJob).where(ExportJob.token == token[:64])
    ).scalar_one_or_none()
    if job is None:
        abort(404)
    if not background.can_fetch(current_user._get_current_object(), job):
        deny("export:not-yours")
    return job


@bp.route("/staff/exports/<token>")
@requires("view_dashboard")
def export_status(token: str):
    job = _job_for_me(token)
    expired = background.is_expired(job, utcnow())
    return render_template("exports/status.html", job=job, expired=expired)


@bp.route("/staff/exports/<token>/download")
@requires("view_dashboard")
def export_download(token: str):
    job = _job_for_me(token)
    if background.is_expired(job, utcnow()):
        return render_template("exports/status.html", job=job, expired=True), 410
    path = background.file_path(job)
    if job.state != "ready" or not path.is_file():
        return render_template("exports/status.html", job=job, expired=False), 409
    response = send_file(
        path, mimetype=XLSX_TYPE, as_attachment=True, download_name=job.file_name, max_age=0
    )
    response.headers["Content-Disposition"] = attachment(job.file_name)
    response.headers["Cache-Control"] = "no-store"
    return response
