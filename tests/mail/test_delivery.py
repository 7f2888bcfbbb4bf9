"""Outbox delivery over a real SMTP server on loopback: sent once, retried on temporary
failures, never retried on permanent ones, nothing queued by a rolled-back change."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from engage.auth.models import User
from engage.extensions import db
from engage.mail import delivery
from engage.mail.delivery import backoff, deliver_due, purge_sent_email_bodies
from engage.mail.models import OutboxEmail
from engage.mail.outbox import queue_email, queue_email_once
from tests.factories.auth import producer

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def _queue(n: int, prefix: str = "person") -> list[OutboxEmail]:
    rows = [
        queue_email(f"{prefix}{i}@example.gov.uk", "generic", subject="Hello", body=f"Body {i}")
        for i in range(n)
    ]
    for row in rows:
        row.next_attempt_at = T0
    db.session.commit()
    return rows


def _rows() -> list[OutboxEmail]:
    db.session.expire_all()
    return list(db.session.execute(db.select(OutboxEmail).order_by(OutboxEmail.id)).scalars())


def test_a_queued_email_arrives_once_as_text_and_html_with_a_stable_message_id(app, smtp_sink):
    (row,) = _queue(1)
    result = deliver_due(T0)
    assert (result.sent, result.retrying, result.failed) == (1, 0, 0)

    (message,) = smtp_sink.messages
    assert message["To"] == "person0@example.gov.uk"
    assert message["From"] == app.config["MAIL_FROM"]
    domain = app.config["MAIL_FROM"].rpartition("@")[2]
    assert message["Message-ID"] == f"<outbox-{row.id}@{domain}>"
    assert message.get_content_type() == "multipart/alternative"
    assert message.get_body(("plain",)) is not None
    assert message.get_body(("html",)) is not None

    (stored,) = _rows()
    assert stored.status == "sent" and stored.sent_at == T0 and stored.attempts == 1
    assert deliver_due(T0 + timedelta(hours=1)).sent == 0
    assert len(smtp_sink.messages) == 1


def test_only_due_emails_are_sent(app, smtp_sink):
    (row,) = _queue(1)
    row.next_attempt_at = T0 + timedelta(minutes=10)
    db.session.commit()
    assert deliver_due(T0).sent == 0
    assert deliver_due(T0 + timedelta(minutes=10)).sent == 1


def test_a_server_down_for_a_while_then_back_delivers_every_email_exactly_once(app, smtp_sink):
    _queue(4)
    smtp_sink.stop()

    now = T0
    for _ in range(3):  # down for three delivery rounds, each when the emails are due again
        result = deliver_due(now)
        assert result.sent == 0 and result.retrying > 0
        rows = _rows()
        assert all(r.status == "queued" and r.next_attempt_at > now for r in rows)
        assert all("Connection" in (r.last_error or "") for r in rows if r.attempts)
        now = max(r.next_attempt_at for r in rows)

    smtp_sink.start()  # back, on the same port
    assert deliver_due(now).sent == 4
    for later in range(1, 5):  # every later run finds nothing to send
        assert deliver_due(now + timedelta(hours=later)).sent == 0

    assert sorted(smtp_sink.recipients()) == [f"person{i}@example.gov.uk" for i in range(4)]
    assert len(set(smtp_sink.message_ids())) == 4
    assert all(r.status == "sent" for r in _rows())


def test_a_4xx_reply_is_retried_later_with_backoff(app, smtp_sink):
    (row,) = _queue(1)
    smtp_sink.mode = "tempfail"
    result = deliver_due(T0)
    assert result.retrying == 1
    (stored,) = _rows()
    assert stored.status == "queued" and stored.attempts == 1
    assert stored.last_error.startswith("SMTP 451")
    assert T0 + timedelta(seconds=30) <= stored.next_attempt_at <= T0 + timedelta(seconds=60)

    assert deliver_due(T0 + timedelta(seconds=20)).retrying == 0  # not due yet
    smtp_sink.mode = "accept"
    assert deliver_due(stored.next_attempt_at).sent == 1
    assert len(smtp_sink.messages) == 1


def test_a_5xx_reply_is_not_retried(app, smtp_sink):
    _queue(1)
    smtp_sink.mode = "permfail"
    result = deliver_due(T0)
    assert (result.sent, result.retrying, result.failed) == (0, 0, 1)
    (stored,) = _rows()
    assert stored.status == "failed" and stored.attempts == 1 and stored.failed_at == T0
    assert stored.last_error.startswith("SMTP 550")

    smtp_sink.mode = "accept"
    for days in (1, 7, 30):
        assert deliver_due(T0 + timedelta(days=days)).sent == 0
    assert smtp_sink.messages == []


def test_temporary_failures_are_retried_for_72_hours_then_fail(app, smtp_sink):
    _queue(1)
    smtp_sink.mode = "tempfail"
    now = T0
    deliver_due(now)
    (stored,) = _rows()
    assert stored.retry_until == T0 + timedelta(hours=72)
    while now < T0 + timedelta(hours=72):  # a long weekend of outage: still queued
        assert stored.status == "queued", now
        assert stored.next_attempt_at - now <= timedelta(hours=1)  # backoff capped at an hour
        now = stored.next_attempt_at
        deliver_due(now)
        (stored,) = _rows()
    assert stored.status == "failed" and stored.attempts > 70
    assert "Still failing after" in stored.last_error
    assert deliver_due(now + timedelta(days=1)).retrying == 0


def test_backoff_doubles_with_jitter_and_is_capped():
    rng = random.Random(4)
    for attempts in range(1, 12):
        step = min(
            delivery.BACKOFF_CAP_SECONDS, delivery.BACKOFF_BASE_SECONDS * 2 ** (attempts - 1)
        )
        delays = {backoff(attempts, rng).total_seconds() for _ in range(20)}
        assert all(step / 2 <= d <= step for d in delays)
        assert len(delays) > 1  # jitter: retries of many emails do not line up
    assert backoff(30, rng) <= timedelta(seconds=delivery.BACKOFF_CAP_SECONDS)


def test_a_change_rolled_back_queues_nothing(app, smtp_sink):
    user = producer()
    user.name = "Renamed"
    queue_email(user.email, "generic", subject="Your name changed", body="Renamed")
    assert queue_email_once(user.email, "generic", "rename:1", subject="x", body="y")
    db.session.rollback()

    assert _rows() == []
    assert deliver_due(T0 + timedelta(days=1)).sent == 0
    assert smtp_sink.messages == []
    assert db.session.get(User, user.id).name != "Renamed"


def test_queue_email_once_refuses_a_duplicate_without_breaking_the_callers_change(app):
    user = producer()
    assert queue_email_once(user.email, "generic", "reason:42", subject="First", body="a")
    db.session.commit()

    user.name = "Changed in the same transaction"
    assert not queue_email_once(user.email, "generic", "reason:42", subject="Second", body="b")
    db.session.commit()  # the caller's change still commits

    assert db.session.get(User, user.id).name == "Changed in the same transaction"
    assert [r.subject for r in _rows()] == ["First"]


def test_the_database_refuses_a_second_row_with_the_same_dedup_key(app):
    """The guarantee does not rest on the pre-check: a raw insert racing past it is refused."""
    queue_email_once("a@example.gov.uk", "generic", "race:1", subject="One", body="x")
    db.session.commit()
    table = OutboxEmail.__table__
    values = {
        "to_address": "a@example.gov.uk",
        "subject": "Two",
        "template": "generic",
        "dedup_key": "race:1",
        "status": "queued",
        "attempts": 0,
        "created_at": T0,
        "next_attempt_at": T0,
    }
    try:
        with db.engine.begin() as conn:
            conn.execute(sa.insert(table).values(**values))
    except sa.exc.IntegrityError:
        pass
    else:
        raise AssertionError("a second row with the same dedup key was accepted")
    assert len(_rows()) == 1


def test_a_row_claimed_by_another_deliverer_is_not_sent_twice(app, smtp_sink):
    (row,) = _queue(1)
    if db.engine.dialect.name == "postgresql":
        # Another deliverer holds the row (FOR UPDATE): this one skips it.
        with db.engine.connect() as other:
            other.execute(
                sa.select(OutboxEmail.__table__).where(OutboxEmail.id == row.id).with_for_update()
            )
            assert deliver_due(T0).sent == 0
            other.rollback()
    else:
        # SQLite: the job lease makes the deliverer single (a second holder is refused).
        from engage.scheduler.locks import acquire_lease

        assert acquire_lease("deliver_emails", "host-a:1", T0)
        assert not acquire_lease("deliver_emails", "host-b:2", T0)
    assert deliver_due(T0).sent == 1
    assert len(smtp_sink.messages) == 1


def test_console_transport_prints_no_personal_data_and_keeps_the_message(app, tmp_path, capsys):
    app.config.update(MAIL_TRANSPORT="console", MAIL_CONSOLE_DIR=str(tmp_path))
    (row,) = _queue(1, prefix="jo.bloggs")
    assert deliver_due(T0).sent == 1
    printed = capsys.readouterr().out
    assert "Hello" in printed and "example.gov.uk" in printed
    assert "jo.bloggs" not in printed
    saved = (tmp_path / f"{row.id}.eml").read_text()
    assert "To: jo.bloggs0@example.gov.uk" in saved


def test_sent_email_bodies_are_removed_after_the_retention_period(app):
    old, recent, queued = _queue(3)
    old.status, old.sent_at = "sent", T0 - timedelta(days=91)
    recent.status, recent.sent_at = "sent", T0 - timedelta(days=89)
    db.session.commit()

    assert purge_sent_email_bodies(T0) == 1
    old, recent, queued = _rows()
    assert old.body_text is None and old.body_html is None and old.body_removed_at == T0
    assert old.subject == "Hello"  # the record that it was sent stays
    assert recent.body_text and queued.body_text
    assert purge_sent_email_bodies(T0) == 0


def test_what_engage_writes_by_itself_says_so_and_a_letter_staff_wrote_does_not(app, smtp_sink):
    # RFC 3834: an acknowledgement and an SLA warning from the scheduler's scan are made by
    # Engage and carry "Auto-Submitted: auto-generated", so no out-of-office answers them; the
    # full response a member of staff wrote is theirs and carries no such header ("no").
    from engage.cases import workflow
    from engage.cases.alerts import scan_sla
    from engage.db_types import utcnow
    from tests.factories.auth import cso
    from tests.factories.cases import RECEIVED, at, make_case

    officer = cso(email="officer@example.gov.uk")
    answered = make_case(email="answered@example.com", assigned_to=officer)
    workflow.acknowledge(answered, officer, now=at(RECEIVED, 11))
    workflow.respond(
        answered, officer, text="Here is our answer.", method="email", now=at(RECEIVED, 12)
    )
    late = make_case(email="late@example.com", assigned_to=officer)  # never acknowledged
    assert scan_sla(RECEIVED + timedelta(days=14)).queued
    assert deliver_due(utcnow() + timedelta(minutes=1)).failed == 0

    def auto_submitted(subject_start: str) -> list[str | None]:
        found = [m for m in smtp_sink.messages if str(m["Subject"]).startswith(subject_start)]
        assert found, subject_start
        return [m["Auto-Submitted"] for m in found]

    assert auto_submitted("We have received your message") == ["auto-generated"]
    assert set(auto_submitted("Deadline missed")) == {"auto-generated"}
    assert auto_submitted("Our response to your message") == [None]
    assert late.reference in str(smtp_sink.to("officer@example.gov.uk")[0]["Subject"])


def test_our_own_email_coming_back_into_the_mailbox_is_never_answered(app, smtp_sink):
    # A requester's address that forwards to the office's mailbox returns the acknowledgement:
    # mail in reads its Auto-Submitted header, so the message is automatic and even a case made
    # from it with "acknowledge" ticked sends nothing back (no loop between two automata).
    from engage.cases import workflow
    from engage.db_types import utcnow
    from engage.mailin.cli import receive_bytes
    from engage.mailin.inbox import to_case
    from engage.mailin.models import InboundMessage
    from tests.factories.auth import cso
    from tests.factories.cases import RECEIVED, at, make_case

    app.config["MAIL_IN_ADDRESS"] = "enquiries@statistics.example.gov.uk"
    officer = cso(email="officer@example.gov.uk")
    workflow.acknowledge(make_case(assigned_to=officer), officer, now=at(RECEIVED, 11))
    assert deliver_due(utcnow() + timedelta(minutes=1)).sent == 1
    (acknowledgement,) = smtp_sink.messages

    receive_bytes(acknowledgement.as_bytes())
    row = db.session.execute(db.select(InboundMessage)).scalar_one()
    assert row.automatic
    made = to_case(row, officer, kind="enquiry", requester_name="Engage", acknowledge=True)
    # Refused twice over: the message is automatic, and its sender is Engage's own address
    # (which is also never the requester's); the case says the first reason that applies.
    assert not made.acknowledged
    assert any(
        why in made.why_not_acknowledged for why in ("automatically", "Engage\u2019s own")
    ), made.why_not_acknowledged
    assert deliver_due(utcnow() + timedelta(minutes=2)).sent == 0
    assert len(smtp_sink.messages) == 1


def test_every_template_written_by_staff_is_a_real_email():
    from pathlib import Path

    templates = Path(__file__).parents[2] / "templates" / "email"
    assert all((templates / f"{name}.txt").is_file() for name in delivery.WRITTEN_BY_STAFF)
