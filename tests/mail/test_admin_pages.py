"""Admin pages: the outbox by status, with retry of a failed email and a decision about an
uncertain one (send again or mark as delivered), and the job runs."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bs4 import BeautifulSoup
from flask import g

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
    assert "Queued (1)" in queued and "Failed (1)" in queued
    # Sent emails (a year of them) are counted on their own tab only.
    assert ">Sent</a>" in queued and "Sent (" not in queued
    sent = client.get("/staff/admin/outbox?status=sent").get_data(as_text=True)
    assert "done@example.gov.uk" in sent and "waiting@example.gov.uk" not in sent
    assert "Sent (1)" in sent and "Queued (1)" in sent
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
    assert "Only a failed or uncertain email can be sent again" in client.get(
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


def _uncertain(to: str) -> OutboxEmail:
    row = _email(to, "uncertain", "Delivery stopped ...: it may or may not have been delivered")
    row.claimed_at, row.attempts, row.claim_token = T0, 1, "a-run-that-died"
    db.session.commit()
    return row


def _audit(action: str) -> list[AuditEvent]:
    return list(
        db.session.execute(db.select(AuditEvent).where(AuditEvent.action == action)).scalars()
    )


def test_uncertain_emails_are_shown_prominently_with_a_filter_a_tag_and_two_actions(app, login):
    row = _uncertain("maybe@example.gov.uk")
    _email("waiting@example.gov.uk")
    client = login(admin())

    queued = BeautifulSoup(client.get("/staff/admin/outbox").get_data(as_text=True), "html.parser")
    banner = queued.select_one(".govuk-notification-banner.app-uncertain-emails")
    assert banner is not None
    assert "1 email may or may not have been delivered" in banner.get_text()
    assert banner.select_one("a[href='/staff/admin/outbox?status=uncertain']") is not None
    assert "Uncertain (1)" in queued.get_text() and "Needs a decision" in queued.get_text()
    assert "maybe@example.gov.uk" not in queued.get_text()  # the queued tab lists queued only

    page = BeautifulSoup(
        client.get("/staff/admin/outbox?status=uncertain").get_data(as_text=True), "html.parser"
    )
    (line,) = page.select("tbody tr")
    assert "maybe@example.gov.uk" in line.get_text()
    assert line.select_one("strong.govuk-tag--orange").get_text() == "Uncertain"
    domain = app.config["MAIL_FROM"].rpartition("@")[2]
    assert f"<outbox-{row.id}@{domain}>" in line.get_text()
    actions = {form["action"]: form.get_text(" ", strip=True) for form in line.select("form")}
    assert actions == {
        f"/staff/admin/outbox/{row.id}/retry": f"Send again email {row.id}",
        f"/staff/admin/outbox/{row.id}/mark-delivered": f"Mark as delivered email {row.id}",
    }
    assert all(form["method"] == "post" for form in line.select("form"))


def test_no_banner_without_uncertain_emails(app, login):
    _email("waiting@example.gov.uk")
    page = login(admin()).get("/staff/admin/outbox?status=uncertain").get_data(as_text=True)
    assert "may or may not have been delivered" not in page
    assert "No emails are uncertain." in page and "Uncertain (0)" in page


def test_emails_being_sent_have_their_own_tab(app, login):
    for status in ("sending", "finishing"):
        row = _email(f"{status}@example.gov.uk")
        row.status, row.claimed_at, row.claim_token = status, T0, "a-run"
    db.session.commit()
    page = login(admin()).get("/staff/admin/outbox?status=sending").get_data(as_text=True)
    assert "Being sent (2)" in page
    assert "sending@example.gov.uk" in page and "finishing@example.gov.uk" in page
    assert "Waiting for the mail server" in page


def test_an_uncertain_email_sent_again_is_delivered_once_and_audited(app, login, smtp_sink):
    row = _uncertain("maybe@example.gov.uk")
    boss = admin()
    client = login(boss)
    response = client.post(f"/staff/admin/outbox/{row.id}/retry")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/staff/admin/outbox?status=uncertain")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Email {row.id} to maybe@example.gov.uk is queued to be sent again" in page
    assert "may or may not have been delivered" not in page  # nothing uncertain any more

    db.session.expire_all()
    assert row.status == "queued" and row.attempts == 0
    (event,) = _audit("email.retry")
    assert event.actor_id == boss.id and event.object_id == str(row.id)
    assert event.detail["from_status"] == "uncertain"

    assert deliver_due(datetime.now(UTC)).sent == 1
    assert smtp_sink.recipients() == ["maybe@example.gov.uk"]
    assert deliver_due(datetime.now(UTC)).sent == 0
    assert len(smtp_sink.messages) == 1


def test_an_uncertain_email_marked_as_delivered_is_never_sent_and_audited(app, login, smtp_sink):
    row = _uncertain("maybe@example.gov.uk")
    boss = admin()
    client = login(boss)
    response = client.post(f"/staff/admin/outbox/{row.id}/mark-delivered")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Email {row.id} to maybe@example.gov.uk is recorded as delivered" in page

    db.session.expire_all()
    assert row.status == "sent" and row.sent_at == T0  # as of the attempt
    (event,) = _audit("email.mark_delivered")
    assert event.actor_id == boss.id and event.object_id == str(row.id)
    assert deliver_due(datetime.now(UTC) + timedelta(days=1)).sent == 0
    assert smtp_sink.messages == []

    again = client.post(f"/staff/admin/outbox/{row.id}/mark-delivered")
    assert "Only an uncertain email can be marked as delivered" in client.get(
        again.headers["Location"]
    ).get_data(as_text=True)
    assert len(_audit("email.mark_delivered")) == 1
    assert client.post("/staff/admin/outbox/999999/mark-delivered").status_code == 404
    # A queued or sent email cannot be "sent again" either.
    refused = client.post(f"/staff/admin/outbox/{row.id}/retry")
    assert "Only a failed or uncertain email can be sent again" in client.get(
        refused.headers["Location"]
    ).get_data(as_text=True)


def test_only_admins_decide_about_uncertain_emails(app, login):
    row = _uncertain("maybe@example.gov.uk")
    for user in (producer(), cso()):
        client = login(user)
        assert client.get("/staff/admin/outbox?status=uncertain").status_code == 403
        assert client.post(f"/staff/admin/outbox/{row.id}/retry").status_code == 403
        assert client.post(f"/staff/admin/outbox/{row.id}/mark-delivered").status_code == 403
    db.session.expire_all()
    assert row.status == "uncertain"
    assert _audit("email.retry") == [] and _audit("email.mark_delivered") == []


def test_deciding_about_an_uncertain_email_needs_the_csrf_token(csrf_app):
    row = _uncertain("maybe@example.gov.uk")
    boss = admin()
    client = csrf_app.test_client()
    sign_in = client.get("/staff/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', sign_in).group(1)
    signed_in = client.post(
        "/staff/sign-in",
        data={"email": boss.email, "password": "correct-horse-battery", "csrf_token": token},
    )
    assert signed_in.status_code == 302
    for action in ("retry", "mark-delivered"):
        assert client.post(f"/staff/admin/outbox/{row.id}/{action}").status_code == 400
    db.session.expire_all()
    assert row.status == "uncertain"

    # The test's app context outlives requests, so Flask-WTF's per-context token (made for the
    # signed-out session) would be reused; in production each request has its own context.
    g.pop("csrf_token", None)
    page = client.get("/staff/admin/outbox?status=uncertain").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    done = client.post(f"/staff/admin/outbox/{row.id}/mark-delivered", data={"csrf_token": token})
    assert done.status_code == 302
    db.session.expire_all()
    assert row.status == "sent"
