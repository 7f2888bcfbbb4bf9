"""Email that no stored text can stall and that survives a long outage: headers cleaned when the
message is built, one bad row failed on its own, time-based retries that resume when the server
answers again, one email to the CSO mailbox afterwards, and a killed run's lease taken over."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

from engage.extensions import db
from engage.mail.delivery import deliver_due
from engage.mail.health import outbox_health
from engage.mail.models import OutboxEmail
from engage.mail.outbox import queue_email
from engage.scheduler.locks import acquire_lease, this_holder

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def _queue(to: str, subject: str = "Hello") -> OutboxEmail:
    row = queue_email(to, "generic", subject=subject, body="Body")
    row.next_attempt_at = row.created_at = T0
    db.session.commit()
    return row


def _rows() -> list[OutboxEmail]:
    db.session.expire_all()
    return list(db.session.execute(db.select(OutboxEmail).order_by(OutboxEmail.id)).scalars())


def test_control_characters_in_a_stored_subject_do_not_stop_delivery(app, smtp_sink):
    row = _queue("a@example.gov.uk")
    # stored before the text policy existed (or by code that skipped it)
    row.subject = "Consultation\x0b on\u2028 prisons\x1f \r\nBcc: victim@example.org"
    db.session.commit()
    result = deliver_due(T0)
    assert result.sent == 1
    (message,) = smtp_sink.messages
    assert message["Subject"] == "Consultation on prisons Bcc: victim@example.org"
    assert message["Bcc"] is None


def test_one_message_that_cannot_be_built_fails_alone_and_the_rest_go(app, smtp_sink):
    bad = _queue("a@example.gov.uk")
    bad.to_address = "person@example.org\nBcc: victim@example.org"
    db.session.commit()
    _queue("acknowledgement@example.gov.uk")
    result = deliver_due(T0)
    assert (result.sent, result.failed) == (1, 1)
    failed, sent = _rows()
    assert failed.status == "failed" and "could not be built" in failed.last_error
    assert sent.status == "sent"
    assert smtp_sink.recipients() == ["acknowledgement@example.gov.uk"]


def test_a_13_hour_outage_loses_nothing_resumes_by_itself_and_tells_the_cso_once(
    app, smtp_sink, cso_address
):
    for i in range(41):
        _queue(f"officer{i}@example.gov.uk", subject="SLA warning")
    smtp_sink.mode = "tempfail"
    now = T0
    while now < T0 + timedelta(hours=13):
        deliver_due(now)
        now += timedelta(minutes=5)  # the scheduler runs every minute; every 5 is enough here
        if now.minute == 0:
            health = outbox_health()
            assert health.waiting == 41 and health.failed == 0
            assert health.waiting_since == T0
    assert all(r.status == "queued" for r in _rows())
    smtp_sink.mode = "accept"
    # the server is back: within an hour (the backoff cap) every email has gone
    for _ in range(13):
        deliver_due(now)
        now += timedelta(minutes=5)
    rows = _rows()
    assert sum(r.status == "sent" for r in rows) == 42
    assert len(smtp_sink.messages) == 42
    notices = smtp_sink.to(cso_address)
    assert len(notices) == 1
    text = notices[0].get_body(("plain",)).get_content()
    assert "No email failed during the outage" in text
    assert not outbox_health().troubled
    # later runs do not repeat the notice
    deliver_due(now + timedelta(hours=2))
    assert len(smtp_sink.to(cso_address)) == 1


def test_a_lease_held_by_a_killed_process_is_taken_over_at_once(app):
    if db.engine.dialect.name == "postgresql":
        return  # the advisory lock is released by PostgreSQL itself (tests/scheduler)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    host = this_holder().rpartition(":")[0]
    now = T0
    assert acquire_lease("deliver_emails", f"{host}:{dead.stdout.strip()}", now)
    assert acquire_lease("deliver_emails", this_holder(), now + timedelta(seconds=5))
    # a live holder is respected
    assert not acquire_lease("deliver_emails", f"{host}:999999999", now + timedelta(seconds=6))
