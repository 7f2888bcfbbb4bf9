"""Data protection: anonymising after the retention period, the subject access export, and
no email addresses in logs."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime

from engage.audit import AuditEvent
from engage.cases.models import Case, CaseEvent
from engage.consultations.models import ConsultationAnswer, ConsultationResponse
from engage.extensions import db
from engage.retention import REMOVED, anonymise_expired, cutoff_for
from tests.factories.auth import admin, cso
from tests.factories.cases import make_case, put_in_state
from tests.factories.consultations import ConsultationFactory, QuestionFactory
from tests.factories.outputs import FeedbackFactory, LogEntryFactory, StakeholderFactory

TODAY = date(2033, 6, 1)  # six years after 1 June 2027


def _closed_case(closed: datetime, **kw) -> Case:  # type: ignore[no-untyped-def]
    case = put_in_state(make_case(**kw), "closed")
    case.closed_at = closed
    case.requester_phone = "020 7946 0000"
    case.requester_address = "1 High Street, Leeds"
    db.session.add(CaseEvent(case=case, action="note", note="Called Alex at home"))
    db.session.commit()
    return case


def _response(consultation, email="resp@example.org") -> ConsultationResponse:  # type: ignore[no-untyped-def]
    question = QuestionFactory(consultation=consultation, kind="free_text", options=[])
    response = ConsultationResponse(
        consultation=consultation,
        reference=f"CR-{consultation.id}-{email[:4]}",
        category="academic",
        name="Robin Respondent",
        organisation="University",
        email=email,
    )
    response.answers.append(
        ConsultationAnswer(question_id=question.id, text="My detailed view", choices=["Yes"])
    )
    db.session.add(response)
    db.session.commit()
    return response


def test_cutoff_is_n_years_before_today():
    assert cutoff_for(date(2033, 6, 1), 6) == datetime(2027, 6, 1, tzinfo=UTC)
    assert cutoff_for(date(2032, 2, 29), 6) == datetime(2026, 2, 28, tzinfo=UTC)


def test_old_cases_feedback_and_responses_are_anonymised_and_statistics_kept(app):
    old = _closed_case(datetime(2027, 5, 31, 12, tzinfo=UTC), kind="service_complaint")
    recent = _closed_case(datetime(2027, 6, 2, 12, tzinfo=UTC))
    open_case = make_case(email="open@example.com")
    withdrawn = put_in_state(make_case(email="w@example.com"), "withdrawn")
    withdrawn.withdrawn_at = datetime(2020, 1, 1, tzinfo=UTC)
    old_feedback = FeedbackFactory(
        email="fb@example.org",
        comments="I am Jo",
        received_at=datetime(2027, 1, 1, tzinfo=UTC),
    )
    new_feedback = FeedbackFactory(
        email="fb2@example.org", received_at=datetime(2033, 1, 1, tzinfo=UTC)
    )
    closed_consultation = ConsultationFactory(
        state="closed",
        opens_on=date(2027, 1, 4),
        closes_on=date(2027, 3, 1),
        closed_at=datetime(2027, 3, 1, 23, tzinfo=UTC),
    )
    old_response = _response(closed_consultation)
    recent_consultation = ConsultationFactory(
        state="closed", opens_on=date(2033, 1, 3), closes_on=date(2033, 3, 1)
    )
    new_response = _response(recent_consultation, email="new@example.org")
    kept = {
        "kind": old.kind,
        "received_on": old.received_on,
        "acknowledge_by": old.acknowledge_by,
        "respond_by": old.respond_by,
        "state": old.state,
    }

    counts = anonymise_expired(TODAY)
    assert {k: counts[k] for k in ("cases", "feedback", "consultation_responses")} == {
        "cases": 2,
        "feedback": 1,
        "consultation_responses": 1,
    }

    db.session.refresh(old)
    assert old.requester_name == "Anonymised"
    assert old.requester_email is None and old.requester_phone is None
    assert old.requester_address is None and old.response_text is None
    assert old.message == REMOVED and old.anonymised_at is not None
    assert {k: getattr(old, k) for k in kept} == kept
    notes = db.session.execute(
        db.select(CaseEvent.note).where(CaseEvent.case_id == old.id, CaseEvent.note.is_not(None))
    ).scalars()
    assert set(notes) <= {REMOVED}
    for case in (recent, open_case):
        db.session.refresh(case)
        assert case.requester_email is not None and case.anonymised_at is None
    db.session.refresh(withdrawn)
    assert withdrawn.anonymised_at is not None

    db.session.refresh(old_feedback)
    db.session.refresh(new_feedback)
    assert old_feedback.email is None and old_feedback.comments == ""
    assert old_feedback.useful == "yes" and old_feedback.category == "academic"
    assert new_feedback.email == "fb2@example.org"

    db.session.refresh(old_response)
    db.session.refresh(new_response)
    assert old_response.name is None and old_response.email is None
    assert old_response.category == "academic"
    assert old_response.answers[0].text == REMOVED and old_response.answers[0].choices == ["Yes"]
    assert new_response.email == "new@example.org"

    # Idempotent: nothing more to do the second time.
    again = anonymise_expired(TODAY)
    assert set(again.values()) == {0}, again
    events = (
        db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "retention.anonymised"))
        .scalars()
        .all()
    )
    assert [e.detail["cases"] for e in events] == [2, 0]
    assert "@" not in json.dumps([e.detail for e in events])


def test_retention_years_is_a_setting(app):
    _closed_case(datetime(2030, 1, 1, tzinfo=UTC))
    assert anonymise_expired(TODAY)["cases"] == 0
    app.config["RETENTION_YEARS"] = 2
    assert anonymise_expired(TODAY)["cases"] == 1


def test_subject_access_finds_everything_and_is_audited(app, login):
    email = "jo.bloggs@example.org"
    stakeholder = StakeholderFactory(email=email, name="Jo Bloggs")
    LogEntryFactory(stakeholder=stakeholder)
    FeedbackFactory(email=email, comments="Great")
    make_case(email="Jo.Bloggs@example.org", name="Jo Bloggs")
    consultation = ConsultationFactory(state="open")
    _response(consultation, email=email)
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
