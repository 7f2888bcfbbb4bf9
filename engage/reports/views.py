"""Annual report, UKSA recommendations, and the public performance page."""

from __future__ import annotations

from flask import Blueprint, render_template

from engage.auth.permissions import public, requires

bp = Blueprint("reports", __name__)


@bp.route("/performance")
@public
def performance():
    return render_template("placeholder.html", title="How we are doing against our commitments")


@bp.route("/staff/reports")
@requires("view_reports")
def report_index():
    return render_template("placeholder.html", title="Reports")
