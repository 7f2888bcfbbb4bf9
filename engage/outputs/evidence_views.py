"""The user engagement evidence of an output: a page and its XLSX workbook
(engage/outputs/evidence.py)."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user

from engage.auth.permissions import deny, requires
from engage.calendar import today_london
from engage.exports.streaming import xlsx_response
from engage.extensions import db
from engage.outputs import access, bp, evidence, log_charts
from engage.outputs.models import Output


def _evidence_output(slug: str) -> Output:
    """The output, for someone who may read its user log (its producers, the CSO office)."""
    output = db.session.execute(db.select(Output).where(Output.slug == slug)).scalar_one_or_none()
    if output is None:
        abort(404)
    if not access.can_view_log(current_user, output):
        deny("engagement_evidence:not_owner")
    return output


@bp.route("/staff/outputs/<slug>/engagement-evidence")
@requires("view_outputs")
def engagement_evidence(slug: str):
    output = _evidence_output(slug)
    figures = evidence.evidence_for(output, today_london())
    return render_template(
        "outputs/engagement-evidence.html",
        output=output,
        evidence=figures,
        make_up=log_charts.make_up_chart(evidence.make_up_rows(figures)),
    )


@bp.route("/staff/outputs/<slug>/engagement-evidence.xlsx")
@requires("view_outputs")
def engagement_evidence_xlsx(slug: str):
    output = _evidence_output(slug)
    figures = evidence.evidence_for(output, today_london())
    return xlsx_response(
        evidence.file_name(figures), lambda handle: evidence.write_xlsx(figures, handle)
    )
