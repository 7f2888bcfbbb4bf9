"""The SLA rules (``rules.py``) read in Python, for one case or one row of the case list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from engage.calendar import WorkingCalendar
from engage.cases.sla import rules
from engage.cases.sla.deadlines import current_calendar, due_soon_boundary
from engage.cases.sla.expr import to_python


class HasClockDates(Protocol):
    """What the clock reads: a Case, or a row of the case list's columns (``CLOCK_COLUMNS``)."""

    acknowledge_by: date
    respond_by: date
    acknowledged_on: date | None
    responded_on: date | None
    transferred_on: date | None
    withdrawn_on: date | None
    paused_on: date | None


# Every column the rules read (the case list selects these: see engage.cases.listing).
CLOCK_COLUMNS = tuple(sorted(HasClockDates.__annotations__))

_NO_PARAMS: dict[str, date] = {}
_clock_outcome = {c.name: to_python(c.outcome) for c in rules.CLOCKS}
_clock_status = {c.name: to_python(c.status) for c in rules.CLOCKS}
_clock_running = {c.name: to_python(c.running) for c in rules.CLOCKS}
_clock_warns = {c.name: to_python(c.warns) for c in rules.CLOCKS}
_case_outcome = to_python(rules.CASE_OUTCOME)
_case_status = to_python(rules.CASE_STATUS)
_next_deadline = to_python(rules.NEXT_DEADLINE)


def _params(today: date, cal: WorkingCalendar | None) -> dict[str, date]:
    return {"today": today, "boundary": due_soon_boundary(today, cal)}


def clock_outcome(clock: str, case_: HasClockDates) -> str | None:
    """'met', 'missed', 'not_measured', or None while the clock runs (whatever the day)."""
    return _clock_outcome[clock](case_, _NO_PARAMS)  # type: ignore[no-any-return]


def clock_running(clock: str, case_: HasClockDates) -> bool:
    return bool(_clock_running[clock](case_, _NO_PARAMS))


def clock_status(
    clock: str, case_: HasClockDates, today: date, cal: WorkingCalendar | None = None
) -> str:
    """The clock's outcome once stopped, else in_time / due_soon / overdue on `today`."""
    return _clock_status[clock](case_, _params(today, cal))  # type: ignore[no-any-return]


def clock_warns(clock: str, case_: HasClockDates, params: dict[str, date]) -> bool:
    """The scan's rule (see ``rules.Clock.warns``); `params` holds today and boundary."""
    return bool(_clock_warns[clock](case_, params))


def acknowledge_status(
    case_: HasClockDates, today: date, cal: WorkingCalendar | None = None
) -> str:
    return clock_status("acknowledge", case_, today, cal)


def respond_status(case_: HasClockDates, today: date, cal: WorkingCalendar | None = None) -> str:
    return clock_status("respond", case_, today, cal)


def finished_outcome(case_: HasClockDates) -> str | None:
    """The case's outcome once finished ('met', 'missed', 'not_measured'), else None. The
    database keeps the same value in the generated column ``cases.sla_outcome``."""
    return _case_outcome(case_, _NO_PARAMS)  # type: ignore[no-any-return]


def sla_status(case_: HasClockDates, today: date, cal: WorkingCalendar | None = None) -> str:
    """The case's overall SLA status on `today` (a Europe/London date)."""
    return _case_status(case_, _params(today, cal or current_calendar()))  # type: ignore[no-any-return]


def outcome_words(case_: HasClockDates) -> dict[str, str]:
    """{"acknowledge_outcome": ..., "respond_outcome": ...} in the words of the rules
    ('met', 'missed', 'not measured', 'running'): one CSV row's outcome columns."""
    return {
        f"{c.name}_outcome": rules.OUTCOME_WORDS[clock_outcome(c.name, case_)] for c in rules.CLOCKS
    }


def next_deadline(case_: HasClockDates) -> tuple[str, date] | None:
    """("acknowledge"|"respond", date) of the running clock that is due next, or None."""
    for c in rules.CLOCKS:
        if clock_running(c.name, case_):
            return c.name, getattr(case_, c.deadline)
    return None


def working_days_remaining(
    case_: HasClockDates, today: date, cal: WorkingCalendar | None = None
) -> int | None:
    """Working days after today up to the next deadline (negative when late); None if done."""
    upcoming = next_deadline(case_)
    if upcoming is None:
        return None
    return (cal or current_calendar()).working_days_remaining(today, upcoming[1])


def days_remaining(
    clock: str, case_: HasClockDates, today: date, cal: WorkingCalendar
) -> int | None:
    """Working days left on one clock; None once it has stopped, or while it is paused."""
    spec = next(c for c in rules.CLOCKS if c.name == clock)
    if not clock_running(clock, case_) or (spec.paused_by and getattr(case_, spec.paused_by)):
        return None
    return cal.working_days_remaining(today, getattr(case_, spec.deadline))


def left_words(remaining: int | None) -> str:
    """A clock's working days left in words ("3 working days left", "due today", "1 working day
    late"); "" once it has stopped or while it is paused (`remaining` None)."""
    if remaining is None:
        return ""
    if remaining < 0:
        return f"{-remaining} working day{'' if remaining == -1 else 's'} late"
    if remaining == 0:
        return "due today"
    return f"{remaining} working day{'' if remaining == 1 else 's'} left"


@dataclass(frozen=True)
class ClockSummary:
    """What the case page says of a case's clock on one day: the overall status and each
    clock's status (SLA_STATUSES keys, shown as tags), working days left and those in words."""

    overall: str
    acknowledge: str
    respond: str
    acknowledge_remaining: int | None
    respond_remaining: int | None

    @property
    def acknowledge_left(self) -> str:
        return left_words(self.acknowledge_remaining)

    @property
    def respond_left(self) -> str:
        return left_words(self.respond_remaining)


def clock_summary(
    case_: HasClockDates, today: date, cal: WorkingCalendar | None = None
) -> ClockSummary:
    """The case's clock on `today` (a Europe/London date), by the calendar in force unless
    `cal` is given: one object for the case page."""
    cal = cal or current_calendar()
    return ClockSummary(
        overall=sla_status(case_, today, cal),
        acknowledge=acknowledge_status(case_, today, cal),
        respond=respond_status(case_, today, cal),
        acknowledge_remaining=days_remaining("acknowledge", case_, today, cal),
        respond_remaining=days_remaining("respond", case_, today, cal),
    )
