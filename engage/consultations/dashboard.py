"""The consultations panel of the staff dashboard."""

from __future__ import annotations

from functools import cache

from sqlalchemy import Select, and_, bindparam, case, func, or_

from engage.auth.permissions import has_permission
from engage.calendar import today_london
from engage.consultations import rules, service
from engage.consultations.models import Consultation
from engage.extensions import db

# Responses to publish listed on the panel (those that closed first); the panel gives the total
# and links to the full list when there are more.
DUE_SHOWN = 10


@cache
def _panel_query(office: bool, chief: bool) -> Select:
    """The panel's one query, built once per process for each kind of user (the date and the
    producer's id are bound parameters): the consultations listed, selected in SQL by state
    and, for responses to publish, by closing date, as rows of the columns shown, with window
    counts of each list (and of the overdue responses) and at most DUE_SHOWN responses to
    publish."""
    states = ["open", "closed"]
    closes_on_type = Consultation.closes_on.type
    overdue_by = bindparam("overdue_by", type_=closes_on_type)

    def managed(*conditions):  # type: ignore[no-untyped-def]
        if office:
            return and_(*conditions)
        return and_(*conditions, service.managed_by(bindparam("user_id")))

    wanted = [
        managed(Consultation.state == "open"),
        managed(
            Consultation.state == "closed",
            Consultation.closes_on <= bindparam("closed_by", type_=closes_on_type),
        ),
    ]
    if chief:
        states.append("awaiting_approval")
        wanted.append(Consultation.state == "awaiting_approval")
    # Awaiting approval: by opening date; open and closed: by closing date.
    order = case(
        (Consultation.state == "awaiting_approval", Consultation.opens_on),
        else_=Consultation.closes_on,
    )
    listed = (
        db.select(
            Consultation.slug,
            Consultation.title,
            Consultation.state,
            Consultation.opens_on,
            Consultation.closes_on,
            func.row_number()
            .over(partition_by=Consultation.state, order_by=(order, Consultation.id))
            .label("position"),
            func.count().over(partition_by=Consultation.state).label("in_list"),
            func.sum(case((Consultation.closes_on <= overdue_by, 1), else_=0))
            .over(partition_by=Consultation.state)
            .label("overdue_in_list"),
        )
        .where(Consultation.state.in_(states), or_(*wanted))
        .subquery()
    )
    return (
        db.select(listed)
        .where(or_(listed.c.state != "closed", listed.c.position <= DUE_SHOWN))
        .order_by(listed.c.state, listed.c.position)
    )


def dashboard_panel(user) -> tuple[str, dict] | None:  # type: ignore[no-untyped-def]
    """Return (template, context) for the dashboard, or None when this user has no panel.

    The Chief Statistician sees what awaits their decision; everyone who drafts consultations
    sees the open ones they manage and responses due within two weeks or overdue (the
    DUE_SHOWN that closed first, and how many there are in all and overdue).
    """
    if not has_permission(user, "draft_consultations"):
        return None
    today = today_london()
    office = service.is_office(user)
    params: dict[str, object] = {
        "closed_by": rules.latest_closing_to_publish(today),
        "overdue_by": rules.latest_closing_overdue(today),
    }
    if not office:
        params["user_id"] = user.id
    rows = db.session.execute(
        _panel_query(office, user.has_role("chief_statistician")), params
    ).all()
    awaiting = [c for c in rows if c.state == "awaiting_approval"]
    open_now = [c for c in rows if c.state == "open"]
    due = [
        (c, rules.response_status(c.closes_on, today), rules.response_due_on(c.closes_on))
        for c in rows
        if c.state == "closed"
    ]
    return (
        "consultations/dashboard-panel.html",
        {
            "awaiting": awaiting,
            "open_now": open_now,
            "due": due,
            "due_total": due[0][0].in_list if due else 0,
            "overdue_total": int(due[0][0].overdue_in_list) if due else 0,
        },
    )
