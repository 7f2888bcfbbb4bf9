"""Admin view of the email outbox and job runs."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from engage.auth.permissions import requires
from engage.db_types import utcnow
from engage.extensions import db
from engage.mail.models import OutboxEmail
from engage.mail.outbox import RetryRefused, retry_failed_email
from engage.pagination import paginate

bp = Blueprint("mail", __name__, url_prefix="/staff/admin")

OUTBOX_TABS = {"queued": "Queued", "sent": "Sent", "failed": "Failed"}


@bp.route("/outbox")
@requires("view_outbox")
def outbox():
    status = request.args.get("status", "queued")
    if status not in OUTBOX_TABS:
        status = "queued"
    order = {
        "queued": (OutboxEmail.next_attempt_at, OutboxEmail.id),
        "sent": (OutboxEmail.sent_at.desc(), OutboxEmail.id.desc()),
        "failed": (OutboxEmail.failed_at.desc(), OutboxEmail.id.desc()),
    }[status]
    page = paginate(db.select(OutboxEmail).where(OutboxEmail.status == status).order_by(*order))
    counts = dict(
        db.session.execute(
            db.select(OutboxEmail.status, db.func.count()).group_by(OutboxEmail.status)
        ).all()
    )
    return render_template(
        "mail/outbox.html", page=page, status=status, tabs=OUTBOX_TABS, counts=counts
    )


@bp.route("/outbox/<int:email_id>/retry", methods=["POST"])
@requires("view_outbox")
def outbox_retry(email_id: int):
    row = db.session.get(OutboxEmail, email_id)
    if row is None:
        abort(404)
    try:
        retry_failed_email(row, current_user)
    except RetryRefused as error:
        flash(str(error), "error")
        return redirect(url_for("mail.outbox", status=row.status))
    flash(f"Email {row.id} to {row.to_address} is queued to be sent again", "success")
    return redirect(url_for("mail.outbox", status="failed"))


@bp.route("/job-runs")
@requires("view_outbox")
def job_runs():
    from engage.jobs import JOBS
    from engage.scheduler.models import JobRun
    from engage.scheduler.runner import last_runs, next_fire_time

    name = request.args.get("job", "")
    query = db.select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc())
    if name in JOBS:
        query = query.where(JobRun.job_name == name)
    else:
        name = ""
    page = paginate(query)
    now = utcnow()
    latest = last_runs()
    jobs = [(job, latest.get(job.name), next_fire_time(job, now)) for job in JOBS.values()]
    return render_template("mail/job-runs.html", page=page, jobs=jobs, selected=name)
