"""The iCalendar feeds (all releases, and per output) parse with `icalendar` and with an
independent parser (vobject); a change is a higher SEQUENCE on the same UID; a cancellation is
STATUS:CANCELLED. And the Atom feed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from xml.etree import ElementTree as ET  # noqa: S405  (parses our own feed in a test)

import icalendar
import time_machine
import vobject

from engage.releases import service
from tests.factories.auth import chief, producer
from tests.factories.outputs import OutputFactory
from tests.factories.releases import ReleaseFactory

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


def _events(body: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(body)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def _vobject_events(body: bytes) -> dict[str, object]:
    parsed = vobject.readOne(body.decode("utf-8"))
    return {e.uid.value: e for e in parsed.vevent_list}


def test_the_feed_parses_with_two_parsers_and_a_change_raises_the_sequence(app, client):
    author = producer()
    output = OutputFactory(producers=[author], title="Prison population statistics")
    confirmed = ReleaseFactory(output=output, title="Prisons: weekly; commas, and \\ too")
    provisional = ReleaseFactory(
        output=output, status="provisional", scheduled_at=None, provisional_month=date(2027, 11, 1)
    )
    before = client.get("/releases.ics")
    assert before.content_type == "text/calendar; charset=utf-8"
    events = _events(before.data)
    assert len(events) == 2
    uid = next(u for u, e in events.items() if "weekly" in str(e["SUMMARY"]))
    event = events[uid]
    assert event["SUMMARY"] == "Prisons: weekly; commas, and \\ too"
    assert event.decoded("DTSTART") == datetime(2027, 1, 14, 9, 30, tzinfo=UTC)
    assert int(event["SEQUENCE"]) == 0 and str(event["STATUS"]) == "CONFIRMED"
    month_event = next(e for u, e in events.items() if u != uid)
    assert month_event.decoded("DTSTART") == date(2027, 11, 1)
    assert month_event.decoded("DTEND") == date(2027, 12, 1)
    assert str(month_event["STATUS"]) == "TENTATIVE"

    independent = _vobject_events(before.data)
    assert set(independent) == set(events)
    assert independent[uid].summary.value == "Prisons: weekly; commas, and \\ too"
    assert independent[uid].dtstart.value == datetime(2027, 1, 14, 9, 30, tzinfo=UTC)
    assert independent[uid].sequence.value == "0"

    with time_machine.travel(NOW, tick=False):
        change = service.request_date_change(
            confirmed, date(2027, 1, 21), None, "clash", "Clash", author, NOW
        )
        service.decide_date_change(change, True, "", chief(), NOW)
        service.cancel_release(provisional, "Discontinued", author, NOW)
    after = client.get("/releases.ics").data
    events = _events(after)
    assert int(events[uid]["SEQUENCE"]) == 1
    assert events[uid].decoded("DTSTART") == datetime(2027, 1, 21, 9, 30, tzinfo=UTC)
    cancelled = next(e for u, e in events.items() if u != uid)
    assert str(cancelled["STATUS"]) == "CANCELLED" and int(cancelled["SEQUENCE"]) == 1
    independent = _vobject_events(after)
    assert independent[uid].sequence.value == "1"
    assert {e.status.value for e in independent.values()} == {"CONFIRMED", "CANCELLED"}


def test_the_output_feed_holds_only_that_outputs_releases(app, client):
    mine = OutputFactory(slug="prison-population")
    ReleaseFactory(output=mine)
    ReleaseFactory(output=OutputFactory())
    body = client.get("/statistics/prison-population/releases.ics")
    assert body.status_code == 200
    assert len(_events(body.data)) == 1
    assert len(_events(client.get("/releases.ics").data)) == 2
    assert client.get("/statistics/nope/releases.ics").status_code == 404


def test_the_atom_feed_has_an_entry_per_version(app, client):
    ReleaseFactory(title="Knife crime \x0b statistics", version=3)
    response = client.get("/releases.atom")
    assert response.content_type == "application/atom+xml; charset=utf-8"
    feed = ET.fromstring(response.data)  # noqa: S314
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = feed.findall("a:entry", ns)
    assert len(entries) == 1
    assert entries[0].find("a:id", ns).text.endswith("#version-3")
    assert "9:30am on 14 January 2027" in entries[0].find("a:title", ns).text
