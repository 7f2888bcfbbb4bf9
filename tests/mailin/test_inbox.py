"""The Mail in inbox's decisions, and `flask mail receive` (the pipe)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from email.message import EmailMessage

import pytest

from engage.cases.attachments import attachments_of
from engage.cases.workflow import CaseError, CaseForbidden
from engage.extensions import db
from engage.mail.models import OutboxEmail
from engage.mailin.cli import receive_bytes
from engage.mailin.inbox import add_to_case, age, not_a_case, to_case
from engage.mailin.models import InboundMessage
from tests.factories.auth import cso, producer
from tests.factories.cases import make_case

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _email(n: int = 1, *, sender: str = "Sam Writer <sam@example.org>", **headers) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "enquiries@statistics.example.gov.uk"
    message["Subject"] = f"Complaint about table {n}"
    message["Message-ID"] = f"<in-{n}@example.org>"
    message["Received"] = "from mx.example.org by mail.office; Mon, 15 Jun 2026 23:30:00 +0000"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content("Your table 4 is wrong.")
    message.add_alternative("<p>Your <b>table</b> 4</p><script>alert(1)</script>", subtype="html")
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="letter.pdf")
    message.add_attachment(
        b"MZ\x90\x00fake", maintype="application", subtype="pdf", filename="x.pdf"
    )
    return bytes(message)


def _stored(raw: bytes) -> InboundMessage:
    row_id, created, _ = receive_bytes(raw)
    assert created
    return db.session.get(InboundMessage, row_id)


def test_the_pipe_stores_once_with_the_received_header_time(app):
    runner = app.test_cli_runner()
    raw = _email()
    result = runner.invoke(args=["mail", "receive"], input=raw)
    assert result.exit_code == 0 and "stored" in result.output, result.output
    again = runner.invoke(args=["mail", "receive"], input=_email())
    assert "already stored" in again.output
    (row,) = db.session.execute(db.select(InboundMessage)).scalars().all()
    assert row.source == "pipe" and row.status == "new" and row.raw == raw
    # the office's server's Received: header, 23:30 UTC in British Summer Time: 16 June
    assert row.received_at == datetime(2026, 6, 15, 23, 30, tzinfo=UTC)
    empty = runner.invoke(args=["mail", "receive"], input=b"")
    assert empty.exit_code != 0 and "No message" in empty.output


def test_a_message_becomes_a_complaint_with_its_attachments_and_acknowledgement(app):
    row = _stored(_email())
    made = to_case(
        row,
        cso(),
        kind="service_complaint",
        requester_name="Sam Writer",
        acknowledge=True,
        now=datetime(2026, 6, 17, 9, tzinfo=UTC),
    )
    case = made.case
    assert (case.kind, case.channel, case.requester_email) == (
        "service_complaint",
        "email",
        "sam@example.org",
    )
    assert case.received_on == date(2026, 6, 16)  # the London day it reached the mailbox
    assert case.message == "Your table 4 is wrong."
    assert [a.original_name for a in attachments_of(case)] == ["letter.pdf"]
    assert made.attachments_refused and "x.pdf" in made.attachments_refused[0]  # .exe named .pdf
    assert made.acknowledged and case.state == "acknowledged"
    ack = db.session.execute(
        db.select(OutboxEmail).where(OutboxEmail.template == "case_acknowledged")
    ).scalar_one()
    assert ack.to_address == "sam@example.org" and f"[{case.reference}]" in ack.subject
    assert (row.status, row.case_id) == ("case_created", case.id)
    with pytest.raises(CaseError, match="already dealt with"):  # a double submit
        to_case(row, cso(), kind="enquiry", requester_name="x", acknowledge=True)
    assert db.session.execute(db.select(db.func.count()).select_from(OutboxEmail)).scalar_one() == 1


def test_no_acknowledgement_when_unticked_automatic_or_over_the_daily_cap(app):
    app.config["MAIL_IN_ACK_PER_SENDER_PER_DAY"] = 2
    office = cso()
    now = datetime(2026, 6, 17, 9, tzinfo=UTC)
    unticked = to_case(
        _stored(_email(1)), office, kind="enquiry", requester_name="S", acknowledge=False, now=now
    )
    assert not unticked.acknowledged
    auto = to_case(
        _stored(_email(2, Auto_Submitted="auto-replied")),
        office,
        kind="enquiry",
        requester_name="S",
        acknowledge=True,
        now=now,
    )
    assert not auto.acknowledged and "automatically" in auto.why_not_acknowledged
    results = [
        to_case(
            _stored(_email(n)),
            office,
            kind="enquiry",
            requester_name="S",
            acknowledge=True,
            now=now,
        )
        for n in (3, 4, 5)
    ]
    assert [r.acknowledged for r in results] == [True, True, False]
    assert "2 acknowledgements in a day" in results[2].why_not_acknowledged


@pytest.mark.parametrize(
    ("sender", "why"),
    [
        ("Sam Writer <sam@@example.org>", "is not a valid email address"),
        ("Sam Writer <sam@localhost>", "is not a valid email address"),  # no dot in the domain
        ("Sam Writer <sam at example dot org>", "is not a valid email address"),
        ("Engage <engage@statistics.example.gov.uk>", "is Engage’s own"),  # MAIL_FROM
        ("Enquiries <ENQUIRIES@statistics.example.gov.uk>", "is Engage’s own"),  # MAIL_IN_ADDRESS
        ("Mail Delivery System <MAILER-DAEMON@mx.example.org>", "a mail server (a bounce)"),
        ("postmaster@example.org", "a mail server (a bounce)"),
    ],
)
def test_a_sender_that_cannot_be_written_to_is_not_the_requester(app, sender, why):
    app.config["MAIL_IN_ADDRESS"] = "enquiries@statistics.example.gov.uk"
    app.config["MAIL_FROM"] = "Engage <engage@statistics.example.gov.uk>"
    made = to_case(
        _stored(_email(sender=sender)),
        cso(),
        kind="service_complaint",
        requester_name="Sam Writer",
        acknowledge=True,
        now=datetime(2026, 6, 17, 9, tzinfo=UTC),
    )
    case = made.case
    # The case is made, with no contact details, and says why (the flash, the history).
    assert case.requester_email is None and case.requester_address is None
    assert why in made.why_no_contact
    assert not made.acknowledged and why in made.why_not_acknowledged
    notes = [e.note for e in case.history if e.action == "note"]
    assert any(why in n and "not kept as the requester’s email" in n for n in notes)
    received = next(e.note for e in case.history if e.action == "received")
    assert "No contact details were given" in received
    assert db.session.execute(db.select(db.func.count()).select_from(OutboxEmail)).scalar_one() == 0


def test_a_valid_sender_is_kept_as_it_is_on_the_case_forms(app):
    from engage.forms import email_problem

    made = to_case(
        _stored(_email(sender="Zoë <zoe.o'brien+cases@example.co.uk>")),
        cso(),
        kind="enquiry",
        requester_name="Zoë",
        acknowledge=False,
    )
    assert made.case.requester_email == "zoe.o'brien+cases@example.co.uk"
    assert made.why_no_contact == ""
    # The check is the case forms' own: the same message for the same addresses.
    assert email_problem("zoe.o'brien+cases@example.co.uk") is None
    assert email_problem("sam@@example.org") == (
        "Enter an email address in the correct format, like name@example.com"
    )
    assert email_problem("a" * 250 + "@example.org") is not None  # over 254 characters


def test_html_only_mail_is_read_as_text_without_script(app):
    message = EmailMessage()
    message["From"] = "h@example.org"
    message["Subject"] = "html"
    message.set_content(
        "<h1>Hi</h1><script>steal()</script><p>Table&nbsp;4 &lt;b&gt;</p>", subtype="html"
    )
    made = to_case(
        _stored(bytes(message)), cso(), kind="enquiry", requester_name="H", acknowledge=False
    )
    assert "steal" not in made.case.message and "Hi" in made.case.message
    assert "Table\xa04 <b>" in made.case.message  # shown escaped, as text, never rendered


def test_add_to_case_and_not_a_case(app):
    office = cso()
    case = make_case()
    first = _stored(_email(1))
    add_to_case(first, office, case=case)
    assert (first.status, first.case_id) == ("added_to_case", case.id)
    assert any(e.action == "email_received" for e in case.history)
    second = _stored(_email(2))
    with pytest.raises(CaseError, match="Explain"):
        not_a_case(second, office, reason="other", note="  ")
    not_a_case(second, office, reason="spam")
    assert (second.status, second.status_reason) == ("not_a_case", "Spam")
    with pytest.raises(CaseForbidden):
        not_a_case(_stored(_email(3)), producer(), reason="spam")


def test_age_against_the_five_working_day_promise(app):
    row = _stored(_email())  # received Tuesday 16 June 2026 (London)
    assert age(row, datetime(2026, 6, 16, 12, tzinfo=UTC)) == (0, 5)
    assert age(row, datetime(2026, 6, 23, 12, tzinfo=UTC)) == (5, 0)  # the next Tuesday
    assert age(row, datetime(2026, 6, 24, 12, tzinfo=UTC)) == (6, -1)


def test_a_received_time_a_case_cannot_have_is_refused_with_a_reason(app, login):
    # The topmost Received: date is trusted as the office's own, but never later than the
    # moment Engage stored the message; a message copied into the mailbox can keep an old
    # date (1890 crashed the working-day calendar with a 500).

    def piped(year: int) -> InboundMessage:
        raw = (
            f"Received: from mx by office; Mon, 1 Feb {year} 10:00:00 +0000\r\n"
            f"From: old{year}@example.org\r\nSubject: from {year}\r\n"
            f"Message-ID: <y{year}@example.org>\r\n\r\nHello\r\n"
        ).encode()
        row_id, _, _ = receive_bytes(raw)
        return db.session.get(InboundMessage, row_id)

    future = piped(2100)
    assert future.received_at <= future.stored_at
    client = login(cso())
    for row in (piped(1890), piped(1999)):
        page = client.post(
            f"/staff/mail-in/{row.id}/case",
            data={"kind": "enquiry", "requester_name": "Old Sender", "acknowledge": "y"},
        )
        assert page.status_code == 200
        assert "a date a case cannot have" in page.get_data(as_text=True)
        db.session.refresh(row)
        assert row.status == "new" and row.case_id is None
    assert db.session.execute(db.select(OutboxEmail)).first() is None


def test_the_retention_job_forgets_emails_received_with_their_case_and_on_their_own(app, login):
    # The raw email (name, address, text, attachments) stayed for ever, and the anonymised
    # case page still showed it under "Emails received".
    from datetime import date as day

    from engage.cases.models import Case
    from engage.retention import anonymise_expired
    from tests.factories.cases import put_in_state

    on_case = _stored(_email(1))
    made = to_case(on_case, cso(), kind="enquiry", requester_name="Sam", acknowledge=False)
    put_in_state(made.case, "closed")
    alone = _stored(_email(2, sender="spam@example.net"))
    not_a_case(alone, cso(), reason="spam")
    counts = anonymise_expired(day(2040, 1, 1))
    assert counts["emails_received"] == 1
    for row in (on_case, alone):
        db.session.refresh(row)
        assert (row.raw, row.from_address, row.from_name, row.subject) == (None, None, None, None)
    case = db.session.get(Case, made.case.id)
    page = login(cso()).get(f"/staff/cases/{case.reference}").get_data(as_text=True)
    assert "Your table 4 is wrong" not in page and "sam@example.org" not in page
    assert login(cso()).get(f"/staff/mail-in/{alone.id}").status_code == 404
    # run again: nothing left to forget
    assert anonymise_expired(day(2040, 1, 1))["emails_received"] == 0
