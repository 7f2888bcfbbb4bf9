"""The cases panel of the staff dashboard: counts of each SLA status for the cases the user
may see, each linking to the filtered case list."""

from __future__ import annotations

from sqlalchemy import func

from engage.auth.permissions import has_permission
from engage.calendar import london_date
from engage.cases import clock
from engage.cases.access import visible_cases
from engage.cases.models import Case
from engage.db_types import utcnow
from engage.extensions import db

OPEN_STATES = ("received", "acknowledged", "awaiting_clarification")


def sla_counts(user, today) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """{sla_status: count} over the cases `user` may see, in one query.

    Grouped over a subquery so PostgreSQL sees one grouping column, not two copies of the
    CASE expression with their own bound dates."""
    statuses = (
        db.select(clock.sla_status_expr(today, clock.current_calendar()).label("status"))
        .where(visible_cases(user))
        .subquery()
    )
    rows = db.session.execute(
        db.select(statuses.c.status, func.count()).group_by(statuses.c.status)
    )
    return {str(name): int(count) for name, count in rows.tuples()}


def dashboard_panel(user) -> tuple[str, dict] | None:  # type: ignore[no-untyped-def]
    """Return (template, context) for the dashboard, or None when this user has no panel."""
    if not has_permission(user, "view_cases"):
        return None
    today = london_date(utcnow())
    counts = sla_counts(user, today)
    open_count = db.session.execute(
        db.select(func.count()).where(visible_cases(user), Case.state.in_(OPEN_STATES))
    ).scalar_one()
    return "cases/dashboard-panel.html", {
        "sla_counts": counts,
        "cases_total": sum(counts.values()),
        "cases_open": open_count,
    }
