"""The staff dashboard. Each area contributes a panel through its own `dashboard_panel`."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from engage.auth.permissions import requires

bp = Blueprint("staff", __name__, url_prefix="/staff")


def _panels(user) -> list[tuple[str, dict]]:  # type: ignore[no-untyped-def]
    from engage.cases.dashboard import dashboard_panel as cases_panel
    from engage.consultations.dashboard import dashboard_panel as consultations_panel
    from engage.exports.dashboard import dashboard_panel as exports_panel
    from engage.mail.dashboard import dashboard_panel as mail_panel
    from engage.outputs.dashboard import dashboard_panel as outputs_panel
    from engage.releases.dashboard import dashboard_panel as releases_panel
    from engage.reports.dashboard import dashboard_panel as reports_panel

    panels = []
    for panel in (
        mail_panel,
        exports_panel,
        cases_panel,
        outputs_panel,
        consultations_panel,
        releases_panel,
        reports_panel,
    ):
        result = panel(user)
        if result is not None:
            panels.append(result)
    return panels


@bp.route("")
@requires("view_dashboard")
def dashboard():
    user = current_user._get_current_object()
    return render_template("staff/dashboard.html", panels=_panels(user))
