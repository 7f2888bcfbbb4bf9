"""The release pages, staff and public: who may do what, warnings before a missed commitment is
saved, the Chief Statistician's approval, and what the public sees."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine

from engage.extensions import db
from engage.releases.models import Release, ReleaseBreach, ReleaseDateChange
from tests.factories.auth import admin, chief, cso, producer
from tests.factories.outputs import OutputFactory
from tests.factories.releases import ReleaseFactory

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=True):
        yield


def _announce(client, output, **fields):  # type: ignore[no-untyped-def]
    data = {
        "output_id": str(output.id),
        "title": "Prison population: November 2027",
        "kind": "routine",
        "month": "11 2027",
        "day": ["", "", ""],
        "time": "9:30",
    }
    data.update(fields)
    return client.post("/staff/releases/new", data=data)


def test_a_producer_announces_a_release_of_their_output(app, login):
    author = producer()
    output = OutputFactory(producers=[author])
    client = login(author)
    assert client.get("/staff/releases/new").status_code == 200
    response = _announce(client, output)
    assert response.status_code == 302
    release = db.session.execute(db.select(Release)).scalar_one()
    assert release.provisional_month == date(2027, 11, 1) and release.status == "provisional"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "November 2027" in page and "Confirm the date" in page


def test_a_missed_commitment_is_warned_of_before_it_is_saved(app, login):
    author = producer()
    output = OutputFactory(producers=[author])
    client = login(author)
    response = _announce(client, output, month="10 2027")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "11 months ahead" in page and "Save anyway" in page
    assert db.session.execute(db.select(Release)).first() is None  # nothing typed is lost:
    assert 'value="Prison population: November 2027"' in page
    response = _announce(client, output, month="10 2027", accept_warnings="y")
    assert response.status_code == 302
    assert db.session.execute(db.select(ReleaseBreach.rule)).scalars().all() == ["month_notice"]


def test_form_errors_are_shown_not_500(app, login):
    author = producer()
    output = OutputFactory(producers=[author])
    client = login(author)
    for fields in (
        {"month": "", "day": ["", "", ""]},
        {"month": "13 2027"},
        {"time": "25:00", "day": ["14", "1", "2028"], "month": ""},
        {"output_id": "99999999999999999999"},
        {"title": "  "},
        {"day": ["1", "1", "20266"]},
    ):
        response = _announce(client, output, **fields)
        assert response.status_code == 200, fields
        assert "There is a problem" in response.get_data(as_text=True)


def test_another_producers_release_is_refused_and_an_admin_has_no_access(app, login):
    release = ReleaseFactory(output=OutputFactory(producers=[producer()]))
    outsider = login(producer())
    for path in (
        f"/staff/releases/{release.id}",
        f"/staff/releases/{release.id}/change-date",
        f"/staff/releases/{release.id}/cancel",
        f"/staff/releases/{release.id}/publication",
    ):
        assert outsider.get(path).status_code == 403
    assert (
        outsider.post(f"/staff/releases/{release.id}/cancel", data={"reason": "x"}).status_code
        == 403
    )
    assert login(admin()).get("/staff/releases").status_code == 403
    assert login(cso()).get(f"/staff/releases/{release.id}").status_code == 200


def test_a_date_change_waits_for_the_chief_statistician(app, login):
    author = producer()
    the_chief = chief()
    release = ReleaseFactory(output=OutputFactory(producers=[author]))
    client = login(author)
    response = client.post(
        f"/staff/releases/{release.id}/change-date",
        data={
            "day": ["21", "1", "2027"],
            "time": "9:30",
            "reason_kind": "data_quality",
            "reason": "Late court data",
        },
    )
    assert response.status_code == 302
    change = db.session.execute(db.select(ReleaseDateChange)).scalar_one()
    # The producer (and the CSO) cannot approve it.
    for who in (author, cso()):
        refused = login(who).post(
            f"/staff/releases/changes/{change.id}/decide", data={"decision": "approve"}
        )
        assert refused.status_code == 403
    db.session.refresh(release)
    assert release.scheduled_at == datetime(2027, 1, 14, 9, 30, tzinfo=UTC)
    public = client.get(f"/releases/{release.slug}").get_data(as_text=True)
    assert "14 January 2027" in public and "21 January 2027" not in public

    boss = login(the_chief)
    page = boss.get(f"/staff/releases/{release.id}").get_data(as_text=True)
    assert "Change of date awaiting approval" in page and "Approve the new date" in page
    response = boss.post(
        f"/staff/releases/changes/{change.id}/decide", data={"decision": "approve"}
    )
    assert response.status_code == 302
    db.session.refresh(release)
    assert release.scheduled_at == datetime(2027, 1, 21, 9, 30, tzinfo=UTC)
    public = client.get(f"/releases/{release.slug}").get_data(as_text=True)
    assert "Date changed to 9:30am on 21 January 2027. Reason: Late court data" in public


def test_recording_publication_and_cancelling(app, login):
    author = producer()
    output = OutputFactory(producers=[author])
    late = ReleaseFactory(output=output, scheduled_at=datetime(2026, 11, 26, 9, 30, tzinfo=UTC))
    gone = ReleaseFactory(output=output)
    client = login(author)
    response = client.post(
        f"/staff/releases/{late.id}/publication", data={"day": ["26", "11", "2026"], "time": "9:42"}
    )
    assert response.status_code == 302
    assert client.post(f"/staff/releases/{gone.id}/cancel", data={"reason": ""}).status_code == 200
    client.post(f"/staff/releases/{gone.id}/cancel", data={"reason": "Merged into the annual"})
    calendar = client.get("/releases").get_data(as_text=True)
    assert "Published 12 minutes late" in calendar
    assert "Cancelled: Merged into the annual" in calendar
    missed = client.get("/releases/missed-commitments").get_data(as_text=True)
    assert "Published 12 minutes late" in missed and "Merged into the annual" in missed


def test_the_public_calendar_groups_upcoming_releases_by_month(app, client):
    output = OutputFactory(title="Criminal court statistics")
    ReleaseFactory(
        output=output,
        title="Courts: July to September 2026",
        scheduled_at=datetime(2026, 12, 17, 9, 30, tzinfo=UTC),
    )
    ReleaseFactory(
        output=output,
        title="Courts: October to December 2026",
        status="provisional",
        scheduled_at=None,
        provisional_month=date(2027, 3, 1),
    )
    page = client.get("/releases").get_data(as_text=True)
    assert page.index("December 2026") < page.index("March 2027")
    assert "9:30am on 17 December 2026" in page and "Provisional" in page
    output_page = client.get(f"/statistics/{output.slug}").get_data(as_text=True)
    assert "Next release:" in output_page and "Courts: July to September 2026" in output_page
    assert client.get("/releases/no-such-release").status_code == 404
    assert client.get("/releases/missed-commitments?year=1999").status_code == 404
    assert client.get("/releases/missed-commitments?year=abc").status_code == 200


def test_every_staff_page_renders_for_the_roles_that_may_use_it(app, login):
    author = producer()
    output = OutputFactory(producers=[author])
    provisional = ReleaseFactory(
        output=output, status="provisional", scheduled_at=None, provisional_month=date(2027, 6, 1)
    )
    confirmed = ReleaseFactory(output=output)
    breach = ReleaseBreach(
        release_id=confirmed.id,
        rule="date_notice",
        version=0,
        occurred_on=date(2026, 11, 1),
        detail="Announced 20 days ahead.",
    )
    db.session.add(breach)
    db.session.commit()
    pages = [
        "/staff/releases",
        "/staff/releases/new",
        "/staff/releases/import",
        f"/staff/releases/{provisional.id}",
        f"/staff/releases/{provisional.id}/confirm",
        f"/staff/releases/{provisional.id}/change-month",
        f"/staff/releases/{confirmed.id}",
        f"/staff/releases/{confirmed.id}/change-date",
        f"/staff/releases/{confirmed.id}/publication",
        f"/staff/releases/{confirmed.id}/cancel",
        f"/staff/releases/{confirmed.id}/pre-release-access",
        f"/staff/releases/breaches/{breach.id}/explain",
    ]
    for who in (author, cso(), chief()):
        client = login(who)
        for path in pages:
            assert client.get(path).status_code == 200, (who.roles, path)
    outsider = login(producer())
    assert outsider.get("/staff/releases").status_code == 200
    for path in pages[3:]:
        assert outsider.get(path).status_code == 403, path
    explained = login(author).post(
        f"/staff/releases/breaches/{breach.id}/explain", data={"explanation": "Staff illness."}
    )
    assert explained.status_code == 302
    assert "Staff illness." in login(author).get("/releases/missed-commitments?year=2026").get_data(
        as_text=True
    )


def test_the_dashboard_shows_what_needs_attention(app, login):
    author = producer()
    output = OutputFactory(producers=[author])
    late = ReleaseFactory(output=output, scheduled_at=datetime(2026, 11, 26, 9, 30, tzinfo=UTC))
    soon = ReleaseFactory(
        output=output, status="provisional", scheduled_at=None, provisional_month=date(2027, 1, 1)
    )
    moved = ReleaseFactory(output=output)
    db.session.add(
        ReleaseDateChange(
            release_id=moved.id,
            previous_at=moved.scheduled_at,
            proposed_at=datetime(2027, 1, 21, 9, 30, tzinfo=UTC),
            reason_kind="clash",
            reason="Clash",
        )
    )
    db.session.commit()
    page = login(author).get("/staff").get_data(as_text=True)
    assert "Publication not recorded" in page and late.title in page
    assert "Dates to confirm" in page and soon.title in page
    assert "awaiting your approval" not in page
    boss = login(chief()).get("/staff").get_data(as_text=True)
    assert "Changes of date awaiting your approval" in boss and moved.title in boss
    assert late.title not in login(producer()).get("/staff").get_data(as_text=True)
