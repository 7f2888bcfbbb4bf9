"""Release reminders through the scheduler: each reaches a real SMTP sink once, however often
and however concurrently the jobs run."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import time_machine

from engage.extensions import db
from engage.mail.delivery import deliver_due
from engage.mail.models import OutboxEmail
from engage.releases import reminders, service
from engage.scheduler.runner import run_job
from tests.factories.auth import chief, cso, producer
from tests.factories.outputs import OutputFactory
from tests.factories.releases import ReleaseFactory


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _sent(sink, address):  # type: ignore[no-untyped-def]
    return [m["Subject"] for m in sink.to(address)]


def test_producers_are_reminded_to_announce_confirm_and_publish_once_each(app, smtp_sink):
    author = producer()
    output = OutputFactory(producers=[author], frequency="Quarterly")
    OutputFactory(producers=[author], frequency="Ad hoc")  # announces each release as it comes
    # Latest announced month: November 2027; December 2026's run finds February 2028 beyond
    # 12 months, so nothing to announce; in February 2027 it is due.
    ReleaseFactory(
        output=output, status="provisional", scheduled_at=None, provisional_month=date(2027, 11, 1)
    )
    provisional = ReleaseFactory(
        output=output, status="provisional", scheduled_at=None, provisional_month=date(2027, 1, 1)
    )
    today_release = ReleaseFactory(output=output, scheduled_at=utc(2026, 12, 10, 9, 30))
    assert [o for o, _m in reminders.announcements_due(date(2026, 12, 10))] == []
    assert [m for _o, m in reminders.announcements_due(date(2027, 2, 1))] == [date(2028, 2, 1)]
    with time_machine.travel(utc(2026, 12, 10, 7, 20), tick=False):
        runs = [run_job("release_reminders") for _ in range(3)]
    assert all(run and run.ok for run in runs)
    deliver_due(utc(2026, 12, 10, 8))
    subjects = _sent(smtp_sink, author.email)
    assert sorted(subjects) == sorted(
        [
            f"Confirm the date of {provisional.title}",
            f"Release today: {today_release.title} at 9:30am on 10 December 2026",
        ]
    )
    # Recorded as published: no morning reminder the next day either.
    service.record_publication(
        today_release, utc(2026, 12, 10, 9, 30), author, utc(2026, 12, 10, 9, 40)
    )
    reminders.queue_release_reminders(date(2026, 12, 11))
    deliver_due(utc(2026, 12, 11, 8))
    assert len(_sent(smtp_sink, author.email)) == 2
    reminders.queue_release_reminders(date(2027, 2, 1))
    deliver_due(utc(2027, 2, 1, 8))
    assert (
        _sent(smtp_sink, author.email)[-1]
        == f"Announce the February 2028 release of {output.title}"
    )


def test_a_missed_publication_time_is_flagged_to_the_cso_and_chief_once(app, smtp_sink):
    officer, the_chief = cso(), chief()
    release = ReleaseFactory(output=OutputFactory(producers=[producer()]))
    moment = release.scheduled_at
    assert reminders.flag_missed_publications(moment + timedelta(minutes=4)) == 0
    app_ = app

    def run() -> None:
        with app_.app_context():
            reminders.flag_missed_publications(moment + timedelta(minutes=6))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for _ in range(3):
        with time_machine.travel(moment + timedelta(minutes=10), tick=False):
            assert run_job("release_missed_publication").ok
    deliver_due(moment + timedelta(minutes=15))
    for person in (officer, the_chief):
        assert _sent(smtp_sink, person.email) == [f"Not recorded as published: {release.title}"]
    assert db.session.execute(db.select(db.func.count()).select_from(OutboxEmail)).scalar() == 2
