"""The office calendar in force and the deadlines it gives a case.

- ``current_calendar()``: the calendar for the region in the Setting ``calendar_region``
  (default ``"ENG"``) and the office closure days, read in one query; the calendar itself is
  built once per process per (region, closures) by ``engage.calendar.get_calendar``, so a
  change made by an administrator in another process is seen at once.
- ``deadlines_for(received)``: acknowledge-by and respond-by for a date or datetime.
- ``due_soon_boundary(today)``: the last date a deadline can fall on and still be due soon.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import String, cast

from engage.calendar import (
    ACKNOWLEDGE_WORKING_DAYS,
    DEFAULT_REGION,
    DUE_SOON_WORKING_DAYS,
    REGIONS,
    RESPOND_WORKING_DAYS,
    Deadlines,
    WorkingCalendar,
    get_calendar,
)
from engage.cases.models import Case, OfficeClosure, Setting
from engage.cases.sla import rules
from engage.cases.sla.expr import to_python
from engage.extensions import db
from engage.filters import govuk_date as long_date

REGION_SETTING = "calendar_region"


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
    """The office calendar in force now (region setting + office closure days), in one query
    (every case page and list asks for it)."""
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


def recalculate(
    case: Case, cal: WorkingCalendar, *, stopped_too: bool = False
) -> tuple[date, date]:
    """Work out the deadlines of the clocks still running with `cal` (a stopped clock keeps its
    deadline), set them on the case and return the old (acknowledge-by, respond-by).
    `stopped_too`: every clock, stopped or not (the date received was corrected, so even a
    finished case's deadlines were wrong: engage.cases.correction).

    acknowledge-by = received + 5 working days. respond-by = received + 20 working days + the
    working days paused: each finished pause (``CasePause``) counted again with `cal`, so a
    closure day inside a pause is counted once (as a day the office was closed, not also as a
    day paused); days paused before pauses were recorded one by one are kept as they were."""
    before = (case.acknowledge_by, case.respond_by)
    if stopped_too or _running(rules.ACKNOWLEDGE, case):
        case.acknowledge_by = cal.add_working_days(case.received_on, ACKNOWLEDGE_WORKING_DAYS)
    if stopped_too or _running(rules.RESPOND, case):
        finished = [p for p in case.pauses if p.resumed_on is not None]
        unrecorded = case.paused_working_days - sum(p.working_days for p in finished)
        for pause in finished:
            assert pause.resumed_on is not None  # nosec B101 - filtered above
            pause.working_days = max(0, cal.working_days_between(pause.paused_on, pause.resumed_on))
        case.paused_working_days = unrecorded + sum(p.working_days for p in finished)
        case.respond_by = cal.add_working_days(
            case.received_on, RESPOND_WORKING_DAYS + case.paused_working_days
        )
    return before


def deadline_moves(case: Case, before: tuple[date, date]) -> list[str]:
    """What moved, in words, since `before` (the old acknowledge-by and respond-by)."""
    moves = []
    for name, old, new in zip(
        ("acknowledge by", "respond by"),
        before,
        (case.acknowledge_by, case.respond_by),
        strict=True,
    ):
        if old != new:
            moves.append(f"{name} {long_date(old)} → {long_date(new)}")
    return moves


def _running(clock: rules.Clock, case: Any) -> bool:
    return bool(to_python(clock.running)(case, {}))


def due_soon_boundary(today: date, cal: WorkingCalendar | None = None) -> date:
    """Last date a deadline can fall on and still count as due soon (not yet overdue)."""
    return (cal or current_calendar()).add_working_days(today, DUE_SOON_WORKING_DAYS)
