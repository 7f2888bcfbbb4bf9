"""The working-day SLA clock of a case: public names, stable for other areas.

The rules themselves are written once, in ``engage.cases.sla.rules``; this module only
re-exports what callers use (the Python reading from ``sla.status``, the SQL reading from
``sla.sql``, the calendar in force from ``sla.deadlines``). See docs/cases.md.
"""

from __future__ import annotations

from engage.cases.sla.deadlines import (
    REGION_SETTING,
    calendar_region,
    closure_dates,
    current_calendar,
    deadlines_for,
    due_soon_boundary,
)
from engage.cases.sla.sql import SLA_ORDER, next_deadline_expr, sla_filter, sla_status_expr
from engage.cases.sla.status import (
    CLOCK_COLUMNS,
    ClockSummary,
    HasClockDates,
    acknowledge_status,
    clock_outcome,
    clock_status,
    clock_summary,
    days_remaining,
    finished_outcome,
    next_deadline,
    outcome_words,
    respond_status,
    sla_status,
    working_days_remaining,
)

__all__ = [
    "CLOCK_COLUMNS",
    "REGION_SETTING",
    "SLA_ORDER",
    "ClockSummary",
    "HasClockDates",
    "acknowledge_status",
    "calendar_region",
    "clock_outcome",
    "clock_status",
    "clock_summary",
    "closure_dates",
    "current_calendar",
    "days_remaining",
    "deadlines_for",
    "due_soon_boundary",
    "finished_outcome",
    "next_deadline",
    "next_deadline_expr",
    "outcome_words",
    "respond_status",
    "sla_filter",
    "sla_status",
    "sla_status_expr",
    "working_days_remaining",
]
