"""Reminders the scheduler sends about releases (jobs `release_reminders` and
`release_missed_publication`, engage.jobs).

- Producers, when a routine output's next release month is due to be announced (12 months
  ahead), when a provisional release's date is due to be confirmed (4 weeks ahead, with a week
  to spare), and on the morning of a release until it is recorded as published.
- The CSO and the Chief Statistician, as soon as a release's announced time has passed without
  its publication being recorded.

Each email has a dedup key naming what it is about, and `queue_email_once` inserts it at most
once (a UNIQUE key, so repeated and concurrent runs never send one twice)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func

from engage.auth.models import User
from engage.calendar import london_date
from engage.extensions import db
from engage.mail.outbox import queue_email_once
from engage.outputs.catalogue import add_months
from engage.outputs.models import Output
from engage.releases import rules, service
from engage.releases.listing import release_month
from engage.releases.models import Release

FREQUENCY_MONTHS = {"monthly": 1, "quarterly": 3, "biannual": 6, "twice yearly": 6, "annual": 12}
CONFIRM_WARNING_DAYS = rules.DATE_NOTICE_DAYS["routine"] + 7
# A publication not recorded this long after its announced time is flagged.
MISSED_AFTER = timedelta(minutes=5)


def _producers(release: Release) -> list[User]:
    if release.output is not None:
        return [p for p in release.output.producers if p.active]
    if release.created_by_id is None:
        return []
    author = db.session.get(User, release.created_by_id)
    return [author] if author is not None and author.active else []


def _latest_months() -> dict[int, date]:
    rows = db.session.execute(
        db.select(Release.output_id, func.max(Release.provisional_month))
        .where(
            Release.kind == "routine", Release.status != "cancelled", Release.output_id.is_not(None)
        )
        .group_by(Release.output_id)
    ).all()
    return {output_id: month for output_id, month in rows if month is not None}


def announcements_due(today: date) -> list[tuple[Output, date]]:
    """(output, month) for each routine output whose next release month should be announced
    now: the month after its latest announced one, by its frequency, is within 12 months."""
    latest = _latest_months()
    horizon = add_months(rules.month_start(today), rules.MONTH_NOTICE_MONTHS)
    due = []
    outputs = db.session.execute(
        db.select(Output).where(Output.status == "active").order_by(Output.id)
    ).scalars()
    for output in outputs:
        step = FREQUENCY_MONTHS.get(output.frequency.strip().lower())
        if step is None:
            continue  # ad hoc outputs announce each release as it comes
        last = latest.get(output.id)
        following = add_months(last, step) if last else horizon
        if following <= horizon:
            due.append((output, following))
    return due


def confirmations_due(today: date) -> list[Release]:
    """Provisional releases whose month starts within 5 weeks: the date must be announced at
    least 4 weeks before it."""
    limit = today + timedelta(days=CONFIRM_WARNING_DAYS)
    return list(
        db.session.execute(
            db.select(Release)
            .where(Release.status == "provisional", Release.provisional_month <= limit)
            .order_by(Release.provisional_month, Release.id)
        ).scalars()
    )


def releases_today(today: date) -> list[Release]:
    start, end = (
        rules.at_london(today, datetime.min.time()),
        rules.at_london(today + timedelta(days=1), datetime.min.time()),
    )
    return list(
        db.session.execute(
            db.select(Release)
            .where(
                Release.status == "confirmed",
                Release.scheduled_at >= start,
                Release.scheduled_at < end,
            )
            .order_by(Release.scheduled_at, Release.id)
        ).scalars()
    )


def queue_release_reminders(today: date) -> int:
    """The producers' reminders for `today` (daily, early morning). Returns how many queued."""
    queued = 0
    for output, month in announcements_due(today):
        for producer in (p for p in output.producers if p.active):
            queued += queue_email_once(
                producer.email,
                "release_announcement_due",
                f"release-announce:{output.id}:{month.isoformat()}:user:{producer.id}",
                output=output,
                user=producer,
                month_label=rules.month_label(month),
            )
    for release in confirmations_due(today):
        due_month = release_month(release)
        for producer in _producers(release):
            queued += queue_email_once(
                producer.email,
                "release_confirmation_due",
                f"release-confirm:{release.id}:{due_month}:user:{producer.id}",
                release=release,
                user=producer,
                month_label=rules.month_label(due_month) if due_month else "",
                latest=rules.at_london(
                    (due_month or today) - timedelta(days=rules.DATE_NOTICE_DAYS["routine"])
                ),
            )
    for release in releases_today(today):
        for producer in _producers(release):
            queued += queue_email_once(
                producer.email,
                "release_day",
                f"release-day:{release.id}:{today.isoformat()}:user:{producer.id}",
                release=release,
                user=producer,
                when=rules.london_time_label(release.scheduled_at),  # type: ignore[arg-type]
            )
    db.session.commit()
    return queued


def flag_missed_publications(now: datetime) -> int:
    """Tell the CSO and the Chief Statistician at once when a release's announced time has
    passed and no publication is recorded (every 5 minutes). Once per release and date."""
    overdue = (
        db.session.execute(
            db.select(Release)
            .where(Release.status == "confirmed", Release.scheduled_at <= now - MISSED_AFTER)
            .order_by(Release.scheduled_at, Release.id)
        )
        .scalars()
        .all()
    )
    people = {
        u.id: u for role in ("cso", "chief_statistician") for u in service.users_with_role(role)
    }
    queued = 0
    for release in overdue:
        assert release.scheduled_at is not None  # nosec B101 (selected on it)
        for person in people.values():
            queued += queue_email_once(
                person.email,
                "release_publication_missed",
                f"release-missed:{release.id}:{release.scheduled_at.isoformat()}:user:{person.id}",
                release=release,
                user=person,
                when=rules.london_time_label(release.scheduled_at),
                today=london_date(now),
            )
    db.session.commit()
    return queued
