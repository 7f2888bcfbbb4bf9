"""A person in two producers' user logs (ASVS V8.2: record-level authorisation).

The same email address is the same stakeholder. A producer who adds, imports or already has a
person who is also in another producer's log gets their own log entry and nothing more: they
do not learn the name, organisation, phone or consent recorded elsewhere, and cannot change
them. Those who may edit every log the person is in (or the CSO office) can."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from engage.extensions import db
from engage.outputs.models import LogEntry, Stakeholder
from tests.factories.auth import cso, producer
from tests.factories.outputs import LogEntryFactory, OutputFactory, StakeholderFactory
from tests.imports import confirm_import

SECRET_NAME = "Dr Bethany Secretname"
SECRET_ORG = "Hidden Institute"
SECRET_PHONE = "07700 900123"
EMAIL = "shared.person@example.org"
ENTRY = {
    "engagement_level": "consulted",
    "uses": "Modelling",
    "source": "event",
}


@pytest.fixture
def two_logs(app):
    """Producer B keeps a log with the person in it; producer A keeps another output's log."""
    a, b = producer(email="a@example.gov.uk"), producer(email="b@example.gov.uk")
    out_a = OutputFactory(slug="output-a", producers=[a])
    out_b = OutputFactory(slug="output-b", producers=[b])
    person = StakeholderFactory(
        name=SECRET_NAME,
        organisation=SECRET_ORG,
        email=EMAIL,
        phone=SECRET_PHONE,
        category="academic",
        consent_to_contact=False,
    )
    LogEntryFactory(output=out_b, stakeholder=person, engagement_level="informed")
    return a, b, out_a, out_b, person


def _person() -> Stakeholder:
    db.session.expire_all()
    return db.session.scalar(db.select(Stakeholder).where(Stakeholder.email == EMAIL))


def _unchanged() -> None:
    person = _person()
    assert (person.name, person.organisation, person.phone, person.category) == (
        SECRET_NAME,
        SECRET_ORG,
        SECRET_PHONE,
        "academic",
    )
    assert person.consent_to_contact is False


def _leaks(html: str) -> list[str]:
    return [s for s in (SECRET_NAME, SECRET_ORG, SECRET_PHONE) if s in html]


def _add(client):  # type: ignore[no-untyped-def]
    return client.post(
        "/staff/outputs/output-a/user-log/add",
        data={
            "name": "Beth S",
            "organisation": "Somewhere Else",
            "email": EMAIL,
            "phone": "01632 960000",
            "category": "media",
            "consent_to_contact": "y",
            **ENTRY,
        },
        follow_redirects=True,
    )


def test_adding_a_known_email_gives_an_entry_and_reveals_and_changes_nothing(two_logs, login):
    a, _b, out_a, _out_b, person = two_logs
    client = login(a)
    response = _add(client)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Beth S added to the user log" in html
    assert _leaks(html) == []
    _unchanged()
    entry = db.session.scalar(db.select(LogEntry).where(LogEntry.output_id == out_a.id))
    assert entry.stakeholder_id == person.id and entry.engagement_level == "consulted"
    # Every page A can open about the person.
    for url in (
        "/staff/outputs/output-a/user-log",
        f"/staff/stakeholders/{person.id}",
        f"/staff/outputs/output-a/user-log/{entry.id}/edit",
        f"/staff/outputs/output-a/user-log/{entry.id}/remove",
        f"/staff/outputs/output-a/user-log/{entry.id}/contacts/new",
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        assert _leaks(page.get_data(as_text=True)) == [], url
    # The person's page says why the details are not there.
    assert "data-details-kept" in client.get(f"/staff/stakeholders/{person.id}").get_data(
        as_text=True
    )


def test_editing_the_entry_changes_only_the_entry(two_logs, login):
    a, b, out_a, out_b, person = two_logs
    entry = LogEntryFactory(output=out_a, stakeholder=person, engagement_level="access")
    client = login(a)
    form = client.get(f"/staff/outputs/output-a/user-log/{entry.id}/edit").get_data(as_text=True)
    assert 'name="name"' not in form and 'name="phone"' not in form
    response = client.post(
        f"/staff/outputs/output-a/user-log/{entry.id}/edit",
        data={
            "name": "Renamed By A",
            "email": "changed@example.org",
            "phone": "01632 960001",
            "category": "media",
            "consent_to_contact": "y",
            "engagement_level": "involved",
            "uses": "Changed uses",
            "source": "event",
        },
    )
    assert response.status_code == 302
    _unchanged()
    assert _person().email == EMAIL
    db.session.expire_all()
    assert db.session.get(LogEntry, entry.id).engagement_level == "involved"
    # B may not change the person now either: they are in A's log too.
    other = db.session.scalar(db.select(LogEntry).where(LogEntry.output_id == out_b.id))
    login(b).post(
        f"/staff/outputs/output-b/user-log/{other.id}/edit",
        data={"name": "Renamed By B", "category": "media", **ENTRY},
    )
    _unchanged()
    # The CSO office keeps every log, and may.
    office = login(cso())
    office.post(
        f"/staff/outputs/output-b/user-log/{other.id}/edit",
        data={
            "name": "Renamed By CSO",
            "email": EMAIL,
            "category": "academic",
            "consent_to_contact": "y",
            **ENTRY,
        },
    )
    assert _person().name == "Renamed By CSO" and _person().consent_to_contact is True


def test_a_producer_still_edits_a_person_only_in_their_own_logs(app, login):
    a = producer()
    out_a = OutputFactory(slug="output-a", producers=[a])
    entry = LogEntryFactory(output=out_a, stakeholder=StakeholderFactory(email=EMAIL))
    client = login(a)
    client.post(
        f"/staff/outputs/output-a/user-log/{entry.id}/edit",
        data={"name": "New Name", "email": EMAIL, "category": "media", **ENTRY},
    )
    assert _person().name == "New Name" and _person().category == "media"


CSV = (
    "Name,Organisation,Email,Phone,Category,Engagement level,Uses,Source,"
    "First contact,Latest contact,Consent to contact\n"
    f"Imported Name,Other Org,{EMAIL},01632 960002,media,Involved,Uses,Event,,,Yes\n"
    "Brand New,,brand.new@example.org,,media,Involved,,Event,,,Yes\n"
).encode()


def test_an_import_adds_entries_and_its_preview_reveals_nothing(two_logs, login):
    a, _b, out_a, _out_b, person = two_logs
    client = login(a)
    response = client.post(
        "/staff/outputs/output-a/user-log/import",
        data={"file": (io.BytesIO(CSV), "log.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    actions = dict(re.findall(r'data-row="(\d+)" data-action="(\w+)"', preview))
    assert actions == {"2": "add", "3": "add"}  # a known person looks like a new one
    assert "Changes:" not in preview and _leaks(preview) == []
    confirm_import(client, response.headers["Location"])
    _unchanged()
    entry = db.session.scalar(
        db.select(LogEntry).where(
            LogEntry.output_id == out_a.id, LogEntry.stakeholder_id == person.id
        )
    )
    assert entry.engagement_level == "involved"
    # Importing again: an update of the entry only, still silent about the person.
    again = client.post(
        "/staff/outputs/output-a/user-log/import",
        data={"file": (io.BytesIO(CSV.replace(b"Involved,Uses", b"Access,Uses")), "log.csv")},
        content_type="multipart/form-data",
    )
    preview = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "engagement level: Involved → Access" in preview and _leaks(preview) == []
    changes = re.findall(r"data-changes>(.*?)</ul>", preview, re.S)
    assert len(changes) == 1 and "name" not in changes[0] and "category" not in changes[0]
    written = re.findall(r"data-written>(.*?)</td>", preview, re.S)[0]
    assert "Kept as recorded" in written  # the person's recorded details are not shown


def test_exports_hold_only_the_email_of_a_person_kept_elsewhere(two_logs, login):
    a, b, out_a, out_b, person = two_logs
    LogEntryFactory(output=out_a, stakeholder=person)
    mine = LogEntryFactory(
        output=out_a, stakeholder=StakeholderFactory(name="Only Mine", phone="01632 960003")
    )
    client = login(a)
    csv_text = client.get("/staff/outputs/output-a/user-log.csv").get_data(as_text=True)
    assert EMAIL in csv_text and _leaks(csv_text) == []
    assert "Only Mine" in csv_text and "01632 960003" in csv_text
    workbook = load_workbook(io.BytesIO(client.get("/staff/outputs/output-a/user-log.xlsx").data))
    cells = [str(c) for row in workbook.worksheets[0].iter_rows(values_only=True) for c in row]
    assert EMAIL in cells and _leaks(" ".join(cells)) == []
    assert mine.stakeholder.name in cells
    # B's export of B's log no longer holds them either; the CSO's does.
    assert _leaks(login(b).get("/staff/outputs/output-b/user-log.csv").get_data(as_text=True)) == []
    assert SECRET_NAME in login(cso()).get("/staff/outputs/output-b/user-log.csv").get_data(
        as_text=True
    )
