"""LogEntry.stakeholder_name and stakeholder_category, the copies the user log reads its counts
and name order from, stay equal to the stakeholder's on every path that writes them."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from engage.extensions import db
from engage.outputs import importing, logs
from engage.outputs.models import LogEntry, Stakeholder
from engage.outputs.userlog import join_log
from tests.factories.auth import cso, producer
from tests.factories.outputs import LogEntryFactory, OutputFactory, StakeholderFactory

ENTRY = {
    "organisation": "",
    "email": None,
    "phone": None,
    "consent_to_contact": True,
    "engagement_level": "informed",
    "uses": "",
    "source": "user_request",
    "first_contact_on": date(2025, 3, 1),
}


def _copies() -> dict[int, tuple[str, str]]:
    """Every log entry's copies, by entry id, read from the database."""
    db.session.expire_all()
    rows = db.session.execute(
        sa.select(LogEntry.id, LogEntry.stakeholder_name, LogEntry.stakeholder_category)
    )
    return {entry_id: (name, category) for entry_id, name, category in rows}


def _stale() -> list[int]:
    """Log entries whose copies differ from their stakeholder's name or category."""
    return list(
        db.session.execute(
            sa.select(LogEntry.id)
            .join(Stakeholder, Stakeholder.id == LogEntry.stakeholder_id)
            .where(
                sa.or_(
                    LogEntry.stakeholder_name != Stakeholder.name,
                    LogEntry.stakeholder_category != Stakeholder.category,
                )
            )
        ).scalars()
    )


def test_new_entries_copy_their_stakeholder_whichever_way_they_are_made(app):
    output = OutputFactory()
    by_factory = LogEntryFactory(
        output=output, stakeholder=StakeholderFactory(name="Ada Lovelace", category="expert")
    )
    added = logs.add_entry(
        output,
        {**ENTRY, "name": "Grace Hopper", "email": "grace@navy.example", "category": "government"},
        cso(),
    )
    # The same email address is the same stakeholder: kept as recorded (the user chose to keep
    # the recorded details), their details, not the form's, are copied.
    again = logs.add_entry(
        OutputFactory(),
        {**ENTRY, "name": "G. Hopper", "email": "grace@navy.example", "category": "public"},
        cso(),
        use_typed=set(),
    )
    joined = join_log(
        output=output,
        email="new@uni.example",
        name="Joan Clarke",
        category="academic",
        level="informed",
        source="feedback_form",
        on=date(2025, 4, 1),
    )
    db.session.commit()
    copies = _copies()
    assert copies[by_factory.id] == ("Ada Lovelace", "expert")
    assert copies[added.id] == ("Grace Hopper", "government")
    assert copies[again.id] == ("Grace Hopper", "government")
    assert copies[joined.id] == ("Joan Clarke", "academic")
    assert _stale() == []


def test_editing_a_stakeholder_updates_their_entries_in_every_log(app, login):
    first, second = OutputFactory(slug="first"), OutputFactory(slug="second")
    person = StakeholderFactory(name="Ada Lovelace", category="academic")
    here = LogEntryFactory(output=first, stakeholder=person, engagement_level="consulted")
    there = LogEntryFactory(output=second, stakeholder=person, engagement_level="involved")
    logs.update_entry(
        here,
        {
            **ENTRY,
            "name": "Ada King",
            "email": person.email,
            "category": "media",
            "engagement_level": "consulted",
        },
        cso(),
    )
    copies = _copies()
    assert copies[here.id] == copies[there.id] == ("Ada King", "media")
    # The other log's counts, filters and order follow at once.
    counts = logs.log_counts(second.id)
    assert counts.cell("media", "involved") == 1 and counts.cell("academic", "involved") == 0
    html = login(cso()).get("/staff/outputs/second/user-log?category=media").get_data(as_text=True)
    assert "Ada King" in html and "1 user matching the filters" in html


def test_moving_an_entry_to_another_stakeholder_copies_the_new_one(app):
    entry = LogEntryFactory(stakeholder=StakeholderFactory(name="First", category="public"))
    entry.stakeholder = StakeholderFactory(name="Second", category="expert")
    db.session.commit()
    assert _copies()[entry.id] == ("Second", "expert")
    entry.stakeholder_id = StakeholderFactory(name="Third", category="media").id
    db.session.commit()
    assert _copies()[entry.id] == ("Third", "media")


def test_an_import_copies_new_and_changed_stakeholders(app):
    owner = producer()
    output, elsewhere = OutputFactory(producers=[owner]), OutputFactory()
    known = StakeholderFactory(name="Known Person", email="known@uni.example", category="public")
    theirs = LogEntryFactory(output=elsewhere, stakeholder=known)
    csv = (
        b"Name,Organisation,Email,Phone,Category,Engagement level,Uses,Source,"
        b"First contact,Latest contact,Consent to contact\n"
        b"New Person,,new@uni.example,,academic,Informed,,,,,Yes\n"
        b"Known Person Renamed,,known@uni.example,,media,Consulted,,,,,Yes\n"
    )
    # The CSO office may change a person who is in several logs (a producer may not: see
    # tests/security/test_shared_stakeholders.py).
    plan = importing.apply_import(output, importing.read_rows("log.csv", csv), cso())
    assert plan.counts["add"] == 2
    copies = _copies()
    assert copies[theirs.id] == ("Known Person Renamed", "media")
    assert sorted(copies[e] for e in _entry_ids(output.id)) == [
        ("Known Person Renamed", "media"),
        ("New Person", "academic"),
    ]
    assert _stale() == []


def _entry_ids(output_id: int) -> list[int]:
    return list(
        db.session.execute(sa.select(LogEntry.id).where(LogEntry.output_id == output_id)).scalars()
    )


def test_a_bulk_insert_without_the_copies_is_refused(app):
    person = StakeholderFactory()
    output = OutputFactory()
    with pytest.raises(IntegrityError):
        db.session.execute(
            sa.insert(LogEntry),
            [
                {
                    "output_id": output.id,
                    "stakeholder_id": person.id,
                    "engagement_level": "access",
                    "uses": "",
                    "source": "event",
                }
            ],
        )
    db.session.rollback()
