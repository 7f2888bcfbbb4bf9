"""The cases panel of the staff dashboard: counts of each SLA status for the cases the user
may see, each linking to the filtered case list.

Counting every case ever received by status grows with the history, so the panel counts:
- the cases whose response clock still runs (in time, due soon, overdue; read through the
  partial index of running cases), whenever they were received, and
- the finished cases (met, missed, not measured) received in the current reporting year (from
  1 April: the annual report's case-level totals for that year, with the same rule,
  engage.cases.sla.rules.CASE_OUTCOME; read through the index on the outcome and date received).
Both in one grouped query, which also counts the open cases."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, literal, union_all

from engage import caching
from engage.auth.permissions import has_permission
from engage.calendar import (
    WorkingCalendar,
    london_start,
    reporting_year,
    reporting_year_of,
    today_london,
)
from engage.cases import clock
from engage.cases.access import is_office, visible_cases
from engage.cases.models import RESPONSE_RUNNING, Case
from engage.cases.sla.rules import OUTCOMES
from engage.extensions import db
from engage.vocab import OPEN_STATES


def sla_counts_and_open(  # type: ignore[no-untyped-def]
    user, today: date, cal: WorkingCalendar | None = None
) -> tuple[dict[str, int], int]:
    """({sla_status: count}, open cases) over the cases `user` may see, in one query: running
    cases whatever their age (their status depends on today: computed in SQL over the partial
    index of running cases), finished cases received since the reporting year began
    (their outcome is the indexed generated column sla_outcome, so they are counted from the
    index ix_cases_sla_outcome_received_at).

    The running half is grouped over a subquery so PostgreSQL sees one grouping column, not two
    copies of the CASE expression with their own bound dates."""
    status = clock.sla_status_expr(today, cal or clock.current_calendar()).label("status")
    running = (
        db.select(status, Case.state.in_(sorted(OPEN_STATES)).label("open"))
        .where(visible_cases(user), RESPONSE_RUNNING)
        .subquery()
    )
    running_counts = db.select(running.c.status, running.c.open, func.count()).group_by(
        running.c.status, running.c.open
    )
    finished_counts = (
        db.select(Case.sla_outcome, literal(False), func.count())
        .where(
            visible_cases(user),
            Case.sla_outcome.in_(OUTCOMES),
            # received_on >= 1 April, as the index ix_cases_sla_outcome_received_at has it:
            # received_at from midnight in London that day (received_on is its London date).
            Case.received_at >= london_start(reporting_year(reporting_year_of(today))[0]),
        )
        .group_by(Case.sla_outcome)
    )
    counts: dict[str, int] = {}
    open_count = 0
    for name, is_open, n in db.session.execute(union_all(running_counts, finished_counts)).tuples():
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
    today = today_london()
    cal = clock.current_calendar()
    # Counted once per version of the cases table (engage.caching), per scope and day.
    scope = "all" if is_office(user) else user.id
    counts, open_count = caching.for_version(
        "cases",
        ("dashboard", scope, today, cal.region, cal.closures),
        lambda: sla_counts_and_open(user, today, cal),
    )
    return "cases/dashboard-panel.html", {
        "sla_counts": counts,
        "cases_total": sum(counts.values()),
        "cases_open": open_count,
        "finished_since": reporting_year(reporting_year_of(today))[0],
    }
