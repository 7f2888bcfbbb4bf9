"""The statement's "Access to statistics" rules, as pure functions (no database, no Flask).

- A routine release's month is announced at least 12 months ahead: counted in calendar months,
  from the month of the announcement to the release month (announced any day of November 2026,
  November 2027 is 12 months ahead and October 2027 is not).
- Its exact date is announced at least 4 weeks (28 days) ahead; an ad hoc release's at least 5
  days ahead. Counted in London calendar days from the announcement to the release day.
- Publication at the announced time: 9:30 Europe/London unless announced otherwise. Early is a
  breach as much as late; times are compared to the minute (staff record minutes).
- A change of a confirmed date is itself a missed commitment, however good the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from engage.calendar import LONDON, london_date
from engage.errors import RuleError
from engage.filters import govuk_date

MONTH_NOTICE_MONTHS = 12
DATE_NOTICE_DAYS = {"routine": 28, "ad_hoc": 5}
DEFAULT_TIME = time(9, 30)

RULES: dict[str, str] = {
    "month_notice": "Month announced at least 12 months ahead",
    "date_notice": "Date announced at least 4 weeks ahead (5 days for ad hoc releases)",
    "publication_time": "Published at the announced time",
    "date_changed": "Date not changed after it was confirmed",
    "pre_release_access": "Pre-release access at most 24 hours before publication",
}
PRE_RELEASE_HOURS = 24

RELEASE_KINDS = {"routine": "Routine", "ad_hoc": "Ad hoc"}
STATUSES = {
    "provisional": "Provisional",
    "confirmed": "Confirmed",
    "published": "Published",
    "cancelled": "Cancelled",
}
# Why a confirmed date moved (the performance page counts date changes by reason).
CHANGE_REASONS: dict[str, str] = {
    "data_quality": "Data quality or supply problem",
    "methodology": "Methodological change",
    "clash": "Clash with another release or event",
    "election": "Pre-election period",
    "resources": "Staff or systems unavailable",
    "other": "Other",
}


class ReleaseError(RuleError):
    """A release rule refused a change (engage/errors.py): `ReleaseError(message, field)`."""


@dataclass(frozen=True)
class Warning:
    """A commitment this change misses, in plain words for the person entering it."""

    rule: str
    message: str


def month_start(day: date) -> date:
    return day.replace(day=1)


def months_between(earlier: date, later: date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def month_label(month: date) -> str:
    return f"{month:%B %Y}"


def at_london(day: date, clock: time = DEFAULT_TIME) -> datetime:
    """The UTC moment of `clock` on `day` in Europe/London (9:30 is 08:30 UTC in summer).
    A time the clocks skip (01:30 on the March change day) is refused, and so is a time that
    happens twice (01:30 on the October change day): nobody could tell which was announced."""
    local = datetime.combine(day, clock, tzinfo=LONDON)
    moment = local.astimezone(UTC)
    if moment.astimezone(LONDON).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ReleaseError("That time does not exist in the UK on that day (clocks change)", "time")
    if local.replace(fold=1).utcoffset() != local.utcoffset():
        raise ReleaseError(
            "That time happens twice in the UK on that day (clocks go back): choose another time",
            "time",
        )
    return moment


def london_time_label(moment: datetime) -> str:
    """`9:30am on 14 January 2027`."""
    local = moment.astimezone(LONDON)
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    return f"{hour}:{local.minute:02d}{suffix} on {govuk_date(local.date())}"


def month_notice_warning(month: date, announced_on: date) -> Warning | None:
    ahead = months_between(announced_on, month)
    if ahead >= MONTH_NOTICE_MONTHS:
        return None
    return Warning(
        "month_notice",
        f"{month_label(month)} is {max(ahead, 0)} months ahead: a routine release's month "
        f"should be announced at least {MONTH_NOTICE_MONTHS} months ahead, so this will be "
        "recorded as a missed commitment.",
    )


def date_notice_warning(kind: str, scheduled_at: datetime, announced_on: date) -> Warning | None:
    needed = DATE_NOTICE_DAYS[kind]
    ahead = (london_date(scheduled_at) - announced_on).days
    if ahead >= needed:
        return None
    if kind == "ad_hoc":
        rule = f"an ad hoc release should be announced at least {needed} days ahead"
    else:
        rule = "a release's date should be announced at least 4 weeks ahead"
    return Warning(
        "date_notice",
        f"The release is {max(ahead, 0)} days after today: {rule}, so this will be recorded "
        "as a missed commitment.",
    )


def publication_timing(scheduled_at: datetime, published_at: datetime) -> str:
    """`on_time`, `early` or `late`, to the minute."""
    scheduled = scheduled_at.replace(second=0, microsecond=0)
    published = published_at.replace(second=0, microsecond=0)
    if published < scheduled:
        return "early"
    if published > scheduled:
        return "late"
    return "on_time"


def publication_warning(scheduled_at: datetime, published_at: datetime) -> Warning | None:
    timing = publication_timing(scheduled_at, published_at)
    if timing == "on_time":
        return None
    gap = abs(
        published_at.replace(second=0, microsecond=0)
        - scheduled_at.replace(second=0, microsecond=0)
    )
    return Warning(
        "publication_time",
        f"Published {describe_gap(gap)} {timing} (announced for "
        f"{london_time_label(scheduled_at)}, published {london_time_label(published_at)}).",
    )


def describe_gap(gap: timedelta) -> str:
    minutes = int(gap.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if minutes or not parts:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)


def date_change_warning(previous_at: datetime, proposed_at: datetime) -> Warning:
    return Warning(
        "date_changed",
        f"Moving a confirmed release (from {london_time_label(previous_at)} to "
        f"{london_time_label(proposed_at)}) is recorded as a missed commitment, with the reason "
        "given, once the Chief Statistician approves it.",
    )


def confirm_in_month_error(month: date | None, scheduled_at: datetime) -> str | None:
    """A confirmed date outside the announced month is a change of the month: say so."""
    if month is None or month_start(london_date(scheduled_at)) == month:
        return None
    return (
        f"The date is not in {month_label(month)}, the month announced. Change the provisional "
        "month first (with a reason), then confirm the date."
    )


def pre_release_warning(name: str, scheduled_at: datetime, access_from: datetime) -> Warning | None:
    """The Pre-release Access to Official Statistics Order 2008: access at most 24 hours
    before the release's announced time."""
    earliest = scheduled_at - timedelta(hours=PRE_RELEASE_HOURS)
    if access_from >= earliest:
        return None
    return Warning(
        "pre_release_access",
        f"{name} had access from {london_time_label(access_from)}, "
        f"{describe_gap(scheduled_at - access_from)} before publication: the Pre-release Access "
        f"Order allows at most {PRE_RELEASE_HOURS} hours.",
    )
