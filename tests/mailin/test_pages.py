"""The Mail in pages: the CSO office's inbox, a message shown as text, decisions through the
forms (server-side validation, decided once), the admin page, undoing an emailed resume."""

from __future__ import annotations

from datetime import date
from email.message import EmailMessage

from engage.cases import workflow
from engage.cases.models import Case
from engage.extensions import db
from engage.mailin.cli import receive_bytes
from engage.mailin.models import InboundMessage
from tests.factories.auth import admin, cso, producer
from tests.factories.cases import at, make_case, put_in_state


def _stored(
    n: int = 1, html: str | None = None, sender: str = "Sam <sam@example.org>"
) -> InboundMessage:
    message = EmailMessage()
    message["From"] = sender
    message["Subject"] = f"Question {n}"
    message["Message-ID"] = f"<p{n}@example.org>"
    if html:
        message.set_content(html, subtype="html")
    else:
        message.set_content("Where is table 4?")
    row_id, _, _ = receive_bytes(bytes(message))
    return db.session.get(InboundMessage, row_id)


def test_the_inbox_lists_waiting_mail_for_the_cso_office_only(app, login):
    row = _stored(html="<p>Hello</p><script>alert('x')</script><img src=x onerror=alert(1)>")
    office = login(cso())
    page = office.get("/staff/mail-in").get_data(as_text=True)
    assert "Question 1" in page and "sam@example.org" in page and "working day" in page
    shown = office.get(f"/staff/mail-in/{row.id}").get_data(as_text=True)
    assert "Hello" in shown and "<script>alert" not in shown and "onerror" not in shown
    assert office.get("/staff/mail-in/99999999999").status_code == 404
    assert office.get("/staff/mail-in/0").status_code == 404
    assert login(producer()).get("/staff/mail-in").status_code == 403


def test_turning_an_email_into_a_case_through_the_form(app, login):
    row = _stored()
    client = login(cso())
    refused = client.post(f"/staff/mail-in/{row.id}/case", data={"requester_name": "Sam"})
    assert refused.status_code == 200 and "Select what kind of case it is" in refused.get_data(
        as_text=True
    )
    done = client.post(
        f"/staff/mail-in/{row.id}/case",
        data={"kind": "enquiry", "requester_name": "Sam", "acknowledge": ""},
    )
    assert done.status_code == 302
    case = db.session.execute(db.select(Case)).scalar_one()
    assert case.channel == "email" and case.requester_email == "sam@example.org"
    assert case.state == "received"  # acknowledgement unticked
    again = client.post(
        f"/staff/mail-in/{row.id}/case", data={"kind": "enquiry", "requester_name": "Sam"}
    )
    assert again.status_code == 302  # a double submit makes no second case
    assert db.session.execute(db.select(db.func.count()).select_from(Case)).scalar_one() == 1


def test_a_sender_that_is_not_an_email_address_is_said_before_and_after(app, login):
    row = _stored(sender="Sam <sam@@example.org>")
    client = login(cso())
    form = client.get(f"/staff/mail-in/{row.id}/case").get_data(as_text=True)
    assert "data-sender-problem" in form and "The case will have no contact details" in form
    assert "is not a valid email address" in form
    done = client.post(
        f"/staff/mail-in/{row.id}/case",
        data={"kind": "enquiry", "requester_name": "Sam", "acknowledge": "y"},
        follow_redirects=True,
    )
    page = done.get_data(as_text=True)
    assert done.status_code == 200
    assert "created with no contact details" in page and "no acknowledgement sent" in page
    assert "data-no-contact" in page  # the case page's own warning
    case = db.session.execute(db.select(Case)).scalar_one()
    assert case.requester_email is None and case.state == "received"
    # A good sender: no warning.
    good = _stored(2)
    assert "data-sender-problem" not in client.get(f"/staff/mail-in/{good.id}/case").get_data(
        as_text=True
    )


def test_add_to_a_case_and_not_a_case_through_the_forms(app, login):
    case = make_case()
    first, second = _stored(1), _stored(2)
    client = login(cso())
    wrong = client.post(f"/staff/mail-in/{first.id}/add", data={"reference": "C-1999-00001"})
    assert "No case has that reference" in wrong.get_data(as_text=True)
    # a reference typed as people type it: lower case, no "C-", no leading zeros
    year, number = case.reference.split("-")[1:]
    typed = f"{year}-{int(number)}"
    assert (
        client.post(f"/staff/mail-in/{first.id}/add", data={"reference": typed}).status_code == 302
    )
    db.session.refresh(first)
    assert first.case_id == case.id
    other = client.post(
        f"/staff/mail-in/{second.id}/not-a-case", data={"reason": "other", "note": ""}
    )
    assert "Explain why this is not a case" in other.get_data(as_text=True)
    long = client.post(
        f"/staff/mail-in/{second.id}/not-a-case", data={"reason": "spam", "note": "x" * 2001}
    )
    assert "2,000 characters or fewer" in long.get_data(as_text=True)
    client.post(f"/staff/mail-in/{second.id}/not-a-case", data={"reason": "spam"})
    db.session.refresh(second)
    assert second.status == "not_a_case"
    assert "No emails are waiting" in client.get("/staff/mail-in").get_data(as_text=True)


def test_the_admin_page_shows_fetches_waiting_and_failures(app, login):
    _stored(1)
    bad = _stored(2)
    bad.status, bad.status_reason = "failed", "Could not be read: ValueError: broken"
    db.session.commit()
    page = login(admin()).get("/staff/admin/mail-in").get_data(as_text=True)
    assert "1 email waiting" in page and "ValueError: broken" in page
    assert login(cso()).get("/staff/admin/mail-in").status_code == 403


def test_undo_an_emailed_resume_needs_a_reason(app, login):
    from engage.mailin.clarification import resume_from_reply

    case = make_case()
    put_in_state(case, "acknowledged")
    workflow.request_clarification(case, cso(), question="Which year?", now=at(date(2026, 3, 4)))
    row = _stored(sender="alex@example.com")
    resume_from_reply(case, row, at(date(2026, 3, 9)))
    db.session.commit()
    client = login(cso())
    url = f"/staff/cases/{case.reference}/undo-email-resume"
    assert "Enter why the clock should be paused again" in client.post(
        url, data={"reason": " "}
    ).get_data(as_text=True)
    assert client.post(url, data={"reason": "Auto-reply"}).status_code == 302
    db.session.refresh(case)
    assert case.state == "awaiting_clarification"
    again = client.post(url, data={"reason": "again"}).get_data(as_text=True)
    assert "not last resumed by an emailed reply" in again


def test_the_case_page_shows_emails_received_and_the_undo_link(app, login):
    from engage.mailin.clarification import resume_from_reply
    from engage.mailin.inbox import add_to_case

    case = make_case()
    put_in_state(case, "acknowledged")
    workflow.request_clarification(case, cso(), question="Which year?", now=at(date(2026, 3, 4)))
    row = _stored(html="<p>The 2025 one</p><script>x()</script>", sender="alex@example.com")
    add_to_case(row, cso(), case=case)
    resume_from_reply(case, row, at(date(2026, 3, 9)))
    db.session.commit()
    page = login(cso()).get(f"/staff/cases/{case.reference}").get_data(as_text=True)
    assert "Emails received" in page and "The 2025 one" in page and "x()" not in page
    assert f"/staff/cases/{case.reference}/undo-email-resume" in page
    # whoever may not see the case sees none of it
    assert login(producer()).get(f"/staff/cases/{case.reference}").status_code in (403, 404)


def test_undoing_an_emailed_resume_is_refused_to_whoever_may_not_see_the_case(app, login):
    # The page loaded any case by its exact reference for anyone who works cases: a producer
    # got 200 (and the case's history in the error) for a complaint they may not see.
    hidden = make_case(kind="service_complaint")
    client = login(producer())
    url = f"/staff/cases/{hidden.reference}/undo-email-resume"
    assert client.get(url).status_code == 403
    assert client.post(url, data={"reason": "x"}).status_code == 403
    assert client.get("/staff/cases/C-2026-99999/undo-email-resume").status_code == 404
    # references are case-insensitive here too
    office = login(cso())
    assert office.get(url.replace("/C-", "/c-")).status_code in (200, 302)


def test_reading_an_email_on_a_complaint_in_mail_in_is_a_view_of_the_complaint(app, login):
    from engage.audit import AuditEvent
    from engage.mailin.inbox import to_case

    row = _stored(sender="alex@example.com")
    made = to_case(row, cso(), kind="service_complaint", requester_name="Alex", acknowledge=False)
    client = login(cso())
    assert client.get(f"/staff/mail-in/{row.id}").status_code == 200
    views = db.session.execute(
        db.select(AuditEvent.object_id, AuditEvent.detail).where(AuditEvent.action == "case.viewed")
    ).all()
    assert (made.case.reference, {"kind": "service_complaint", "how": "mail-in"}) in [
        (object_id, detail) for object_id, detail in views
    ]
    page = client.get(f"/staff/cases/{made.case.reference}").get_data(as_text=True)
    assert "Email in Mail in" in page
