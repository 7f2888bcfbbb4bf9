"""The working-day SLA clock of a case: the office calendar, deadlines and SLA status.

Public names (other areas import these; keep them stable):

- ``current_calendar() -> WorkingCalendar``: the calendar in force, for the region in the Setting
  ``calendar_region`` (default ``"ENG"``) and the office closure days in ``OfficeClosure``. Two
  small queries per call; the calendar itself is built once per process per (region, closures)
  by ``engage.calendar.get_calendar``, so a change made by an admin in another process is seen at
  once. Callers that loop over many cases should call it once and pass ``cal=`` on.
- ``deadlines_for(received) -> Deadlines``: acknowledge-by and respond-by for a date or datetime.
- ``acknowledge_status(case, today, cal=None)`` / ``respond_status(case, today, cal=None)``:
  the SLA status of one deadline: ``in_time``, ``due_soon``, ``overdue``, ``met`` or ``missed``.
- ``sla_status(case, today, cal=None) -> str``: the case's overall status (rules below).
- ``sla_filter(status, today, cal=None)``: a SQLAlchemy where-clause selecting the cases whose
  ``sla_status`` is ``status``; it agrees with ``sla_status`` case by case (tested).
- ``next_deadline_expr()``: SQL expression of the deadline that matters next (for sorting).
- ``working_days_remaining(case, today, cal=None)``: working days until the next deadline.

Rules (DOMAIN.md "The working-day SLA clock"):

- A deadline runs to the end of its day. *Due soon*: the deadline is today or within the next
  2 working days (``deadline <= add_working_days(today, 2)``). *Overdue*: today is after the
  deadline and it is not done. *Met*/*missed*: done on or before / after the deadline.
- The acknowledge clock stops at the acknowledgement (a full response counts as one), at a
  transfer or at withdrawal. The respond clock stops at the full response, a transfer (FoI,
  internal review, press office) or withdrawal.
- While a case awaits clarification (or consent to a charge) the respond clock is paused: its
  status is *overdue* if it was already past due when paused, otherwise *in time*.
- Overall: once the respond clock has stopped, *missed* if either deadline was missed, else
  *met*. While open, the worst of the running clocks (overdue > due soon > in time); the
  acknowledge clock runs only until the case is acknowledged. A late acknowledgement on a case
  still open therefore shows as the response clock's status; reports read ``acknowledge_status``.
"""

from __future__ import annotations

import functools
from datetime import date, datetime
from typing import Any

from sqlalchemy import String, and_, case, cast, false, not_, or_
from sqlalchemy.sql.elements import ColumnElement

from engage.calendar import (
    DEFAULT_REGION,
    DUE_SOON_WORKING_DAYS,
    REGIONS,
    Deadlines,
    WorkingCalendar,
    get_calendar,
)
from engage.cases.models import NEXT_DEADLINE, RESPONSE_RUNNING, Case, OfficeClosure, Setting
from engage.extensions import db

REGION_SETTING = "calendar_region"
SLA_ORDER = ("in_time", "due_soon", "overdue", "met", "missed")
_SEVERITY = {"in_time": 0, "due_soon": 1, "overdue": 2}


def _region(stored: str | None) -> str:
    """The region a stored setting names; the default when unset or unknown."""
    value = (stored or DEFAULT_REGION).upper()
    return value if value in REGIONS else DEFAULT_REGION


def calendar_region() -> str:
    row = db.session.get(Setting, REGION_SETTING)
    return _region(row.value if row else None)


def closure_dates() -> frozenset[date]:
    return frozenset(db.session.execute(db.select(OfficeClosure.closed_on)).scalars())


def current_calendar() -> WorkingCalendar:
    """The office calendar in force now (region setting + office closure days), read in one
    query (every case page and list asks for it)."""
    region = db.select(Setting.value).where(Setting.key == REGION_SETTING).scalar_subquery()
    closures = (
        db.select(db.func.aggregate_strings(cast(OfficeClosure.closed_on, String), ","))
        .select_from(OfficeClosure)
        .scalar_subquery()
    )
    raw_region, raw_closures = db.session.execute(db.select(region, closures)).one()
    days = frozenset(date.fromisoformat(d) for d in (raw_closures or "").split(",") if d)
    return get_calendar(_region(raw_region), days)


def deadlines_for(received: date | datetime, cal: WorkingCalendar | None = None) -> Deadlines:
    return (cal or current_calendar()).deadlines(received)


def due_soon_boundary(today: date, cal: WorkingCalendar | None = None) -> date:
    """Last date a deadline can fall on and still count as due soon (not yet overdue)."""
    return (cal or current_calendar()).add_working_days(today, DUE_SOON_WORKING_DAYS)


def _running(deadline: date, today: date, boundary: date) -> str:
    if today > deadline:
        return "overdue"
    if deadline <= boundary:
        return "due_soon"
    return "in_time"


def acknowledge_stopped_on(case_: Case) -> date | None:
    return case_.acknowledged_on or case_.transferred_on or case_.withdrawn_on


def respond_stopped_on(case_: Case) -> date | None:
    return case_.responded_on or case_.transferred_on or case_.withdrawn_on


def acknowledge_status(case_: Case, today: date, cal: WorkingCalendar | None = None) -> str:
    stopped = acknowledge_stopped_on(case_)
    if stopped is not None:
        return "met" if stopped <= case_.acknowledge_by else "missed"
    return _running(case_.acknowledge_by, today, due_soon_boundary(today, cal))


def respond_status(case_: Case, today: date, cal: WorkingCalendar | None = None) -> str:
    stopped = respond_stopped_on(case_)
    if stopped is not None:
        return "met" if stopped <= case_.respond_by else "missed"
    if case_.paused_on is not None:
        return "overdue" if case_.respond_by < case_.paused_on else "in_time"
    return _running(case_.respond_by, today, due_soon_boundary(today, cal))


def finished_outcome(case_: Case) -> str | None:
    """ "met" or "missed" once the response clock has stopped (missed if either deadline was
    missed), else None. Whatever the date: a finished case's outcome never changes. The
    database keeps the same rule in the generated column Case.sla_outcome (SLA_OUTCOME_SQL)."""
    stopped = respond_stopped_on(case_)
    if stopped is None:
        return None
    acknowledged = acknowledge_stopped_on(case_)
    late_acknowledgement = acknowledged is not None and acknowledged > case_.acknowledge_by
    return "missed" if stopped > case_.respond_by or late_acknowledgement else "met"


def sla_status(case_: Case, today: date, cal: WorkingCalendar | None = None) -> str:
    """Overall SLA status of a case on `today` (a Europe/London date)."""
    outcome = finished_outcome(case_)
    if outcome is not None:
        return outcome
    cal = cal or current_calendar()
    respond = respond_status(case_, today, cal)
    acknowledge = acknowledge_status(case_, today, cal)
    if acknowledge_stopped_on(case_) is None:
        return max((respond, acknowledge), key=lambda s: _SEVERITY[s])
    return respond


@functools.lru_cache(maxsize=32)
def _sql_parts(today: date, boundary: date) -> dict[str, ColumnElement[bool]]:
    """The where-clause of each SLA status on `today` (built once per date and boundary: SQL
    expressions are immutable, and reusing them spares SQLAlchemy rebuilding the statement's
    cache key on every list view)."""
    ack_stopped = or_(
        Case.acknowledged_on.is_not(None),
        Case.transferred_on.is_not(None),
        Case.withdrawn_on.is_not(None),
    )
    resp_overdue = or_(
        and_(Case.paused_on.is_(None), Case.respond_by < today),
        and_(Case.paused_on.is_not(None), Case.respond_by < Case.paused_on),
    )
    resp_due_soon = and_(
        Case.paused_on.is_(None), Case.respond_by >= today, Case.respond_by <= boundary
    )
    ack_overdue = and_(not_(ack_stopped), Case.acknowledge_by < today)
    ack_due_soon = and_(
        not_(ack_stopped), Case.acknowledge_by >= today, Case.acknowledge_by <= boundary
    )
    overdue = and_(RESPONSE_RUNNING, or_(resp_overdue, ack_overdue))
    due_soon = and_(
        RESPONSE_RUNNING, not_(or_(resp_overdue, ack_overdue)), or_(resp_due_soon, ack_due_soon)
    )
    in_time = and_(
        RESPONSE_RUNNING,
        not_(or_(resp_overdue, ack_overdue)),
        not_(or_(resp_due_soon, ack_due_soon)),
    )
    return {
        # Finished cases: the generated, indexed column (see finished_outcome).
        "met": Case.sla_outcome == "met",
        "missed": Case.sla_outcome == "missed",
        "overdue": overdue,
        "due_soon": due_soon,
        "in_time": in_time,
    }


def sla_filter(status: str, today: date, cal: WorkingCalendar | None = None) -> ColumnElement[bool]:
    """Where-clause for cases whose overall `sla_status` on `today` is `status`.

    An unknown status selects nothing (so a tampered URL shows an empty list, not everything).
    """
    if status not in SLA_ORDER:
        return false()
    return _sql_parts(today, due_soon_boundary(today, cal))[status]


def sla_status_expr(
    today: date, cal: WorkingCalendar | None = None, *, running_only: bool = False
) -> Any:
    """SQL CASE giving each row's overall SLA status (for counting by status in one query).

    `running_only`: for rows already restricted to running cases (RESPONSE_RUNNING), so the
    expression reads only the columns of the index ix_cases_running_next_deadline."""
    parts = _sql_parts(today, due_soon_boundary(today, cal))
    statuses = ("due_soon", "overdue") if running_only else SLA_ORDER
    return case(*[(parts[s], s) for s in statuses], else_="in_time")


def next_deadline_expr() -> Any:
    """The deadline that matters next: acknowledge-by until acknowledged, then respond-by.

    The very expression of the index ix_cases_next_deadline (see engage.cases.models)."""
    return NEXT_DEADLINE


def next_deadline(case_: Case) -> tuple[str, date] | None:
    """("acknowledge"|"respond", date) of the running clock that is due next, or None."""
    if acknowledge_stopped_on(case_) is None:
        return "acknowledge", case_.acknowledge_by
    if respond_stopped_on(case_) is None:
        return "respond", case_.respond_by
    return None


def working_days_remaining(
    case_: Case, today: date, cal: WorkingCalendar | None = None
) -> int | None:
    """Working days after today up to the next deadline (negative when late); None if done."""
    upcoming = next_deadline(case_)
    if upcoming is None:
        return None
    return (cal or current_calendar()).working_days_remaining(today, upcoming[1])


__all__ = [
    "REGION_SETTING",
    "SLA_ORDER",
    "acknowledge_status",
    "calendar_region",
    "closure_dates",
    "current_calendar",
    "deadlines_for",
    "finished_outcome",
    "next_deadline",
    "next_deadline_expr",
    "respond_status",
    "sla_filter",
    "sla_status",
    "sla_status_expr",
    "working_days_remaining",
]
