"""The consultations panel of the staff dashboard."""

from __future__ import annotations

from engage.auth.permissions import has_permission
from engage.calendar import london_date
from engage.consultations import rules, service
from engage.consultations.models import Consultation
from engage.db_types import utcnow
from engage.extensions import db


def dashboard_panel(user) -> tuple[str, dict] | None:  # type: ignore[no-untyped-def]
    """Return (template, context) for the dashboard, or None when this user has no panel.

    The Chief Statistician sees what awaits their decision; everyone who drafts consultations
    sees the open ones they manage and responses due within two weeks or overdue.
    """
    if not has_permission(user, "draft_consultations"):
        return None
    today = london_date(utcnow())
    mine = service.manageable(user).subquery()
    awaiting: list[Consultation] = []
    if user.has_role("chief_statistician"):
        awaiting = list(
            db.session.execute(
                db.select(Consultation)
                .where(Consultation.state == "awaiting_approval")
                .order_by(Consultation.opens_on)
            ).scalars()
        )
    open_now = list(
        db.session.execute(
            db.select(Consultation)
            .where(Consultation.id.in_(db.select(mine.c.id)), Consultation.state == "open")
            .order_by(Consultation.closes_on)
        ).scalars()
    )
    due = []
    closed = db.session.execute(
        db.select(Consultation)
        .where(Consultation.id.in_(db.select(mine.c.id)), Consultation.state == "closed")
        .order_by(Consultation.closes_on)
    ).scalars()
    for consultation in closed:
        status = rules.response_status(consultation.closes_on, today)
        if status != "in_time":
            due.append((consultation, status, rules.response_due_on(consultation.closes_on)))
    return (
        "consultations/dashboard-panel.html",
        {"awaiting": awaiting, "open_now": open_now, "due": due},
    )
