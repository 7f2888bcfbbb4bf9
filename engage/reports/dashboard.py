"""The reports panel of the staff dashboard: overdue UKSA recommendations, and annual reports
awaiting the Chief Statistician's sign-off."""

from __future__ import annotations

from sqlalchemy import select

from engage.auth.permissions import has_permission
from engage.calendar import today_london
from engage.extensions import db
from engage.reports.models import AnnualReport, UksaRecommendation
from engage.reports.recommendations import overdue_clause


def dashboard_panel(user) -> tuple[str, dict] | None:  # type: ignore[no-untyped-def]
    """Return (template, context) for the dashboard, or None when this user has no panel."""
    overdue: list[UksaRecommendation] = []
    awaiting: list[AnnualReport] = []
    if has_permission(user, "manage_recommendations"):
        overdue = list(
            db.session.execute(
                select(UksaRecommendation)
                .where(overdue_clause(today_london()))
                .order_by(UksaRecommendation.target_on, UksaRecommendation.reference)
            ).scalars()
        )
    if has_permission(user, "sign_off_reports"):
        awaiting = list(
            db.session.execute(
                select(AnnualReport)
                .where(AnnualReport.state == "ready")
                .order_by(AnnualReport.year_start)
            ).scalars()
        )
    if not overdue and not awaiting:
        return None
    return "reports/dashboard-panel.html", {"overdue": overdue, "awaiting": awaiting}
