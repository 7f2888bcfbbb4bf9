"""Imported consent says where it came from (issue 21 item 3): a Yes gives consultation
invitations and news about the output, a No withdraws them, an empty cell changes nothing."""

from __future__ import annotations

import io

import pytest

from engage.consent.models import Consent
from engage.db_types import utcnow
from engage.extensions import db
from engage.outputs.models import Stakeholder
from tests.factories.auth import cso, producer
from tests.factories.consent import consenting
from tests.factories.outputs import LogEntryFactory, OutputFactory, StakeholderFactory
from tests.imports import confirm_import

HEADER = (
    "Name,Organisation,Email,Phone,Category,Engagement level,Uses,Source,"
    "First contact,Latest contact,Consent to contact\n"
)


def _import(client, output, text: str) -> None:  # type: ignore[no-untyped-def]
    base = f"/staff/outputs/{output.slug}/user-log"
    response = client.post(
        f"{base}/import",
        data={"file": (io.BytesIO((HEADER + text).encode()), "log.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert confirm_import(client, response.headers["Location"]).status_code == 302


def _consents(email: str) -> set[tuple[str, str, str, str | None]]:
    person = db.session.execute(
        db.select(Stakeholder).where(Stakeholder.email == email)
    ).scalar_one()
    return {
        (c.purpose, c.status, c.source, c.withdrawn_how)
        for c in db.session.scalars(db.select(Consent).where(Consent.stakeholder_id == person.id))
    }


def test_imported_consent_is_given_withdrawn_or_kept_with_its_source(app, login):
    owner = producer(name="Imogen Importer")
    output = OutputFactory(
        title="Offender Management", slug="offender-management", producers=[owner]
    )
    leaving = StakeholderFactory(email="leaving@example.org", consent_to_contact=False)
    LogEntryFactory(output=output, stakeholder=leaving)
    consenting(leaving, "consultations")
    consenting(leaving, "news", output)
    kept = StakeholderFactory(email="kept@example.org", consent_to_contact=False)
    LogEntryFactory(output=output, stakeholder=kept)
    consenting(kept, "news", output)
    client = login(owner)
    _import(
        client,
        output,
        "New Person,,new@example.org,,4,Informed,,,,,Yes\n"
        ",,leaving@example.org,,,,,,,,No\n"
        ",,kept@example.org,,,,,,,,\n",
    )
    db.session.expire_all()
    assert _consents("new@example.org") == {
        ("consultations", "given", "import", None),
        ("news", "given", "import", None),
    }
    row = db.session.scalars(
        db.select(Consent)
        .where(Consent.purpose == "news")
        .join(Stakeholder, Stakeholder.id == Consent.stakeholder_id)
        .where(Stakeholder.email == "new@example.org")
    ).one()
    assert row.output_id == output.id and row.recorded_by_id == owner.id
    assert "Offender Management" in row.source_detail and "Imogen Importer" in row.source_detail
    assert _consents("leaving@example.org") == {
        ("consultations", "withdrawn", "staff", "import"),
        ("news", "withdrawn", "staff", "import"),
    }
    assert _consents("kept@example.org") == {("news", "given", "staff", None)}
    new = db.session.execute(
        db.select(Stakeholder).where(Stakeholder.email == "new@example.org")
    ).scalar_one()
    assert new.consent_to_contact is True
    assert db.session.get(Stakeholder, leaving.id).consent_to_contact is False


def _row(email: str, consent: str, number: int = 2) -> dict[str, object]:
    """A row as the import reads it from a file: every cell but the email and consent empty."""
    cells = dict.fromkeys(
        (
            "name",
            "organisation",
            "phone",
            "category",
            "engagement_level",
            "uses",
            "source",
            "first_contact_on",
            "latest_contact_on",
        ),
        "",
    )
    return {**cells, "email": email, "consent_to_contact": consent, "_row": number}


def _flag_off_but_consenting(output, other_output):  # type: ignore[no-untyped-def]
    """A person whose "agrees to be contacted" flag is off but who gave news about the output
    (and about another output), and asked on a public form for consultation invitations."""
    person = StakeholderFactory(email="quiet@example.org", consent_to_contact=False)
    LogEntryFactory(output=output, stakeholder=person)
    consenting(person, "news", output)
    consenting(person, "news", other_output)
    consenting(person, "consultations", status="pending", source="public_form")
    assert db.session.get(Stakeholder, person.id).consent_to_contact is False
    return person


def _statuses(person) -> dict[tuple[str, int | None], tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    return {
        (c.purpose, c.output_id): (c.status, c.withdrawn_how)
        for c in db.session.scalars(db.select(Consent).where(Consent.stakeholder_id == person.id))
    }


def test_a_no_withdraws_every_covered_purpose_even_when_the_flag_was_already_off(app):
    from engage.outputs import importing

    owner = producer()
    output = OutputFactory(producers=[owner])
    other_output = OutputFactory()
    person = _flag_off_but_consenting(output, other_output)
    before = utcnow()

    plan = importing.plan_import(output, [_row("quiet@example.org", "No")], owner)
    (row,) = plan.rows
    assert row.action == "update"
    assert row.changes == [
        "consent to consultation invitations and news about this output: withdrawn"
    ]
    db.session.rollback()
    importing.apply_import(output, [_row("quiet@example.org", "No")], owner)

    db.session.expire_all()
    assert _statuses(person) == {
        ("news", output.id): ("withdrawn", "import"),
        ("consultations", None): ("withdrawn", "import"),
        ("news", other_output.id): ("given", None),  # another output's news is not covered
    }
    withdrawn = db.session.scalars(
        db.select(Consent).where(Consent.stakeholder_id == person.id, Consent.status == "withdrawn")
    ).all()
    assert all(c.withdrawn_at is not None and c.withdrawn_at >= before for c in withdrawn)
    assert db.session.get(Stakeholder, person.id).consent_to_contact is False
    # Importing the same No again changes nothing and says so.
    again = importing.plan_import(output, [_row("quiet@example.org", "No")], owner)
    assert again.rows[0].action == "unchanged" and again.rows[0].changes == []


def test_a_blank_cell_keeps_and_a_yes_gives_what_is_missing(app):
    from engage.outputs import importing

    owner = producer()
    output = OutputFactory(producers=[owner])
    person = _flag_off_but_consenting(output, OutputFactory())
    blank = importing.plan_import(output, [_row("quiet@example.org", "")], owner)
    assert blank.rows[0].action == "unchanged"
    importing.apply_import(output, [_row("quiet@example.org", "")], owner)
    db.session.expire_all()
    assert _statuses(person)[("news", output.id)] == ("given", None)
    assert _statuses(person)[("consultations", None)] == ("pending", None)

    # A Yes for someone who agrees already is what an export says of them: nothing changes.
    yes_person = StakeholderFactory(email="yes@example.org")
    LogEntryFactory(output=output, stakeholder=yes_person)
    consenting(yes_person, "consultations")
    plan = importing.plan_import(output, [_row("yes@example.org", "Yes")], owner)
    assert plan.rows[0].action == "unchanged"
    # A Yes for someone whose flag is off gives both purposes, saying where it came from.
    plan = importing.plan_import(output, [_row("quiet@example.org", "Yes")], owner)
    assert plan.rows[0].changes == ["consent: No → Yes"]
    db.session.rollback()
    importing.apply_import(output, [_row("quiet@example.org", "Yes")], owner)
    db.session.expire_all()
    assert _statuses(person)[("consultations", None)] == ("given", None)
    row = db.session.scalars(
        db.select(Consent).where(
            Consent.stakeholder_id == person.id, Consent.purpose == "consultations"
        )
    ).one()
    assert row.source == "import" and row.recorded_by_id == owner.id


def test_an_export_of_someone_who_only_asked_for_news_reimports_without_withdrawing_it(app, login):
    owner = producer()
    output = OutputFactory(slug="news-only", producers=[owner])
    person = StakeholderFactory(email="news@example.org", consent_to_contact=False)
    LogEntryFactory(output=output, stakeholder=person)
    consenting(person, "news", output, source="public_form")
    client = login(owner)
    exported = client.get("/staff/outputs/news-only/user-log.csv").get_data(as_text=True)
    line = next(x for x in exported.splitlines() if "news@example.org" in x)
    assert line.rstrip("\r").endswith(",")  # consent left empty: keeps what is recorded
    response = client.post(
        "/staff/outputs/news-only/user-log/import",
        data={"file": (io.BytesIO(exported.encode()), "log.csv")},
        content_type="multipart/form-data",
    )
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-action="unchanged"' in html and "withdrawn" not in html


@pytest.mark.parametrize("role", ["producer", "cso"])
def test_a_no_in_an_uploaded_file_withdraws_consent_of_a_person_whose_flag_was_off(
    app, login, role
):
    owner = producer()
    output = OutputFactory(
        title="Offender Management", slug="offender-management", producers=[owner]
    )
    person = _flag_off_but_consenting(output, OutputFactory())
    client = login(owner if role == "producer" else cso())
    base = f"/staff/outputs/{output.slug}/user-log"
    response = client.post(
        f"{base}/import",
        data={"file": (io.BytesIO((HEADER + ",,quiet@example.org,,,,,,,,No\n").encode()), "l.csv")},
        content_type="multipart/form-data",
    )
    location = response.headers["Location"]
    preview = client.get(location).get_data(as_text=True)
    assert 'data-action="update"' in preview
    assert "consent to consultation invitations and news about this output: withdrawn" in preview
    assert confirm_import(client, location).status_code == 302
    db.session.expire_all()
    assert _statuses(person)[("news", output.id)] == ("withdrawn", "import")
    assert _statuses(person)[("consultations", None)] == ("withdrawn", "import")
    history = client.get(f"/staff/stakeholders/{person.id}").get_data(as_text=True)
    assert "Withdrawn by an import" in history
