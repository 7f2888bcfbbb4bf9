"""Changing the office calendar: closure days and the region. Administrators only.

Each change recalculates the deadlines of every open case (the respond clock still running) in
the same transaction, with a history entry on each case whose deadlines moved
(``engage.cases.sla.deadlines.recalculated_deadlines``: a stopped clock keeps its deadline).
The original deadlines are kept for the case page and the CSV; the SLA clock and the reports
measure against the current ones.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import selectinload

from engage import audit
from engage.auth.permissions import has_permission
from engage.calendar import (
    REGIONS,
    SPAN_END,
    SPAN_START,
    WorkingCalendar,
)
from engage.cases import clock
from engage.cases.models import RESPONSE_RUNNING, Case, CaseEvent, OfficeClosure, Setting
from engage.cases.sla.deadlines import deadline_moves, recalculate
from engage.cases.workflow import CaseError, CaseForbidden
from engage.db_types import utcnow
from engage.extensions import db
from engage.filters import govuk_date as long_date


def _require(actor: Any, permission: str) -> None:
    if not has_permission(actor, permission):
        raise CaseForbidden(f"calendar:{permission}")


def recompute_open_deadlines(
    cal: WorkingCalendar, *, actor: Any, why: str, now: datetime | None = None
) -> int:
    """Recalculate open cases' deadlines with `cal`; returns how many cases changed."""
    now = now or utcnow()
    open_cases = db.session.execute(
        db.select(Case).where(RESPONSE_RUNNING).options(selectinload(Case.pauses))
    ).scalars()
    changed = 0
    for case in open_cases:
        moves = deadline_moves(case, recalculate(case, cal))
        if not moves:
            continue
        db.session.add(
            CaseEvent(
                case=case,
                at=now,
                actor_id=getattr(actor, "id", None),
                action="deadlines_recalculated",
                from_state=case.state,
                to_state=case.state,
                note=f"{why}: " + "; ".join(moves),
            )
        )
        changed += 1
    return changed


def _check_day(day: date) -> None:
    if not SPAN_START <= day <= SPAN_END:
        raise CaseError(f"Enter a date between {SPAN_START.year} and {SPAN_END.year}", "closed_on")


def add_closure(day: date, reason: str, *, actor: Any, now: datetime | None = None) -> int:
    """Add an office closure day; returns the number of open cases whose deadlines moved."""
    _require(actor, "manage_calendar")
    _check_day(day)
    reason = (reason or "").strip()
    if not reason:
        raise CaseError("Enter the reason the office is closed", "reason")
    if len(reason) > 200:
        raise CaseError("The reason must be 200 characters or fewer", "reason")
    exists = db.session.execute(
        db.select(OfficeClosure).where(OfficeClosure.closed_on == day)
    ).scalar_one_or_none()
    if exists is not None:
        raise CaseError("That day is already an office closure day", "closed_on")
    db.session.add(OfficeClosure(closed_on=day, reason=reason, created_by_id=actor.id))
    db.session.flush()
    audit.record(
        "calendar.closure_added",
        actor=actor,
        object_type="office_closure",
        object_id=day.isoformat(),
        detail={"reason": reason},
    )
    changed = recompute_open_deadlines(
        clock.current_calendar(),
        actor=actor,
        why=f"Office closure added on {long_date(day)}",
        now=now,
    )
    db.session.commit()
    return changed


def remove_closure(closure: OfficeClosure, *, actor: Any, now: datetime | None = None) -> int:
    _require(actor, "manage_calendar")
    day = closure.closed_on
    db.session.delete(closure)
    db.session.flush()
    audit.record(
        "calendar.closure_removed",
        actor=actor,
        object_type="office_closure",
        object_id=day.isoformat(),
        detail={"reason": closure.reason},
    )
    changed = recompute_open_deadlines(
        clock.current_calendar(),
        actor=actor,
        why=f"Office closure removed on {long_date(day)}",
        now=now,
    )
    db.session.commit()
    return changed


def set_region(region: str, *, actor: Any, now: datetime | None = None) -> int:
    _require(actor, "manage_settings")
    region = (region or "").upper()
    if region not in REGIONS:
        raise CaseError("Select the calendar region", "region")
    before = clock.calendar_region()
    if region == before:
        return 0
    row = db.session.get(Setting, clock.REGION_SETTING)
    if row is None:
        db.session.add(Setting(key=clock.REGION_SETTING, value=region))
    else:
        row.value = region
    db.session.flush()
    audit.record(
        "settings.calendar_region",
        actor=actor,
        object_type="setting",
        object_id=clock.REGION_SETTING,
        detail={"from": before, "to": region},
    )
    changed = recompute_open_deadlines(
        clock.current_calendar(),
        actor=actor,
        why=f"Calendar changed to {REGIONS[region]}",
        now=now,
    )
    db.session.commit()
    return changed
