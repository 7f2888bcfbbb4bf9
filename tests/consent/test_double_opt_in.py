"""Consent per purpose (issue 21 item 3): double opt-in from public forms, unsubscribing by the
link and by the RFC 8058 one-click POST, and emails checked at a real SMTP server."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from engage import consent
from engage.consent import tokens
from engage.consent.models import Consent
from engage.consultations import lifecycle
from engage.extensions import db
from engage.mail.delivery import deliver_due
from engage.outputs.models import Stakeholder
from tests.consultations.helpers import consultation_with_questions, follower
from tests.factories.outputs import OutputFactory

FEEDBACK = {"useful": "yes", "category": "academic", "uses": "Research"}


def _deliver() -> None:
    deliver_due(datetime.now(UTC))


def _link(message, path: str) -> str:  # type: ignore[no-untyped-def]
    text = message.get_body(("plain",)).get_content()
    found = re.search(rf"https?://\S+(/{path}/[A-Za-z0-9_.\-]+)", text)
    assert found, text
    return found.group(1)


def _consents(email: str) -> list[tuple[str, str]]:
    person = db.session.execute(
        db.select(Stakeholder).where(Stakeholder.email == email)
    ).scalar_one()
    return sorted(
        (c.purpose, c.status)
        for c in db.session.scalars(db.select(Consent).where(Consent.stakeholder_id == person.id))
    )


def _open_consultation(output) -> None:  # type: ignore[no-untyped-def]
    consultation_with_questions(outputs=[output], state="approved", opens_on=date(2027, 3, 1))
    lifecycle.open_due_consultations(datetime(2027, 3, 1, 6, tzinfo=UTC))


def test_feedback_email_is_confirmed_by_a_post_before_anything_else_is_sent(client, smtp_sink):
    output = OutputFactory(slug="prison-population")
    client.post(
        "/statistics/prison-population/feedback",
        data={**FEEDBACK, "join_level": "consulted", "email": "reader@example.org"},
    )
    _deliver()
    [message] = smtp_sink.to("reader@example.org")
    assert message["Subject"] == "Confirm your email address"
    body = message.get_body(("plain",)).get_content()
    assert "We will not send you anything else until you confirm" in body
    assert "Invitations to consultations (" not in body  # consultations are for every output
    # Until they confirm: no consultation invitation, although they are in the log.
    _open_consultation(output)
    _deliver()
    assert len(smtp_sink.to("reader@example.org")) == 1
    link = _link(message, "confirm-email")
    # A GET (a link scanner, a preview) shows a button and confirms nothing.
    page = client.get(link).get_data(as_text=True)
    assert "Confirm my email address" in page and "Release notices" in page
    assert ("consultations", "pending") in _consents("reader@example.org")
    done = client.post(link, follow_redirects=True).get_data(as_text=True)
    assert "Your email address is confirmed" in done
    assert _consents("reader@example.org") == [
        ("consultations", "given"),
        ("news", "given"),
        ("releases", "given"),
    ]
    person = db.session.execute(
        db.select(Stakeholder).where(Stakeholder.email == "reader@example.org")
    ).scalar_one()
    assert person.consent_to_contact
    row = db.session.scalars(db.select(Consent).where(Consent.purpose == "releases")).one()
    assert row.source == "public_form" and row.source_detail.startswith("Feedback FB-")
    assert "Yes, and also ask my views" in row.wording and row.output_id == output.id
    # Confirming again changes nothing.
    assert client.post(link).status_code == 302


def test_a_confirmation_link_that_is_forged_or_expired_confirms_nothing(client, app):
    output = OutputFactory()
    with app.test_request_context():
        result = consent.request(
            "someone@example.org", purpose="news", output=output, wording="Tell me"
        )
        db.session.commit()
        good = tokens.confirm_token(result.stakeholder.id)
        db.session.commit()
    assert client.get(f"/confirm-email/{good}x").status_code == 404
    assert client.post(f"/confirm-email/{good[:-3]}abc").status_code == 404
    assert client.get("/confirm-email/" + "A" * 5000).status_code == 404
    assert _consents("someone@example.org") == [("news", "pending")]
    # A link made for one person never confirms another's consent.
    assert consent.recipients("news", [output.id]) == []


def test_one_click_unsubscribe_from_a_consultation_invitation(client, smtp_sink):
    output = OutputFactory()
    person = follower(output, "follower@example.org", "informed")
    consent.give(person, purpose="consultations", source="staff", wording="They agree")
    db.session.commit()
    _open_consultation(output)
    _deliver()
    [invitation] = smtp_sink.to("follower@example.org")
    header = str(invitation["List-Unsubscribe"])
    assert re.fullmatch(r"<https?://[^>]+/unsubscribe/[A-Za-z0-9_.\-]+>", header)
    assert str(invitation["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    link = _link(invitation, "unsubscribe")
    assert header.endswith(link + ">")
    # What a mail program sends (RFC 8058): no cookie, no CSRF token, no sign-in.
    answer = client.post(
        link,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert answer.status_code == 200
    db.session.expire_all()
    assert db.session.get(Stakeholder, person.id).consent_to_contact is False
    row = db.session.scalars(db.select(Consent).where(Consent.purpose == "consultations")).one()
    assert (row.status, row.withdrawn_how) == ("withdrawn", "one_click")
    # The next consultation on these statistics does not reach them.
    consultation_with_questions(outputs=[output], state="approved", opens_on=date(2027, 4, 1))
    lifecycle.open_due_consultations(datetime(2027, 4, 1, 6, tzinfo=UTC))
    _deliver()
    assert len(smtp_sink.to("follower@example.org")) == 1


def test_unsubscribe_by_the_link_shows_a_button_then_withdraws_at_once(app, smtp_sink):
    app.config["WTF_CSRF_ENABLED"] = True  # as in production
    client = app.test_client()
    output = OutputFactory(title="Prison population")
    person = follower(output, "reader@example.org", "informed", consent=False)
    consent.give(person, purpose="news", output=output, source="staff", wording="They agree")
    db.session.commit()
    with app.test_request_context():
        consent.queue_stakeholder_email(
            person,
            "log_message",
            purpose="news",
            output_ids=[output.id],
            subject="New tables",
            body="We have added tables.",
            output_titles="Prison population",
        )
    db.session.commit()
    _deliver()
    [message] = smtp_sink.to("reader@example.org")
    link = _link(message, "unsubscribe")
    page = client.get(link).get_data(as_text=True)
    assert "Stop receiving news about the statistics:" in page
    assert "Prison population" in page
    assert consent.recipients("news", [output.id]) == [person]  # a GET changes nothing
    # The button works with CSRF protection on (the page's form has no token to send).
    done = client.post(link, follow_redirects=True).get_data(as_text=True)
    assert "You have unsubscribed" in done
    assert consent.recipients("news", [output.id]) == []
    row = db.session.scalars(db.select(Consent)).one()
    assert (row.status, row.withdrawn_how) == ("withdrawn", "unsubscribe_link")
    assert row.withdrawn_at is not None
    # Other POSTs still need their CSRF token.
    assert client.post("/feedback", data={"comments": "hi"}).status_code == 400


def test_an_unsubscribe_token_cannot_be_forged(client, app):
    output = OutputFactory()
    person = follower(output, "reader@example.org", "informed", consent=False)
    consent.give(person, purpose="news", output=output, source="staff", wording="They agree")
    db.session.commit()
    with app.test_request_context():
        good = tokens.unsubscribe_token(person.id, "news", [output.id])
        db.session.commit()
    forged = good[:-2] + ("AA" if good[-2:] != "AA" else "BB")
    assert client.post(f"/unsubscribe/{forged}").status_code == 404
    assert client.post(f"/unsubscribe/{good[:-1]}").status_code == 404
    assert consent.recipients("news", [output.id]) == [person]


def test_staff_and_imported_consent_say_where_they_came_from(app, login):
    from tests.factories.auth import producer

    output = OutputFactory()
    owner = producer(name="Pat Producer")
    output.producers = [owner]
    db.session.commit()
    client = login(owner)
    client.post(
        f"/staff/outputs/{output.slug}/user-log/add",
        data={
            "name": "Ann Analyst",
            "email": "ann@example.gov.uk",
            "category": "government",
            "engagement_level": "consulted",
            "source": "event",
            "consent_to_contact": "y",
        },
    )
    rows = db.session.scalars(db.select(Consent).order_by(Consent.purpose)).all()
    assert [(r.purpose, r.status, r.source, r.output_id) for r in rows] == [
        ("consultations", "given", "staff", None),
        ("news", "given", "staff", output.id),
    ]
    assert rows[0].recorded_by_id == owner.id and "Pat Producer" in rows[0].source_detail
    # Staff untick it: withdrawn, and said so.
    entry_id = db.session.execute(db.text("SELECT id FROM log_entries")).scalar_one()
    client.post(
        f"/staff/outputs/{output.slug}/user-log/{entry_id}/edit",
        data={
            "name": "Ann Analyst",
            "email": "ann@example.gov.uk",
            "category": "government",
            "engagement_level": "consulted",
            "source": "event",
        },
    )
    db.session.expire_all()
    assert {(r.status, r.withdrawn_how) for r in db.session.scalars(db.select(Consent))} == {
        ("withdrawn", "staff")
    }


def test_the_stakeholder_page_shows_each_consent_and_its_history(app, login):
    from tests.factories.auth import cso

    output = OutputFactory(title="Prison population")
    person = follower(output, "reader@example.org", "informed", consent=False)
    consent.give(person, purpose="news", output=output, source="staff", wording="They agree")
    consent.withdraw(person, purpose="news", output_ids=[output.id], how="person")
    consent.give(person, purpose="consultations", source="import", wording="Consent: Yes")
    db.session.commit()
    page = login(cso()).get(f"/staff/stakeholders/{person.id}").get_data(as_text=True)
    assert "Consent to be contacted" in page
    assert "News about the statistics" in page and "Prison population" in page
    assert "At the person&#39;s request" in page or "At the person's request" in page
    assert "Invitations to consultations" in page and "Import" in page


def test_hostile_tokens_get_the_not_valid_page(client):
    for token in ["%00", "a%00b", "%E2%80%AE" * 50, "x" * 100_000, "..%2F..%2Fetc", "1.2.3"]:
        for path in ("confirm-email", "unsubscribe"):
            for method in ("GET", "POST"):
                response = client.open(f"/{path}/{token}", method=method)
                assert response.status_code == 404, (path, token[:20], method)


def test_links_in_emails_are_random_and_say_nothing_about_the_person(client, smtp_sink, app):
    """The confirmation and unsubscribe links carry a random token: not the stakeholder's id,
    not a payload that decodes to it, and a new one each time."""
    import base64

    import pytest
    from itsdangerous import BadSignature, URLSafeTimedSerializer

    output = OutputFactory(slug="opaque-links")
    client.post(
        "/statistics/opaque-links/feedback",
        data={**FEEDBACK, "join_level": "consulted", "email": "opaque@example.org"},
    )
    _deliver()
    [message] = smtp_sink.to("opaque@example.org")
    confirm = _link(message, "confirm-email")
    token = confirm.rsplit("/", 1)[1]
    person = db.session.execute(
        db.select(Stakeholder).where(Stakeholder.email == "opaque@example.org")
    ).scalar_one()
    # 32 random bytes, not a signed payload (which would carry the id in readable base64).
    assert re.fullmatch(r"[A-Za-z0-9_\-]{43}", token) and "." not in token
    assert len(base64.urlsafe_b64decode(token + "=")) == 32
    with pytest.raises(BadSignature):
        URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="engage.consent.confirm").loads(token)
    assert client.post(confirm).status_code == 302
    assert ("news", "given") in _consents("opaque@example.org")
    with app.test_request_context():
        first = consent.unsubscribe_url(person.id, "news", [output.id]).rsplit("/", 1)[1]
        second = consent.unsubscribe_url(person.id, "news", [output.id]).rsplit("/", 1)[1]
        db.session.commit()
    assert first != second and re.fullmatch(r"[A-Za-z0-9_\-]{43}", first)
    from engage.consent.models import ConsentLink

    stored = db.session.scalars(db.select(ConsentLink.token_hash)).all()
    assert first not in stored and token not in stored  # only their hashes are kept
    page = client.get(f"/unsubscribe/{first}")
    assert page.status_code == 200 and "opaque" not in page.text  # the page names no address
    assert client.post(f"/unsubscribe/{first}").status_code == 302
    assert ("news", "withdrawn") in _consents("opaque@example.org")


def test_links_sent_before_tokens_were_random_keep_working(client, app):
    """Signed links already in people's inboxes (their payload held the stakeholder's id): an
    unsubscribe link works for ever, a confirmation link for its 30 days, a forged one shows
    the "not valid" page."""
    from itsdangerous import URLSafeSerializer, URLSafeTimedSerializer

    output = OutputFactory()
    with app.test_request_context():
        result = consent.request(
            "legacy@example.org", purpose="news", output=output, wording="Tell me"
        )
        db.session.commit()
        key = app.config["SECRET_KEY"]
        sid = result.stakeholder.id
        old_confirm = URLSafeTimedSerializer(key, salt="engage.consent.confirm").dumps(sid)
        old_unsub = URLSafeSerializer(key, salt="engage.consent.unsubscribe").dumps(
            [sid, "news", [output.id]]
        )
        forged = URLSafeSerializer("not the key", salt="engage.consent.unsubscribe").dumps(
            [sid, "news", [output.id]]
        )
    assert client.get(f"/confirm-email/{old_confirm}").status_code == 200
    assert client.post(f"/confirm-email/{old_confirm}").status_code == 302
    assert _consents("legacy@example.org") == [("news", "given")]
    bad = client.post(f"/unsubscribe/{forged}")
    assert bad.status_code == 404 and "This link is not valid" in bad.text
    one_click = client.post(f"/unsubscribe/{old_unsub}", data={"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200
    assert _consents("legacy@example.org") == [("news", "withdrawn")]


def test_a_random_link_that_was_never_sent_or_has_expired_is_not_valid(client, app):
    from datetime import timedelta

    from engage.consent.models import ConsentLink

    output = OutputFactory()
    with app.test_request_context():
        result = consent.request("late@example.org", purpose="news", output=output, wording="Hi")
        good = tokens.confirm_token(result.stakeholder.id)
        db.session.commit()
    assert client.get("/unsubscribe/" + "A" * 43).status_code == 404
    assert client.get(f"/unsubscribe/{good}").status_code == 404  # a confirm link is not one
    link = db.session.scalars(db.select(ConsentLink).order_by(ConsentLink.id.desc())).first()
    link.created_at = link.created_at - timedelta(days=tokens.CONFIRM_DAYS + 1)
    db.session.commit()
    expired = client.post(f"/confirm-email/{good}")
    assert expired.status_code == 404 and "expired" in expired.text
    assert _consents("late@example.org") == [("news", "pending")]
