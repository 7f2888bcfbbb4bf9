"""Admin pages: the outbox by status with retry of a failed email, and the job runs."""

from __future__ import annotations

from datetime import UTC, datetime

from engage.audit import AuditEvent
from engage.extensions import db
from engage.mail.delivery import deliver_due
from engage.mail.models import OutboxEmail
from engage.mail.outbox import queue_email
from engage.scheduler.runner import run_job
from tests.factories.auth import admin, cso, producer

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def _email(to: str, status: str = "queued", error: str | None = None) -> OutboxEmail:
    row = queue_email(to, "generic", subject=f"About {to}", body="Text")
    row.status = status
    row.last_error = error
    if status == "failed":
        row.failed_at, row.attempts = T0, 1
    if status == "sent":
        row.sent_at, row.attempts = T0, 1
    db.session.commit()
    return row


def test_admin_sees_queued_sent_and_failed_emails(app, login):
    _email("waiting@example.gov.uk")
    _email("done@example.gov.uk", "sent")
    _email("bounced@example.gov.uk", "failed", "SMTP 550 5.1.1 No such mailbox here")
    client = login(admin())

    index = client.get("/staff/admin").get_data(as_text=True)
    assert "/staff/admin/outbox" in index and "/staff/admin/job-runs" in index

    queued = client.get("/staff/admin/outbox").get_data(as_text=True)
    assert "waiting@example.gov.uk" in queued and "done@example.gov.uk" not in queued
    assert "Queued (1)" in queued and "Sent (1)" in queued and "Failed (1)" in queued
    sent = client.get("/staff/admin/outbox?status=sent").get_data(as_text=True)
    assert "done@example.gov.uk" in sent and "waiting@example.gov.uk" not in sent
    failed = client.get("/staff/admin/outbox?status=failed").get_data(as_text=True)
    assert "bounced@example.gov.uk" in failed and "SMTP 550" in failed
    assert "Send again" in failed


def test_empty_outbox_says_so(app, login):
    page = login(admin()).get("/staff/admin/outbox?status=failed").get_data(as_text=True)
    assert "No emails have failed." in page


def test_a_failed_email_sent_again_is_delivered(app, login, smtp_sink):
    row = _email("bounced@example.gov.uk", "failed", "SMTP 550 5.1.1 No such mailbox here")
    boss = admin()
    client = login(boss)
    response = client.post(f"/staff/admin/outbox/{row.id}/retry")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "is queued to be sent again" in page

    db.session.expire_all()
    assert row.status == "queued" and row.attempts == 0
    audit = db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "email.retry"))
    assert audit.scalar_one().actor_id == boss.id
    deliver_due(datetime.now(UTC))
    assert smtp_sink.recipients() == ["bounced@example.gov.uk"]

    again = client.post(f"/staff/admin/outbox/{row.id}/retry")  # sent: nothing to retry
    assert again.status_code == 302
    assert "Only a failed email can be sent again" in client.get(
        again.headers["Location"]
    ).get_data(as_text=True)
    assert client.post("/staff/admin/outbox/999999/retry").status_code == 404


def test_job_runs_page_lists_jobs_and_their_runs(app, login):
    run_job("deliver_emails")
    client = login(admin())
    page = client.get("/staff/admin/job-runs").get_data(as_text=True)
    for name in ("deliver_emails", "sla_scan", "sla_digest", "purge_sent_email_bodies"):
        assert name in page
    assert "sent 0, retrying 0, failed 0" in page
    filtered = client.get("/staff/admin/job-runs?job=sla_scan").get_data(as_text=True)
    assert "Runs of sla_scan" in filtered and "No job has run yet" in filtered


def test_only_admins_see_the_outbox_and_job_runs(app, login):
    for user in (producer(), cso()):
        client = login(user)
        assert client.get("/staff/admin/outbox").status_code == 403
        assert client.get("/staff/admin/job-runs").status_code == 403
        assert client.post("/staff/admin/outbox/1/retry").status_code == 403
