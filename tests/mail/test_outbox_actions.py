"""The outbox after an outage: "Send all failed again", "Cancel" with a reason (audited), and
the dashboard notice administrators see while emails wait or have failed."""

from __future__ import annotations

from datetime import UTC, datetime

from engage.audit import AuditEvent
from engage.extensions import db
from engage.mail.delivery import deliver_due
from engage.mail.models import OutboxEmail
from engage.mail.outbox import queue_email
from tests.factories.auth import admin, cso

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def _email(to: str, status: str = "queued") -> OutboxEmail:
    row = queue_email(to, "generic", subject=f"About {to}", body="Text")
    row.status = status
    if status == "failed":
        row.failed_at, row.attempts, row.last_error = T0, 40, "Still failing after 40 attempts"
    db.session.commit()
    return row


def _status(row_id: int) -> str:
    db.session.expire_all()
    return db.session.get(OutboxEmail, row_id).status  # type: ignore[union-attr]


def test_send_all_failed_again_queues_every_failed_email_and_they_arrive(app, login, smtp_sink):
    rows = [_email(f"p{i}@example.gov.uk", "failed") for i in range(3)]
    client = login(admin())
    page = client.get("/staff/admin/outbox?status=failed").get_data(as_text=True)
    assert "Send all failed again" in page
    response = client.post("/staff/admin/outbox/send-all-failed-again")
    assert response.status_code == 302
    assert "3 failed emails are queued again" in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    assert deliver_due(datetime.now(UTC)).sent == 3
    assert sorted(smtp_sink.recipients()) == [r.to_address for r in rows]
    (event,) = db.session.execute(
        db.select(AuditEvent).where(AuditEvent.action == "email.retry_all_failed")
    ).scalars()
    assert event.detail["count"] == 3


def test_a_queued_email_can_be_cancelled_with_a_reason_and_is_never_sent(app, login, smtp_sink):
    row = _email("wrong.person@example.gov.uk")
    client = login(admin())
    assert "Cancel" in client.get("/staff/admin/outbox").get_data(as_text=True)
    page = client.post(f"/staff/admin/outbox/{row.id}/cancel", data={"reason": "  \x00 "})
    assert page.status_code == 200
    assert "Enter why this email must not be sent" in page.get_data(as_text=True)
    assert _status(row.id) == "queued"

    response = client.post(
        f"/staff/admin/outbox/{row.id}/cancel", data={"reason": "Sent to the wrong person"}
    )
    assert response.status_code == 302 and _status(row.id) == "cancelled"
    assert deliver_due(datetime.now(UTC)).sent == 0 and smtp_sink.messages == []
    cancelled = client.get("/staff/admin/outbox?status=cancelled").get_data(as_text=True)
    assert "wrong.person@example.gov.uk" in cancelled and "Sent to the wrong person" in cancelled
    (event,) = db.session.execute(
        db.select(AuditEvent).where(AuditEvent.action == "email.cancel")
    ).scalars()
    assert event.detail["reason"] == "Sent to the wrong person"
    # cancelling twice is refused plainly
    again = client.post(f"/staff/admin/outbox/{row.id}/cancel", data={"reason": "again"})
    assert again.status_code == 302
    # ... even with no reason: the page has no form to correct, so no error to link to it
    blank = client.post(f"/staff/admin/outbox/{row.id}/cancel", data={"reason": ""})
    assert blank.status_code == 302 and _status(row.id) == "cancelled"


def test_only_admins_cancel_or_resend_everything(app, login):
    row = _email("x@example.gov.uk", "failed")
    client = login(cso())
    assert (
        client.post(f"/staff/admin/outbox/{row.id}/cancel", data={"reason": "r"}).status_code == 403
    )
    assert client.post("/staff/admin/outbox/send-all-failed-again").status_code == 403
    assert _status(row.id) == "failed"


def test_the_dashboard_tells_administrators_about_waiting_and_failed_emails(app, login):
    client = login(admin())
    assert "Email delivery" not in client.get("/staff").get_data(as_text=True)
    waiting = _email("w@example.gov.uk")
    waiting.retry_until, waiting.attempts = datetime(2030, 1, 1, tzinfo=UTC), 5
    _email("f@example.gov.uk", "failed")
    db.session.commit()
    page = client.get("/staff").get_data(as_text=True)
    assert "Email delivery" in page
    assert "1 email is waiting to be sent again" in page and "1 email has failed" in page
    assert "Email delivery" not in login(cso()).get("/staff").get_data(as_text=True)


def test_the_office_reads_the_emails_of_a_case_on_its_page(app, login, client):
    from engage.cases.models import Case
    from tests.factories.auth import producer

    response = client.post(
        "/contact",
        data={
            "kind": "enquiry",
            "requester_name": "Jo Bloggs",
            "requester_email": "jo@example.com",
            "message": "How many prisons are there?",
            "website": "",
        },
    )
    assert response.status_code == 302
    case = db.session.execute(db.select(Case)).scalar_one()
    (email,) = db.session.execute(db.select(OutboxEmail)).scalars()
    assert email.case_id == case.id
    page = login(cso()).get(f"/staff/cases/{case.reference}").get_data(as_text=True)
    assert "Correspondence" in page and "jo@example.com" in page
    assert email.subject in page and ">Queued<" in page
    # Issue 17 (the case worker's desk): the producer the case is assigned to reads its
    # correspondence too (tests/cases/test_correspondence.py).
    assigned = producer()
    case.assigned_to_id = assigned.id
    db.session.commit()
    page = login(assigned).get(f"/staff/cases/{case.reference}").get_data(as_text=True)
    assert "Correspondence" in page and "jo@example.com" in page
