"""The releases panel of the staff dashboard: changes of date awaiting the Chief
Statistician, publications not yet recorded, and dates to confirm soon."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, or_

from engage.auth.permissions import has_permission
from engage.calendar import london_date
from engage.db_types import utcnow
from engage.extensions import db
from engage.releases import listing, reminders, rules, service
from engage.releases.models import Release

SHOWN = 10


def dashboard_panel(user) -> tuple[str, dict] | None:  # type: ignore[no-untyped-def]
    if not has_permission(user, "manage_releases"):
        return None
    now = utcnow()
    today = london_date(now)
    confirm_by = today + timedelta(days=reminders.CONFIRM_WARNING_DAYS)
    query = (
        db.select(Release)
        .where(
            or_(
                and_(Release.status == "confirmed", Release.scheduled_at <= now),
                and_(Release.status == "provisional", Release.provisional_month <= confirm_by),
            )
        )
        .order_by(Release.scheduled_at, Release.provisional_month, Release.id)
        .limit(2 * SHOWN)
    )
    clause = service.manageable_clause(user)
    if clause is not None:
        query = query.where(clause)
    rows = list(db.session.execute(query).scalars())
    return (
        "releases/dashboard-panel.html",
        {
            "pending": listing.pending_changes(user) if user.has_role("chief_statistician") else [],
            "not_recorded": [r for r in rows if r.status == "confirmed"][:SHOWN],
            "to_confirm": [r for r in rows if r.status == "provisional"][:SHOWN],
            "label": rules.london_time_label,
            "month_label": rules.month_label,
        },
    )
