"""Data protection: the subject access export, and no email addresses in logs. Anonymising after
the retention period (engage/retention.py) is tested in tests/test_retention.py."""

from __future__ import annotations

import json
import logging

from engage.audit import AuditEvent
from engage.extensions import db
from tests.factories.auth import admin, cso
from tests.factories.cases import make_case
from tests.factories.consultations import ConsultationFactory, response_with_answer
from tests.factories.outputs import FeedbackFactory, LogEntryFactory, StakeholderFactory


def test_subject_access_finds_everything_and_is_audited(app, login):
    email = "jo.bloggs@example.org"
    stakeholder = StakeholderFactory(email=email, name="Jo Bloggs")
    LogEntryFactory(stakeholder=stakeholder)
    FeedbackFactory(email=email, comments="Great")
    make_case(email="Jo.Bloggs@example.org", name="Jo Bloggs")
    consultation = ConsultationFactory(state="open")
    response_with_answer(consultation, email=email)
    FeedbackFactory(email="someone.else@example.org")

    client = login(admin())
    page = client.get("/staff/admin/subject-access")
    assert page.status_code == 200
    bad = client.post("/staff/admin/subject-access", data={"email": "not an email"})
    assert "Enter an email address in the correct format" in bad.get_data(as_text=True)
    result = client.post("/staff/admin/subject-access", data={"email": email})
    html = result.get_data(as_text=True)
    assert "Stakeholder records (1)" in html
    assert "User log entries (1)" in html
    assert "Feedback (1)" in html
    assert "Enquiries and complaints (1)" in html
    assert "Consultation responses (1)" in html
    assert "someone.else" not in html
    download = client.post("/staff/admin/subject-access/download", data={"email": email})
    assert download.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(download.get_data(as_text=True))
    assert data["email"] == email
    assert len(data["records"]["cases"]) == 1
    assert data["records"]["consultation_responses"][0]["answers"][0]["text"] == "My detailed view"
    actions = (
        db.session.execute(db.select(AuditEvent).where(AuditEvent.action.like("subject_access.%")))
        .scalars()
        .all()
    )
    assert [a.action for a in actions] == ["subject_access.lookup", "subject_access.download"]
    assert actions[0].detail["cases"] == 1
    assert email not in json.dumps([a.detail for a in actions])


def test_subject_access_shows_an_empty_state(app, login):
    client = login(admin())
    html = client.post(
        "/staff/admin/subject-access", data={"email": "nobody@example.org"}
    ).get_data(as_text=True)
    assert "We hold no records with this email address" in html


def test_subject_access_is_for_administrators_only(app, login):
    assert login(cso()).get("/staff/admin/subject-access").status_code == 403


def test_no_email_addresses_in_logs(app, client, caplog):
    caplog.set_level(logging.DEBUG)
    secret_address = "private.person@example.org"
    client.post(
        "/contact",
        data={
            "kind": "enquiry",
            "name": "Private Person",
            "email": secret_address,
            "message": f"Please write to {secret_address}",
        },
    )
    client.post("/staff/sign-in", data={"email": secret_address, "password": "wrong-password"})
    logging.getLogger("engage.test").warning("sign-in failed for %s", secret_address)
    try:
        raise ValueError(f"bad address {secret_address}")
    except ValueError:
        logging.getLogger("engage.test").exception("failed")
    text = caplog.text + "".join(r.getMessage() for r in caplog.records)
    assert caplog.records  # something was logged
    assert secret_address not in text
    assert "private.person%40example.org" not in text
    assert "[email removed]" in text
