"""The release calendar for staff: announcing, confirming, asking for and deciding date
changes, recording publication, cancelling, and explaining missed commitments.

Rules are checked as they are entered: when a change would miss a commitment, the page shows
the plain warning first and saves only when the person ticks "save anyway" (the miss is then
recorded and published)."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from engage.auth.permissions import deny, requires
from engage.calendar import london_date
from engage.db_types import utcnow
from engage.extensions import db
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
from engage.releases.models import Release, ReleaseBreach, ReleaseDateChange
from engage.releases.rules import ReleaseError, Warning


def _me() -> Any:
    return current_user._get_current_object()


def _managed_or_404(release_id: int) -> Release:
    release = db.session.get(Release, release_id)
    if release is None:
        abort(404)
    if not service.can_manage(_me(), release):
        deny("release:not-yours")
    return release


def _field_error(form: Any, error: ReleaseError, fallback: str) -> None:
    db.session.rollback()
    field = getattr(form, error.field, None) or getattr(form, fallback)
    field.errors = [*list(field.errors or []), error.message]


def _held_back(form: Any, warnings: list[Warning]) -> bool:
    """True when the page must show the warnings before saving."""
    return bool(warnings) and not form.accept_warnings.data


def _saved(outcome: service.Outcome, message: str) -> Any:
    if outcome.warnings:
        flash(message + ". Recorded as a missed commitment: " + outcome.warnings[0].message, "info")
    else:
        flash(message, "success")
    return redirect(url_for("releases.staff_detail", release_id=outcome.release.id))


@bp.route("/staff/releases")
@requires("manage_releases")
def staff_list():
    me = _me()
    today = london_date(utcnow())
    releases = listing.staff_releases(me, today)
    pending = listing.pending_changes(me)
    return render_template(
        "releases/staff-list.html",
        releases=releases,
        pending=pending,
        now=utcnow(),
        can_decide=me.has_role("chief_statistician"),
        label=rules.london_time_label,
    )


@bp.route("/staff/releases/new", methods=["GET", "POST"])
@requires("manage_releases")
def staff_new():
    me = _me()
    form = ReleaseForm()
    choices = service.output_choices(me)
    form.output_id.choices = [("", "Ad hoc (no output)")] + [(str(o.id), o.title) for o in choices]
    warnings: list[Warning] = []
    if form.validate_on_submit():
        data = form.data_for_domain()
        now = utcnow()
        try:
            scheduled = (
                rules.at_london(data["day"], data["time"] or rules.DEFAULT_TIME)
                if (data["day"])
                else None
            )
            warnings = service.warnings_for_new(
                data["kind"] or "routine",
                rules.month_start(data["month"]) if data["month"] else None,
                scheduled,
                london_date(now),
            )
            if not _held_back(form, warnings):
                outcome = service.create_release(data, me, now)
                return _saved(outcome, "Release announced")
        except service.NotAllowed as refused:
            deny(str(refused))
        except ReleaseError as error:
            _field_error(form, error, "title")
            warnings = []
    return render_template("releases/release-form.html", form=form, warnings=warnings)


@bp.route("/staff/releases/<int:release_id>")
@requires("manage_releases")
def staff_detail(release_id: int):
    release = _managed_or_404(release_id)
    me = _me()
    return render_template(
        "releases/staff-detail.html",
        release=release,
        pending=service.pending_change(release),
        changes=listing.date_changes(release),
        people=listing.people_names(release),
        can_decide=me.has_role("chief_statistician"),
        decision_form=DecisionForm(),
        label=rules.london_time_label,
        rules_text=rules.RULES,
        reasons=rules.CHANGE_REASONS,
        today=london_date(utcnow()),
    )


@bp.route("/staff/releases/<int:release_id>/confirm", methods=["GET", "POST"])
@requires("manage_releases")
def staff_confirm(release_id: int):
    release = _managed_or_404(release_id)
    form = ConfirmForm()
    warnings: list[Warning] = []
    if form.validate_on_submit():
        now = utcnow()
        clock: time = form.time.time or rules.DEFAULT_TIME  # type: ignore[attr-defined]
        try:
            day: date = form.day.data  # type: ignore[assignment]
            warning = rules.date_notice_warning(
                release.kind, rules.at_london(day, clock), london_date(now)
            )
            warnings = [warning] if warning else []
            if not _held_back(form, warnings):
                return _saved(
                    service.confirm_release(release, day, clock, _me(), now), "Date confirmed"
                )
        except service.NotAllowed as refused:
            deny(str(refused))
        except ReleaseError as error:
            _field_error(form, error, "day")
            warnings = []
    return render_template(
        "releases/confirm-form.html", form=form, release=release, warnings=warnings
    )


@bp.route("/staff/releases/<int:release_id>/change-month", methods=["GET", "POST"])
@requires("manage_releases")
def staff_change_month(release_id: int):
    release = _managed_or_404(release_id)
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
        if not _held_back(form, warnings):
            try:
                outcome = service.change_month(release, month, form.reason.data, _me(), now)
                return _saved(outcome, "Month changed")
            except service.NotAllowed as refused:
                deny(str(refused))
            except ReleaseError as error:
                _field_error(form, error, "month")
                warnings = []
    return render_template(
        "releases/month-form.html", form=form, release=release, warnings=warnings
    )


@bp.route("/staff/releases/<int:release_id>/change-date", methods=["GET", "POST"])
@requires("manage_releases")
def staff_change_date(release_id: int):
    release = _managed_or_404(release_id)
    form = DateChangeForm()
    if form.validate_on_submit():
        try:
            service.request_date_change(
                release,
                form.day.data,  # type: ignore[arg-type]
                form.time.time,  # type: ignore[attr-defined]
                form.reason_kind.data or "",
                form.reason.data,
                _me(),
                utcnow(),
            )
        except service.NotAllowed as refused:
            deny(str(refused))
        except ReleaseError as error:
            _field_error(form, error, "day")
        else:
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
    form = DecisionForm()
    if not form.validate_on_submit():
        flash("Select approve or reject", "error")
        return redirect(url_for("releases.staff_detail", release_id=change.release_id))
    try:
        outcome = service.decide_date_change(
            change, form.decision.data == "approve", form.note.data or "", _me(), utcnow()
        )
    except service.NotAllowed as refused:
        deny(str(refused))
    except ReleaseError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("releases.staff_detail", release_id=change.release_id))
    if change.state == "approved":
        return _saved(outcome, "New date approved and published")
    flash("Change rejected: the release keeps its date", "success")
    return redirect(url_for("releases.staff_detail", release_id=change.release_id))


@bp.route("/staff/releases/<int:release_id>/publication", methods=["GET", "POST"])
@requires("manage_releases")
def staff_publication(release_id: int):
    release = _managed_or_404(release_id)
    form = PublicationForm()
    if not form.is_submitted() and release.scheduled_at is not None:
        form.day.data = london_date(release.scheduled_at)
        form.time.data = f"{release.scheduled_at.astimezone(rules.LONDON):%H:%M}"
    if form.validate_on_submit():
        try:
            published_at = rules.at_london(form.day.data, form.time.time)  # type: ignore
            outcome = service.record_publication(release, published_at, _me(), utcnow())
        except service.NotAllowed as refused:
            deny(str(refused))
        except ReleaseError as error:
            _field_error(form, error, "day")
        else:
            return _saved(outcome, "Publication recorded")
    return render_template(
        "releases/publication-form.html", form=form, release=release, label=rules.london_time_label
    )


@bp.route("/staff/releases/<int:release_id>/cancel", methods=["GET", "POST"])
@requires("manage_releases")
def staff_cancel(release_id: int):
    release = _managed_or_404(release_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            outcome = service.cancel_release(release, form.reason.data, _me(), utcnow())
        except service.NotAllowed as refused:
            deny(str(refused))
        except ReleaseError as error:
            _field_error(form, error, "reason")
        else:
            return _saved(outcome, "Release cancelled")
    return render_template("releases/cancel-form.html", form=form, release=release)


@bp.route("/staff/releases/breaches/<int:breach_id>/explain", methods=["GET", "POST"])
@requires("manage_releases")
def staff_explain(breach_id: int):
    breach = db.session.get(ReleaseBreach, breach_id)
    if breach is None:
        abort(404)
    release = _managed_or_404(breach.release_id)
    form = ExplanationForm()
    if not form.is_submitted():
        form.explanation.data = breach.explanation
    if form.validate_on_submit():
        try:
            service.explain_breach(breach, form.explanation.data, _me())
        except service.NotAllowed as refused:
            deny(str(refused))
        except ReleaseError as error:
            _field_error(form, error, "explanation")
        else:
            flash("Explanation published", "success")
            return redirect(url_for("releases.staff_detail", release_id=release.id))
    return render_template(
        "releases/explain-form.html",
        form=form,
        release=release,
        breach=breach,
        rules_text=rules.RULES,
    )
