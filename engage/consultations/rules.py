"""The consultation length rule (6 to 13 weeks) and the consultation clock.

A consultation opens at the start of its opening date and closes at the end of its closing date,
both in Europe/London. Its length is counted in calendar days from the opening date to the closing
date, so a clock change (a 23- or 25-hour day) never makes a consultation longer or shorter.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from engage.calendar import LONDON
from engage.errors import RuleError
from engage.filters import govuk_date

MIN_DAYS = 42  # 6 weeks
MAX_DAYS = 91  # 13 weeks
RESPONSE_DUE_DAYS = 84  # the published response is due 12 weeks after closing
DUE_SOON_DAYS = 14


class ConsultationError(RuleError):
    """A consultation rule refused a change (engage/errors.py)."""


def length_in_days(opens_on: date, closes_on: date) -> int:
    return (closes_on - opens_on).days


def allowed_closing_dates(opens_on: date) -> tuple[date, date]:
    return opens_on + timedelta(days=MIN_DAYS), opens_on + timedelta(days=MAX_DAYS)


def length_error(opens_on: date, closes_on: date) -> str | None:
    """The GOV.UK error message when the length breaks the rule, or None when it is allowed."""
    earliest, latest = allowed_closing_dates(opens_on)
    if earliest <= closes_on <= latest:
        return None
    return (
        f"The closing date must be between {govuk_date(earliest)} and {govuk_date(latest)} "
        "(6 to 13 weeks after the opening date)"
    )


def check_length(opens_on: date, closes_on: date) -> None:
    message = length_error(opens_on, closes_on)
    if message is not None:
        raise ConsultationError(message, "closes_on")


def opens_at(opens_on: date) -> datetime:
    """The moment (UTC) a consultation opens: the start of its opening date in London."""
    return datetime.combine(opens_on, time(0), tzinfo=LONDON).astimezone(UTC)


def closes_at(closes_on: date) -> datetime:
    """The moment (UTC) a consultation closes: the end of its closing date in London."""
    return datetime.combine(closes_on + timedelta(days=1), time(0), tzinfo=LONDON).astimezone(UTC)


def response_due_on(closes_on: date) -> date:
    """The day the published response is due: 12 weeks after the closing date."""
    return closes_on + timedelta(days=RESPONSE_DUE_DAYS)


def published_in_time(closes_on: date, published_on: date) -> bool:
    """Whether a response published on `published_on` (a London date) met the 12-week rule."""
    return published_on <= response_due_on(closes_on)


def latest_closing_to_publish(today: date) -> date:
    """The latest closing date whose response is, on `today`, due soon or overdue: a closed
    consultation needs its response published soon when it closed on or before this date.

    `response_status(closes_on, today) != "in_time"` exactly when `closes_on` is on or before
    it, so the dashboard can select these consultations in SQL."""
    return today - timedelta(days=RESPONSE_DUE_DAYS - DUE_SOON_DAYS)


def latest_closing_overdue(today: date) -> date:
    """The latest closing date whose response is, on `today`, overdue (`response_status` is
    "overdue" exactly when `closes_on` is on or before it)."""
    return today - timedelta(days=RESPONSE_DUE_DAYS + 1)


def response_status(closes_on: date, today: date) -> str:
    """'in_time', 'due_soon' (due within 2 weeks) or 'overdue' for an unpublished response."""
    due = response_due_on(closes_on)
    if today > due:
        return "overdue"
    if (due - today).days <= DUE_SOON_DAYS:
        return "due_soon"
    return "in_time"
