"""The outputs panel of the staff dashboard: overdue output reviews and feedback to review."""

from __future__ import annotations

from sqlalchemy import func

from engage.auth.permissions import has_permission
from engage.calendar import today_london
from engage.extensions import db
from engage.outputs.access import sees_all_logs
from engage.outputs.feedback import unreviewed_count
from engage.outputs.models import Output, output_producers
from engage.outputs.reviews import overdue_query

SHOWN = 10


def dashboard_panel(user) -> tuple[str, dict] | None:  # type: ignore[no-untyped-def]
    """Return (template, context) for the dashboard, or None when this user has no panel.
    Producers see their own outputs; the CSO office and administrators see every output."""
    if not (sees_all_logs(user) or user.has_role("producer")):
        return None
    if not has_permission(user, "view_outputs"):
        return None
    # The first few overdue outputs (the columns shown) and, in the same query, how many
    # there are in all.
    query = overdue_query(today_london(), user).with_only_columns(
        Output.slug, Output.title, Output.next_review_due, func.count().over().label("total")
    )
    overdue = list(db.session.execute(query.limit(SHOWN)))
    total = overdue[0].total if overdue else 0
    if sees_all_logs(user):
        owned = None
    else:
        owned = set(
            db.session.execute(
                db.select(output_producers.c.output_id).where(output_producers.c.user_id == user.id)
            ).scalars()
        )
    return (
        "outputs/_dashboard-panel.html",
        {
            "overdue_reviews": overdue,
            "overdue_total": total,
            "unreviewed_feedback": unreviewed_count(owned),
        },
    )
