"""The scheduler's jobs: each is a name, a schedule and ONE call into a domain function.

Targets are imported when the job runs, not when this module is imported, so the registry (and
`flask jobs list`) works even while an area's function is being written; a test checks that
every target imports. Times are Europe/London (the scheduler's time zone).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from engage.calendar import london_date
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

    def execute(self) -> str:
        now = utcnow()
        value: Any = now if self.argument == "now" else london_date(now)
        results = []
        for target in self.targets:
            results.append(str(resolve(target)(value)))
        return "; ".join(results)


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
                # an acknowledgement email counts once delivered (issue 17)
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
            "purge_sent_email_bodies",
            "Remove the bodies of sent emails after the retention period",
            "daily at 03:00",
            _cron(hour=3, minute=0),
            ("engage.mail.delivery:purge_sent_email_bodies",),
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
