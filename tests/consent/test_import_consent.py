"""Imported consent says where it came from (issue 21 item 3): a Yes gives consultation
invitations and news about the output, a No withdraws them, an empty cell changes nothing."""

from __future__ import annotations

import io

from engage.consent.models import Consent
from engage.extensions import db
from engage.outputs.models import Stakeholder
from tests.factories.auth import producer
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
