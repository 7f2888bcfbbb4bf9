"""Release notices: subscribe on the output's page, confirm by email, then the publication, a
date change and a cancellation reach each consenting person once (real SMTP sink), across
repeated and concurrent scheduler runs; unsubscribed people get nothing."""

from __future__ import annotations

import re
import threading
from datetime import UTC, date, datetime, timedelta

import time_machine

from engage import consent
from engage.extensions import db
from engage.mail.delivery import deliver_due
from engage.outputs.models import LogEntry, Stakeholder
from engage.releases import notices, service
from engage.scheduler.runner import run_job
from tests.factories.auth import chief, producer
from tests.factories.outputs import OutputFactory, StakeholderFactory
from tests.factories.releases import ReleaseFactory

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


def _deliver() -> None:
    deliver_due(datetime.now(UTC) + timedelta(days=400))


def _link(message, path: str) -> str:  # type: ignore[no-untyped-def]
    text = message.get_body(("plain",)).get_content()
    found = re.search(rf"https?://\S+(/{path}/[A-Za-z0-9_.\-]+)", text)
    assert found, text
    return found.group(1)


def _in_log(output, email: str, level: str, news: bool) -> Stakeholder:  # type: ignore[no-untyped-def]
    person = StakeholderFactory(email=email, consent_to_contact=False)
    db.session.add(
        LogEntry(
            output_id=output.id,
            stakeholder_id=person.id,
            engagement_level=level,
            source="correspondence",
            uses="",
        )
    )
    if news:
        consent.give(
            person, purpose="news", output=output, source="staff", wording="Agreed on the phone"
        )
    db.session.commit()
    return person


def test_subscribe_confirm_and_be_told_once(app, client, smtp_sink):
    author = producer()
    output = OutputFactory(slug="prison-population", producers=[author])
    release = ReleaseFactory(output=output, scheduled_at=datetime(2026, 12, 3, 9, 30, tzinfo=UTC))
    page = client.get("/statistics/prison-population/release-notices")
    assert page.status_code == 200
    refused = client.post(
        "/statistics/prison-population/release-notices", data={"email": "not an email"}
    )
    assert "There is a problem" in refused.get_data(as_text=True)
    done = client.post(
        "/statistics/prison-population/release-notices", data={"email": "reader@example.org"}
    )
    assert done.status_code == 302
    assert "Check your email" in client.get(done.headers["Location"]).get_data(as_text=True)
    _deliver()
    [confirmation] = smtp_sink.to("reader@example.org")
    # Before confirming: a publication tells nobody.
    service.record_publication(release, release.scheduled_at, author, release.scheduled_at)
    assert notices.queue_publication_notices(release.scheduled_at + timedelta(minutes=5)) == 0
    assert client.post(_link(confirmation, "confirm-email")).status_code in (200, 302)

    informed = _in_log(output, "informed@example.org", "informed", news=True)
    _in_log(output, "access@example.org", "access", news=True)  # not "told of publications"
    _in_log(output, "silent@example.org", "consulted", news=False)  # never agreed
    leaver = _in_log(output, "leaver@example.org", "involved", news=True)
    consent.withdraw(leaver, purpose="news", output_ids=[output.id], how="person")
    db.session.commit()

    later = ReleaseFactory(output=output, scheduled_at=datetime(2026, 12, 10, 9, 30, tzinfo=UTC))
    service.record_publication(later, later.scheduled_at, author, later.scheduled_at)
    moment = later.scheduled_at + timedelta(minutes=5)

    def run() -> None:
        with app.app_context():
            notices.queue_publication_notices(moment)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with time_machine.travel(moment, tick=False):
        for _ in range(3):
            assert run_job("release_notices").ok
    _deliver()
    [notice] = [m for m in smtp_sink.to("reader@example.org") if m["Subject"].startswith("Pub")]
    assert notice["Subject"] == f"Published: {later.title}"
    assert notice["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "9:30am on 10 December 2026" in notice.get_body(("plain",)).get_content()
    assert [m["Subject"] for m in smtp_sink.to(informed.email)] == [f"Published: {later.title}"]
    for nobody in ("access@example.org", "silent@example.org", "leaver@example.org"):
        assert smtp_sink.to(nobody) == []

    # One click unsubscribes: the next notice does not come.
    assert client.post(_link(notice, "unsubscribe")).status_code in (200, 302)
    moved = ReleaseFactory(output=output, scheduled_at=datetime(2027, 1, 14, 9, 30, tzinfo=UTC))
    change = service.request_date_change(
        moved, date(2027, 1, 21), None, "clash", "Clash", author, NOW
    )
    service.decide_date_change(change, True, "", chief(), NOW)
    gone = ReleaseFactory(output=output)
    service.cancel_release(gone, "Merged", author, NOW)
    _deliver()
    assert len(smtp_sink.to("reader@example.org")) == 2  # confirmation and one notice
    assert sorted(m["Subject"] for m in smtp_sink.to(informed.email)) == [
        f"Cancelled: {gone.title}",
        f"New date: {moved.title}",
        f"Published: {later.title}",
    ]


def test_subscribing_to_every_release_covers_ad_hoc_releases(app, client, smtp_sink):
    author = cso_officer = producer()
    output = OutputFactory(producers=[author])
    assert client.get("/releases/notices").status_code == 200
    done = client.post("/releases/notices", data={"email": "all@example.org"})
    assert done.status_code == 302
    assert "every release" in client.get(done.headers["Location"]).get_data(as_text=True)
    _deliver()
    [confirmation] = smtp_sink.to("all@example.org")
    client.post(_link(confirmation, "confirm-email"))
    ad_hoc = ReleaseFactory(output=None, kind="ad_hoc", created_by_id=cso_officer.id)
    routine = ReleaseFactory(output=output)
    service.cancel_release(ad_hoc, "Not needed after all", cso_officer, NOW)
    service.record_publication(routine, routine.scheduled_at, author, routine.scheduled_at)
    notices.queue_publication_notices(routine.scheduled_at + timedelta(minutes=5))
    _deliver()
    assert sorted(m["Subject"] for m in smtp_sink.to("all@example.org"))[:2] == [
        f"Cancelled: {ad_hoc.title}",
        "Confirm your email address",
    ]
    assert f"Published: {routine.title}" in [m["Subject"] for m in smtp_sink.to("all@example.org")]
