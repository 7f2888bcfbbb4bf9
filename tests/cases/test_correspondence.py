"""Correspondence on a case (issue 17): every email about the case on its page with its state
and text; an acknowledgement or response that bounced (a real SMTP server answering 550) is
flagged on the case and in the list."""

from __future__ import annotations

from datetime import date, timedelta

from engage.cases import workflow
from engage.cases.correspondence import emails_of, failed_requester_emails
from engage.db_types import utcnow
from engage.extensions import db
from engage.mail.delivery import deliver_due
from engage.mail.models import OutboxEmail
from engage.mail.outbox import retry_failed_email
from engage.retention import anonymise_expired
from tests.factories.auth import admin, cso, producer
from tests.factories.cases import make_case, put_in_state


def _deliver() -> None:
    deliver_due(utcnow() + timedelta(minutes=1))


def test_every_email_about_the_case_is_linked_to_it(app):
    me = producer()
    case = make_case(channel="web")  # acknowledged automatically by email
    workflow.assign(case, cso(), assignee=me)
    other = make_case(channel="web")
    emails = emails_of(case.id)
    assert [(e.template, e.to_address) for e in emails] == [
        ("case_acknowledged", "alex@example.com"),
        ("case_assigned", me.email),
    ]
    assert [e.template for e in emails_of(other.id)] == ["case_acknowledged"]


def test_a_bounced_acknowledgement_is_flagged_until_one_is_delivered(app, smtp_sink):
    case = make_case(channel="web")
    fine = make_case(channel="web", email="fine@example.com")
    smtp_sink.mode = "permfail"
    _deliver()
    failures = failed_requester_emails([case.id, fine.id])
    assert set(failures) == {case.id, fine.id}
    (failure,) = failures[case.id]
    assert failure.what == "acknowledgement" and failure.to_address == "alex@example.com"
    assert "550" in failure.error
    smtp_sink.mode = "accept"
    retry_failed_email(db.session.get(OutboxEmail, emails_of(fine.id)[0].id), admin())
    _deliver()
    assert set(failed_requester_emails([case.id, fine.id])) == {case.id}


def test_the_case_page_lists_emails_with_state_and_text_and_flags_the_bounce(app, login, smtp_sink):
    case = make_case(channel="web")
    smtp_sink.mode = "permfail"
    _deliver()
    client = login(cso())
    page = client.get(f"/staff/cases/{case.reference}").get_data(as_text=True)
    assert "The acknowledgement email to alex@example.com could not be delivered" in page
    assert "550 5.1.1 No such mailbox here" in page
    assert "Read the email" in page and "We have received your message" in page
    assert ">Failed<" in page
    listing = client.get("/staff/cases").get_data(as_text=True)
    assert "Acknowledgement email failed" in listing


def test_sent_and_queued_states_show(app, login, smtp_sink):
    case = make_case(channel="web")
    _deliver()
    put_in_state(case, "acknowledged")
    workflow.request_clarification(case, cso(), question="Which year?")
    page = login(cso()).get(f"/staff/cases/{case.reference}").get_data(as_text=True)
    assert ">Sent<" in page and ">Queued<" in page
    assert "could not be delivered" not in page
    assert "email failed" not in login(cso()).get("/staff/cases").get_data(as_text=True)


def test_a_producer_sees_the_correspondence_of_their_case_only(app, login):
    me = producer()
    mine = make_case(channel="web", assigned_to=me)
    hidden = make_case(kind="service_complaint", channel="web")
    client = login(me)
    assert "Read the email" in client.get(f"/staff/cases/{mine.reference}").get_data(as_text=True)
    assert client.get(f"/staff/cases/{hidden.reference}").status_code == 403


def test_the_list_query_count_does_not_grow_with_failures(app, login, smtp_sink):
    from tests.conftest import count_queries

    client = login(cso())
    make_case(channel="web")
    smtp_sink.mode = "permfail"
    _deliver()
    client.get("/staff/cases")
    with count_queries() as one:
        client.get("/staff/cases")
    for i in range(10):  # to different people: a few acknowledgements a day go to one address
        make_case(channel="web", email=f"requester{i}@example.com")
    _deliver()
    client.get("/staff/cases")  # the count of cases is cached per version of the table
    with count_queries() as many:
        page = client.get("/staff/cases").get_data(as_text=True)
    assert page.count("data-email-failed") == 11
    assert len(many) == len(one)


def test_retention_removes_the_texts_and_addresses_of_a_cases_emails(app, smtp_sink):
    case = make_case(channel="web")
    _deliver()
    put_in_state(case, "closed")
    anonymise_expired(date(2040, 1, 1))
    (email,) = emails_of(case.id)
    assert (email.body_text, email.body_html, email.to_address) == (
        None,
        None,
        "removed@retention.invalid",
    )
