"""What the release calendar's staff pages share: every view module of engage/releases may use
these (and none imports another view module)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, url_for
from flask_login import current_user

from engage.auth.permissions import deny
from engage.extensions import db
from engage.releases import service
from engage.releases.models import Release
from engage.releases.rules import Warning


def me() -> Any:
    """The signed-in person (the user object, not the proxy)."""
    return current_user._get_current_object()


def managed_or_404(release_id: int) -> Release:
    """The release, if it exists and the signed-in person may manage it (else 404 or 403)."""
    release = db.session.get(Release, release_id)
    if release is None:
        abort(404)
    if not service.can_manage(me(), release):
        deny("release:not-yours")
    return release


def held_back(form: Any, warnings: list[Warning]) -> bool:
    """True when the page must show the warnings before saving ("save anyway" not ticked)."""
    return bool(warnings) and not form.accept_warnings.data


def saved(outcome: service.Outcome, message: str) -> Any:
    """Back to the release, saying what was saved and any commitment it missed."""
    if outcome.warnings:
        flash(message + ". Recorded as a missed commitment: " + outcome.warnings[0].message, "info")
    else:
        flash(message, "success")
    return redirect(url_for("releases.staff_detail", release_id=outcome.release.id))
