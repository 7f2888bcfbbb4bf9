"""Release changes as domain functions, per role: announcing, confirming, the Chief
Statistician's approval of date changes, publication and cancellation, each kept as a version
and each missed commitment recorded."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from engage.extensions import db
from engage.mail.models import OutboxEmail
from engage.releases import service
from engage.releases.models import ReleaseBreach, ReleaseDateChange
from engage.releases.rules import ReleaseError
from engage.releases.service import NotAllowed
from tests.factories.auth import admin, chief, cso, producer
from tests.factories.outputs import OutputFactory
from tests.factories.releases import ReleaseFactory

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _breaches(release) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        b.rule
        for b in db.session.execute(
            db.select(ReleaseBreach).where(ReleaseBreach.release_id == release.id)
        ).scalars()
    ]


def _new(actor, output, **data):  # type: ignore[no-untyped-def]
    values = {"title": "Prison population", "kind": "routine", "output_id": output.id}
    values.update(data)
    return service.create_release(values, actor, NOW)


def test_a_producer_announces_a_month_12_months_ahead_without_a_warning(app):
    author = producer()
    output = OutputFactory(producers=[author])
    outcome = _new(author, output, month=date(2027, 11, 1))
    release = outcome.release
    assert outcome.warnings == []
    assert release.status == "provisional"
    assert release.provisional_month == date(2027, 11, 1)
    assert release.month_announced_on == date(2026, 11, 28)
    assert [v.action for v in release.versions] == ["announced"]
    assert _breaches(release) == []


def test_a_month_11_months_ahead_warns_and_is_recorded_as_missed(app):
    author = producer()
    output = OutputFactory(producers=[author])
    outcome = _new(author, output, month=date(2027, 10, 1))
    assert [w.rule for w in outcome.warnings] == ["month_notice"]
    assert _breaches(outcome.release) == ["month_notice"]


def test_confirming_4_weeks_ahead_is_in_time_and_27_days_is_missed(app):
    author = producer()
    output = OutputFactory(producers=[author])
    in_time = _new(author, output, month=date(2027, 12, 1)).release
    outcome = service.confirm_release(in_time, date(2027, 12, 26), None, author, NOW)
    assert outcome.warnings == []
    assert in_time.status == "confirmed"
    assert in_time.scheduled_at == utc(2027, 12, 26, 9, 30)
    assert in_time.version == 1

    soon = _new(author, output, month=date(2026, 12, 1)).release
    outcome = service.confirm_release(soon, date(2026, 12, 25), None, author, NOW)  # 27 days
    assert [w.rule for w in outcome.warnings] == ["date_notice"]
    assert sorted(_breaches(soon)) == ["date_notice", "month_notice"]


def test_an_ad_hoc_release_needs_5_days(app):
    officer = cso()
    five = service.create_release(
        {
            "title": "Ad hoc: knife crime",
            "kind": "ad_hoc",
            "output_id": None,
            "day": date(2026, 12, 3),
        },
        officer,
        NOW,
    )
    assert five.warnings == [] and five.release.status == "confirmed"
    four = service.create_release(
        {
            "title": "Ad hoc: knife crime",
            "kind": "ad_hoc",
            "output_id": None,
            "day": date(2026, 12, 2),
        },
        officer,
        NOW,
    )
    assert [w.rule for w in four.warnings] == ["date_notice"]
    assert four.release.slug == "ad-hoc-knife-crime-2"


def test_a_confirmed_date_must_lie_in_the_announced_month(app):
    author = producer()
    output = OutputFactory(producers=[author])
    release = _new(author, output, month=date(2027, 12, 1)).release
    with pytest.raises(ReleaseError, match="not in December 2027"):
        service.confirm_release(release, date(2028, 1, 4), None, author, NOW)


def test_a_producer_cannot_touch_another_producers_release_and_an_admin_none(app):
    mine, theirs = producer(), producer()
    release = ReleaseFactory(
        output=OutputFactory(producers=[theirs]), status="provisional", scheduled_at=None
    )
    with pytest.raises(NotAllowed):
        service.confirm_release(release, date(2027, 1, 14), None, mine, NOW)
    with pytest.raises(NotAllowed):
        service.cancel_release(release, "No longer needed", admin(), NOW)
    with pytest.raises(ReleaseError):
        service.create_release(
            {
                "title": "X",
                "kind": "routine",
                "output_id": release.output_id,
                "month": date(2028, 1, 1),
            },
            mine,
            NOW,
        )


def test_an_unapproved_date_change_is_refused_and_the_date_stays(app):
    author = producer()
    the_chief = chief()
    release = ReleaseFactory(output=OutputFactory(producers=[author]))
    # No way round the approval: confirming again is refused ...
    with pytest.raises(ReleaseError, match="Chief Statistician must approve"):
        service.confirm_release(release, date(2027, 1, 21), None, author, NOW)
    # ... a change needs a reason ...
    with pytest.raises(ReleaseError):
        service.request_date_change(
            release, date(2027, 1, 21), None, "data_quality", " ", author, NOW
        )
    change = service.request_date_change(
        release, date(2027, 1, 21), None, "data_quality", "Late supply of court data", author, NOW
    )
    assert change.state == "pending"
    assert release.scheduled_at == utc(2027, 1, 14, 9, 30)  # unchanged until approved
    email = db.session.execute(db.select(OutboxEmail)).scalar_one()
    assert email.to_address == the_chief.email
    assert "9:30am on 21 January 2027" in email.body_text
    # ... and only the Chief Statistician decides: not the producer, not the CSO.
    for someone in (author, cso()):
        with pytest.raises(NotAllowed):
            service.decide_date_change(change, True, "", someone, NOW)
    assert change.state == "pending"
    assert release.scheduled_at == utc(2027, 1, 14, 9, 30)
    with pytest.raises(ReleaseError, match="already waiting"):
        service.request_date_change(release, date(2027, 1, 28), None, "other", "x", author, NOW)


def test_the_chief_approves_a_change_a_new_version_and_a_recorded_breach(app):
    author = producer()
    release = ReleaseFactory(output=OutputFactory(producers=[author]))
    change = service.request_date_change(
        release, date(2027, 1, 21), time(12, 0), "data_quality", "Late court data", author, NOW
    )
    outcome = service.decide_date_change(change, True, "Agreed", chief(), NOW)
    assert change.state == "approved"
    assert release.scheduled_at == utc(2027, 1, 21, 12, 0)
    assert release.version == 1
    latest = release.versions[-1]
    assert (latest.action, latest.reason) == ("date_changed", "Late court data")
    assert latest.approved_by_id == change.decided_by_id
    assert [w.rule for w in outcome.warnings] == ["date_changed"]  # 54 days' notice: in time
    breach = db.session.execute(
        db.select(ReleaseBreach).where(ReleaseBreach.rule == "date_changed")
    ).scalar_one()
    assert breach.explanation == "Late court data"
    assert breach.extra == {"reason_kind": "data_quality"}


def test_a_rejected_change_moves_nothing(app):
    author = producer()
    release = ReleaseFactory(output=OutputFactory(producers=[author]))
    change = service.request_date_change(
        release, date(2027, 2, 21), None, "clash", "Clashes with another release", author, NOW
    )
    service.decide_date_change(change, False, "Keep the date", chief(), NOW)
    assert change.state == "rejected"
    assert release.scheduled_at == utc(2027, 1, 14, 9, 30) and release.version == 0
    assert _breaches(release) == []
    with pytest.raises(ReleaseError):
        service.decide_date_change(change, True, "", chief(), NOW)


@pytest.mark.parametrize(
    ("published", "breach"),
    [
        (utc(2027, 1, 14, 9, 30, 20), False),
        (utc(2027, 1, 14, 9, 29), True),  # early is a breach as much as late
        (utc(2027, 1, 14, 9, 31), True),
    ],
)
def test_publication_at_the_announced_minute(app, published, breach):
    author = producer()
    release = ReleaseFactory(output=OutputFactory(producers=[author]))
    outcome = service.record_publication(release, published, author, utc(2027, 1, 14, 10, 0))
    assert release.status == "published" and release.published_at == published
    assert bool(outcome.warnings) is breach
    assert (_breaches(release) == ["publication_time"]) is breach


def test_publication_on_the_spring_clock_change_day(app):
    author = producer()
    release = ReleaseFactory(
        output=OutputFactory(producers=[author]), scheduled_at=utc(2027, 3, 28, 8, 30)
    )
    outcome = service.record_publication(
        release, utc(2027, 3, 28, 8, 30), author, utc(2027, 3, 28, 9, 0)
    )
    assert outcome.warnings == []


def test_a_publication_time_in_the_future_or_twice_is_refused(app):
    author = producer()
    release = ReleaseFactory(output=OutputFactory(producers=[author]))
    with pytest.raises(ReleaseError):
        service.record_publication(release, utc(2027, 1, 14, 9, 30), author, utc(2027, 1, 14, 9))
    service.record_publication(release, utc(2027, 1, 14, 9, 30), author, utc(2027, 1, 14, 10))
    with pytest.raises(ReleaseError):
        service.record_publication(release, utc(2027, 1, 14, 9, 30), author, utc(2027, 1, 14, 10))


def test_cancelling_needs_a_reason_and_withdraws_a_pending_change(app):
    author = producer()
    release = ReleaseFactory(output=OutputFactory(producers=[author]))
    change = service.request_date_change(
        release, date(2027, 1, 21), None, "other", "Moving", author, NOW
    )
    with pytest.raises(ReleaseError):
        service.cancel_release(release, "", author, NOW)
    service.cancel_release(release, "Merged into the quarterly bulletin", author, NOW)
    assert release.status == "cancelled"
    assert release.cancellation_reason == "Merged into the quarterly bulletin"
    assert db.session.get(ReleaseDateChange, change.id).state == "withdrawn"
    assert [v.action for v in release.versions] == ["cancelled"]
    with pytest.raises(ReleaseError):
        service.cancel_release(release, "Again", author, NOW)


def test_every_version_is_kept(app):
    author = producer()
    output = OutputFactory(producers=[author])
    release = _new(author, output, month=date(2027, 12, 1)).release
    service.change_month(release, date(2028, 1, 1), "Aligned with the annual bulletin", author, NOW)
    service.confirm_release(release, date(2028, 1, 13), None, author, NOW)
    change = service.request_date_change(
        release, date(2028, 1, 20), None, "clash", "Clash", author, NOW
    )
    service.decide_date_change(change, True, "", chief(), NOW)
    service.record_publication(release, utc(2028, 1, 20, 9, 30), author, utc(2028, 1, 20, 10))
    assert [(v.version, v.action, v.status) for v in release.versions] == [
        (0, "announced", "provisional"),
        (1, "month_changed", "provisional"),
        (2, "confirmed", "confirmed"),
        (3, "date_changed", "confirmed"),
        (4, "published", "published"),
    ]
    assert release.versions[1].provisional_month == date(2028, 1, 1)
    assert release.versions[0].provisional_month == date(2027, 12, 1)
    assert release.versions[2].scheduled_at == utc(2028, 1, 13, 9, 30)
