"""Admin view of the email outbox and job runs."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import defer

from engage.auth.permissions import requires
from engage.db_types import utcnow
from engage.extensions import db
from engage.mail import bp
from engage.mail.delivery import message_id
from engage.mail.forms import CancelEmailForm, RetryAllForm
from engage.mail.models import OutboxEmail
from engage.mail.outbox import (
    CANCELLABLE,
    RetryRefused,
    cancel_email,
    mark_email_delivered,
    retry_all_failed,
    retry_failed_email,
)
from engage.pagination import paginate

OUTBOX_TABS = {
    "queued": "Queued",
    "sending": "Being sent",
    "sent": "Sent",
    "uncertain": "Uncertain",
    "failed": "Failed",
    "cancelled": "Cancelled",
}
# The "Being sent" tab: claimed by a delivery run ("sending"), or waiting for the mail server's
# reply to the end of the message ("finishing").
TAB_STATUSES = {"sending": ("sending", "finishing")}
WORK_STATUSES = ("queued", "sending", "finishing", "uncertain", "failed")


@bp.route("/outbox")
@requires("view_outbox")
def outbox():
    status = request.args.get("status", "queued")
    if status not in OUTBOX_TABS:
        status = "queued"
    order = {
        "queued": (OutboxEmail.next_attempt_at, OutboxEmail.id),
        "sending": (OutboxEmail.claimed_at, OutboxEmail.id),
        "sent": (OutboxEmail.sent_at.desc(), OutboxEmail.id.desc()),
        "uncertain": (OutboxEmail.claimed_at.desc(), OutboxEmail.id.desc()),
        "failed": (OutboxEmail.failed_at.desc(), OutboxEmail.id.desc()),
        "cancelled": (OutboxEmail.id.desc(),),
    }[status]
    statuses = TAB_STATUSES.get(status, (status,))
    # Counts of the work to do (queued, being sent, uncertain, failed): a few index ranges.
    # Sent emails (a year of them) are counted only on their own tab, by the pager.
    by_status = dict(
        db.session.execute(
            db.select(OutboxEmail.status, db.func.count())
            .where(OutboxEmail.status.in_(WORK_STATUSES))
            .group_by(OutboxEmail.status)
        ).all()
    )
    counts = {
        tab: sum(by_status.get(s, 0) for s in TAB_STATUSES.get(tab, (tab,)))
        for tab in OUTBOX_TABS
        if tab not in ("sent", "cancelled")
    }
    # The tab counts give the pager its total; the list does not read the email bodies.
    query = (
        db.select(OutboxEmail)
        .options(defer(OutboxEmail.body_text), defer(OutboxEmail.body_html))
        .where(OutboxEmail.status.in_(statuses))
        .order_by(*order)
    )
    page = paginate(query, total=counts.get(status))  # the sent tab counts its own
    return render_template(
        "mail/outbox.html",
        page=page,
        status=status,
        tabs=OUTBOX_TABS,
        counts=counts,
        message_id=message_id,
        retry_all_form=RetryAllForm(),
    )


def _locked_email(email_id: int) -> OutboxEmail:
    # Locked (PostgreSQL) until the decision commits, so two administrators deciding at once
    # see each other's decision instead of overwriting it.
    row = db.session.get(OutboxEmail, email_id, with_for_update=True)
    if row is None:
        abort(404)
    return row


@bp.route("/outbox/<int:email_id>/retry", methods=["POST"])
@requires("view_outbox")
def outbox_retry(email_id: int):
    row = _locked_email(email_id)
    previous = row.status
    try:
        retry_failed_email(row, current_user)
    except RetryRefused as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("mail.outbox", status=_tab_of(row.status)))
    flash(f"Email {row.id} to {row.to_address} is queued to be sent again", "success")
    return redirect(url_for("mail.outbox", status=previous))


@bp.route("/outbox/<int:email_id>/mark-delivered", methods=["POST"])
@requires("view_outbox")
def outbox_mark_delivered(email_id: int):
    row = _locked_email(email_id)
    try:
        mark_email_delivered(row, current_user)
    except RetryRefused as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("mail.outbox", status=_tab_of(row.status)))
    flash(
        f"Email {row.id} to {row.to_address} is recorded as delivered and will not be sent again",
        "success",
    )
    return redirect(url_for("mail.outbox", status="uncertain"))


@bp.route("/outbox/send-all-failed-again", methods=["POST"])
@requires("view_outbox")
def outbox_retry_all():
    form = RetryAllForm()
    if not form.validate_on_submit():
        abort(400)
    count = retry_all_failed(current_user)
    if count:
        flash(
            f"{count} failed {'email is' if count == 1 else 'emails are'} queued again", "success"
        )
    else:
        flash("No failed emails to send again", "info")
    return redirect(url_for("mail.outbox", status="queued"))


@bp.route("/outbox/<int:email_id>/cancel", methods=["GET", "POST"])
@requires("view_outbox")
def outbox_cancel(email_id: int):
    row = db.session.get(OutboxEmail, email_id)
    if row is None:
        abort(404)
    form = CancelEmailForm()
    if request.method == "POST" and row.status not in CANCELLABLE:
        # Cancelled, sent or being sent meanwhile: the page has no form to correct.
        flash(f"Email {row.id} cannot be cancelled: it is {row.status}", "info")
        return redirect(url_for("mail.outbox", status=_tab_of(row.status)))
    if form.validate_on_submit():
        row = _locked_email(email_id)
        try:
            cancel_email(row, current_user, form.reason.data)
        except RetryRefused as error:
            db.session.rollback()
            flash(str(error), "error")
            return redirect(url_for("mail.outbox", status=_tab_of(row.status)))
        flash(f"Email {row.id} to {row.to_address} is cancelled and will not be sent", "success")
        return redirect(url_for("mail.outbox", status="cancelled"))
    return render_template("mail/cancel.html", form=form, email=row)


def _tab_of(status: str) -> str:
    for tab, statuses in TAB_STATUSES.items():
        if status in statuses:
            return tab
    return status if status in OUTBOX_TABS else "queued"


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
