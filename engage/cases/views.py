"""Enquiries and complaints: public intake and staff workflow."""

from __future__ import annotations

from flask import Blueprint, render_template

from engage.auth.permissions import public, requires

bp = Blueprint("cases", __name__)


@bp.route("/contact")
@public
def contact():
    return render_template("placeholder.html", title="Contact us")


@bp.route("/staff/cases")
@requires("view_cases")
def case_list():
    return render_template("placeholder.html", title="Cases")
