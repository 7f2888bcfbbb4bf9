"""The "Access to statistics" rules as pure functions: the boundaries, and 9:30 across the
clock changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from engage.releases import rules
from engage.releases.rules import ReleaseError


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("announced", "month", "missed"),
    [
        (date(2026, 11, 28), date(2027, 11, 1), False),  # 12 months ahead
        (date(2026, 11, 1), date(2027, 11, 1), False),
        (date(2026, 11, 30), date(2027, 10, 1), True),  # 11 months
        (date(2026, 12, 1), date(2027, 11, 1), True),  # the next month, 11 months ahead
        (date(2026, 11, 28), date(2028, 3, 1), False),
    ],
)
def test_the_month_is_announced_at_least_12_months_ahead(announced, month, missed):
    warning = rules.month_notice_warning(month, announced)
    assert (warning is not None) is missed
    if missed:
        assert warning.rule == "month_notice"
        assert "at least 12 months ahead" in warning.message


def test_routine_dates_need_4_weeks_notice_to_the_day():
    release_at = rules.at_london(date(2027, 1, 14))
    assert rules.date_notice_warning("routine", release_at, date(2026, 12, 17)) is None  # 28 days
    late = rules.date_notice_warning("routine", release_at, date(2026, 12, 18))  # 27 days
    assert late is not None and late.rule == "date_notice"
    assert "27 days" in late.message and "4 weeks" in late.message


def test_ad_hoc_dates_need_5_days_notice():
    release_at = rules.at_london(date(2027, 1, 14))
    assert rules.date_notice_warning("ad_hoc", release_at, date(2027, 1, 9)) is None  # 5 days
    short = rules.date_notice_warning("ad_hoc", release_at, date(2027, 1, 10))  # 4 days
    assert short is not None and "5 days" in short.message


def test_the_notice_is_counted_in_london_days_not_utc():
    # 00:30 BST on 25 Jun 2027 is still 24 Jun in UTC: the release day is the 25th.
    release_at = rules.at_london(date(2027, 6, 25), time(0, 30))
    assert release_at == utc(2027, 6, 24, 23, 30)
    assert rules.date_notice_warning("routine", release_at, date(2027, 5, 28)) is None


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2027, 3, 27), utc(2027, 3, 27, 9, 30)),  # Saturday before: GMT
        (date(2027, 3, 28), utc(2027, 3, 28, 8, 30)),  # clocks go forward at 01:00: BST
        (date(2027, 3, 29), utc(2027, 3, 29, 8, 30)),
        (date(2026, 10, 25), utc(2026, 10, 25, 9, 30)),  # clocks go back at 02:00: GMT
        (date(2026, 10, 24), utc(2026, 10, 24, 8, 30)),
    ],
)
def test_9_30_is_london_time_on_either_side_of_a_clock_change(day, expected):
    assert rules.at_london(day) == expected
    assert rules.london_time_label(expected).startswith("9:30am on ")


def test_a_time_the_clocks_skip_is_refused():
    with pytest.raises(ReleaseError):
        rules.at_london(date(2027, 3, 28), time(1, 30))


@pytest.mark.parametrize(
    ("published", "timing"),
    [
        (utc(2027, 3, 28, 8, 30), "on_time"),
        (utc(2027, 3, 28, 8, 30, 59), "on_time"),  # within the minute
        (utc(2027, 3, 28, 8, 29, 59), "early"),
        (utc(2027, 3, 28, 8, 31), "late"),
        # 9:30 UTC is 10:30 BST: the naive "9:30" is an hour late on the clock-change day
        (utc(2027, 3, 28, 9, 30), "late"),
    ],
)
def test_publication_is_on_time_only_at_the_announced_minute(published, timing):
    scheduled = rules.at_london(date(2027, 3, 28))
    assert rules.publication_timing(scheduled, published) == timing
    warning = rules.publication_warning(scheduled, published)
    assert (warning is None) is (timing == "on_time")


def test_early_and_late_warnings_say_by_how_much():
    scheduled = rules.at_london(date(2027, 1, 14))
    early = rules.publication_warning(scheduled, utc(2027, 1, 13, 16, 0))
    assert early.message.startswith("Published 17 hours 30 minutes early")
    late = rules.publication_warning(scheduled, utc(2027, 1, 14, 9, 45))
    assert late.message.startswith("Published 15 minutes late")
    assert "9:30am on 14 January 2027" in late.message
