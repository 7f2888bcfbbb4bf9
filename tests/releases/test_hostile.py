"""Hostile input to the release calendar (issue 22's attack): an import with NUL and control
characters, impossible years and clock-change times, and forms with times that happen twice,
must neither 500 nor produce feeds that do not parse."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time
from xml.etree import ElementTree as ET  # noqa: S405  (parses our own feed in a test)

import pytest
import time_machine
from icalendar import Calendar

from engage.extensions import db
from engage.releases import rules
from engage.releases.models import Release
from tests.factories.auth import cso, producer
from tests.factories.outputs import OutputFactory

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
HEADER = (
    "Output,Title,Type,Status,Month,Month announced on,Date,Time,Date announced on,"
    "Published at,Cancellation reason\n"
)


@pytest.fixture(autouse=True)
def _clock():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=True):
        yield


def _import(client, body: str):  # type: ignore[no-untyped-def]
    response = client.post(
        "/staff/releases/import",
        data={"file": (io.BytesIO((HEADER + body).encode()), "calendar.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    preview = client.get(response.headers["Location"])
    assert preview.status_code == 200
    confirmed = client.post(response.headers["Location"] + "/confirm")
    assert confirmed.status_code == 302
    return preview.get_data(as_text=True)


def _feeds_parse(client) -> None:  # type: ignore[no-untyped-def]
    ics = client.get("/releases.ics")
    assert ics.status_code == 200
    Calendar.from_ical(ics.data)
    atom = client.get("/releases.atom")
    assert atom.status_code == 200
    ET.fromstring(atom.data)  # noqa: S314


def test_an_import_with_control_characters_stores_clean_text(app, login):
    OutputFactory(slug="p")
    client = login(cso())
    _import(
        client,
        "p,Prisons\x00 quarterly\x07\x1b,routine,provisional,2027-12,,,,,,\n"
        ",Ad hoc,ad hoc,cancelled,,,2027-01-10,,,,No longer\x00 needed\x0b\n",
    )
    titles = sorted(r.title for r in db.session.execute(db.select(Release)).scalars())
    assert titles == ["Ad hoc", "Prisons quarterly"]
    reasons = [r.cancellation_reason for r in db.session.execute(db.select(Release)).scalars()]
    assert "No longer needed" in reasons
    _feeds_parse(client)


def test_an_import_refuses_years_the_forms_refuse_and_the_feeds_still_parse(app, login):
    OutputFactory(slug="p")
    client = login(cso())
    preview = _import(
        client,
        "p,Far month,routine,provisional,9999-12,,,,,,\n"
        "p,Far date,routine,confirmed,,,9999-12-31,23:59,,,\n"
        "p,Year one,routine,published,,,0001-01-01,00:00,,0001-01-01 00:00,\n",
    )
    assert preview.count("is not a date we can read") >= 3
    assert db.session.execute(db.select(Release)).first() is None
    _feeds_parse(client)
    assert client.get("/releases").status_code == 200


def test_an_import_refuses_a_clock_change_time_row_by_row(app, login):
    OutputFactory(slug="p")
    client = login(cso())
    preview = _import(
        client,
        "p,Spring,routine,confirmed,,,2027-03-28,01:30,,,\n"
        "p,Autumn,routine,confirmed,,,2027-10-31,01:30,,,\n"
        "p,Fine,routine,confirmed,,,2027-10-31,09:30,,,\n",
    )
    assert "does not exist in the UK" in preview and "happens twice in the UK" in preview
    titles = [r.title for r in db.session.execute(db.select(Release)).scalars()]
    assert titles == ["Fine"]


def test_a_time_that_happens_twice_is_refused_and_one_that_does_not_exist_too():
    with pytest.raises(rules.ReleaseError, match="happens twice"):
        rules.at_london(date(2026, 10, 25), time(1, 30))
    with pytest.raises(rules.ReleaseError, match="does not exist"):
        rules.at_london(date(2026, 3, 29), time(1, 30))
    assert rules.at_london(date(2026, 10, 25), time(9, 30)) == datetime(
        2026, 10, 25, 9, 30, tzinfo=UTC
    )


def test_confirming_at_a_time_that_happens_twice_shows_the_error(app, login):
    author = producer()
    output = OutputFactory(producers=[author])
    client = login(author)
    response = client.post(
        "/staff/releases/new",
        data={
            "output_id": str(output.id),
            "title": "Autumn",
            "kind": "routine",
            "month": "",
            "day": ["31", "10", "2027"],
            "time": "1:30",
        },
    )
    assert response.status_code == 200
    assert "happens twice in the UK" in response.get_data(as_text=True)
    assert db.session.execute(db.select(Release)).first() is None


def test_a_chief_who_asked_for_a_change_cannot_approve_it_but_may_withdraw_it(app, login):
    from flask import g

    from engage.releases.models import ReleaseDateChange
    from tests.factories.auth import chief
    from tests.factories.releases import ReleaseFactory

    release = ReleaseFactory(output=OutputFactory())
    boss = chief()
    client = login(boss)
    g.pop("_login_user", None)
    asked = client.post(
        f"/staff/releases/{release.id}/change-date",
        data={
            "day": ["21", "1", "2027"],
            "time": "9:30",
            "reason_kind": "data_quality",
            "reason": "Late data",
        },
    )
    assert asked.status_code == 302
    change = db.session.execute(db.select(ReleaseDateChange)).scalar_one()
    refused = client.post(
        f"/staff/releases/changes/{change.id}/decide", data={"decision": "approve"}
    )
    assert refused.status_code == 302
    db.session.expire_all()
    assert change.state == "pending"
    assert release.scheduled_at == datetime(2027, 1, 14, 9, 30, tzinfo=UTC)
    page = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "another Chief Statistician must approve it" in page
    withdrawn = client.post(
        f"/staff/releases/changes/{change.id}/decide", data={"decision": "reject"}
    )
    assert withdrawn.status_code == 302
    db.session.expire_all()
    assert change.state == "rejected"
