"""The 6 to 13 week rule and the consultation clock (Europe/London)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from engage.consultations import rules
from engage.consultations.rules import ConsultationError


@pytest.mark.parametrize(
    ("days", "allowed"), [(41, False), (42, True), (63, True), (91, True), (92, False)]
)
def test_length_is_6_to_13_weeks_inclusive(days, allowed):
    opens = date(2027, 3, 3)
    closes = opens + timedelta(days=days)
    assert (rules.length_error(opens, closes) is None) is allowed
    if not allowed:
        with pytest.raises(ConsultationError) as refused:
            rules.check_length(opens, closes)
        assert refused.value.field == "closes_on"


def test_error_names_the_allowed_closing_dates_in_words():
    message = rules.length_error(date(2027, 3, 3), date(2027, 4, 1))
    assert message == (
        "The closing date must be between 14 April 2027 and 2 June 2027 "
        "(6 to 13 weeks after the opening date)"
    )


def test_a_closing_date_before_the_opening_date_is_refused():
    assert rules.length_error(date(2027, 3, 3), date(2027, 3, 1)) is not None


@pytest.mark.parametrize(
    ("opens", "closes_ok", "closes_short"),
    [
        # Spans the March 2027 clock change (Sunday 28 March): a 23-hour day inside.
        (date(2027, 3, 1), date(2027, 4, 12), date(2027, 4, 11)),
        # Spans the October 2027 clock change (Sunday 31 October): a 25-hour day inside.
        (date(2027, 10, 1), date(2027, 11, 12), date(2027, 11, 11)),
    ],
)
def test_clock_changes_do_not_change_the_length(opens, closes_ok, closes_short):
    assert rules.length_in_days(opens, closes_ok) == 42
    assert rules.length_error(opens, closes_ok) is None
    assert rules.length_error(opens, closes_short) is not None
    latest = opens + timedelta(days=91)
    assert rules.length_error(opens, latest) is None
    assert rules.length_error(opens, latest + timedelta(days=1)) is not None


def test_closes_at_the_end_of_the_closing_date_in_london():
    # Summer time: the end of 12 April 2027 in London is 23:00 UTC.
    assert rules.closes_at(date(2027, 4, 12)) == datetime(2027, 4, 12, 23, 0, tzinfo=UTC)
    # Winter time: the end of 12 November 2027 is midnight UTC.
    assert rules.closes_at(date(2027, 11, 12)) == datetime(2027, 11, 13, 0, 0, tzinfo=UTC)
    # Opening on the day of the spring clock change starts at midnight GMT.
    assert rules.opens_at(date(2027, 3, 28)) == datetime(2027, 3, 28, 0, 0, tzinfo=UTC)
    assert rules.opens_at(date(2027, 4, 1)) == datetime(2027, 3, 31, 23, 0, tzinfo=UTC)


def test_response_is_due_12_weeks_after_closing():
    closes = date(2027, 5, 31)
    assert rules.response_due_on(closes) == date(2027, 8, 23)
    assert rules.response_status(closes, date(2027, 8, 8)) == "in_time"
    assert rules.response_status(closes, date(2027, 8, 9)) == "due_soon"
    assert rules.response_status(closes, date(2027, 8, 23)) == "due_soon"
    assert rules.response_status(closes, date(2027, 8, 24)) == "overdue"


@pytest.mark.parametrize("offset", range(-100, 0))
def test_latest_closing_dates_agree_with_the_response_status(offset):
    # The dashboard selects and counts in SQL the consultations that closed on or before these
    # dates: they must be exactly those whose response is due soon or overdue, and overdue.
    today = date(2027, 8, 9)
    closes = today + timedelta(days=offset)
    selected = closes <= rules.latest_closing_to_publish(today)
    assert selected == (rules.response_status(closes, today) != "in_time")
    overdue = closes <= rules.latest_closing_overdue(today)
    assert overdue == (rules.response_status(closes, today) == "overdue")


def test_latest_closing_dates_are_ten_weeks_and_twelve_weeks_and_a_day_before_today():
    assert rules.latest_closing_to_publish(date(2027, 8, 9)) == date(2027, 5, 31)
    assert rules.latest_closing_overdue(date(2027, 8, 24)) == date(2027, 5, 31)
