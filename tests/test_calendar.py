"""Tests for engage.calendar against numpy's business-day functions and known UK dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engage.calendar import (
    ACKNOWLEDGE_WORKING_DAYS,
    LONDON,
    REGIONS,
    RESPOND_WORKING_DAYS,
    SPAN_END,
    SPAN_START,
    Deadlines,
    WorkingCalendar,
    get_calendar,
    london_date,
)

# Independent holiday lists for numpy: the nations whose bank holidays each region observes.
NATIONS = {"ENG": ["ENG"], "SCT": ["SCT"], "NIR": ["NIR"], "UK": ["ENG", "WLS", "SCT", "NIR"]}
CLOSURE_SETS = [
    frozenset(),
    frozenset({date(2017, 5, 22), date(2026, 12, 29), date(2031, 4, 1)}),
    frozenset(date(2040, 8, 1) + timedelta(days=k) for k in range(10)),
]


def numpy_calendar(region: str, closures: frozenset[date] = frozenset()) -> np.busdaycalendar:
    days: set[date] = set(closures)
    for nation in NATIONS[region]:
        days.update(holidays.country_holidays("GB", subdiv=nation, years=range(1990, 2081)))
    return np.busdaycalendar(holidays=np.array(sorted(days), dtype="datetime64[D]"))


NP_CALS = {(r, c): numpy_calendar(r, c) for r in REGIONS for c in CLOSURE_SETS}


def np_add(d: date, n: int, cal: np.busdaycalendar) -> date:
    """Reference: roll backward then offset gives the n-th working day after day 0 = d."""
    roll = "backward" if n >= 0 else "forward"
    return np.busday_offset(np.datetime64(d, "D"), n, roll=roll, busdaycal=cal).astype(date)


def np_between(start: date, end: date, cal: np.busdaycalendar) -> int:
    """Reference: busday_count counts [begin, end); shift both by a day for (start, end].

    Only numpy's forward direction is used: for begin > end numpy returns minus the count of
    (end, begin], not of [end, begin), so it is not a plain negation of the forward count.
    """
    one = timedelta(days=1)
    lo, hi = min(start, end), max(start, end)
    count = int(np.busday_count(lo + one, hi + one, busdaycal=cal))
    return count if start <= end else -count


D = date.fromisoformat


@pytest.mark.parametrize("region", sorted(REGIONS))
def test_every_day_2015_2030_matches_numpy(region: str) -> None:
    cal = get_calendar(region)
    days = np.arange("2015-01-01", "2031-01-01", dtype="datetime64[D]")
    for n in (ACKNOWLEDGE_WORKING_DAYS, RESPOND_WORKING_DAYS):
        expected = np.busday_offset(
            days, n, roll="backward", busdaycal=NP_CALS[(region, frozenset())]
        )
        got = [cal.add_working_days(d, n) for d in days.astype(date)]
        assert got == list(expected.astype(date))
    assert len(days) == 5844


dates_2000_2070 = st.dates(min_value=date(2000, 1, 1), max_value=date(2070, 12, 31))


@settings(max_examples=300, deadline=None)
@given(
    d=dates_2000_2070,
    n=st.integers(0, 300),
    region=st.sampled_from(sorted(REGIONS)),
    closures=st.sampled_from(CLOSURE_SETS),
)
def test_add_matches_numpy(d: date, n: int, region: str, closures: frozenset[date]) -> None:
    cal = get_calendar(region, closures)
    got = cal.add_working_days(d, n)
    if n == 0:
        assert got == d  # shifting by zero working days is the identity, not a roll
    else:
        assert got == np_add(d, n, NP_CALS[(region, closures)])
        assert cal.is_working_day(got)
        assert cal.working_days_between(d, got) == n


@settings(max_examples=200, deadline=None)
@given(d=dates_2000_2070, n=st.integers(-300, -1), region=st.sampled_from(sorted(REGIONS)))
def test_add_negative_matches_numpy(d: date, n: int, region: str) -> None:
    assert get_calendar(region).add_working_days(d, n) == np_add(
        d, n, NP_CALS[(region, frozenset())]
    )


@settings(max_examples=300, deadline=None)
@given(
    a=dates_2000_2070,
    b=dates_2000_2070,
    region=st.sampled_from(sorted(REGIONS)),
    closures=st.sampled_from(CLOSURE_SETS),
)
def test_between_matches_numpy(a: date, b: date, region: str, closures: frozenset[date]) -> None:
    cal = get_calendar(region, closures)
    expected = np_between(a, b, NP_CALS[(region, closures)])
    assert cal.working_days_between(a, b) == expected
    assert cal.working_days_between(b, a) == -expected
    assert cal.working_days_remaining(a, b) == expected


@settings(max_examples=200, deadline=None)
@given(d=dates_2000_2070, region=st.sampled_from(sorted(REGIONS)))
def test_is_working_day_matches_numpy(d: date, region: str) -> None:
    cal = get_calendar(region)
    assert cal.is_working_day(d) == bool(np.is_busday(d, busdaycal=NP_CALS[(region, frozenset())]))
    assert cal.next_working_day(d) == cal.add_working_days(d, 1) > d


@pytest.mark.parametrize(
    ("received", "ack", "respond"),
    [
        ("2017-05-18", "2017-05-25", "2017-06-16"),
        ("2026-12-24", "2027-01-05", "2027-01-26"),
    ],
)
def test_spec_examples(received: str, ack: str, respond: str) -> None:
    assert get_calendar().deadlines(D(received)) == Deadlines(D(ack), D(respond))
    assert WorkingCalendar().deadlines(D(received)) == Deadlines(D(ack), D(respond))


@pytest.mark.parametrize(
    "holiday",
    [
        "2022-09-19",  # state funeral of Queen Elizabeth II (one-off)
        "2023-05-08",  # coronation of Charles III (one-off)
        "2026-12-28",  # Boxing Day substitute
        "2024-03-29",  # Good Friday
        "2024-04-01",  # Easter Monday (England and Wales, NI, not Scotland)
        "2025-12-25",
        "2025-12-26",
        "2022-06-03",  # Platinum Jubilee
    ],
)
def test_england_bank_holidays(holiday: str) -> None:
    d = D(holiday)
    assert d.weekday() < 5
    assert not get_calendar("ENG").is_working_day(d)
    assert not get_calendar("UK").is_working_day(d)


def test_ordinary_days_and_weekends() -> None:
    cal = get_calendar()
    assert cal.is_working_day(D("2024-03-28"))
    assert cal.is_working_day(D("2026-01-02"))  # Scotland only
    assert not cal.is_working_day(D("2024-03-30"))  # Saturday
    assert not cal.is_working_day(D("2024-03-31"))  # Sunday
    assert cal.next_working_day(D("2024-03-28")) == D("2024-04-02")


def test_weekend_and_holiday_receipt_equals_previous_working_day() -> None:
    cal = get_calendar()
    friday = cal.deadlines(D("2017-05-19"))
    assert cal.deadlines(D("2017-05-20")) == friday
    assert cal.deadlines(D("2017-05-21")) == friday
    # Received on Good Friday or over Easter: same as the Thursday before.
    thursday = cal.deadlines(D("2024-03-28"))
    for day in ("2024-03-29", "2024-03-30", "2024-03-31", "2024-04-01"):
        assert cal.deadlines(D(day)) == thursday
    assert thursday.acknowledge_by == D("2024-04-08")


def test_closure_days_move_deadlines() -> None:
    closed = get_calendar("ENG", frozenset({D("2017-05-22")}))
    assert not closed.is_working_day(D("2017-05-22"))
    assert closed.deadlines(D("2017-05-18")) == Deadlines(D("2017-05-26"), D("2017-06-19"))
    # A closure on the receipt day itself changes nothing (day 0 is never counted).
    assert get_calendar("ENG", {D("2017-05-18")}).deadlines(D("2017-05-18")) == Deadlines(
        D("2017-05-25"), D("2017-06-16")
    )
    # Closures between Christmas and New Year (a common office shutdown).
    shut = get_calendar("ENG", [D("2026-12-29"), D("2026-12-30"), D("2026-12-31")])
    assert shut.deadlines(D("2026-12-24")).acknowledge_by == D("2027-01-08")


def test_regions() -> None:
    eng, sct, nir, uk = (get_calendar(r) for r in ("ENG", "SCT", "NIR", "UK"))
    assert not sct.is_working_day(D("2026-01-02")) and not uk.is_working_day(D("2026-01-02"))
    assert eng.is_working_day(D("2026-01-02")) and nir.is_working_day(D("2026-01-02"))
    # St Andrew's Day 2024 fell on Saturday; the substitute is Monday 2 December (Scotland).
    assert not sct.is_working_day(D("2024-12-02")) and not uk.is_working_day(D("2024-12-02"))
    assert eng.is_working_day(D("2024-12-02"))
    # Easter Monday: England & Wales and NI, not Scotland; UK-wide is the union, so not working.
    assert sct.is_working_day(D("2024-04-01")) and not uk.is_working_day(D("2024-04-01"))
    assert not nir.is_working_day(D("2026-03-17")) and not uk.is_working_day(D("2026-03-17"))
    assert eng.is_working_day(D("2026-03-17"))
    # Scotland's summer holiday (first Monday of August) vs England's late summer (last Monday).
    assert not sct.is_working_day(D("2026-08-03")) and eng.is_working_day(D("2026-08-03"))
    assert not eng.is_working_day(D("2026-08-31")) and sct.is_working_day(D("2026-08-31"))
    assert not uk.is_working_day(D("2026-08-03")) and not uk.is_working_day(D("2026-08-31"))
    assert get_calendar("sct") is sct  # region codes are case-insensitive and cached
    with pytest.raises(ValueError, match="unknown region"):
        get_calendar("WLS")


def test_pause_arithmetic() -> None:
    cal = get_calendar()
    old = cal.deadlines(D("2026-06-01")).respond_by
    assert old == D("2026-06-29")
    paused = cal.working_days_between(D("2026-06-03"), D("2026-06-10"))  # Thu..Wed
    assert paused == 5
    assert cal.add_working_days(old, paused) == D("2026-07-06")
    assert cal.add_working_days(old, 0) == old


def test_working_days_remaining() -> None:
    cal = get_calendar()
    deadline = D("2017-06-16")  # Friday
    assert cal.working_days_remaining(D("2017-06-14"), deadline) == 2
    assert cal.working_days_remaining(deadline, deadline) == 0
    assert cal.working_days_remaining(D("2017-06-17"), deadline) == 0  # Saturday after
    assert cal.working_days_remaining(D("2017-06-19"), deadline) == -1
    assert cal.working_days_between(D("2017-05-18"), deadline) == RESPOND_WORKING_DAYS


def test_out_of_range_raises() -> None:
    cal = get_calendar()
    before, after = SPAN_START - timedelta(days=1), SPAN_END + timedelta(days=1)
    for bad in (before, after):
        with pytest.raises(ValueError, match="outside supported calendar span"):
            cal.is_working_day(bad)
        with pytest.raises(ValueError, match="outside supported calendar span"):
            cal.add_working_days(bad, 5)
        with pytest.raises(ValueError, match="outside supported calendar span"):
            cal.working_days_between(bad, date(2020, 1, 1))
        with pytest.raises(ValueError):
            cal.deadlines(bad)
    with pytest.raises(ValueError, match="beyond"):
        cal.add_working_days(D("2080-12-20"), 20)
    with pytest.raises(ValueError, match="before"):
        cal.add_working_days(D("1990-01-03"), -5)  # must not wrap around the list


def test_cache_returns_same_object() -> None:
    a = get_calendar("ENG", frozenset({D("2030-01-02")}))
    assert get_calendar("ENG", {D("2030-01-02")}) is a
    assert get_calendar("ENG") is not a


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (datetime(2026, 3, 28, 23, 30, tzinfo=UTC), "2026-03-28"),  # GMT
        (datetime(2026, 3, 29, 0, 59, tzinfo=UTC), "2026-03-29"),
        (datetime(2026, 3, 29, 23, 30, tzinfo=UTC), "2026-03-30"),  # BST from 01:00Z
        (datetime(2026, 10, 24, 23, 30, tzinfo=UTC), "2026-10-25"),  # still BST
        (datetime(2026, 10, 25, 23, 30, tzinfo=UTC), "2026-10-25"),  # GMT again
        (datetime(2026, 10, 24, 23, 30), "2026-10-25"),  # naive is taken as UTC
        (datetime(2026, 7, 1, 19, 30, tzinfo=ZoneInfo("America/New_York")), "2026-07-02"),
        (datetime(2026, 7, 1, 23, 59, tzinfo=LONDON), "2026-07-01"),
    ],
)
def test_london_date(instant: datetime, expected: str) -> None:
    assert london_date(instant) == D(expected)


def test_london_date_rejects_plain_date_and_deadlines_accepts_datetime() -> None:
    with pytest.raises(TypeError):
        london_date(date(2026, 1, 1))  # type: ignore[arg-type]
    cal = get_calendar()
    # Thursday 23:30 UTC in May is Friday 00:30 in London: Friday's deadlines apply.
    received = datetime(2017, 5, 18, 23, 30, tzinfo=UTC)
    assert cal.deadlines(received) == cal.deadlines(D("2017-05-19"))
