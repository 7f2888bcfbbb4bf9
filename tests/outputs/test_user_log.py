"""User logs: the page, counts, filters, add/edit/remove with history, contacts, stakeholders,
and who may see and change which log."""

from __future__ import annotations

from datetime import date

import pytest

from engage.audit import AuditEvent
from engage.extensions import db
from engage.outputs import access, logs
from engage.outputs.models import Contact, LogEntry, Stakeholder
from tests.exports.helpers import prepare_and_download
from tests.factories.auth import admin, chief, cso, producer
from tests.factories.outputs import LogEntryFactory, OutputFactory, StakeholderFactory


@pytest.fixture
def setup(app):
    owner = producer(name="Priya Owner")
    other = producer(name="Tom Other")
    mine = OutputFactory(title="Prison Population", slug="prison-population", producers=[owner])
    theirs = OutputFactory(title="Court Statistics", slug="court-statistics", producers=[other])
    entry = LogEntryFactory(
        output=mine,
        stakeholder=StakeholderFactory(
            name="Dr Ada Lovelace", email="ada@uni.example", phone="0113 000"
        ),
        engagement_level="consulted",
    )
    LogEntryFactory(
        output=mine, stakeholder=StakeholderFactory(category="media"), engagement_level="access"
    )
    their_entry = LogEntryFactory(
        output=theirs, stakeholder=StakeholderFactory(name="Secret Person")
    )
    return {
        "owner": owner,
        "other": other,
        "mine": mine,
        "theirs": theirs,
        "entry": entry,
        "their_entry": their_entry,
    }


def test_access_rules_without_http(setup):
    owner, other, mine = setup["owner"], setup["other"], setup["mine"]
    assert access.can_view_log(owner, mine) and access.can_edit_log(owner, mine)
    assert not access.can_view_log(other, mine) and not access.can_edit_log(other, mine)
    for user in (cso(), chief(), admin()):
        assert access.can_view_log(user, mine) and access.can_edit_log(user, mine)
    person = setup["entry"].stakeholder
    assert access.can_see_personal_data(owner, person, {mine.id})
    assert not access.can_see_personal_data(other, person, set())


def test_owner_sees_log_with_counts_and_personal_data(setup, login):
    client = login(setup["owner"])
    html = client.get("/staff/outputs/prison-population/user-log").get_data(as_text=True)
    assert "Dr Ada Lovelace" in html and "ada@uni.example" in html
    assert "Secret Person" not in html
    assert "data-total>2<" in html
    filtered = client.get("/staff/outputs/prison-population/user-log?category=media").get_data(
        as_text=True
    )
    assert "Dr Ada Lovelace" not in filtered and "1 user matching the filters" in filtered
    by_level = client.get("/staff/outputs/prison-population/user-log?level=consulted")
    assert "Dr Ada Lovelace" in by_level.get_data(as_text=True)


def test_counts_by_category_and_level_are_grouped(setup):
    counts = logs.log_counts(setup["mine"].id)
    assert counts.cell("academic", "consulted") == 1
    assert counts.cell("media", "access") == 1
    assert counts.total == 2 and counts.level_total("informed") == 0


def test_another_producer_cannot_read_or_change_the_log(setup, login):
    client = login(setup["other"])
    entry = setup["entry"]
    base = "/staff/outputs/prison-population"
    # The catalogue page is readable, the log is not.
    assert client.get(base).status_code == 200
    assert "User log" not in client.get(base).get_data(as_text=True)
    for url in (
        f"{base}/user-log",
        f"{base}/user-log/add",
        f"{base}/user-log/{entry.id}/edit",
        f"{base}/user-log/{entry.id}/remove",
        f"{base}/user-log/{entry.id}/contacts/new",
        f"{base}/user-log.csv",
        f"{base}/user-log.xlsx",
        f"{base}/user-log/import",
        f"{base}/reviews",
        f"{base}/reviews/new",
        f"{base}/feedback",
        f"/staff/stakeholders/{entry.stakeholder_id}",
    ):
        assert client.get(url).status_code == 403, url
    posts = {
        f"{base}/user-log/add": {
            "name": "Intruder",
            "category": "public",
            "engagement_level": "access",
            "source": "other",
        },
        f"{base}/user-log/{entry.id}/edit": {
            "name": "Changed",
            "category": "public",
            "engagement_level": "access",
            "source": "other",
        },
        f"{base}/user-log/{entry.id}/remove": {},
        f"{base}/user-log/{entry.id}/contacts/new": {
            "contacted_on": ["1", "2", "2025"],
            "channel": "email",
            "summary": "Hello",
        },
        f"{base}/user-log/import/{'x' * 32}/confirm": {},
    }
    for url, data in posts.items():
        assert client.post(url, data=data).status_code == 403, url
    db.session.expire_all()
    assert db.session.get(LogEntry, entry.id).stakeholder.name == "Dr Ada Lovelace"
    assert db.session.scalar(db.select(db.func.count()).select_from(Contact)) == 0
    refused = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "access.denied")
    ).all()
    assert len(refused) >= 10


def test_a_producer_editing_through_their_own_output_cannot_reach_another_logs_entry(setup, login):
    client = login(setup["owner"])
    their_entry = setup["their_entry"]
    url = f"/staff/outputs/prison-population/user-log/{their_entry.id}/edit"
    assert client.get(url).status_code == 404


def test_cso_reads_all_logs_and_downloads_the_workbook(setup, login):
    client = login(cso())
    assert client.get("/staff/outputs/court-statistics/user-log").status_code == 200
    response = prepare_and_download(client, "/staff/user-logs.xlsx")
    assert response.headers["Content-Disposition"].startswith('attachment; filename="user-logs-')
    from io import BytesIO

    from openpyxl import load_workbook

    book = load_workbook(BytesIO(response.data))
    assert sorted(book.sheetnames) == ["Court Statistics", "Prison Population"]
    producer_client = login(setup["owner"])
    assert producer_client.get("/staff/user-logs.xlsx").status_code == 403
    assert producer_client.post("/staff/user-logs.xlsx").status_code == 403


def test_add_edit_remove_with_history(setup, login):
    client = login(setup["owner"])
    base = "/staff/outputs/prison-population/user-log"
    page = client.get(f"{base}/add")
    assert page.status_code == 200
    bad = client.post(f"{base}/add", data={"name": "", "email": "not-an-email"})
    html = bad.get_data(as_text=True)
    assert "Enter the person" in html and "Enter an email address in the correct format" in html
    response = client.post(
        f"{base}/add",
        data={
            "name": "Grace Hopper",
            "email": "GRACE@navy.example",
            "category": "government",
            "engagement_level": "involved",
            "source": "event",
            "uses": "Policy",
            "first_contact_on": ["3", "2", "2025"],
            "consent_to_contact": "y",
        },
    )
    assert response.status_code == 302
    person = db.session.scalar(
        db.select(Stakeholder).where(Stakeholder.email == "grace@navy.example")
    )
    entry = db.session.scalar(db.select(LogEntry).where(LogEntry.stakeholder_id == person.id))
    assert entry.first_contact_on == date(2025, 2, 3) and person.consent_to_contact
    # The same email again is the same person, already in this log.
    again = client.post(
        f"{base}/add",
        data={
            "name": "G Hopper",
            "email": "grace@navy.example",
            "category": "government",
            "engagement_level": "access",
            "source": "event",
        },
    )
    assert "already in this user log" in again.get_data(as_text=True)
    assert client.get(f"{base}/{entry.id}/edit").status_code == 200
    client.post(
        f"{base}/{entry.id}/edit",
        data={
            "name": "Rear Admiral Grace Hopper",
            "email": "grace@navy.example",
            "category": "government",
            "engagement_level": "consulted",
            "source": "event",
        },
    )
    db.session.expire_all()
    assert db.session.get(LogEntry, entry.id).engagement_level == "consulted"
    assert client.get(f"{base}/{entry.id}/remove").status_code == 200
    assert client.post(f"{base}/{entry.id}/remove").status_code == 302
    assert db.session.get(LogEntry, entry.id) is None
    actions = db.session.scalars(
        db.select(AuditEvent.action).where(
            AuditEvent.object_type == "log_entry", AuditEvent.object_id == str(entry.id)
        )
    ).all()
    assert actions == ["log_entry.added", "log_entry.updated", "log_entry.removed"]


def test_contact_moves_latest_and_first_contact(setup, login):
    client = login(setup["owner"])
    entry = setup["entry"]  # first 10 Jan 2025, latest 1 Jun 2025
    url = f"/staff/outputs/prison-population/user-log/{entry.id}/contacts/new"
    assert client.get(url).status_code == 200
    missing = client.post(url, data={"contacted_on": ["", "", ""], "channel": "email"})
    assert "Enter the date of the contact" in missing.get_data(as_text=True)
    unreal = client.post(
        url, data={"contacted_on": ["31", "2", "2025"], "channel": "email", "summary": "x"}
    )
    assert "Date of the contact must be a real date" in unreal.get_data(as_text=True)
    client.post(
        url,
        data={
            "contacted_on": ["1", "9", "2025"],
            "channel": "meeting",
            "summary": "Discussed the new tables",
        },
    )
    client.post(
        url, data={"contacted_on": ["5", "12", "2024"], "channel": "phone", "summary": "First call"}
    )
    db.session.expire_all()
    entry = db.session.get(LogEntry, entry.id)
    assert entry.latest_contact_on == date(2025, 9, 1)
    assert entry.first_contact_on == date(2024, 12, 5)
    page = client.get(f"/staff/stakeholders/{entry.stakeholder_id}").get_data(as_text=True)
    assert "Discussed the new tables" in page and "First call" in page


def test_contact_in_the_future_is_refused(setup):
    with pytest.raises(logs.LogError):
        logs.record_contact(
            setup["mine"],
            setup["entry"].stakeholder,
            contacted_on=date(2030, 1, 1),
            channel="email",
            summary="x",
            actor=setup["owner"],
            today=date(2026, 1, 1),
        )


def test_stakeholder_page_shows_only_visible_logs_and_hides_personal_data(setup, login):
    shared = StakeholderFactory(
        name="Shared User", email="shared@example.org", phone="07700 900000"
    )
    LogEntryFactory(output=setup["mine"], stakeholder=shared)
    LogEntryFactory(output=setup["theirs"], stakeholder=shared)
    owner_view = (
        login(setup["owner"]).get(f"/staff/stakeholders/{shared.id}").get_data(as_text=True)
    )
    assert "Prison Population" in owner_view and "Court Statistics" not in owner_view
    assert "shared@example.org" in owner_view
    cso_view = login(cso()).get(f"/staff/stakeholders/{shared.id}").get_data(as_text=True)
    assert "Prison Population" in cso_view and "Court Statistics" in cso_view


def test_a_person_without_email_kept_by_another_log_is_shown_as_name_not_shown(app, login):
    """The producer's user log showed such a person as "None" (their missing email address),
    and the bulk page did too; they are "Name not shown" as on the stakeholder page."""
    mine_owner, their_owner = producer(), producer()
    mine = OutputFactory(slug="mine-nameless", producers=[mine_owner])
    theirs = OutputFactory(slug="theirs-nameless", producers=[their_owner])
    person = StakeholderFactory(name="Hidden Hattie", organisation="Secret Org", email=None)
    entry = LogEntryFactory(output=mine, stakeholder=person)
    LogEntryFactory(output=theirs, stakeholder=person)
    client = login(mine_owner)
    page = client.get("/staff/outputs/mine-nameless/user-log").get_data(as_text=True)
    assert f'/staff/stakeholders/{person.id}">Name not shown</a>' in page
    assert ">None<" not in page and "Hidden Hattie" not in page and "Secret Org" not in page
    bulk = client.post(
        "/staff/outputs/mine-nameless/user-log/bulk", data={"step": "choose", "entry": [entry.id]}
    ).get_data(as_text=True)
    assert "Name not shown" in bulk and "None" not in bulk and "Hidden Hattie" not in bulk
