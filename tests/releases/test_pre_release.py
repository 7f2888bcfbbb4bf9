"""Pre-release access: the 24-hour limit of the Pre-release Access Order 2008, checked as it
is entered (across a clock change), recorded when missed, and the list published with the
release."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from engage.extensions import db
from engage.releases import rules, service
from engage.releases.models import ReleaseBreach
from engage.releases.rules import ReleaseError
from engage.releases.service import NotAllowed
from tests.factories.auth import producer
from tests.factories.outputs import OutputFactory
from tests.factories.releases import ReleaseFactory

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


def _person(access_from: datetime, name: str = "Jo Minister") -> dict:  # type: ignore[type-arg]
    return {
        "name": name,
        "role": "Minister of State",
        "organisation": "Ministry of Justice",
        "access_from": access_from,
    }


def test_24_hours_is_the_limit_to_the_minute_across_the_clock_change():
    # Released 9:30 BST Mon 29 Mar 2027 (08:30 UTC); 24 hours before is 08:30 UTC on Sunday
    # 28 March, which is 9:30 BST: the day before had only 23 hours.
    scheduled = rules.at_london(datetime(2027, 3, 29).date())
    assert rules.pre_release_warning("Jo", scheduled, scheduled - timedelta(hours=24)) is None
    late = rules.pre_release_warning("Jo", scheduled, scheduled - timedelta(hours=24, minutes=1))
    assert late is not None and "1 day 1 minute before publication" in late.message


def test_the_list_is_checked_recorded_and_published(app, client):
    author = producer()
    release = ReleaseFactory(output=OutputFactory(producers=[author]))
    in_time = service.add_pre_release_access(
        release, _person(release.scheduled_at - timedelta(hours=24)), author, NOW
    )
    assert in_time.warnings == []
    too_early = service.add_pre_release_access(
        release, _person(release.scheduled_at - timedelta(hours=30), "Sam Adviser"), author, NOW
    )
    assert [w.rule for w in too_early.warnings] == ["pre_release_access"]
    assert db.session.execute(db.select(ReleaseBreach.rule)).scalars().all() == [
        "pre_release_access"
    ]
    with pytest.raises(ReleaseError):
        service.add_pre_release_access(release, _person(release.scheduled_at), author, NOW)
    with pytest.raises(NotAllowed):
        service.add_pre_release_access(
            release, _person(release.scheduled_at - timedelta(hours=1)), producer(), NOW
        )
    page = client.get(f"/releases/{release.slug}").get_data(as_text=True)
    assert "Jo Minister" not in page  # published with the release, not before
    service.record_publication(release, release.scheduled_at, author, release.scheduled_at)
    page = client.get(f"/releases/{release.slug}").get_data(as_text=True)
    assert (
        "Jo Minister, Minister of State, Ministry of Justice: from 9:30am on 13 January 2027"
        in page
    )
    entry = service.pre_release_list(release)[0]
    with pytest.raises(ReleaseError):
        service.remove_pre_release_access(entry, author)


def test_the_page_warns_before_recording_access_beyond_24_hours(app, login):
    author = producer()
    release = ReleaseFactory(output=OutputFactory(producers=[author]))
    with time_machine.travel(NOW, tick=True):
        client = login(author)
        data = {
            "name": "Sam Adviser",
            "role": "Special adviser",
            "organisation": "MoJ",
            "access_day": ["12", "1", "2027"],
            "access_time": "9:30",
        }
        page = client.post(f"/staff/releases/{release.id}/pre-release-access", data=data)
        assert "the Pre-release Access Order allows at most 24 hours" in page.get_data(as_text=True)
        assert service.pre_release_list(release) == []
        done = client.post(
            f"/staff/releases/{release.id}/pre-release-access",
            data={**data, "accept_warnings": "y"},
        )
        assert done.status_code == 302
        assert [e.name for e in service.pre_release_list(release)] == ["Sam Adviser"]
        assert (
            login(producer()).get(f"/staff/releases/{release.id}/pre-release-access").status_code
            == 403
        )
