"""The SLA rules (``rules.py``) read as SQL, over the ``cases`` table.

The generated column ``cases.sla_outcome`` and the indexes are built from the same rules in
``engage.cases.models`` (``CASE_OUTCOME``, ``NEXT_DEADLINE``, ``RESPONSE_RUNNING``), so the
queries below use the very expressions the indexes hold.
"""

from __future__ import annotations

import functools
from datetime import date
from typing import Any

from sqlalchemy import false
from sqlalchemy.sql.elements import ColumnElement

from engage.calendar import WorkingCalendar
from engage.cases.models import NEXT_DEADLINE, RESPONSE_RUNNING, Case
from engage.cases.sla import rules
from engage.cases.sla.deadlines import due_soon_boundary
from engage.cases.sla.expr import to_sql

SLA_ORDER = (*rules.RUNNING_STATUSES, *rules.OUTCOMES)
_CLOCK = {c.name: c for c in rules.CLOCKS}


def running(clock: str) -> ColumnElement[bool]:
    return to_sql(_CLOCK[clock].running, Case)  # type: ignore[no-any-return]


def clock_outcome(clock: str) -> Any:
    """SQL: 'met', 'missed', 'not_measured', or NULL while the clock runs."""
    return to_sql(_CLOCK[clock].outcome, Case)


def clock_status(clock: str, today: date, boundary: date) -> Any:
    """SQL: the clock's outcome once stopped, else in_time / due_soon / overdue on `today`."""
    return to_sql(_CLOCK[clock].status, Case, {"today": today, "boundary": boundary})


def clock_warns(clock: str, today: date, boundary: date) -> Any:
    return to_sql(_CLOCK[clock].warns, Case, {"today": today, "boundary": boundary})


def case_outcome() -> Any:
    """SQL: the outcome of a finished case (the generated column holds the same value)."""
    return Case.sla_outcome


@functools.lru_cache(maxsize=32)
def _open_status(today: date, boundary: date) -> Any:
    """Built once per date (SQL expressions are immutable, and reusing them spares SQLAlchemy
    rebuilding the statement's cache key on every list view)."""
    # rules.OPEN_STATUS, for rows already restricted to RESPONSE_RUNNING: the dashboard and the
    # running filters then read only the columns of the partial index of running cases.
    return to_sql(rules.OPEN_STATUS, Case, {"today": today, "boundary": boundary})


@functools.lru_cache(maxsize=64)
def _filter(status: str, today: date, boundary: date) -> ColumnElement[bool]:
    if status in rules.OUTCOMES:  # finished cases: the generated, indexed column
        return Case.sla_outcome == status
    return RESPONSE_RUNNING & (_open_status(today, boundary) == status)  # type: ignore[no-any-return]


def sla_filter(status: str, today: date, cal: WorkingCalendar | None = None) -> ColumnElement[bool]:
    """Where-clause for cases whose overall status on `today` is `status` (status.sla_status).

    An unknown status selects nothing (so a tampered URL shows an empty list, not everything).
    """
    if status not in SLA_ORDER:
        return false()
    return _filter(status, today, due_soon_boundary(today, cal))


def sla_status_expr(today: date, cal: WorkingCalendar | None = None) -> Any:
    """SQL giving the overall status of each case whose respond clock still runs (rows already
    restricted to RESPONSE_RUNNING), for counting by status in one query."""
    return _open_status(today, due_soon_boundary(today, cal))


def next_deadline_expr() -> Any:
    """The deadline that matters next (the expression of the case list's indexes)."""
    return NEXT_DEADLINE
