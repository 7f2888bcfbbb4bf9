"""Imports you can trust (issue 21 item 5): an empty cell keeps what is recorded, the preview
shows what each row will write and what changes, and confirming refuses (and shows the preview
again) when the log changed after the preview."""

from __future__ import annotations

import io
import re

import pytest

from engage.extensions import db
from engage.outputs import importing
from engage.outputs.models import LogEntry, Stakeholder
from tests.factories.auth import producer
from tests.factories.outputs import LogEntryFactory, OutputFactory, StakeholderFactory
from tests.imports import confirm_import, preview_version

HEADER = (
    "Name,Organisation,Email,Phone,Category,Engagement level,Uses,Source,"
    "First contact,Latest contact,Consent to contact\n"
)
BASE = "/staff/outputs/offender-management/user-log"


@pytest.fixture
def owner(app):
    return producer()


@pytest.fixture
def output(owner):
    return OutputFactory(title="Offender Management", slug="offender-management", producers=[owner])


def _upload(client, text: str) -> str:
    response = client.post(
        f"{BASE}/import",
        data={"file": (io.BytesIO((HEADER + text).encode()), "log.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    return response.headers["Location"]


def _row(html: str, number: int) -> str:
    return re.search(rf'data-row="{number}".*?</tr>', html, re.S).group(0)


def test_empty_cells_keep_what_is_recorded_in_every_log(owner, output, login):
    other = OutputFactory(slug="other", producers=[owner])
    person = StakeholderFactory(
        name="Grace Hopper",
        email="grace@navy.example",
        category="academic",
        consent_to_contact=True,
    )
    LogEntryFactory(output=output, stakeholder=person, engagement_level="consulted")
    LogEntryFactory(output=other, stakeholder=person, engagement_level="informed")
    client = login(owner)
    # Every cell but the email address and the level is empty.
    location = _upload(client, ",,grace@navy.example,,,Involved,,,,,\n")
    html = client.get(location).get_data(as_text=True)
    row = _row(html, 2)
    assert 'data-action="update"' in row
    assert "Grace Hopper" in row and "Academics" in row and "Involved" in row
    assert "<dd>Yes</dd>" in row  # consent kept
    assert "consent" not in re.search(r"data-changes>.*?</ul>", row, re.S).group(0)
    confirm_import(client, location)
    db.session.expire_all()
    kept = db.session.get(Stakeholder, person.id)
    assert (kept.name, kept.category, kept.consent_to_contact) == (
        "Grace Hopper",
        "academic",
        True,
    )
    levels = set(
        db.session.scalars(
            db.select(LogEntry.engagement_level).where(LogEntry.stakeholder_id == person.id)
        )
    )
    assert levels == {"involved", "informed"}


def test_the_preview_shows_what_will_be_written_and_each_change(owner, output, login):
    person = StakeholderFactory(
        name="Grace Hopper",
        email="grace@navy.example",
        category="academic",
        consent_to_contact=True,
    )
    LogEntryFactory(output=output, stakeholder=person, engagement_level="informed")
    client = login(owner)
    location = _upload(
        client,
        "New Person,,new@x.example,,Media,Access,,,,,\n"
        ",,grace@navy.example,,Media,Involved,,,,,No\n"
        "No Category,,nocat@x.example,,,Access,,,,,Yes\n",
    )
    html = client.get(location).get_data(as_text=True)
    new = _row(html, 2)
    assert 'data-action="add"' in new
    assert "New Person" in new and "Media" in new and "Access" in new and "<dd>No</dd>" in new
    update = _row(html, 3)
    assert "category: Academics and researchers → Media" in update
    assert "engagement level: Informed → Involved" in update
    assert "consent: Yes → No" in update
    assert "Category is missing" in _row(html, 4)


def test_confirm_refuses_and_previews_again_when_the_log_changed(owner, output, login):
    client = login(owner)
    location = _upload(client, "Ada,,ada@x.example,,Media,Access,,,,,Yes\n")
    version = preview_version(client, location)
    # Someone adds a person to the log between the preview and the confirmation.
    LogEntryFactory(output=output)
    before = db.session.scalar(db.select(db.func.count()).select_from(LogEntry))
    refused = client.post(location + "/confirm", data={"version": version})
    assert refused.status_code == 302 and refused.headers["Location"].endswith(location)
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(LogEntry)) == before
    again = client.get(location).get_data(as_text=True)
    assert "The user log changed after you checked this import" in again
    # The new preview carries the new version; confirming it imports.
    assert confirm_import(client, location).status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(LogEntry)) == before + 1


def test_confirm_refuses_when_a_person_in_the_file_changed(owner, output, login):
    person = StakeholderFactory(email="grace@navy.example", category="academic")
    LogEntryFactory(output=output, stakeholder=person, engagement_level="informed")
    client = login(owner)
    location = _upload(client, ",,grace@navy.example,,Media,,,,,,\n")
    version = preview_version(client, location)
    person.category = "media"  # now the row would change nothing
    db.session.commit()
    refused = client.post(location + "/confirm", data={"version": version})
    assert refused.headers["Location"].endswith(location)


def _people(email: str) -> int:
    return db.session.scalar(
        db.select(db.func.count()).select_from(Stakeholder).where(Stakeholder.email == email)
    )


def test_apply_import_with_a_stale_version_writes_nothing(owner, output):
    rows = [
        {
            "_row": 2,
            "name": "Ada",
            "email": "ada@x.example",
            "category": "media",
            "engagement_level": "access",
        }
    ]
    version = importing.plan_version(output, importing.plan_import(output, rows, owner))
    LogEntryFactory(output=output)
    with pytest.raises(importing.LogChangedError):
        importing.apply_import(output, rows, owner, version=version)
    assert _people("ada@x.example") == 0
    fresh = importing.plan_version(output, importing.plan_import(output, rows, owner))
    importing.apply_import(output, rows, owner, version=fresh)
    assert _people("ada@x.example") == 1
