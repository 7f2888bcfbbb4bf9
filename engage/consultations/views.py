"""Consultations: staff drafting and decisions, public pages and responses."""

from __future__ import annotations

from flask import Blueprint, render_template

from engage.auth.permissions import public, requires

bp = Blueprint("consultations", __name__)


@bp.route("/consultations")
@public
def public_list():
    return render_template("placeholder.html", title="Consultations")


@bp.route("/staff/consultations")
@requires("draft_consultations")
def staff_list():
    return render_template("placeholder.html", title="Consultations")
