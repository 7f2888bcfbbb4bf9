"""The scheduler's jobs: each is a name, a schedule and ONE call into a domain function.

Targets are imported when the job runs, not when this module is imported, so the registry (and
`flask jobs list`) works even while an area's function is being written; a test checks that
every target imports. Times are Europe/London (the scheduler's time zone).

The clock seam: `Job.execute` is the one place a job reads the time, and it hands that moment
(`now`, aware UTC) or its London date (`today`) to its targets, which never read the clock for
their decisions. So `flask jobs run NAME --as-of ...` (development only) runs a job as if it
were another moment by passing that moment here, without patching any clock.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from engage.calendar import LONDON, SPAN_END, SPAN_START, london_date
from engage.db_types import utcnow

TIMEZONE = "Europe/London"


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    schedule: str  # for people: `flask jobs list` and the admin page
    make_trigger: Callable[[], BaseTrigger]
    # "module:function" targets, each called with `now` (aware UTC) or `today` (London date).
    targets: tuple[str, ...]
    argument: str = "today"
    run_at_start: bool = False
    lease: timedelta = field(default=timedelta(hours=1))

    def trigger(self) -> BaseTrigger:
        return self.make_trigger()

    def execute(self, now: datetime | None = None) -> str:
        """Run every target with `now` (the real time unless given: see the module's note).
        With several targets, each result is named by its function."""
        now = now or utcnow()
        value: Any = now if self.argument == "now" else london_date(now)
        results = []
        named = len(self.targets) > 1
        for target in self.targets:
            result = str(resolve(target)(value))
            results.append(f"{target.partition(':')[2]}: {result}" if named else result)
        return "; ".join(results)


# `--as-of` moments outside these years are refused: the working-day calendar covers
# SPAN_START..SPAN_END, and a job looks a few weeks either side of its moment (a deadline 20
# working days on), so a year is kept clear at each end. A moment beyond the calendar made the
# job fail and record a failed run instead of being refused.
AS_OF_YEARS = (SPAN_START.year + 1, SPAN_END.year - 1)


def parse_as_of(text: str) -> datetime:
    """An ISO 8601 moment (`2027-01-05T09:00`, or a date for midnight) as aware UTC. Without an
    offset it is Europe/London wall-clock time; a time the clocks skip in March is refused.
    Raises ValueError with a message for people."""
    cleaned = (text or "").strip()
    if not cleaned or len(cleaned) > 40 or not cleaned.isprintable():
        raise ValueError("Give a date and time such as 2027-01-05T09:00")
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError:
        raise ValueError(f"{cleaned!r} is not a date and time such as 2027-01-05T09:00") from None
    low, high = AS_OF_YEARS
    if not low <= moment.year <= high:
        raise ValueError(f"Give a moment between {low} and {high}")
    if moment.tzinfo is None:
        local = moment.replace(tzinfo=LONDON)
        if local.astimezone(UTC).astimezone(LONDON).replace(tzinfo=None) != moment:
            raise ValueError(
                f"{cleaned} does not exist in Europe/London (the clocks go forward then)"
            )
        moment = local
    return moment.astimezone(UTC)


def describe_moment(moment: datetime) -> str:
    """`Tue 5 Jan 2027 09:00 Europe/London` for a job's result."""
    local = moment.astimezone(LONDON)
    return f"{local:%a} {local.day} {local:%b %Y %H:%M} Europe/London"


def resolve(target: str) -> Callable[[Any], Any]:
    module_name, _, function_name = target.partition(":")
    module = importlib.import_module(module_name)
    function = getattr(module, function_name)
    if not callable(function):
        raise TypeError(f"{target} is not callable")
    return function  # type: ignore[no-any-return]


def _cron(**fields: Any) -> Callable[[], BaseTrigger]:
    return lambda: CronTrigger(timezone=TIMEZONE, **fields)


def _every(**interval: Any) -> Callable[[], BaseTrigger]:
    return lambda: IntervalTrigger(timezone=TIMEZONE, **interval)


JOBS: dict[str, Job] = {
    job.name: job
    for job in (
        Job(
            "deliver_emails",
            "Send queued emails over SMTP, retrying temporary failures",
            "every minute",
            _every(minutes=1),
            (
                "engage.mail.delivery:deliver_due",
                # an acknowledgement email counts once delivered
                "engage.cases.sla.delivered:confirm_delivered_acknowledgements",
            ),
            argument="now",
            lease=timedelta(minutes=30),
        ),
        Job(
            "fetch_mail",
            "Store new messages from the office's mailbox, then move them to Processed",
            "every minute",
            _every(minutes=1),
            ("engage.mailin.imap:fetch_mailbox",),
            argument="now",
            lease=timedelta(minutes=30),
        ),
        Job(
            "sla_scan",
            "Warn assignees and the CSO of case deadlines due soon or missed",
            "hourly 08:05 to 18:05 Monday to Friday, and at start",
            _cron(day_of_week="mon-fri", hour="8-18", minute=5),
            ("engage.cases.alerts:scan_sla",),
            run_at_start=True,
        ),
        Job(
            "sla_digest",
            "Daily summary of missed case deadlines, on working days",
            "08:00 on working days (Monday to Friday)",
            _cron(day_of_week="mon-fri", hour=8, minute=0),
            ("engage.cases.alerts:queue_sla_digests",),
        ),
        Job(
            "review_reminders",
            "Remind producers of output reviews that are due",
            "daily at 07:00",
            _cron(hour=7, minute=0),
            ("engage.outputs.reviews:queue_review_reminders",),
        ),
        Job(
            "open_close_consultations",
            "Open consultations on their opening date and close them after their closing date",
            "every 5 minutes",
            _cron(minute="*/5"),
            (
                "engage.consultations.lifecycle:open_due_consultations",
                "engage.consultations.lifecycle:close_due_consultations",
            ),
            argument="now",
            lease=timedelta(minutes=30),
        ),
        Job(
            "consultation_response_reminders",
            "Remind owners of consultation responses due or overdue",
            "daily at 07:10",
            _cron(hour=7, minute=10),
            ("engage.consultations.lifecycle:queue_response_reminders",),
        ),
        Job(
            "release_reminders",
            "Remind producers of release months to announce, dates to confirm, and releases "
            "due today",
            "daily at 07:20",
            _cron(hour=7, minute=20),
            ("engage.releases.reminders:queue_release_reminders",),
        ),
        Job(
            "release_missed_publication",
            "Tell the CSO and the Chief Statistician when a release's announced time has passed "
            "without its publication being recorded",
            "every 5 minutes",
            _cron(minute="*/5"),
            ("engage.releases.reminders:flag_missed_publications",),
            argument="now",
            lease=timedelta(minutes=30),
        ),
        Job(
            "release_notices",
            "Email people who asked to be told when a release is published",
            "every 5 minutes",
            _cron(minute="*/5"),
            ("engage.releases.notices:queue_publication_notices",),
            argument="now",
            lease=timedelta(minutes=30),
        ),
        Job(
            "build_exports",
            "Build the downloads staff asked for (large workbooks) and remove expired ones",
            "every 30 seconds",
            _every(seconds=30),
            (
                "engage.exports.background:build_queued_exports",
                "engage.exports.background:remove_expired_exports",
            ),
            argument="now",
        ),
        Job(
            "purge_sent_email_bodies",
            "Remove the bodies of sent emails after the retention period, and old submission "
            "tokens",
            "daily at 03:00",
            _cron(hour=3, minute=0),
            ("engage.mail.delivery:purge_sent_email_bodies", "engage.submissions:purge"),
            argument="now",
        ),
        Job(
            "anonymise_expired",
            "Anonymise personal data past its retention period",
            "daily at 02:30",
            _cron(hour=2, minute=30),
            ("engage.retention:anonymise_expired",),
        ),
    )
}
