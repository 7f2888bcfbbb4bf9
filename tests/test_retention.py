"""The retention job (engage/retention.py): cases, feedback and consultation responses are
anonymised RETENTION_YEARS after they end and their statistics kept; the job can run again."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from engage.audit import AuditEvent
from engage.cases.models import Case, CaseEvent
from engage.extensions import db
from engage.retention import REMOVED, anonymise_expired, cutoff_for
from tests.factories.cases import make_case, put_in_state
from tests.factories.consultations import ConsultationFactory, response_with_answer
from tests.factories.outputs import FeedbackFactory

TODAY = date(2033, 6, 1)  # six years after 1 June 2027


def _closed_case(closed: datetime, **kw) -> Case:  # type: ignore[no-untyped-def]
    case = put_in_state(make_case(**kw), "closed")
    case.closed_at = closed
    case.requester_phone = "020 7946 0000"
    case.requester_address = "1 High Street, Leeds"
    db.session.add(CaseEvent(case=case, action="note", note="Called Alex at home"))
    db.session.commit()
    return case


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
    old_response = response_with_answer(closed_consultation)
    recent_consultation = ConsultationFactory(
        state="closed", opens_on=date(2033, 1, 3), closes_on=date(2033, 3, 1)
    )
    new_response = response_with_answer(recent_consultation, email="new@example.org")
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
