"""The release calendar for staff: announcing, confirming, asking for and deciding date
changes, recording publication, cancelling, and explaining missed commitments.

Rules are checked as they are entered: when a change would miss a commitment, the page shows
the plain warning first and saves only when the person ticks "save anyway" (the miss is then
recorded and published)."""

from __future__ import annotations

from datetime import date, time

from flask import abort, flash, redirect, render_template, url_for

from engage.auth.permissions import requires
from engage.calendar import london_date
from engage.db_types import utcnow
from engage.extensions import db
from engage.forms import RuleErrorsShown
from engage.releases import bp, listing, rules, service
from engage.releases.forms import (
    ConfirmForm,
    DateChangeForm,
    DecisionForm,
    ExplanationForm,
    MonthChangeForm,
    PublicationForm,
    ReasonForm,
    ReleaseForm,
)
from engage.releases.models import ReleaseBreach, ReleaseDateChange
from engage.releases.pages import held_back, managed_or_404, me, saved
from engage.releases.rules import ReleaseError, Warning


@bp.route("/staff/releases")
@requires("manage_releases")
def staff_list():
    user = me()
    today = london_date(utcnow())
    return render_template(
        "releases/staff-list.html",
        releases=listing.staff_releases(user, today),
        pending=listing.pending_changes(user),
        now=utcnow(),
        can_decide=user.has_role("chief_statistician"),
        label=rules.london_time_label,
    )


@bp.route("/staff/releases/new", methods=["GET", "POST"])
@requires("manage_releases")
def staff_new():
    user = me()
    form = ReleaseForm()
    choices = service.output_choices(user)
    form.output_id.choices = [("", "Ad hoc (no output)")] + [(str(o.id), o.title) for o in choices]
    warnings: list[Warning] = []
    if form.validate_on_submit():
        data = form.data_for_domain()
        now = utcnow()
        with RuleErrorsShown(form, "title") as attempt:
            scheduled = (
                rules.at_london(data["day"], data["time"] or rules.DEFAULT_TIME)
                if data["day"]
                else None
            )
            warnings = service.warnings_for_new(
                data["kind"] or "routine",
                rules.month_start(data["month"]) if data["month"] else None,
                scheduled,
                london_date(now),
            )
            if not held_back(form, warnings):
                return saved(service.create_release(data, user, now), "Release announced")
        if attempt.failed:
            warnings = []
    return render_template("releases/release-form.html", form=form, warnings=warnings)


@bp.route("/staff/releases/<int:release_id>")
@requires("manage_releases")
def staff_detail(release_id: int):
    release = managed_or_404(release_id)
    return render_template(
        "releases/staff-detail.html",
        release=release,
        pending=service.pending_change(release),
        changes=listing.date_changes(release),
        people=listing.people_names(release),
        can_decide=me().has_role("chief_statistician"),
        decision_form=DecisionForm(),
        label=rules.london_time_label,
        rules_text=rules.RULES,
        reasons=rules.CHANGE_REASONS,
        today=london_date(utcnow()),
    )


@bp.route("/staff/releases/<int:release_id>/confirm", methods=["GET", "POST"])
@requires("manage_releases")
def staff_confirm(release_id: int):
    release = managed_or_404(release_id)
    form = ConfirmForm()
    warnings: list[Warning] = []
    if form.validate_on_submit():
        now = utcnow()
        day: date = form.day.data  # type: ignore[assignment]
        clock: time = form.time.time or rules.DEFAULT_TIME  # type: ignore[attr-defined]
        with RuleErrorsShown(form, "day") as attempt:
            warning = rules.date_notice_warning(
                release.kind, rules.at_london(day, clock), london_date(now)
            )
            warnings = [warning] if warning else []
            if not held_back(form, warnings):
                outcome = service.confirm_release(release, day, clock, me(), now)
                return saved(outcome, "Date confirmed")
        if attempt.failed:
            warnings = []
    return render_template(
        "releases/confirm-form.html", form=form, release=release, warnings=warnings
    )


@bp.route("/staff/releases/<int:release_id>/change-month", methods=["GET", "POST"])
@requires("manage_releases")
def staff_change_month(release_id: int):
    release = managed_or_404(release_id)
    form = MonthChangeForm()
    warnings: list[Warning] = []
    if form.validate_on_submit():
        now = utcnow()
        month: date = form.month.month  # type: ignore[attr-defined,assignment]
        warning = (
            rules.month_notice_warning(month, london_date(now))
            if release.kind == "routine"
            else None
        )
        warnings = [warning] if warning else []
        with RuleErrorsShown(form, "month") as attempt:
            if not held_back(form, warnings):
                outcome = service.change_month(release, month, form.reason.data, me(), now)
                return saved(outcome, "Month changed")
        if attempt.failed:
            warnings = []
    return render_template(
        "releases/month-form.html", form=form, release=release, warnings=warnings
    )


@bp.route("/staff/releases/<int:release_id>/change-date", methods=["GET", "POST"])
@requires("manage_releases")
def staff_change_date(release_id: int):
    release = managed_or_404(release_id)
    form = DateChangeForm()
    if form.validate_on_submit():
        with RuleErrorsShown(form, "day"):
            service.request_date_change(
                release,
                form.day.data,  # type: ignore[arg-type]
                form.time.time,  # type: ignore[attr-defined]
                form.reason_kind.data or "",
                form.reason.data,
                me(),
                utcnow(),
            )
            flash("Change of date sent to the Chief Statistician for approval", "success")
            return redirect(url_for("releases.staff_detail", release_id=release.id))
    return render_template(
        "releases/change-date-form.html", form=form, release=release, label=rules.london_time_label
    )


@bp.route("/staff/releases/changes/<int:change_id>/decide", methods=["POST"])
@requires("decide_release_changes")
def staff_decide(change_id: int):
    change = db.session.get(ReleaseDateChange, change_id)
    if change is None:
        abort(404)
    back = url_for("releases.staff_detail", release_id=change.release_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        flash("Select approve or reject", "error")
        return redirect(back)
    try:
        outcome = service.decide_date_change(
            change, form.decision.data == "approve", form.note.data or "", me(), utcnow()
        )
    except ReleaseError as error:  # the page has no field for it: say it at the top
        db.session.rollback()
        flash(error.message, "error")
        return redirect(back)
    if change.state == "approved":
        return saved(outcome, "New date approved and published")
    flash("Change rejected: the release keeps its date", "success")
    return redirect(back)


@bp.route("/staff/releases/<int:release_id>/publication", methods=["GET", "POST"])
@requires("manage_releases")
def staff_publication(release_id: int):
    release = managed_or_404(release_id)
    form = PublicationForm()
    if not form.is_submitted() and release.scheduled_at is not None:
        form.day.data = london_date(release.scheduled_at)
        form.time.data = f"{release.scheduled_at.astimezone(rules.LONDON):%H:%M}"
    if form.validate_on_submit():
        with RuleErrorsShown(form, "day"):
            published_at = rules.at_london(form.day.data, form.time.time)  # type: ignore
            outcome = service.record_publication(release, published_at, me(), utcnow())
            return saved(outcome, "Publication recorded")
    return render_template(
        "releases/publication-form.html", form=form, release=release, label=rules.london_time_label
    )


@bp.route("/staff/releases/<int:release_id>/cancel", methods=["GET", "POST"])
@requires("manage_releases")
def staff_cancel(release_id: int):
    release = managed_or_404(release_id)
    form = ReasonForm()
    if form.validate_on_submit():
        with RuleErrorsShown(form, "reason"):
            outcome = service.cancel_release(release, form.reason.data, me(), utcnow())
            return saved(outcome, "Release cancelled")
    return render_template("releases/cancel-form.html", form=form, release=release)


@bp.route("/staff/releases/breaches/<int:breach_id>/explain", methods=["GET", "POST"])
@requires("manage_releases")
def staff_explain(breach_id: int):
    breach = db.session.get(ReleaseBreach, breach_id)
    if breach is None:
        abort(404)
    release = managed_or_404(breach.release_id)
    form = ExplanationForm()
    if not form.is_submitted():
        form.explanation.data = breach.explanation
    if form.validate_on_submit():
        with RuleErrorsShown(form, "explanation"):
            service.explain_breach(breach, form.explanation.data, me())
            flash("Explanation published", "success")
            return redirect(url_for("releases.staff_detail", release_id=release.id))
    return render_template(
        "releases/explain-form.html",
        form=form,
        release=release,
        breach=breach,
        rules_text=rules.RULES,
    )
