"""Merging two records of one person (issue 21 item 2): the CSO office merges any two records, a
producer only two records wholly within their own outputs' logs; log entries, contacts, feedback
and consultation responses move; entries in one log are combined (the higher level); the merge
is audited and the CSO office can undo it for 30 days; stale and repeated merges are refused
with a message, never a 500."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from engage.audit import AuditEvent
from engage.consultations.models import ConsultationResponse
from engage.db_types import utcnow
from engage.errors import Refusal
from engage.extensions import db
from engage.outputs import history, merge_rules, merge_undo, merging
from engage.outputs.models import Contact, Feedback, LogEntry, Stakeholder, StakeholderMerge
from tests.factories.auth import admin, chief, cso, producer
from tests.factories.consultations import ConsultationFactory
from tests.factories.outputs import (
    FeedbackFactory,
    LogEntryFactory,
    OutputFactory,
    StakeholderFactory,
)


@pytest.fixture
def twins(app):
    """Two records of Ada: one from an import (work address), one from feedback (home
    address); both in log A (at different levels), the work one also in log B."""
    owner_a, owner_b = producer(email="pa@example.gov.uk"), producer(email="pb@example.gov.uk")
    out_a = OutputFactory(slug="out-a", producers=[owner_a])
    out_b = OutputFactory(slug="out-b", producers=[owner_b])
    work = StakeholderFactory(
        name="Ada Lovelace", organisation="Analytical Engines", email="ada@work.org", phone=None
    )
    home = StakeholderFactory(
        name="A. Lovelace",
        organisation="",
        email="ada@home.org",
        phone="07700 900123",
        consent_to_contact=False,
    )
    work_a = LogEntryFactory(
        output=out_a,
        stakeholder=work,
        engagement_level="informed",
        uses="Teaching",
        first_contact_on=date(2025, 3, 1),
        latest_contact_on=date(2025, 4, 1),
    )
    home_a = LogEntryFactory(
        output=out_a,
        stakeholder=home,
        engagement_level="consulted",
        uses="Research",
        first_contact_on=date(2024, 1, 5),
        latest_contact_on=date(2025, 2, 1),
    )
    work_b = LogEntryFactory(output=out_b, stakeholder=work, engagement_level="access")
    db.session.add(
        Contact(
            output_id=out_a.id,
            stakeholder_id=home.id,
            contacted_on=date(2025, 2, 1),
            channel="email",
            summary="Asked about table 3",
        )
    )
    FeedbackFactory(output=out_a, email="ada@home.org")
    consultation = ConsultationFactory()
    db.session.add(
        ConsultationResponse(
            consultation_id=consultation.id,
            reference="CR-MERGE01",
            category="academic",
            email="ada@home.org",
            name="A. Lovelace",
        )
    )
    db.session.commit()
    return {
        "owner_a": owner_a,
        "owner_b": owner_b,
        "out_a": out_a,
        "out_b": out_b,
        "work": work,
        "home": home,
        "work_a": work_a,
        "home_a": home_a,
        "work_b": work_b,
    }


def _ids(t):
    return t["work"].id, t["home"].id, t["work_a"].id, t["home_a"].id, t["work_b"].id


def test_the_cso_merges_two_records_field_by_field_and_everything_moves(twins):
    office = cso()
    work_id, home_id, work_a_id, home_a_id, _ = _ids(twins)
    merge = merging.merge_stakeholders(work_id, home_id, take_from_other={"phone"}, actor=office)
    db.session.expire_all()
    kept = db.session.get(Stakeholder, work_id)
    gone = db.session.get(Stakeholder, home_id)
    # No consent records (from before consent per purpose): the work record's consent stays.
    assert (kept.name, kept.email, kept.phone, kept.consent_to_contact) == (
        "Ada Lovelace",
        "ada@work.org",
        "07700 900123",
        True,
    )
    assert gone.merged_into_id == work_id and gone.email is None
    # One entry in log A: the higher level, the widest dates, both uses.
    entries = (
        db.session.execute(db.select(LogEntry).where(LogEntry.stakeholder_id == work_id))
        .scalars()
        .all()
    )
    assert len(entries) == 2
    combined = db.session.get(LogEntry, work_a_id)
    assert combined.engagement_level == "consulted"
    assert combined.first_contact_on == date(2024, 1, 5)
    assert combined.latest_contact_on == date(2025, 4, 1)
    assert "Teaching" in combined.uses and "Research" in combined.uses
    assert combined.stakeholder_name == "Ada Lovelace"
    assert db.session.get(LogEntry, home_a_id) is None
    # Contacts, feedback and consultation responses follow the person.
    assert db.session.execute(db.select(Contact.stakeholder_id)).scalar_one() == work_id
    assert db.session.execute(db.select(Feedback.email)).scalar_one() == "ada@work.org"
    assert db.session.execute(db.select(ConsultationResponse.email)).scalar_one() == "ada@work.org"
    # Audited, with field names only; the combined entry's history says what happened.
    event = db.session.execute(
        db.select(AuditEvent).where(AuditEvent.action == "stakeholder.merged")
    ).scalar_one()
    assert event.actor_id == office.id
    assert event.detail["fields_from_merged"] == ["phone"]
    assert "07700" not in str(event.detail)
    lines = [line for row in history.entry_history(work_a_id) for line in row.details]
    assert "Engagement level: Informed → Consulted" in lines
    assert any("higher of the two" in line for line in lines)
    assert merge.snapshot["entries_combined"][0]["removed"]["id"] == home_a_id


def test_the_merged_email_can_be_chosen_and_the_unused_record_is_not_found(twins):
    work_id, home_id, *_ = _ids(twins)
    merging.merge_stakeholders(work_id, home_id, take_from_other={"email"}, actor=chief())
    db.session.expire_all()
    assert db.session.get(Stakeholder, work_id).email == "ada@home.org"
    from engage.outputs import search

    assert [f.stakeholder_id for f in search.search_people(cso(), "a. lov")] == []
    assert [f.stakeholder_id for f in search.search_people(cso(), "ada@home")] == [work_id]


def test_undo_within_30_days_puts_everything_back(twins):
    office = cso()
    work_id, home_id, work_a_id, home_a_id, work_b_id = _ids(twins)
    merge = merging.merge_stakeholders(
        work_id, home_id, take_from_other={"phone", "email"}, actor=office
    )
    merge_undo.undo_merge(merge.id, actor=admin(), now=utcnow() + timedelta(days=29))
    db.session.expire_all()
    kept, back = db.session.get(Stakeholder, work_id), db.session.get(Stakeholder, home_id)
    assert (kept.email, kept.phone) == ("ada@work.org", None)
    assert (back.email, back.phone, back.merged_into_id) == ("ada@home.org", "07700 900123", None)
    assert db.session.get(LogEntry, work_a_id).engagement_level == "informed"
    assert db.session.get(LogEntry, work_a_id).uses == "Teaching"
    restored = db.session.get(LogEntry, home_a_id)
    assert (restored.stakeholder_id, restored.engagement_level) == (home_id, "consulted")
    assert restored.stakeholder_name == "A. Lovelace"
    assert db.session.get(LogEntry, work_b_id).stakeholder_id == work_id
    assert db.session.execute(db.select(Contact.stakeholder_id)).scalar_one() == home_id
    assert db.session.execute(db.select(Feedback.email)).scalar_one() == "ada@home.org"
    assert db.session.execute(db.select(ConsultationResponse.email)).scalar_one() == "ada@home.org"
    assert db.session.get(StakeholderMerge, merge.id).undone_at is not None
    assert db.session.execute(
        db.select(AuditEvent.action).where(AuditEvent.action == "stakeholder.merge_undone")
    ).scalar_one()
    whats = [row.what for row in history.entry_history(home_a_id)]
    assert whats[-1] == history.ACTIONS["log_entry.merge_undone"]


def test_undo_after_30_days_is_refused_and_changes_nothing(twins):
    work_id, home_id, *_ = _ids(twins)
    merge = merging.merge_stakeholders(work_id, home_id, take_from_other=set(), actor=cso())
    with pytest.raises(merge_rules.MergeError, match="can be undone for 30 days"):
        merge_undo.undo_merge(
            merge.id, actor=cso(), now=merge.merged_at + timedelta(days=30, seconds=1)
        )
    db.session.rollback()
    assert db.session.get(Stakeholder, home_id).merged_into_id == work_id


def test_a_value_changed_after_the_merge_is_kept_by_the_undo(twins):
    work_id, home_id, work_a_id, *_ = _ids(twins)
    merge = merging.merge_stakeholders(work_id, home_id, take_from_other={"phone"}, actor=cso())
    kept = db.session.get(Stakeholder, work_id)
    kept.phone = "020 7946 0000"
    db.session.get(LogEntry, work_a_id).engagement_level = "involved"
    db.session.commit()
    merge_undo.undo_merge(merge.id, actor=cso())
    db.session.expire_all()
    assert db.session.get(Stakeholder, work_id).phone == "020 7946 0000"
    assert db.session.get(LogEntry, work_a_id).engagement_level == "involved"


def test_merging_a_record_already_merged_is_refused_with_a_message(twins):
    work_id, home_id, *_ = _ids(twins)
    third = StakeholderFactory(name="Ada L")
    LogEntryFactory(output=twins["out_a"], stakeholder=third)
    merging.merge_stakeholders(work_id, home_id, take_from_other=set(), actor=cso())
    with pytest.raises(merge_rules.MergeError, match="already been merged"):
        merging.merge_stakeholders(third.id, home_id, take_from_other=set(), actor=cso())
    db.session.rollback()
    with pytest.raises(merge_rules.MergeError, match="two different records"):
        merging.merge_stakeholders(work_id, work_id, take_from_other=set(), actor=cso())


def test_a_stale_page_is_refused(twins):
    work, home = twins["work"], twins["home"]
    seen = merge_rules.version(work, home)
    work.organisation = "Changed meanwhile"
    db.session.commit()
    with pytest.raises(merge_rules.MergeStale):
        merging.merge_stakeholders(
            work.id, home.id, take_from_other=set(), actor=cso(), expected_version=seen
        )


def test_who_may_merge_and_undo(twins):
    work, home = twins["work"], twins["home"]
    only_a = StakeholderFactory(name="Ada Again")
    LogEntryFactory(output=twins["out_a"], stakeholder=only_a)
    assert merge_rules.may_merge(cso(), work, home) and merge_rules.may_merge(admin(), work, home)
    assert merge_rules.may_merge(chief(), work, home)
    # Producer A keeps log A only; the work record is also in log B.
    assert not merge_rules.may_merge(twins["owner_a"], work, home)
    assert merge_rules.may_merge(twins["owner_a"], home, only_a)
    assert not merge_rules.may_merge(twins["owner_b"], home, only_a)
    assert not merge_rules.may_merge(producer(), home, only_a)
    with pytest.raises(Refusal, match="stakeholder:merge_not_allowed"):
        merging.merge_stakeholders(work.id, home.id, take_from_other=set(), actor=twins["owner_a"])
    db.session.rollback()
    merge = merging.merge_stakeholders(
        only_a.id, home.id, take_from_other=set(), actor=twins["owner_a"]
    )
    with pytest.raises(Refusal, match="stakeholder:merge_undo_not_allowed"):
        merge_undo.undo_merge(merge.id, actor=twins["owner_a"])
    assert merge_rules.may_undo(cso()) and not merge_rules.may_undo(twins["owner_a"])


def test_every_reference_to_a_stakeholder_is_moved_by_a_merge(app):
    """A table of another area pointing at stakeholders (consent records) is moved too."""
    referencing = {
        (table.name, column.name)
        for table in db.metadata.sorted_tables
        for column in table.columns
        if any(fk.column.table.name == "stakeholders" for fk in column.foreign_keys)
    }
    generic = {(t.name, c.name) for t, c in merging.other_references()}
    assert referencing - merging.HANDLED - generic == {
        ("stakeholders", "merged_into_id"),
        ("stakeholder_merges", "kept_id"),
        ("stakeholder_merges", "merged_id"),
    }


# --- pages ----------------------------------------------------------------------------------


def _merge_page(client, a, b):
    return client.get(f"/staff/stakeholders/{a}/merge/{b}")


def _version(page) -> str:
    return page.text.split('name="version"', 1)[1].split('value="', 1)[1].split('"', 1)[0]


def test_the_cso_finds_compares_merges_and_undoes_through_the_pages(twins, login):
    work_id, home_id, *_ = _ids(twins)
    client = login(cso())
    found = client.get(f"/staff/stakeholders/{work_id}/merge?q=a.+lov")
    assert found.status_code == 200 and f"/merge/{home_id}" in found.text
    page = _merge_page(client, work_id, home_id)
    assert page.status_code == 200
    assert "07700 900123" in page.text and "Which phone number do you want to keep?" in page.text
    # Nothing chosen: GOV.UK error summary, nothing merged.
    refused = client.post(
        f"/staff/stakeholders/{work_id}/merge/{home_id}", data={"version": _version(page)}
    )
    assert refused.status_code == 200
    assert "There is a problem" in refused.text and "Choose which record to keep" in refused.text
    assert db.session.execute(db.select(StakeholderMerge)).first() is None
    choices = {"keep": "a", "version": _version(page)}
    for field in merge_rules.differing(twins["work"], twins["home"]):
        choices[f"value_{field}"] = "b" if field == "phone" else "a"
    done = client.post(f"/staff/stakeholders/{work_id}/merge/{home_id}", data=choices)
    assert done.status_code == 302
    merge = db.session.execute(db.select(StakeholderMerge)).scalar_one()
    assert done.headers["Location"].endswith(f"/staff/stakeholder-merges/{merge.id}")
    detail = client.get(f"/staff/stakeholder-merges/{merge.id}")
    assert "Undo this merge" in detail.text
    # The merged record's page leads to the kept one.
    assert (
        client.get(f"/staff/stakeholders/{home_id}")
        .headers["Location"]
        .endswith(f"/staff/stakeholders/{work_id}")
    )
    # Submitting the same merge again (a second tab): a clear message, not a 500.
    again = client.post(f"/staff/stakeholders/{work_id}/merge/{home_id}", data=choices)
    assert again.status_code == 409 and "already been merged" in again.text
    assert client.get(f"/staff/stakeholder-merges/{merge.id}/undo").status_code == 200
    undone = client.post(f"/staff/stakeholder-merges/{merge.id}/undo")
    assert undone.status_code == 302
    db.session.expire_all()
    assert db.session.get(Stakeholder, home_id).merged_into_id is None
    twice = client.post(f"/staff/stakeholder-merges/{merge.id}/undo")
    assert twice.status_code == 409 and "already been undone" in twice.text


def test_a_merge_page_left_open_while_the_record_changed_shows_the_new_values(twins, login):
    work_id, home_id, *_ = _ids(twins)
    client = login(cso())
    page = _merge_page(client, work_id, home_id)
    twins["home"].organisation = "Babbage Institute"
    db.session.commit()
    choices = {"keep": "a", "version": _version(page)}
    for field in merge_rules.differing(twins["work"], twins["home"]):
        choices[f"value_{field}"] = "a"
    stale = client.post(f"/staff/stakeholders/{work_id}/merge/{home_id}", data=choices)
    assert stale.status_code == 200 and "changed after you chose" in stale.text
    assert "Babbage Institute" in stale.text
    assert db.session.execute(db.select(StakeholderMerge)).first() is None


def test_undo_after_30_days_is_refused_on_the_page(twins, login):
    work_id, home_id, *_ = _ids(twins)
    merge = merging.merge_stakeholders(work_id, home_id, take_from_other=set(), actor=cso())
    merge.merged_at = utcnow() - timedelta(days=31)
    db.session.commit()
    client = login(cso())
    page = client.get(f"/staff/stakeholder-merges/{merge.id}/undo")
    assert "can no longer be undone" in page.text and "Undo the merge</button>" not in page.text
    refused = client.post(f"/staff/stakeholder-merges/{merge.id}/undo")
    assert refused.status_code == 409 and "can be undone for 30 days" in refused.text
    assert "Undo this merge" not in client.get(f"/staff/stakeholder-merges/{merge.id}").text
    db.session.expire_all()
    assert db.session.get(Stakeholder, home_id).merged_into_id == work_id


def test_producers_merge_only_within_their_own_logs_and_never_undo(twins, login):
    work_id, home_id, *_ = _ids(twins)
    only_a = StakeholderFactory(name="Ada Again", email="again@x.org")
    LogEntryFactory(output=twins["out_a"], stakeholder=only_a)
    owner_a = login(twins["owner_a"])
    # The work record is also in producer B's log: no merge, no details shown.
    denied = _merge_page(owner_a, work_id, home_id)
    assert denied.status_code == 403 and "07700" not in denied.text
    assert owner_a.get(f"/staff/stakeholders/{work_id}/merge").status_code == 403
    page = _merge_page(owner_a, home_id, only_a.id)
    assert page.status_code == 200
    choices = {"keep": "a", "version": _version(page)}
    for field in merge_rules.differing(twins["home"], only_a):
        choices[f"value_{field}"] = "a"
    assert (
        owner_a.post(f"/staff/stakeholders/{home_id}/merge/{only_a.id}", data=choices).status_code
        == 302
    )
    merge = db.session.execute(db.select(StakeholderMerge)).scalar_one()
    assert owner_a.get(f"/staff/stakeholder-merges/{merge.id}").status_code == 200
    assert owner_a.post(f"/staff/stakeholder-merges/{merge.id}/undo").status_code == 403
    # (Signed in last: the test's app context keeps the signed-in user between requests.)
    owner_b = login(twins["owner_b"])
    assert owner_b.get(f"/staff/stakeholder-merges/{merge.id}").status_code == 403
    assert owner_b.get(f"/staff/stakeholders/{only_a.id}/merge").status_code == 403


def test_two_people_merging_the_same_records_at_once_get_one_merge_and_a_message(twins, app):
    """Four requests at the same moment, merging the records both ways: one merge, the others
    a 409 with a message; never a 500."""
    import threading

    from tests.conftest import sign_in_client

    work_id, home_id, *_ = _ids(twins)
    clients = [sign_in_client(app, cso()), sign_in_client(app, admin())] * 2
    pages = [
        clients[k].get(f"/staff/stakeholders/{a}/merge/{b}")
        for k, (a, b) in enumerate([(work_id, home_id), (home_id, work_id)] * 2)
    ]
    start = threading.Barrier(4)
    statuses: list[int] = []

    def merge(k: int) -> None:
        a, b = [(work_id, home_id), (home_id, work_id)][k % 2]
        choices = {"keep": "a", "version": _version(pages[k])}
        for field in merge_rules.FIELDS:
            choices[f"value_{field}"] = "a"
        start.wait()
        statuses.append(
            clients[k].post(f"/staff/stakeholders/{a}/merge/{b}", data=choices).status_code
        )

    threads = [threading.Thread(target=merge, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [302, 409, 409, 409]
    db.session.expire_all()
    assert len(db.session.execute(db.select(StakeholderMerge)).all()) == 1


def test_what_was_kept_to_undo_a_merge_is_forgotten_once_it_cannot_be_undone(twins, login):
    from engage.retention import anonymise_expired

    work_id, home_id, *_ = _ids(twins)
    merge = merging.merge_stakeholders(work_id, home_id, take_from_other=set(), actor=cso())
    anonymise_expired()  # within the 30 days: kept
    db.session.expire_all()
    assert db.session.get(Stakeholder, home_id).phone == "07700 900123"
    db.session.get(StakeholderMerge, merge.id).merged_at = utcnow() - timedelta(days=31)
    db.session.commit()
    assert anonymise_expired()["merged_records"] == 1
    db.session.expire_all()
    gone = db.session.get(Stakeholder, home_id)
    assert (gone.name, gone.phone, gone.organisation) == (merge_undo.FORGOTTEN_NAME, None, "")
    snapshot = db.session.get(StakeholderMerge, merge.id).snapshot
    assert "07700" not in str(snapshot) and "Lovelace" not in str(snapshot)
    assert len(snapshot["entries_combined"]) == 1 and len(snapshot["contacts"]) == 1
    page = login(cso()).get(f"/staff/stakeholder-merges/{merge.id}")
    assert page.status_code == 200 and "details removed" in page.text
    assert anonymise_expired()["merged_records"] == 0


def test_consent_records_move_with_the_person_and_back_on_undo(twins):
    """The home record confirmed consultation invitations; the work record withdrew news. Both
    histories move to the kept record, whose consent follows them; undo moves them back."""
    from engage.consent.models import Consent

    work_id, home_id, *_ = _ids(twins)
    given = Consent(
        stakeholder_id=home_id,
        purpose="consultations",
        status="given",
        source="public_form",
        wording="Tell me about consultations",
        given_at=utcnow(),
    )
    withdrawn = Consent(
        stakeholder_id=work_id,
        purpose="news",
        status="withdrawn",
        source="staff",
        withdrawn_at=utcnow(),
        withdrawn_how="staff",
    )
    db.session.add_all([given, withdrawn])
    db.session.get(Stakeholder, work_id).consent_to_contact = False
    db.session.get(Stakeholder, home_id).consent_to_contact = True
    db.session.commit()
    given_id, withdrawn_id = given.id, withdrawn.id
    merge = merging.merge_stakeholders(work_id, home_id, take_from_other=set(), actor=cso())
    db.session.expire_all()
    assert db.session.get(Consent, given_id).stakeholder_id == work_id
    assert db.session.get(Consent, given_id).wording == "Tell me about consultations"
    assert db.session.get(Stakeholder, work_id).consent_to_contact is True
    merge_undo.undo_merge(merge.id, actor=cso())
    db.session.expire_all()
    assert db.session.get(Consent, given_id).stakeholder_id == home_id
    assert db.session.get(Consent, withdrawn_id).stakeholder_id == work_id
    assert db.session.get(Stakeholder, work_id).consent_to_contact is False
    assert db.session.get(Stakeholder, home_id).consent_to_contact is True


def test_a_merged_record_leads_only_those_who_may_see_the_kept_one_to_it(twins, login):
    """The address of a merged record redirects to the record kept, but only for someone who may
    see that record: anyone else is refused without learning which record it became."""
    b_only = StakeholderFactory(name="Bea Only", email="bea@x.org")
    b_again = StakeholderFactory(name="Bea Again", email="bea2@x.org")
    LogEntryFactory(output=twins["out_b"], stakeholder=b_only)
    LogEntryFactory(output=twins["out_b"], stakeholder=b_again)
    kept_id, merged_id = b_only.id, b_again.id
    merging.merge_stakeholders(kept_id, merged_id, take_from_other=set(), actor=cso())
    owner_a = login(twins["owner_a"])
    refused = owner_a.get(f"/staff/stakeholders/{merged_id}")
    assert refused.status_code == 403 and "Location" not in refused.headers
    owner_b = login(twins["owner_b"])
    led = owner_b.get(f"/staff/stakeholders/{merged_id}")
    assert led.status_code == 302
    assert led.headers["Location"].endswith(f"/staff/stakeholders/{kept_id}")
