"""Pre-release access lists (staff): who saw the statistics before publication, from when."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, url_for

from engage.auth.permissions import requires
from engage.db_types import utcnow
from engage.extensions import db
from engage.forms import RuleErrorsShown
from engage.releases import bp, rules, service
from engage.releases.forms import PreReleaseForm
from engage.releases.models import PreReleaseAccess
from engage.releases.pages import held_back, managed_or_404, me
from engage.releases.rules import ReleaseError, Warning


@bp.route("/staff/releases/<int:release_id>/pre-release-access", methods=["GET", "POST"])
@requires("manage_releases")
def staff_pre_release(release_id: int):
    release = managed_or_404(release_id)
    form = PreReleaseForm()
    warnings: list[Warning] = []
    if form.validate_on_submit() and release.scheduled_at is not None:
        with RuleErrorsShown(form, "name") as attempt:
            access_from = rules.at_london(form.access_day.data, form.access_time.time)  # type: ignore
            warning = rules.pre_release_warning(form.name.data, release.scheduled_at, access_from)
            warnings = [warning] if warning else []
            if not held_back(form, warnings):
                outcome = service.add_pre_release_access(
                    release,
                    {
                        "name": form.name.data,
                        "role": form.role.data,
                        "organisation": form.organisation.data,
                        "access_from": access_from,
                    },
                    me(),
                    utcnow(),
                )
                flash(
                    "Added to the pre-release access list"
                    + (". Recorded as a missed commitment" if outcome.warnings else ""),
                    "success",
                )
                return redirect(url_for("releases.staff_pre_release", release_id=release.id))
        if attempt.failed:
            warnings = []
    return render_template(
        "releases/pre-release.html",
        form=form,
        release=release,
        entries=service.pre_release_list(release),
        warnings=warnings,
        label=rules.london_time_label,
        earliest=(
            release.scheduled_at - timedelta(hours=rules.PRE_RELEASE_HOURS)
            if release.scheduled_at
            else None
        ),
    )


@bp.route("/staff/releases/pre-release-access/<int:entry_id>/remove", methods=["POST"])
@requires("manage_releases")
def staff_pre_release_remove(entry_id: int):
    entry = db.session.get(PreReleaseAccess, entry_id)
    if entry is None:
        abort(404)
    release_id = entry.release_id
    try:
        service.remove_pre_release_access(entry, me())
    except ReleaseError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        flash("Removed from the list", "success")
    return redirect(url_for("releases.staff_pre_release", release_id=release_id))
