"""Feedback made into a case: the case and the feedback's link to it are stored together or not
at all."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import event

from engage.audit import AuditEvent
from engage.cases.models import Case, CaseEvent
from engage.extensions import db
from engage.outputs import feedback as feedback_domain
from engage.outputs.models import Feedback
from tests.factories.auth import cso
from tests.factories.cases import make_case
from tests.factories.outputs import FeedbackFactory, OutputFactory
from tests.smtp import smtp_sink  # noqa: F401,F811  (fixture)

RECEIVED = datetime(2025, 5, 15, 10, 0, tzinfo=UTC)


def _feedback() -> Feedback:
    return FeedbackFactory(
        output=OutputFactory(),
        comments="Your figures are wrong",
        email="upset@example.org",
        received_at=RECEIVED,
    )


def _made_case_audits() -> list[AuditEvent]:
    return list(
        db.session.execute(
            db.select(AuditEvent).where(AuditEvent.action == "feedback.made_case")
        ).scalars()
    )


def test_the_case_and_the_link_are_committed_together(app):
    staff = cso()
    item = _feedback()
    commits: list[int] = []

    def count(session) -> None:  # type: ignore[no-untyped-def]
        commits.append(1)

    event.listen(db.session, "after_commit", count)
    try:
        case = feedback_domain.feedback_to_case(
            item,
            kind="service_complaint",
            subject="Wrong figures",
            requester_name="A Reader",
            actor=staff,
        )
    finally:
        event.remove(db.session, "after_commit", count)
    assert len(commits) == 1
    db.session.expire_all()
    stored = db.session.get(Feedback, item.id)
    assert stored.case_id == case.id and stored.reviewed_by_id == staff.id
    (only,) = db.session.execute(db.select(Case)).scalars().all()
    assert only.id == case.id and only.channel == "feedback"
    assert only.received_on.isoformat() == "2025-05-15"
    assert [a.detail["case"] for a in _made_case_audits()] == [case.id]


def test_when_the_link_cannot_be_made_nothing_is_stored(app):
    staff = cso()
    item = _feedback()
    earlier = make_case(kind="enquiry", channel="feedback")
    db.session.commit()
    assert item.case_id is None  # this page's copy: not yet made into a case
    # Meanwhile another member of staff makes the same feedback into a case.
    with db.engine.begin() as other_connection:
        other_connection.execute(
            db.update(Feedback).where(Feedback.id == item.id).values(case_id=earlier.id)
        )
    with pytest.raises(feedback_domain.FeedbackError, match="already been made into a case"):
        feedback_domain.feedback_to_case(
            item,
            kind="service_complaint",
            subject="Wrong figures",
            requester_name="A Reader",
            actor=staff,
        )
    db.session.expire_all()
    assert [c.id for c in db.session.execute(db.select(Case)).scalars()] == [earlier.id]
    assert (
        db.session.execute(db.select(CaseEvent).where(CaseEvent.case_id != earlier.id)).first()
        is None
    )
    stored = db.session.get(Feedback, item.id)
    assert stored.case_id == earlier.id and stored.reviewed_at is None
    assert _made_case_audits() == []


def test_feedback_already_made_into_a_case_is_refused_through_the_page(app, login):
    item = _feedback()
    client = login(cso())
    data = {"kind": "enquiry", "requester_name": "A Reader", "subject": "Wrong figures"}
    assert client.post(f"/staff/feedback/{item.id}/case", data=data).status_code == 302
    # A second submission (a double click, or a second tab) makes no second case.
    again = client.post(f"/staff/feedback/{item.id}/case", data=data)
    assert again.status_code == 302
    assert len(db.session.execute(db.select(Case)).all()) == 1


def test_feedback_without_an_email_becomes_a_case_with_no_contact_details(
    app,
    login,
    smtp_sink,  # noqa: F811
):
    """Issue 21 item 10: the case says it has no contact details and no email is attempted."""
    from engage.mail.delivery import deliver_due
    from engage.mail.models import OutboxEmail

    item = FeedbackFactory(
        output=OutputFactory(), comments="Table 3 is wrong", email=None, received_at=RECEIVED
    )
    client = login(cso())
    form = client.get(f"/staff/feedback/{item.id}/case").get_data(as_text=True)
    assert "the case will have no contact details" in form
    data = {"kind": "service_complaint", "requester_name": "Sender", "subject": "Table 3"}
    made = client.post(f"/staff/feedback/{item.id}/case", data=data)
    assert made.status_code == 302, re.findall(r"govuk-error-message.{0,400}", made.text, re.S)
    case = db.session.execute(db.select(Case)).scalar_one()
    assert (case.requester_email, case.requester_address) == (None, None)
    received = db.session.scalars(db.select(CaseEvent).where(CaseEvent.case_id == case.id)).one()
    assert "No contact details were given" in received.note
    page = client.get(f"/staff/cases/{case.reference}").get_data(as_text=True)
    assert "No contact details were given: no acknowledgement or reply can be sent" in page
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxEmail)) == 0
    deliver_due(datetime.now(UTC))
    assert smtp_sink.messages == []
