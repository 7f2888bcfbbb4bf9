"""The cases panel of the staff dashboard: counts of each SLA status for the cases the user
may see, each linking to the filtered case list.

Counting every case ever received by status grows with the history, so the panel counts:
- the cases whose response clock still runs (in time, due soon, overdue; read through the
  partial index of running cases), whenever they were received, and
- the finished cases (met, missed) received in the current reporting year (from 1 April, as the
  annual report counts them; read through the index on the date received).
Both in one grouped query, which also counts the open cases."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, literal, not_, union_all

from engage.auth.permissions import has_permission
from engage.calendar import london_date
from engage.cases import clock
from engage.cases.access import visible_cases
from engage.cases.models import RESPONSE_RUNNING, Case
from engage.db_types import utcnow
from engage.extensions import db

OPEN_STATES = ("received", "acknowledged", "awaiting_clarification")


def reporting_year_start(today: date) -> date:
    """1 April of the reporting year `today` falls in (the annual report's year)."""
    return date(today.year if today.month >= 4 else today.year - 1, 4, 1)


def sla_counts_and_open(user, today: date) -> tuple[dict[str, int], int]:  # type: ignore[no-untyped-def]
    """({sla_status: count}, open cases) over the cases `user` may see, in one query: running
    cases whatever their age, finished cases received since `reporting_year_start(today)`.

    Grouped over a subquery so PostgreSQL sees one grouping column, not two copies of the
    CASE expression with their own bound dates."""
    status = clock.sla_status_expr(today, clock.current_calendar()).label("status")
    running = db.select(status, Case.state.in_(OPEN_STATES).label("open")).where(
        visible_cases(user), RESPONSE_RUNNING
    )
    finished = db.select(status, literal(False).label("open")).where(
        visible_cases(user),
        Case.received_on >= reporting_year_start(today),
        not_(RESPONSE_RUNNING),
    )
    rows = union_all(running, finished).subquery()
    counts: dict[str, int] = {}
    open_count = 0
    for name, is_open, n in db.session.execute(
        db.select(rows.c.status, rows.c.open, func.count()).group_by(rows.c.status, rows.c.open)
    ).tuples():
        counts[str(name)] = counts.get(str(name), 0) + int(n)
        open_count += int(n) if is_open else 0
    return counts, open_count


def sla_counts(user, today: date) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """{sla_status: count}: see `sla_counts_and_open`."""
    return sla_counts_and_open(user, today)[0]


def dashboard_panel(user) -> tuple[str, dict] | None:  # type: ignore[no-untyped-def]
    """Return (template, context) for the dashboard, or None when this user has no panel."""
    if not has_permission(user, "view_cases"):
        return None
    today = london_date(utcnow())
    counts, open_count = sla_counts_and_open(user, today)
    return "cases/dashboard-panel.html", {
        "sla_counts": counts,
        "cases_total": sum(counts.values()),
        "cases_open": open_count,
        "finished_since": reporting_year_start(today),
    }
