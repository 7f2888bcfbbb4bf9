"""Public pages that belong to no single area: the start page, the outputs list, and the
statements every GOV.UK service publishes."""

from __future__ import annotations

from flask import abort, render_template

from engage.auth.permissions import public
from engage.extensions import db
from engage.outputs.models import Output
from engage.public import bp


@bp.route("/")
@public
def start():
    return render_template("public/start.html")


@bp.route("/statistics")
@public
def statistics():
    outputs = (
        db.session.execute(
            db.select(Output).where(Output.status == "active").order_by(Output.title)
        )
        .scalars()
        .all()
    )
    return render_template("public/statistics.html", outputs=outputs)


@bp.route("/statistics/<slug>")
@public
def output_page(slug: str):
    output = db.session.execute(db.select(Output).where(Output.slug == slug)).scalar_one_or_none()
    if output is None:
        abort(404)
    return render_template("public/output.html", output=output)


@bp.route("/accessibility")
@public
def accessibility():
    return render_template("public/accessibility.html")


@bp.route("/privacy")
@public
def privacy():
    return render_template("public/privacy.html")


@bp.route("/healthz")
@public
def healthz():
    db.session.execute(db.text("SELECT 1"))
    return {"status": "ok"}
