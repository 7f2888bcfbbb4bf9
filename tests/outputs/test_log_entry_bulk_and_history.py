"""Several log entries changed at once, with a reason (issue 21 item 9), and each log entry's
history: who changed what and when (item 8), written by every writer of a log entry."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from engage.audit import AuditEvent
from engage.errors import Refusal
from engage.extensions import db
from engage.outputs import bulk, history, importing, logs, userlog
from engage.outputs.models import LogEntry
from engage.retention import anonymise_expired
from tests.factories.auth import admin, chief, cso, producer
from tests.factories.outputs import LogEntryFactory, OutputFactory, StakeholderFactory


@pytest.fixture
def logs_of_two(app):
    owner, other_owner = producer(email="own@example.gov.uk"), producer(email="oth@example.gov.uk")
    mine = OutputFactory(slug="mine", producers=[owner])
    theirs = OutputFactory(slug="theirs", producers=[other_owner])
    entries = [LogEntryFactory(output=mine, engagement_level="informed") for _ in range(3)]
    foreign = LogEntryFactory(output=theirs)
    return owner, other_owner, mine, theirs, entries, foreign


def _history_actions(entry_id: int) -> list[str]:
    return list(
        db.session.execute(
            db.select(AuditEvent.action)
            .where(AuditEvent.object_type == "log_entry", AuditEvent.object_id == str(entry_id))
            .order_by(AuditEvent.id)
        ).scalars()
    )


@pytest.mark.parametrize("role", [producer, cso, chief, admin])
def test_change_level_of_several_entries_with_a_reason_in_each_history(logs_of_two, role):
    owner, _, mine, _, entries, _ = logs_of_two
    actor = owner if role is producer else role()
    ids = [e.id for e in entries[:2]]
    assert bulk.change_level(mine, ids, "consulted", "Joined the advisory panel", actor) == 2
    db.session.expire_all()
    assert [db.session.get(LogEntry, i).engagement_level for i in ids] == ["consulted"] * 2
    assert db.session.get(LogEntry, entries[2].id).engagement_level == "informed"
    for entry_id in ids:
        rows = history.entry_history(entry_id)
        assert rows[-1].who == actor.name
        assert "Engagement level: Informed → Consulted" in rows[-1].details
        assert "Reason: Joined the advisory panel" in rows[-1].details


def test_remove_several_entries_needs_a_reason(logs_of_two):
    owner, _, mine, _, entries, _ = logs_of_two
    ids = [e.id for e in entries]
    with pytest.raises(bulk.BulkError, match="Enter the reason"):
        bulk.remove_entries(mine, ids, "   ", owner)
    assert bulk.remove_entries(mine, ids, "Duplicates of the import", owner) == 3
    assert (
        db.session.execute(db.select(LogEntry).where(LogEntry.output_id == mine.id)).first() is None
    )
    event = (
        db.session.execute(db.select(AuditEvent).where(AuditEvent.object_id == str(ids[0])))
        .scalars()
        .all()[-1]
    )
    assert event.action == "log_entry.bulk_removed"
    assert event.detail["reason"] == "Duplicates of the import"


def test_a_selection_with_an_entry_of_another_log_changes_nothing(logs_of_two):
    owner, other_owner, mine, theirs, entries, foreign = logs_of_two
    # A Refusal (engage/errors.py), never the built-in PermissionError: the app answers 403.
    with pytest.raises(Refusal) as mixed:
        bulk.change_level(mine, [entries[0].id, foreign.id], "involved", "Why not", owner)
    assert mixed.value.reason == "user_log:entry_of_another_log"
    db.session.rollback()
    with pytest.raises(Refusal) as not_theirs:  # a log they do not keep
        bulk.remove_entries(theirs, [foreign.id], "Not mine", owner)
    assert not_theirs.value.reason == "user_log:not_owner"
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(LogEntry, entries[0].id).engagement_level == "informed"
    assert db.session.get(LogEntry, foreign.id) is not None


def test_bulk_pages_per_role_and_a_foreign_id_is_refused(logs_of_two, login):
    owner, other_owner, mine, _, entries, foreign = logs_of_two
    client = login(owner)
    page = client.get("/staff/outputs/mine/user-log")
    assert f'name="entry" type="checkbox" value="{entries[0].id}"' in page.text
    chosen = client.post(
        "/staff/outputs/mine/user-log/bulk",
        data={"step": "choose", "entry": [str(entries[0].id), str(entries[1].id)]},
    )
    assert chosen.status_code == 200 and "Change 2 users in the user log" in chosen.text
    assert "There is a problem" not in chosen.text
    missing = client.post(
        "/staff/outputs/mine/user-log/bulk",
        data={"step": "apply", "action": "level", "entry": [str(entries[0].id)]},
    )
    assert (
        "There is a problem" in missing.text and "Enter the reason for the change" in missing.text
    )
    assert "Select the new engagement level" in missing.text
    done = client.post(
        "/staff/outputs/mine/user-log/bulk",
        data={
            "step": "apply",
            "action": "level",
            "level": "involved",
            "reason": "Steering group",
            "entry": [str(entries[0].id), str(entries[1].id)],
        },
    )
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(LogEntry, entries[0].id).engagement_level == "involved"
    foreign_post = client.post(
        "/staff/outputs/mine/user-log/bulk",
        data={
            "step": "apply",
            "action": "remove",
            "reason": "x",
            "entry": [str(entries[2].id), str(foreign.id)],
        },
    )
    assert foreign_post.status_code == 403
    refused = db.session.execute(
        db.select(AuditEvent).where(AuditEvent.action == "access.denied")
    ).scalar_one()
    assert refused.detail["reason"] == "user_log:entry_of_another_log"
    assert db.session.get(LogEntry, foreign.id) is not None
    assert db.session.get(LogEntry, entries[2].id) is not None
    for bad in ("abc", "-1", "9" * 40, "²", "0"):  # "²".isdigit() but int("²") raised: a 500
        assert (
            client.post(
                "/staff/outputs/mine/user-log/bulk", data={"step": "choose", "entry": [bad]}
            ).status_code
            == 400
        )
    empty = client.post("/staff/outputs/mine/user-log/bulk", data={"step": "choose"})
    assert empty.status_code == 302
    # Another producer may not use this log's bulk page at all.
    outsider = login(other_owner)
    assert (
        outsider.post(
            "/staff/outputs/mine/user-log/bulk",
            data={"step": "choose", "entry": [str(entries[2].id)]},
        ).status_code
        == 403
    )


def test_bulk_remove_through_the_page_as_the_cso(logs_of_two, login):
    _, _, _, _, entries, _ = logs_of_two
    client = login(cso())
    done = client.post(
        "/staff/outputs/mine/user-log/bulk",
        data={
            "step": "apply",
            "action": "remove",
            "reason": "Left the organisation",
            "entry": [str(e.id) for e in entries],
        },
    )
    assert done.status_code == 302
    assert "3 users removed" in client.get("/staff/outputs/mine/user-log").text


# --- history --------------------------------------------------------------------------------


def test_every_writer_of_a_log_entry_writes_its_history(app):
    office = cso()
    output = OutputFactory(slug="hist")
    added = logs.add_entry(
        output,
        {
            "name": "Hana",
            "email": "hana@x.org",
            "category": "academic",
            "engagement_level": "informed",
            "source": "event",
            "first_contact_on": date(2025, 1, 2),
        },
        office,
    )
    entry_id = added.id
    entry = db.session.get(LogEntry, entry_id)
    logs.update_entry(
        entry,
        {
            "name": "Hana",
            "email": "hana@x.org",
            "category": "academic",
            "engagement_level": "consulted",
            "source": "event",
        },
        office,
    )
    logs.record_contact(
        output,
        entry.stakeholder,
        contacted_on=date(2025, 5, 1),
        channel="phone",
        summary="Call",
        actor=office,
    )
    userlog.join_log(  # the public, by feedback: the level is raised
        output=output,
        email="hana@x.org",
        name="Hana",
        category="academic",
        level="involved",
        source="feedback_form",
        on=date(2025, 6, 1),
    )
    db.session.commit()
    csv = (
        "Name,Category,Engagement level,Email,Latest contact\n"
        "Hana,academic,,hana@x.org,01/07/2025\n"
    )
    importing.apply_import(output, importing.read_rows("log.csv", csv.encode()), office)
    assert _history_actions(entry_id) == [
        "log_entry.added",
        "log_entry.updated",
        "log_entry.contact",
        "log_entry.refreshed",
        "log_entry.imported",
    ]
    rows = history.entry_history(entry_id)
    assert rows[0].who == office.name and rows[3].who == history.NO_STAFF
    assert "Engagement level: Informed → Consulted" in rows[1].details
    assert "Latest contact: 2 Jan 2025 → 1 May 2025" in rows[2].details
    assert "Engagement level: Consulted → Involved" in rows[3].details
    assert "Latest contact: 1 Jun 2025 → 1 Jul 2025" in rows[4].details
    logs.remove_entry(db.session.get(LogEntry, entry_id), office, reason="Asked to be removed")
    assert _history_actions(entry_id)[-1] == "log_entry.removed"


def test_an_import_writes_each_new_entry_history(app):
    owner = producer()
    output = OutputFactory(slug="imp", producers=[owner])
    csv = (
        "Name,Category,Engagement level,Email\n"
        "A,academic,informed,a@x.org\nB,media,consulted,b@x.org\n"
    )
    importing.apply_import(output, importing.read_rows("log.csv", csv.encode()), owner)
    ids = db.session.execute(
        db.select(LogEntry.id).where(LogEntry.output_id == output.id)
    ).scalars()
    for entry_id in ids:
        rows = history.entry_history(entry_id)
        assert [r.what for r in rows] == ["Added to the log"] and rows[0].who == owner.name


def test_anonymising_a_stakeholder_is_in_the_entry_history(app):
    long_ago = datetime(2010, 1, 1, tzinfo=UTC)
    person = StakeholderFactory(created_at=long_ago)
    entry = LogEntryFactory(
        stakeholder=person, first_contact_on=date(2010, 1, 1), latest_contact_on=date(2010, 1, 1)
    )
    db.session.execute(db.update(LogEntry).values(updated_at=long_ago))
    db.session.commit()
    anonymise_expired(date(2026, 11, 28))
    assert _history_actions(entry.id)[-1] == "log_entry.anonymised"


def test_the_history_page_per_role(logs_of_two, login):
    owner, other_owner, mine, _, entries, _ = logs_of_two
    bulk.change_level(mine, [entries[0].id], "consulted", "Panel member", owner)
    url = f"/staff/outputs/mine/user-log/{entries[0].id}/history"
    for who in (cso(), chief(), admin()):
        page = login(who).get(url)
        assert page.status_code == 200 and "Reason: Panel member" in page.text
    page = login(owner).get(url)
    assert page.status_code == 200 and owner.name in page.text
    assert login(other_owner).get(url).status_code == 403
    assert login(cso()).get("/staff/outputs/mine/user-log/999999/history").status_code == 404


def test_bulk_changes_need_the_csrf_token_the_log_page_gives(csrf_app):
    import re

    from flask import g

    owner = producer(email="csrf-owner@example.gov.uk")
    output = OutputFactory(slug="guarded", producers=[owner])
    entry = LogEntryFactory(output=output, engagement_level="informed")
    client = csrf_app.test_client()
    page = client.get("/staff/sign-in").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post(
        "/staff/sign-in",
        data={"email": owner.email, "password": "correct-horse-battery", "csrf_token": csrf},
    )
    # The test's app context outlives each request, and Flask-WTF keeps the token it made in
    # `g`: forget the one made before signing in (a real request starts with an empty `g`).
    g.pop("csrf_token", None)
    log_page = client.get("/staff/outputs/guarded/user-log").get_data(as_text=True)
    bulk_form = log_page.split("data-bulk-form", 1)[1]
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', bulk_form).group(1)
    url = "/staff/outputs/guarded/user-log/bulk"
    data = {"step": "apply", "action": "level", "level": "involved", "reason": "Panel"}
    chosen = client.post(url, data={"step": "choose", "entry": str(entry.id), "csrf_token": csrf})
    assert chosen.status_code == 200
    assert client.post(url, data={**data, "entry": str(entry.id)}).status_code == 400
    done = client.post(url, data={**data, "entry": str(entry.id), "csrf_token": csrf})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(LogEntry, entry.id).engagement_level == "involved"
