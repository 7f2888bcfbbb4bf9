"""Replies find their case; bounces mark the outbox row; automatic mail is never answered.
A real SMTP sink sends our emails, a real Dovecot holds the replies."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage

from engage.cases import workflow
from engage.cases.correspondence import failed_requester_emails
from engage.cases.models import CaseEvent
from engage.db_types import utcnow
from engage.extensions import db
from engage.mail.delivery import deliver_due
from engage.mail.models import OutboxEmail
from engage.mailin.clarification import undo_resume
from engage.mailin.imap import fetch_mailbox
from engage.mailin.models import InboundMessage
from engage.mailin.parse import parse
from engage.mailin.process import is_automatic
from tests.factories.auth import cso, producer
from tests.factories.cases import at, make_case, put_in_state


def _deliver() -> None:
    deliver_due(utcnow() + timedelta(minutes=1))


def _reply_to(sent: EmailMessage, *, sender: str, subject: str | None = None, **headers) -> bytes:
    reply = EmailMessage()
    reply["From"] = sender
    reply["To"] = str(sent["Reply-To"] or sent["From"])
    reply["Subject"] = subject if subject is not None else "Re: " + str(sent["Subject"])
    reply["Message-ID"] = f"<reply-{utcnow().timestamp()}@example.com>"
    reply["In-Reply-To"] = str(sent["Message-ID"])
    reply["References"] = str(sent["Message-ID"])
    for name, value in headers.items():
        reply[name.replace("_", "-")] = value
    reply.set_content("I meant the 2025 edition, table 4.")
    return bytes(reply)


def _clarification_case(app, smtp_sink):  # type: ignore[no-untyped-def]
    app.config["MAIL_IN_ADDRESS"] = "enquiries@statistics.example.gov.uk"
    worker = producer()
    case = make_case(assigned_to=worker)
    put_in_state(case, "acknowledged")
    workflow.request_clarification(case, cso(), question="Which year?", now=at(date(2026, 3, 4)))
    _deliver()
    (sent,) = smtp_sink.to("alex@example.com")
    return case, worker, sent


def test_outgoing_email_carries_reference_message_id_and_reply_to(app, smtp_sink):
    case, _worker, sent = _clarification_case(app, smtp_sink)
    assert f"[{case.reference}]" in str(sent["Subject"])
    assert str(sent["Reply-To"]) == "enquiries@statistics.example.gov.uk"
    row = db.session.execute(
        db.select(OutboxEmail).where(OutboxEmail.case_id == case.id)
    ).scalar_one()
    assert str(sent["Message-ID"]).startswith(f"<outbox-{row.id}@")


def test_a_reply_threads_into_its_case_and_resumes_the_clock(app, smtp_sink, imap):
    case, worker, sent = _clarification_case(app, smtp_sink)
    assert case.state == "awaiting_clarification"
    respond_by = case.respond_by
    # Received on Monday 9 March 2026 (London), whatever the sender's Date: says.
    imap.append(_reply_to(sent, sender="Alex <ALEX@example.com>"), when=at(date(2026, 3, 9), 9))
    fetch_mailbox()
    (row,) = db.session.execute(db.select(InboundMessage)).scalars().all()
    assert (row.status, row.case_id) == ("threaded", case.id)
    db.session.refresh(case)
    assert case.state == "acknowledged" and case.paused_on is None
    assert case.respond_by > respond_by  # paused 4 working days (5 to 9 March)
    events = [e.action for e in case.history]
    assert "email_received" in events and "clarification_resumed_by_email" in events
    # the assignee is told
    told = db.session.execute(
        db.select(OutboxEmail).where(OutboxEmail.template == "mailin_reply_received")
    ).scalar_one()
    assert told.to_address == worker.email and told.case_id == case.id
    # staff undo it with a reason: paused again from the original request
    undo_resume(case, cso(), reason="That was an out-of-office reply", now=utcnow())
    db.session.commit()
    assert case.state == "awaiting_clarification" and case.paused_on is not None
    assert case.respond_by == respond_by
    undone = [e for e in case.history if e.action == "clarification_resume_undone"]
    assert undone[0].note == "That was an out-of-office reply"


def test_an_out_of_office_reply_to_a_clarification_request_does_not_resume_the_clock(
    app, smtp_sink, imap
):
    # It threads (the assignee may want to know) but is not the clarification we asked for:
    # resuming on it moved respond-by until someone noticed and undid it.
    case, _worker, sent = _clarification_case(app, smtp_sink)
    respond_by = case.respond_by
    imap.append(
        _reply_to(sent, sender="alex@example.com", Auto_Submitted="auto-replied"),
        when=at(date(2026, 3, 9), 9),
    )
    fetch_mailbox()
    (row,) = db.session.execute(db.select(InboundMessage)).scalars().all()
    assert (row.status, row.case_id, row.automatic) == ("threaded", case.id, True)
    db.session.refresh(case)
    assert case.state == "awaiting_clarification" and case.paused_on == date(2026, 3, 4)
    assert case.respond_by == respond_by
    (event,) = [e for e in case.history if e.action == "email_received"]
    assert event.note.endswith("An automatic reply: the clock stays paused")
    assert not [e for e in case.history if e.action == "clarification_resumed_by_email"]


def test_a_subject_reference_threads_only_for_the_requester(app, imap):
    case = make_case()
    for sender, n in (("alex@example.com", 1), ("stranger@example.net", 2)):
        raw = (
            f"From: {sender}\r\nSubject: About [{case.reference}]\r\n"
            f"Message-ID: <s{n}@example.net>\r\n\r\nMore details\r\n"
        ).encode()
        imap.append(raw)
    fetch_mailbox()
    mine, theirs = db.session.execute(
        db.select(InboundMessage).order_by(InboundMessage.id)
    ).scalars()
    assert (mine.status, mine.case_id) == ("threaded", case.id)
    # a stranger quoting a reference never reaches the case: it waits in Mail in
    assert (theirs.status, theirs.case_id) == ("new", None)


DSN = """\
From: Mail Delivery System <MAILER-DAEMON@mx.example.org>
To: engage@statistics.example.gov.uk
Subject: Undelivered Mail Returned to Sender
Message-ID: <dsn-1@mx.example.org>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

Your message could not be delivered.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org

Final-Recipient: rfc822; alex@example.com
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <alex@example.com>: Recipient address rejected

--B
Content-Type: text/rfc822-headers

Message-ID: {message_id}
Subject: We have received your message

--B--
"""


def test_a_dsn_marks_the_outbox_row_bounced_and_the_case_shows_it(app, smtp_sink, imap, login):
    case = make_case(channel="web")  # acknowledged by email
    _deliver()
    (sent,) = smtp_sink.to("alex@example.com")
    row = db.session.execute(db.select(OutboxEmail)).scalar_one()
    assert row.status == "sent"
    imap.append(DSN.format(message_id=sent["Message-ID"]).replace("\n", "\r\n").encode())
    fetch_mailbox()
    db.session.refresh(row)
    assert row.status == "failed" and "550 5.1.1" in row.last_error
    assert row.last_error.startswith("Bounced: status 5.1.1")
    (bounce,) = db.session.execute(db.select(InboundMessage)).scalars().all()
    assert (bounce.status, bounce.outbox_id, bounce.case_id) == ("bounce", row.id, case.id)
    assert failed_requester_emails([case.id])[case.id][0].what == "acknowledgement"
    page = login(cso()).get(f"/staff/cases/{case.reference}").get_data(as_text=True)
    assert "could not be delivered" in page and "Recipient address rejected" in page
    assert len(smtp_sink.messages) == 1  # nothing sent back to the mailer daemon


def test_a_delayed_dsn_is_not_a_bounce(app, smtp_sink, imap):
    make_case(channel="web")
    _deliver()
    (sent,) = smtp_sink.messages
    delayed = DSN.format(message_id=sent["Message-ID"]).replace("Action: failed", "Action: delayed")
    imap.append(delayed.replace("\n", "\r\n").encode())
    fetch_mailbox()
    assert db.session.execute(db.select(OutboxEmail)).scalar_one().status == "sent"


def test_automatic_messages_are_recognised():
    base = "From: a@example.org\r\nSubject: Out of office\r\n"
    for extra, expected in (
        ("Auto-Submitted: auto-replied\r\n", "Auto-Submitted: auto-replied"),
        ("Auto-Submitted: no\r\n", None),
        ("Auto-Submitted: No (typed by a person)\r\n", None),
        ("Auto-Submitted: auto-generated; x=1\r\n", "Auto-Submitted: auto-generated; x=1"),
        ("Precedence: bulk\r\n", "Precedence: bulk"),
        ("Precedence: first-class\r\n", None),
        ("X-Autoreply: yes\r\n", "X-Autoreply header"),
        ("List-Id: <news.example.org>\r\n", "List-Id header"),
        ("Return-Path: <>\r\n", "empty return path"),
        ("Return-Path: <MAILER-DAEMON@example.org>\r\n", "from MAILER-DAEMON"),
        ("", None),
    ):
        assert is_automatic(parse((base + extra + "\r\nbody\r\n").encode())) == expected, extra


def test_a_reply_event_is_recorded_on_a_case_without_an_assignee(app, imap):
    case = make_case()
    raw = f"From: alex@example.com\r\nSubject: Re: [{case.reference}]\r\n\r\nthanks\r\n".encode()
    imap.append(raw, when=datetime(2026, 3, 10, 12, tzinfo=UTC))
    fetch_mailbox()
    event = db.session.execute(
        db.select(CaseEvent).where(CaseEvent.action == "email_received")
    ).scalar_one()
    assert event.case_id == case.id and "alex@example.com" in event.note
    assert db.session.execute(db.select(OutboxEmail.template)).scalars().all() == []


def test_a_plain_bounce_from_a_mailer_daemon_marks_the_row(app, smtp_sink):
    from engage.mailin.cli import receive_bytes

    case = make_case(channel="web")
    _deliver()
    (sent,) = smtp_sink.messages
    plain = (
        "Return-Path: <>\r\nFrom: Mail Delivery System <Mailer-Daemon@mx.example.org>\r\n"
        "Subject: Mail delivery failed: returning message to sender\r\n"
        "Message-ID: <plain-bounce@mx.example.org>\r\n\r\n"
        "This message was created automatically by mail delivery software.\r\n"
        "  alex@example.com\r\n    mailbox is full\r\n\r\n------ This is a copy of the message\r\n"
        f"Message-ID: {sent['Message-ID']}\r\nSubject: {sent['Subject']}\r\n"
    ).encode()
    receive_bytes(plain)
    row = db.session.execute(db.select(OutboxEmail)).scalar_one()
    assert row.status == "failed" and row.last_error.startswith("Bounced: Mail delivery failed")
    (bounce,) = db.session.execute(db.select(InboundMessage)).scalars().all()
    assert (bounce.status, bounce.case_id, bounce.automatic) == ("bounce", case.id, True)
    # a bounce about an email that is not ours changes nothing
    receive_bytes(plain.replace(b"<plain-bounce@", b"<other@").replace(b"<outbox-", b"<nope-"))
    other = db.session.execute(
        db.select(InboundMessage).where(InboundMessage.message_id == "<other@mx.example.org>")
    ).scalar_one()
    assert other.status == "bounce" and other.outbox_id is None
    assert "for no email of ours" in other.status_reason


def test_a_bounced_acknowledgement_stops_counting_after_it_was_delivered(app, smtp_sink):
    # The usual way a bounce comes: our mail server accepted the acknowledgement (250), so it
    # counted, and the requester's server refused it later. It must stop counting.
    from engage.cases import clock
    from engage.cases.sla.delivered import confirm_delivered_acknowledgements
    from engage.mailin.cli import receive_bytes

    case = make_case(channel="web")
    _deliver()
    confirm_delivered_acknowledgements()
    assert case.acknowledged_on is not None
    (sent,) = smtp_sink.messages
    receive_bytes(DSN.format(message_id=sent["Message-ID"]).replace("\n", "\r\n").encode())
    db.session.expire_all()
    assert case.acknowledged_on is None
    assert clock.acknowledge_status(case, case.acknowledge_by + timedelta(days=1)) == "overdue"
    event = db.session.execute(
        db.select(CaseEvent).where(CaseEvent.action == "acknowledgement_bounced")
    ).scalar_one()
    assert "was not delivered (bounced)" in event.note and "runs again" in event.note
    assert failed_requester_emails([case.id])[case.id][0].what == "acknowledgement"


def test_a_made_up_failure_report_changes_nothing(app, smtp_sink):
    # Our Message-IDs count up (<outbox-1@...>): a stranger's report must not cancel an email
    # waiting to be sent, nor mark one failed when it does not name the address it went to.
    from engage.mailin.cli import receive_bytes

    case = make_case(channel="web")
    row = db.session.execute(db.select(OutboxEmail)).scalar_one()
    forged = (
        DSN.format(message_id=f"<outbox-{row.id}@statistics.example.gov.uk>")
        .replace("Message-ID: <dsn-1@", "Message-ID: <dsn-forged@")
        .replace("alex@example.com", "someone@elsewhere.example")
    )
    receive_bytes(forged.replace("\n", "\r\n").encode())  # before it is sent
    db.session.refresh(row)
    assert row.status == "queued" and row.last_error is None
    _deliver()
    db.session.refresh(row)
    assert row.status == "sent" and len(smtp_sink.messages) == 1
    receive_bytes(forged.replace("dsn-forged", "dsn-forged-2").replace("\n", "\r\n").encode())
    db.session.refresh(row)
    assert row.status == "sent"  # it names another address
    reports = db.session.execute(db.select(InboundMessage)).scalars().all()
    assert [r.status for r in reports] == ["bounce", "bounce"]
    assert all("does not match" in r.status_reason for r in reports)
    assert failed_requester_emails([case.id]) == {}


def test_a_stranger_forging_in_reply_to_does_not_reach_a_confidential_case(app, smtp_sink):
    # A stranger who guesses one of our Message-IDs must not add to a complaint, nor have its
    # assignee emailed: the message waits in Mail in, as a stranger quoting a reference does.
    from engage.mailin.cli import receive_bytes

    worker = producer()
    case = make_case(kind="service_complaint", channel="web", assigned_to=worker)
    row = db.session.execute(db.select(OutboxEmail)).scalar_one()
    forged = (
        "From: stranger@elsewhere.example\r\nSubject: hello\r\n"
        "Message-ID: <s1@elsewhere.example>\r\n"
        f"In-Reply-To: <outbox-{row.id}@statistics.example.gov.uk>\r\n\r\nhello\r\n"
    ).encode()
    receive_bytes(forged)
    stranger = db.session.execute(db.select(InboundMessage)).scalar_one()
    assert (stranger.status, stranger.case_id) == ("new", None)
    assert not [e for e in case.history if e.action == "email_received"]
    assert db.session.execute(db.select(OutboxEmail.template)).scalars().all() == [
        "case_acknowledged"
    ]
    # ... nor by quoting the Message-ID of the requester's own email on the case
    own = (
        "From: alex@example.com\r\nSubject: more\r\nMessage-ID: <own@example.com>\r\n"
        f"In-Reply-To: <outbox-{row.id}@statistics.example.gov.uk>\r\n\r\nmore\r\n"
    ).encode()
    receive_bytes(own)
    receive_bytes(forged.replace(b"<s1@", b"<s2@").replace(f"<outbox-{row.id}@".encode(), b"<own@"))
    mine, theirs = db.session.execute(
        db.select(InboundMessage)
        .where(InboundMessage.id != stranger.id)
        .order_by(InboundMessage.id)
    ).scalars()
    assert (mine.status, mine.case_id) == ("threaded", case.id)
    assert (theirs.status, theirs.case_id) == ("new", None)


def test_an_assignees_out_of_office_reply_to_a_notification_is_not_answered(app, smtp_sink):
    # Engage emails the assignee about a reply; their out-of-office answers it (to Reply-To,
    # the mailbox); that answer threads into the case and must not be notified again, or the
    # two automatic senders write to each other for ever.
    from engage.mailin.cli import receive_bytes

    app.config["MAIL_IN_ADDRESS"] = "enquiries@statistics.example.gov.uk"
    worker = producer()
    case = make_case(assigned_to=worker, channel="letter")
    reply = (
        f"From: alex@example.com\r\nSubject: Re: [{case.reference}]\r\n"
        "Message-ID: <r1@example.com>\r\n\r\nMore detail.\r\n"
    ).encode()
    receive_bytes(reply)
    told = db.session.execute(
        db.select(OutboxEmail).where(OutboxEmail.template == "mailin_reply_received")
    ).scalar_one()
    for n in range(3):
        out_of_office = (
            f"From: {worker.email}\r\nSubject: Automatic reply: {case.reference}\r\n"
            f"Auto-Submitted: auto-replied\r\nMessage-ID: <ooo-{n}@example.gov.uk>\r\n"
            f"In-Reply-To: <outbox-{told.id}@statistics.example.gov.uk>\r\n\r\nI am away.\r\n"
        ).encode()
        receive_bytes(out_of_office)
    rows = db.session.execute(db.select(InboundMessage).order_by(InboundMessage.id)).scalars()
    assert [(r.status, r.case_id, r.automatic) for r in rows][1:] == [
        ("threaded", case.id, True)
    ] * 3
    notified = db.session.execute(
        db.select(OutboxEmail).where(OutboxEmail.template == "mailin_reply_received")
    ).scalars()
    assert [n.id for n in notified] == [told.id]


def test_a_bounce_that_names_the_address_only_in_an_encoded_part_still_counts(app, smtp_sink):
    # Some mail servers send the report's text base64-encoded: the address is not in the raw
    # bytes, but the report is real.
    import base64

    from engage.mailin.cli import receive_bytes

    make_case(channel="web")
    _deliver()
    (sent,) = smtp_sink.messages
    text = base64.b64encode(
        b"Delivery to alex@example.com failed: 550 5.1.1 user unknown\r\n"
        + f"Original Message-ID: {sent['Message-ID']}\r\n".encode()
    ).decode()
    report = (
        "From: postmaster@mx.example.org\r\nSubject: Undeliverable: We have received\r\n"
        "Message-ID: <ndr-1@mx.example.org>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        f"{text}\r\n"
    ).encode()
    assert b"alex@example.com" not in report
    receive_bytes(report)
    row = db.session.execute(db.select(OutboxEmail)).scalar_one()
    # our Message-ID is found there too: it is only in the encoded text
    (bounce,) = db.session.execute(db.select(InboundMessage)).scalars().all()
    assert bounce.status == "bounce"
    assert (row.status, bounce.outbox_id) == ("failed", row.id), bounce.status_reason
