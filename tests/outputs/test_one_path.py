"""One path into a user log (house issue P6; issue 21 item 6): staff adds, feedback and
consultation responses all go through userlog.add_to_log. A staff user who may see an email
address's recorded details sees them beside what they typed and keeps either, field by field;
a producer who may not (the person is in a log they do not keep) learns nothing; the public
never changes recorded details, only gives consent and raises the level."""

from __future__ import annotations

import datetime as dt

import pytest

from engage.audit import AuditEvent
from engage.extensions import db
from engage.outputs import logs, userlog
from engage.outputs.models import LogEntry, Stakeholder
from tests.factories.auth import cso, producer
from tests.factories.outputs import LogEntryFactory, OutputFactory, StakeholderFactory

EMAIL = "known@example.org"
TODAY = dt.date(2026, 11, 2)


@pytest.fixture
def known(app):
    other = OutputFactory(slug="other-output")
    person = StakeholderFactory(
        name="Recorded Name",
        organisation="Recorded Org",
        email=EMAIL,
        phone=None,
        category="academic",
        consent_to_contact=False,
    )
    LogEntryFactory(output=other, stakeholder=person, engagement_level="informed")
    return person


def _typed(**kw) -> userlog.PersonData:
    values = {
        "name": "Typed Name",
        "email": " Known@Example.org ",
        "category": "media",
        "organisation": "Recorded Org",
    }
    return userlog.PersonData(**(values | kw))


ENTRY = userlog.EntryData(engagement_level="consulted", source="event", on=TODAY)


def test_staff_who_may_see_the_person_get_recorded_beside_typed(known):
    output = OutputFactory()
    office = cso()
    with pytest.raises(userlog.PersonExists) as raised:
        userlog.add_to_log(output, _typed(), ENTRY, actor=office, on_existing="refuse")
    assert raised.value.differences == {
        "name": ("Recorded Name", "Typed Name"),
        "category": ("academic", "media"),
    }
    db.session.rollback()
    entry = userlog.add_to_log(
        output, _typed(), ENTRY, actor=office, on_existing="refuse", use_typed={"name"}
    )
    db.session.commit()
    person = db.session.get(Stakeholder, known.id)
    assert (person.name, person.category) == ("Typed Name", "academic")
    assert entry.stakeholder_id == known.id and entry.engagement_level == "consulted"
    event = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "log_entry.added")
    ).one()
    assert event.detail["person_fields_changed"] == ["name"]
    assert "Typed Name" not in str(event.detail)  # names of fields only, never the values


def test_a_producer_who_may_not_see_the_person_adds_an_entry_and_changes_nothing(known):
    mine = producer()
    output = OutputFactory(producers=[mine])
    userlog.add_to_log(output, _typed(), ENTRY, actor=mine, on_existing="refuse")
    db.session.commit()
    person = db.session.get(Stakeholder, known.id)
    assert (person.name, person.category) == ("Recorded Name", "academic")


def test_a_second_entry_in_one_log_is_refused(known):
    output = OutputFactory()
    LogEntryFactory(output=output, stakeholder=known)
    with pytest.raises(userlog.AlreadyInLog):
        userlog.add_to_log(output, _typed(), ENTRY, actor=cso(), on_existing="refuse")


def test_the_public_asks_consent_and_raises_the_level_but_changes_no_details(known):
    output = OutputFactory()
    first = userlog.join_log(
        output=output,
        email=EMAIL,
        name="Someone Else",
        category="public",
        level="consulted",
        source="feedback_form",
        on=TODAY,
        consent_to_contact=True,
    )
    again = userlog.join_log(
        output=output,
        email=EMAIL,
        name="Someone Else",
        category="public",
        level="access",
        source="feedback_form",
        on=TODAY + dt.timedelta(days=3),
        consent_to_contact=False,
    )
    db.session.commit()
    assert first.id == again.id and again.engagement_level == "consulted"
    assert again.latest_contact_on == TODAY + dt.timedelta(days=3)
    person = db.session.get(Stakeholder, known.id)
    # Their consent is asked for, and given only when they confirm by email (issue 21).
    assert (person.name, person.category, person.consent_to_contact) == (
        "Recorded Name",
        "academic",
        False,
    )
    from engage.consent.models import Consent

    assert {c.status for c in db.session.scalars(db.select(Consent))} == {"pending"}


FORM = {
    "name": "Typed Name",
    "organisation": "Typed Org",
    "email": EMAIL,
    "phone": "",
    "category": "media",
    "engagement_level": "consulted",
    "source": "event",
    "uses": "",
}


def test_adding_a_known_email_shows_both_and_keeps_the_choice_field_by_field(known, login):
    OutputFactory(slug="mine")
    client = login(cso())
    url = "/staff/outputs/mine/user-log/add"
    shown = client.post(url, data=FORM).get_data(as_text=True)
    assert "This email address is already recorded" in shown
    assert "Keep what is recorded: Recorded Name" in shown
    assert "Use what you typed: Typed Name" in shown
    assert "Keep what is recorded: Recorded Org" in shown
    assert db.session.scalar(db.select(db.func.count()).select_from(LogEntry)) == 1
    compared = ["name", "organisation", "category"]
    # Leaving a choice out is an error, and nothing is saved.
    partial = client.post(
        url, data={**FORM, "compared": compared, "keep_name": "typed", "keep_category": "typed"}
    ).get_data(as_text=True)
    assert "Choose which organisation to keep" in partial
    assert "govuk-error-summary" in partial
    assert db.session.scalar(db.select(db.func.count()).select_from(LogEntry)) == 1
    done = client.post(
        url,
        data={
            **FORM,
            "compared": compared,
            "keep_name": "typed",
            "keep_organisation": "recorded",
            "keep_category": "typed",
        },
    )
    assert done.status_code == 302
    db.session.expire_all()
    person = db.session.get(Stakeholder, known.id)
    assert (person.name, person.organisation, person.category) == (
        "Typed Name",
        "Recorded Org",
        "media",
    )
    assert db.session.scalar(db.select(db.func.count()).select_from(LogEntry)) == 2


def test_logs_add_entry_turns_a_second_entry_into_a_form_error(known):
    output = OutputFactory()
    LogEntryFactory(output=output, stakeholder=known)
    with pytest.raises(logs.LogError) as raised:
        logs.add_entry(output, {**FORM, "first_contact_on": None}, cso())
    assert raised.value.field == "email"


def test_forged_choices_and_a_double_submit_change_nothing_they_should_not(known, login):
    OutputFactory(slug="mine")
    client = login(cso())
    url = "/staff/outputs/mine/user-log/add"
    forged = client.post(
        url,
        data={
            **FORM,
            "compared": ["email", "id", "name", "organisation", "category"],
            "keep_name": "typed\x00",
            "keep_organisation": "recorded",
            "keep_category": "recorded",
            "keep_email": "typed",
        },
    )
    assert forged.status_code == 200 and "Choose which name to keep" in forged.text
    choices = {
        **FORM,
        "compared": ["name", "organisation", "category"],
        "keep_name": "recorded",
        "keep_organisation": "recorded",
        "keep_category": "recorded",
    }
    assert client.post(url, data=choices).status_code == 302
    again = client.post(url, data=choices)  # a second click
    assert "already in this user log" in again.text
    db.session.expire_all()
    person = db.session.get(Stakeholder, known.id)
    assert (person.name, person.email) == ("Recorded Name", EMAIL)
    assert db.session.scalar(db.select(db.func.count()).select_from(LogEntry)) == 2
