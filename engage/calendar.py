"""Working-day calendar for complaint deadlines (pure Python, no Flask).

Why a precomputed table: deadlines are computed for every complaint on every list page, so the
calendar is built once per (region, closures) and cached. For each date ordinal in the supported
span we store the cumulative number of working days up to and including that date, plus the list
of working days in order. Adding N working days is then two list indexings and counting working
days between two dates is one subtraction.

Rules (product spec): a working day is Monday-Friday and neither a bank holiday of the region nor
an office closure day. The day of receipt is day 0; day 1 is the first working day *after* it,
even when the receipt fell on a weekend or holiday, so a complaint received on Saturday has the
same deadlines as one received the Friday before.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")
ACKNOWLEDGE_WORKING_DAYS = 5
RESPOND_WORKING_DAYS = 20
DUE_SOON_WORKING_DAYS = 2

DEFAULT_REGION = "ENG"
REGIONS: dict[str, str] = {
    "ENG": "England and Wales",
    "SCT": "Scotland",
    "NIR": "Northern Ireland",
    "UK": "UK-wide (a bank holiday in any UK nation)",
}
# `holidays` subdivisions per region. "UK" is the union over all nations (the FoI convention).
# Do NOT pass subdiv="UK" to the holidays package: it is a deprecated alias meaning the holidays
# *common* to all nations (an intersection, e.g. without England's Easter Monday).
_SUBDIVISIONS: dict[str, tuple[str, ...]] = {
    "ENG": ("ENG",),
    "SCT": ("SCT",),
    "NIR": ("NIR",),
    "UK": ("ENG", "WLS", "SCT", "NIR"),
}

SPAN_START = date(1990, 1, 1)
SPAN_END = date(2080, 12, 31)


@dataclass(frozen=True, slots=True)
class Deadlines:
    """Statutory dates for one complaint, both inclusive (due by the end of that day)."""

    acknowledge_by: date
    respond_by: date


def london_date(dt: datetime) -> date:
    """Calendar date of `dt` in Europe/London; naive datetimes are taken as UTC.

    All arithmetic happens on London dates, so a complaint submitted at 23:30 UTC in summer
    (00:30 BST) counts as received the next day, as the complainant sees it.
    """
    if not isinstance(dt, datetime):
        raise TypeError(f"london_date expects a datetime, got {type(dt).__name__}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(LONDON).date()


def london_start(day: date) -> datetime:
    """The UTC moment a London calendar day begins (the inverse of `london_date`'s grouping)."""
    return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(UTC)


def london_noon(day: date) -> datetime:
    """The UTC moment of 12:00 in London on `day`: the instant Engage gives a date a person
    typed without a time (a complaint received by post on that day, say)."""
    return datetime.combine(day, time(12), tzinfo=LONDON).astimezone(UTC)


def today_london() -> date:
    """Today's date in Europe/London."""
    return london_date(datetime.now(UTC))


def reporting_year_of(day: date) -> int:
    """The reporting year `day` falls in, named by the year it starts: 2025 for 1 April 2025
    to 31 March 2026 (the annual report's year)."""
    return day.year if day.month >= 4 else day.year - 1


def reporting_year(year_start: int) -> tuple[date, date]:
    """First and last day (both inclusive) of the reporting year starting in `year_start`."""
    return date(year_start, 4, 1), date(year_start + 1, 3, 31)


class WorkingCalendar:
    """Working days for one region and set of office closure days, as lookup tables.

    Dates must lie within SPAN_START..SPAN_END (and results too); otherwise ValueError.
    """

    __slots__ = ("region", "closures", "_base", "_size", "_flags", "_cum", "_work")

    def __init__(self, region: str = DEFAULT_REGION, closures: Iterable[date] = ()) -> None:
        code = region.upper()
        if code not in _SUBDIVISIONS:
            raise ValueError(f"unknown region {region!r}; expected one of {sorted(REGIONS)}")
        self.region = code
        self.closures = frozenset(closures)
        years = range(SPAN_START.year, SPAN_END.year + 1)
        closed: set[date] = set(self.closures)
        for subdiv in _SUBDIVISIONS[code]:
            closed.update(holidays.country_holidays("GB", subdiv=subdiv, years=years))
        self._base = SPAN_START.toordinal()
        self._size = SPAN_END.toordinal() - self._base + 1
        self._flags = bytearray(self._size)  # 1 where the date is a working day
        self._cum: list[int] = [0] * self._size  # working days in SPAN_START..date, inclusive
        self._work: list[date] = [date.min]  # _work[k]: k-th working day; [0] is never returned
        count = 0
        day = SPAN_START
        one = timedelta(days=1)
        for i in range(self._size):
            if day.weekday() < 5 and day not in closed:
                self._flags[i] = 1
                count += 1
                self._work.append(day)
            self._cum[i] = count
            day += one

    def _index(self, d: date) -> int:
        i = d.toordinal() - self._base
        if not 0 <= i < self._size:
            raise ValueError(f"date {d} outside supported calendar span {SPAN_START}..{SPAN_END}")
        return i

    def is_working_day(self, d: date) -> bool:
        """True if `d` is Monday-Friday and neither a bank holiday nor an office closure."""
        return bool(self._flags[self._index(d)])

    def add_working_days(self, d: date, n: int) -> date:
        """The n-th working day after `d` (day 0 = `d`, whether or not `d` is a working day).

        n == 0 returns `d` unchanged; n < 0 gives the |n|-th working day before `d`.
        """
        i = d.toordinal() - self._base
        if n > 0 and 0 <= i < self._size:  # hot path: two list indexings
            try:
                return self._work[self._cum[i] + n]
            except IndexError:
                raise ValueError(f"{n} working days after {d} is beyond {SPAN_END}") from None
        i = self._index(d)
        if n == 0:
            return d
        k = self._cum[i] - self._flags[i] + n + 1  # n < 0: count back from days before d
        if k < 1:
            raise ValueError(f"{-n} working days before {d} is before {SPAN_START}")
        return self._work[k]

    def next_working_day(self, d: date) -> date:
        """First working day strictly after `d`."""
        return self.add_working_days(d, 1)

    def working_days_between(self, start: date, end: date) -> int:
        """Number of working days d with start < d <= end.

        Start-exclusive, end-inclusive matches the day-0 rule: between(received, respond_by) is 20.
        Antisymmetric: when end < start the result is minus the count of working days in
        (end, start]; it is 0 when end == start (or only non-working days lie between them).
        """
        return self._cum[self._index(end)] - self._cum[self._index(start)]

    def deadlines(self, received: date | datetime) -> Deadlines:
        """Acknowledge and respond-by dates; a datetime is first converted to its London date."""
        if isinstance(received, datetime):
            received = london_date(received)
        return Deadlines(
            acknowledge_by=self.add_working_days(received, ACKNOWLEDGE_WORKING_DAYS),
            respond_by=self.add_working_days(received, RESPOND_WORKING_DAYS),
        )

    def working_days_remaining(self, today: date, deadline: date) -> int:
        """Working days left after `today` up to and including `deadline`.

        0 means due today, or (on a weekend/holiday) due on the last working day; negative means
        that many working days late. Decide "overdue" with `today > deadline`, not with this.
        """
        return self.working_days_between(today, deadline)

    def __repr__(self) -> str:
        return f"WorkingCalendar(region={self.region!r}, closures={len(self.closures)} days)"


def get_calendar(
    region: str = DEFAULT_REGION, closures: Iterable[date] = frozenset()
) -> WorkingCalendar:
    """Cached calendar for (region, closures): built once per process per distinct key."""
    return _cached_calendar(region.upper(), frozenset(closures))


@functools.lru_cache(maxsize=32)
def _cached_calendar(region: str, closures: frozenset[date]) -> WorkingCalendar:
    return WorkingCalendar(region, closures)
