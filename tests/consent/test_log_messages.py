"""Messages to a log (issue 21 item 4): the consenting people of one or more outputs, filtered
by category and level, each once; contacts recorded; unsubscribes and bounces honoured; who may
write to which log, checked on the server. Emails checked at a real SMTP server."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from engage.calendar import london_date
from engage.consent import messages
from engage.consent.models import LogMessage
from engage.errors import Refusal
from engage.extensions import db
from engage.mail.delivery import deliver_due
from engage.mail.models import OutboxEmail
from engage.outputs.models import Contact, LogEntry
from tests.factories.auth import UserFactory, chief, cso, producer
from tests.factories.consent import consenting
from tests.factories.outputs import LogEntryFactory, OutputFactory, StakeholderFactory


def _person(email: str, category: str = "academic", **kw):  # type: ignore[no-untyped-def]
    return StakeholderFactory(email=email, category=category, consent_to_contact=False, **kw)


def _in_log(output, person, level: str = "informed") -> LogEntry:  # type: ignore[no-untyped-def]
    return LogEntryFactory(output=output, stakeholder=person, engagement_level=level)


@pytest.fixture
def logs(app):  # type: ignore[no-untyped-def]
    owner = producer(email="owner@example.gov.uk", name="Olu Owner")
    first = OutputFactory(title="Prison population", producers=[owner])
    second = OutputFactory(title="Proven reoffending", producers=[owner])
    other = OutputFactory(title="Court statistics")
    both = _person("both@example.org")
    _in_log(first, both)
    _in_log(second, both, "consulted")
    consenting(both, "news", first)
    consenting(both, "news", second)
    everything = _person("everything@example.org", "media")
    _in_log(second, everything)
    consenting(everything, "news", None)  # news about every output
    no_consent = _person("no-consent@example.org")
    _in_log(first, no_consent)
    consenting(no_consent, "consultations")  # another purpose: not news
    elsewhere = _person("elsewhere@example.org")
    _in_log(first, elsewhere)
    consenting(elsewhere, "news", other)  # consented for another output only
    pending = _person("pending@example.org")
    _in_log(first, pending)
    consenting(pending, "news", first, status="pending")  # never confirmed
    withdrawn = _person("withdrawn@example.org")
    _in_log(first, withdrawn)
    consenting(withdrawn, "news", first, status="withdrawn")
    bounced = _person("bounced@example.org")
    _in_log(first, bounced)
    consenting(bounced, "news", first)
    db.session.add(
        OutboxEmail(
            to_address="bounced@example.org",
            subject="Earlier",
            body_text="x",
            template="log_message",
            status="failed",
            last_error="Bounced: Delivery Status Notification (Failure)",
        )
    )
    access_level = _person("access@example.org", "public")
    _in_log(first, access_level, "access")
    consenting(access_level, "news", first)
    db.session.commit()
    return owner, first, second, other


def test_each_consenting_person_once_across_two_outputs_with_contacts(logs, smtp_sink):
    owner, first, second, _ = logs
    audience = messages.Audience.of([first.id, second.id])
    assert messages.count(audience) == 3
    narrowed = messages.Audience.of([first.id, second.id], levels=["informed", "consulted"])
    assert messages.count(narrowed) == 2
    assert messages.count(messages.Audience.of([first.id, second.id], ["media"])) == 1
    message = messages.send(owner, narrowed, "New tables", "We have added tables by region.")
    assert message.recipients == 2
    deliver_due(datetime.now(UTC))
    assert sorted(smtp_sink.recipients()) == ["both@example.org", "everything@example.org"]
    for email in smtp_sink.messages:
        assert email["Subject"] == "New tables"
        assert re.fullmatch(r"<https?://\S+/unsubscribe/\S+>", str(email["List-Unsubscribe"]))
        assert str(email["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
        text = email.get_body(("plain",)).get_content()
        assert "We have added tables by region." in text
        assert str(email["List-Unsubscribe"])[1:-1] in text
    # A contact in each log entry the message went to: both logs for the person in both.
    contacts = db.session.execute(
        db.select(Contact.stakeholder_id, Contact.output_id, Contact.channel, Contact.summary)
    ).all()
    assert len(contacts) == 3
    assert {c.summary for c in contacts} == {"Message to the user log: New tables"}
    assert {c.channel for c in contacts} == {"email"}
    today = london_date(datetime.now(UTC))
    latest = db.session.execute(
        db.select(LogEntry.output_id, LogEntry.latest_contact_on)
        .join(LogEntry.stakeholder)
        .where(LogEntry.stakeholder.has(email="both@example.org"))
    ).all()
    assert sorted(latest) == sorted([(first.id, today), (second.id, today)])


def test_an_unsubscribe_from_a_message_leaves_the_next_count(logs, client, smtp_sink):
    owner, first, second, _ = logs
    audience = messages.Audience.of([first.id, second.id])
    messages.send(owner, audience, "Hello", "News.")
    deliver_due(datetime.now(UTC))
    [email] = smtp_sink.to("both@example.org")
    url = str(email["List-Unsubscribe"])[1:-1]
    path = re.sub(r"^https?://[^/]+", "", url)
    answer = client.post(
        path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert answer.status_code == 200
    assert messages.count(audience) == 2
    # Sending again reaches only those still consenting.
    messages.send(owner, audience, "Hello again", "More news.")
    deliver_due(datetime.now(UTC))
    assert len(smtp_sink.to("both@example.org")) == 1


FORM = {"subject": "New tables", "body": "We have added tables."}


def _form(*outputs, **extra):  # type: ignore[no-untyped-def]
    return {**FORM, "output_ids": [str(o.id) for o in outputs], **extra}


def test_a_producer_previews_the_count_then_sends_to_their_own_logs(logs, login, smtp_sink):
    owner, first, second, _ = logs
    client = login(owner)
    page = client.get(f"/staff/user-log-messages/new?output={first.id}").get_data(as_text=True)
    assert "Prison population" in page and "Court statistics" not in page
    preview = client.post(
        "/staff/user-log-messages/new", data=_form(first, second, preview="Preview")
    ).get_data(as_text=True)
    assert re.search(r"data-count>3<", preview)
    assert "We have added tables." in preview and "Send to 3 people" in preview
    token = re.search(r'name="submission_token"[^>]*value="([^"]+)"', preview)
    assert token
    data = _form(first, second, send="Send", previewed_count="3", submission_token=token.group(1))
    sent = client.post("/staff/user-log-messages/new", data=data)
    assert sent.status_code == 302
    again = client.post("/staff/user-log-messages/new", data=data)  # a double click
    assert again.status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(LogMessage)) == 1
    listing = client.get("/staff/user-log-messages").get_data(as_text=True)
    assert "New tables" in listing
    deliver_due(datetime.now(UTC))
    assert len(smtp_sink.messages) == 3


def test_sending_after_the_audience_changed_shows_the_preview_again(logs, login):
    owner, first, _, _ = logs
    client = login(owner)
    page = client.post(
        "/staff/user-log-messages/new", data=_form(first, send="Send", previewed_count="7")
    ).get_data(as_text=True)
    assert "The number of people changed since your preview" in page
    assert db.session.scalar(db.select(db.func.count()).select_from(LogMessage)) == 0


def test_a_producer_cannot_write_to_another_producers_log(logs, login):
    owner, first, _, other = logs
    client = login(owner)
    refused = client.post(
        "/staff/user-log-messages/new", data=_form(first, other, preview="Preview")
    )
    # The other output is not among the choices: the form refuses it, and the domain too.
    assert refused.status_code in (200, 403)
    assert db.session.scalar(db.select(db.func.count()).select_from(LogMessage)) == 0
    with pytest.raises(Refusal):
        messages.send(owner, messages.Audience.of([first.id, other.id]), "Hi", "Hello")
    stranger = producer(email="stranger@example.gov.uk")
    assert login(stranger).get("/staff/user-log-messages/new").status_code == 403


@pytest.mark.parametrize("make", [cso, chief])
def test_the_cso_office_writes_to_any_log(logs, login, make):
    _, first, second, other = logs
    user = make()
    client = login(user)
    page = client.get("/staff/user-log-messages/new").get_data(as_text=True)
    assert "Court statistics" in page
    message = messages.send(user, messages.Audience.of([first.id, other.id]), "Hi", "Hello")
    # both@ and access@ (no filter); bounced, pending, withdrawn and the rest left out.
    assert message.recipients == 2


def test_administrators_may_not_write_to_logs(logs, login):
    client = login(UserFactory(roles=["admin"]))
    assert client.get("/staff/user-log-messages").status_code == 403
    assert client.post("/staff/user-log-messages/new", data={}).status_code == 403


def test_change_the_message_from_the_check_page_keeps_everything_typed(logs, login):
    owner, first, second, _ = logs
    client = login(owner)
    body = "First line.\nSecond line."
    page = client.post(
        "/staff/user-log-messages/new",
        data=_form(first, second, levels=["consulted"], body=body, change="Change the message"),
    ).get_data(as_text=True)
    assert "Write to the users in a log" in page
    assert "First line.\nSecond line." in page and 'value="New tables"' in page
    assert re.search(r'value="consulted"[^>]*checked|checked[^>]*value="consulted"', page)


def test_a_message_nobody_would_get_is_refused_before_the_check_page(logs, login):
    owner, first, _, _ = logs
    client = login(owner)
    page = client.post(
        "/staff/user-log-messages/new",
        data=_form(first, categories=["parliament"], preview="Preview"),
    ).get_data(as_text=True)
    assert "Nobody in these logs, categories and levels agreed to hear news" in page
