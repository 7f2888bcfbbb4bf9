"""What a merge keeps to be undone is personal data (engage/outputs/merge_snapshots.py): a subject
access request finds it, and it goes when the person is erased or the undo period ends."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from engage.db_types import utcnow
from engage.extensions import db
from engage.outputs import merge_undo, merging
from engage.outputs.models import LogEntry, Stakeholder, StakeholderMerge
from engage.retention import anonymise_expired
from tests.factories.auth import admin, cso, producer
from tests.factories.outputs import (
    FeedbackFactory,
    LogEntryFactory,
    OutputFactory,
    StakeholderFactory,
)

MERGES = "Records merged into another (kept so that the merge can be undone)"
FAR_AHEAD = date(2040, 1, 1)  # every record made today is past the retention period then


@pytest.fixture
def merged(app):
    """Ada's home record (with a phone number and her home address) merged into her work record;
    the work address is kept, so the home address is now only in the merge's snapshot."""
    output = OutputFactory(slug="merge-snap")
    work = StakeholderFactory(name="Ada Lovelace", email="ada@work.org", phone=None)
    home = StakeholderFactory(
        name="A. Lovelace", organisation="", email="ada@home.org", phone="07700 900123"
    )
    LogEntryFactory(output=output, stakeholder=work, uses="Teaching")
    LogEntryFactory(output=output, stakeholder=home, uses="Research at home")
    FeedbackFactory(output=output, email="ada@home.org")
    db.session.commit()
    merge = merging.merge_stakeholders(work.id, home.id, take_from_other=set(), actor=cso())
    return {"work": work.id, "home": home.id, "merge": merge.id, "output": output}


def _lookup(client, email: str) -> tuple[str, dict]:  # type: ignore[no-untyped-def]
    html = client.post("/staff/admin/subject-access", data={"email": email}).text
    download = client.post("/staff/admin/subject-access/download", data={"email": email})
    return html, json.loads(download.text)["records"]


def test_subject_access_for_a_merged_away_address_finds_the_merge_and_the_record(merged, login):
    client = login(admin())
    html, records = _lookup(client, "ADA@home.org")
    assert f"{MERGES} (1)" in html and "07700 900123" in html
    (found,) = records["merges"]
    assert found["id"] == merged["merge"]
    assert found["snapshot"]["merged"]["email"] == "ada@home.org"
    assert found["snapshot"]["merged"]["phone"] == "07700 900123"
    assert found["merged_record"]["name"] == "A. Lovelace"
    assert found["merged_record"]["phone"] == "07700 900123"
    combined = found["snapshot"]["entries_combined"][0]
    assert "Research at home" in json.dumps(combined)
    # The kept address finds the same merge (its record's), an address that merely contains the
    # merged one finds nothing.
    _, kept = _lookup(client, "ada@work.org")
    assert [m["id"] for m in kept["merges"]] == [merged["merge"]]
    _, other = _lookup(client, "da@home.org")
    assert other["merges"] == []


@pytest.mark.parametrize("role", [cso, producer])
def test_only_administrators_see_what_a_merge_keeps(merged, login, role):
    client = login(role())
    page = client.post("/staff/admin/subject-access", data={"email": "ada@home.org"})
    assert page.status_code == 403
    download = client.post("/staff/admin/subject-access/download", data={"email": "ada@home.org"})
    assert download.status_code == 403


def test_once_the_merge_cannot_be_undone_subject_access_finds_no_personal_data_in_it(merged, login):
    db.session.get(StakeholderMerge, merged["merge"]).merged_at = utcnow() - timedelta(days=31)
    db.session.commit()
    assert anonymise_expired()["merged_records"] == 1
    client = login(admin())
    html, records = _lookup(client, "ada@home.org")
    assert f"{MERGES} (0)" in html and "07700" not in html
    _, kept = _lookup(client, "ada@work.org")
    snapshot = json.dumps(kept["merges"][0]["snapshot"])
    for personal in ("ada@home.org", "Lovelace", "07700", "Research at home"):
        assert personal not in snapshot
    assert kept["merges"][0]["merged_record"]["phone"] is None


def test_erasing_the_person_removes_what_the_merge_keeps_and_the_undo_still_works(merged, login):
    counts = anonymise_expired(FAR_AHEAD)
    assert counts["stakeholders"] == 1  # the kept record; the merged one goes with it
    db.session.expire_all()
    snapshot = db.session.get(StakeholderMerge, merged["merge"]).snapshot
    text = json.dumps(snapshot)
    for personal in ("ada@", "Lovelace", "07700", "Research at home", "Teaching"):
        assert personal not in text
    assert len(snapshot["entries_combined"]) == 1 and len(snapshot["feedback"]) == 1
    home = db.session.get(Stakeholder, merged["home"])
    assert (home.name, home.phone, home.anonymised_at is not None) == ("Anonymised", None, True)
    # Within the 30 days the CSO may still undo it: two anonymised records, no error.
    merge_undo.undo_merge(merged["merge"], actor=cso())
    db.session.expire_all()
    back = db.session.get(Stakeholder, merged["home"])
    assert back.merged_into_id is None and back.name == "Anonymised" and back.email is None
    assert (
        db.session.scalar(
            db.select(db.func.count())
            .select_from(LogEntry)
            .where(LogEntry.stakeholder_id == back.id)
        )
        == 1
    )
    html, records = _lookup(login(admin()), "ada@home.org")
    assert records["merges"] == [] and "07700" not in html


def test_a_merged_record_is_not_erased_while_the_person_it_was_merged_into_is_in_contact(merged):
    LogEntryFactory(
        stakeholder=db.session.get(Stakeholder, merged["work"]),
        latest_contact_on=date(2039, 12, 1),
    )
    assert anonymise_expired(FAR_AHEAD)["stakeholders"] == 0
    db.session.expire_all()
    assert db.session.get(Stakeholder, merged["home"]).phone == "07700 900123"
    assert "07700" in json.dumps(db.session.get(StakeholderMerge, merged["merge"]).snapshot)
