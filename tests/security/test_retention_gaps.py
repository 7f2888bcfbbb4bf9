"""Retention gaps (ASVS V14.2.7, V14.3): responded and referred cases, stakeholders, outbox
rows and audit addresses are anonymised in time; abandoned import files and stored .eml copies
are deleted; subject access includes consultation response drafts."""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from engage.audit import AuditEvent
from engage.cases.models import Case
from engage.consultations.responses import save_draft
from engage.db_types import utcnow
from engage.extensions import db
from engage.mail.models import OutboxEmail
from engage.outputs.models import Contact, LogEntry, Stakeholder
from engage.retention import ANONYMOUS_NAME, REMOVED_ADDRESS, anonymise_expired
from tests.factories.auth import admin
from tests.factories.cases import make_case, put_in_state
from tests.factories.consultations import ConsultationFactory
from tests.factories.outputs import LogEntryFactory, StakeholderFactory

TODAY = date(2033, 6, 1)
OLD = datetime(2027, 1, 5, 12, tzinfo=UTC)  # more than six years before TODAY


def test_responded_and_referred_cases_are_anonymised(app):
    responded = put_in_state(make_case(email="r@example.org"), "responded")
    responded.responded_at = OLD
    referred = put_in_state(make_case(email="u@example.org"), "referred_to_uksa")
    referred.responded_at = OLD
    referred.uksa_referred_on = date(2027, 2, 1)
    still_with_uksa = put_in_state(make_case(email="k@example.org"), "referred_to_uksa")
    still_with_uksa.responded_at = OLD
    still_with_uksa.uksa_referred_on = date(2032, 2, 1)  # referred later: kept for now
    db.session.commit()
    anonymise_expired(TODAY)
    db.session.expire_all()
    assert db.session.get(Case, responded.id).requester_email is None
    assert db.session.get(Case, referred.id).requester_email is None
    assert db.session.get(Case, still_with_uksa.id).requester_email == "k@example.org"


def test_stakeholders_out_of_contact_for_the_period_are_anonymised(app):
    quiet = StakeholderFactory(email="quiet@example.org", phone="01632 960000")
    quiet.created_at = OLD
    old_entry = LogEntryFactory(stakeholder=quiet, latest_contact_on=date(2026, 1, 1))
    db.session.add(
        Contact(
            output_id=old_entry.output_id,
            stakeholder_id=quiet.id,
            contacted_on=date(2026, 1, 1),
            channel="email",
            summary="Talked about her thesis",
        )
    )
    active = StakeholderFactory(email="active@example.org")
    active.created_at = OLD
    LogEntryFactory(stakeholder=active, latest_contact_on=date(2033, 1, 1))
    db.session.commit()
    db.session.execute(  # the entry was last changed long ago too
        db.update(LogEntry).where(LogEntry.id == old_entry.id).values(updated_at=OLD)
    )
    db.session.commit()
    counts = anonymise_expired(TODAY)
    assert counts["stakeholders"] == 1
    db.session.expire_all()
    person = db.session.get(Stakeholder, quiet.id)
    assert (person.name, person.email, person.phone) == (ANONYMOUS_NAME, None, None)
    assert db.session.get(LogEntry, old_entry.id).stakeholder_name == ANONYMOUS_NAME
    assert db.session.scalar(db.select(Contact.summary)) != "Talked about her thesis"
    assert db.session.get(Stakeholder, active.id).email == "active@example.org"


def test_old_outbox_rows_lose_address_and_case_reference(app):
    case = make_case(email="c@example.org")
    old = OutboxEmail(
        to_address="c@example.org",
        subject=f"We have received your message – reference {case.reference}",
        body_text="...",
        template="case_acknowledged",
        status="sent",
        created_at=OLD,
    )
    recent = OutboxEmail(
        to_address="c@example.org",
        subject="Recent",
        template="generic",
        status="sent",
        created_at=datetime(2033, 1, 1, tzinfo=UTC),
    )
    db.session.add_all([old, recent])
    db.session.commit()
    assert anonymise_expired(TODAY)["emails"] == 1
    db.session.expire_all()
    row = db.session.get(OutboxEmail, old.id)
    assert row.to_address == REMOVED_ADDRESS and case.reference not in row.subject
    assert row.body_text is None and row.template == "case_acknowledged"
    assert db.session.get(OutboxEmail, recent.id).to_address == "c@example.org"


def test_audit_addresses_are_forgotten_after_a_year(app):
    db.session.add_all(
        [
            AuditEvent(action="old", ip_address="203.0.113.5", at=utcnow() - timedelta(days=400)),
            AuditEvent(action="new", ip_address="203.0.113.6", at=utcnow() - timedelta(days=10)),
        ]
    )
    db.session.commit()
    anonymise_expired(TODAY)
    addresses = dict(db.session.execute(db.select(AuditEvent.action, AuditEvent.ip_address)).all())
    assert addresses["old"] is None and addresses["new"] == "203.0.113.6"


def test_abandoned_import_files_and_old_eml_copies_are_deleted(app, tmp_path):
    app.config["MAIL_CONSOLE_DIR"] = str(tmp_path / "mail")
    imports = Path(app.instance_path) / "user-log-imports"
    imports.mkdir(parents=True, exist_ok=True)
    (tmp_path / "mail").mkdir()
    stale_upload, fresh_upload = imports / "stale-test-upload.json", imports / "fresh-upload.json"
    stale_eml, fresh_eml = tmp_path / "mail" / "1.eml", tmp_path / "mail" / "2.eml"
    for path in (stale_upload, fresh_upload, stale_eml, fresh_eml):
        path.write_text(json.dumps({"rows": [{"email": "x@example.org"}]}))
    two_days, a_year = time.time() - 2 * 86400, time.time() - 365 * 86400
    os.utime(stale_upload, (two_days, two_days))
    os.utime(stale_eml, (a_year, a_year))
    try:
        assert anonymise_expired(TODAY)["files"] >= 2
        assert not stale_upload.exists() and not stale_eml.exists()
        assert fresh_upload.exists() and fresh_eml.exists()
    finally:
        fresh_upload.unlink(missing_ok=True)


def test_subject_access_includes_consultation_response_drafts(app, login):
    consultation = ConsultationFactory(state="open")
    save_draft(consultation, {"email": "drafter@example.org", "name": "Dee"}, utcnow())
    save_draft(consultation, {"email": "other@example.org"}, utcnow())
    page = login(admin()).post("/staff/admin/subject-access", data={"email": "Drafter@example.org"})
    html = page.get_data(as_text=True)
    assert "Consultation responses not yet sent (1)" in html
    assert "other@example.org" not in html
