"""Public feedback: validation, abuse limits, log joining with consent only, staff handling."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engage.extensions import db
from engage.outputs.models import Feedback, LogEntry, Stakeholder
from tests.conftest import make_app
from tests.factories.auth import cso, producer
from tests.factories.outputs import FeedbackFactory, OutputFactory

GOOD = {
    "useful": "partly",
    "uses": "Research",
    "category": "academic",
    "comments": "More breakdowns by region please",
    "join_level": "no",
    "email": "",
}


@pytest.fixture
def output(app):
    return OutputFactory(title="Prison Population", slug="prison-population")


def _count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_output_feedback_ends_on_thank_you_with_reference(client, output):
    assert client.get("/statistics/prison-population/feedback").status_code == 200
    response = client.post("/statistics/prison-population/feedback", data=GOOD)
    assert response.status_code == 302
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    item = db.session.scalars(db.select(Feedback)).one()
    assert item.reference in thanks and item.useful == "partly" and item.output_id == output.id
    assert _count(LogEntry) == 0  # no consent: never in the log


def test_feedback_validation_messages(client, output):
    html = client.post(
        "/statistics/prison-population/feedback",
        data={"comments": "x" * 2001, "join_level": "consulted", "email": ""},
    ).get_data(as_text=True)
    assert "Select whether these statistics were useful to you" in html
    assert "Select the description that fits you best" in html
    assert "Comments must be 2,000 characters or fewer" in html
    assert "Enter your email address so we can keep in touch" in html
    bad_email = client.post(
        "/statistics/prison-population/feedback", data={**GOOD, "email": "nope"}
    ).get_data(as_text=True)
    assert "Enter an email address in the correct format" in bad_email
    assert _count(Feedback) == 0


def test_email_with_consent_joins_the_log_at_the_chosen_level(client, output):
    client.post(
        "/statistics/prison-population/feedback",
        data={**GOOD, "join_level": "consulted", "email": "Reader@Example.org"},
    )
    entry = db.session.scalars(db.select(LogEntry)).one()
    person = db.session.get(Stakeholder, entry.stakeholder_id)
    assert person.email == "reader@example.org" and person.category == "academic"
    assert entry.engagement_level == "consulted" and entry.source == "feedback_form"
    # Contacted for nothing until they confirm their address by email (issue 21 item 3).
    assert not person.consent_to_contact
    from engage.consent.models import Consent

    pending = db.session.scalars(db.select(Consent).order_by(Consent.purpose)).all()
    assert [(c.purpose, c.status, c.source) for c in pending] == [
        ("consultations", "pending", "public_form"),
        ("news", "pending", "public_form"),
        ("releases", "pending", "public_form"),
    ]


def test_email_without_consent_never_joins_the_log(client, output):
    client.post(
        "/statistics/prison-population/feedback",
        data={**GOOD, "join_level": "no", "email": "reader@example.org"},
    )
    assert _count(Feedback) == 1 and _count(LogEntry) == 0 and _count(Stakeholder) == 0


def test_general_feedback(client):
    assert client.get("/feedback").status_code == 200
    empty = client.post("/feedback", data={}).get_data(as_text=True)
    assert "Enter your feedback" in empty
    response = client.post("/feedback", data={"comments": "The site is great"})
    assert response.status_code == 302
    item = db.session.scalars(db.select(Feedback)).one()
    assert item.output_id is None and item.comments == "The site is great"


def test_honeypot_stores_nothing_but_thanks_the_bot(client, output):
    response = client.post(
        "/statistics/prison-population/feedback",
        data={
            **GOOD,
            "website": "http://spam.example",
            "join_level": "informed",
            "email": "bot@spam.example",
        },
    )
    assert response.status_code == 302
    thanks = client.get(response.headers["Location"])
    assert "Thank you for your feedback" in thanks.get_data(as_text=True)
    assert _count(Feedback) == 0 and _count(Stakeholder) == 0


def test_rate_limit_answers_429_with_the_govuk_page(database_url, _schema):
    app = make_app(database_url, RATELIMIT_ENABLED=True, PUBLIC_FORM_RATE_LIMIT="2 per minute")
    with app.app_context():
        try:
            client = app.test_client()
            for _ in range(2):
                assert client.post("/feedback", data={"comments": "Hello"}).status_code == 302
            blocked = client.post("/feedback", data={"comments": "Hello"})
            assert blocked.status_code == 429
            assert "Too many requests" in blocked.get_data(as_text=True)
            assert client.get("/feedback").status_code == 200  # reading is never limited
        finally:
            from tests.conftest import _empty_all_tables

            _empty_all_tables()
            db.session.remove()


def test_oversized_request_is_refused(database_url, _schema):
    app = make_app(database_url, MAX_CONTENT_LENGTH=10_000)
    with app.app_context():
        response = app.test_client().post("/feedback", data={"comments": "x" * 20_000})
        assert response.status_code == 413
        assert _count(Feedback) == 0
        db.session.remove()


def test_staff_see_feedback_for_outputs_they_may_see(app, login):
    owner, other = producer(), producer()
    mine = OutputFactory(slug="mine", producers=[owner])
    theirs = OutputFactory(slug="theirs", producers=[other])
    seen = FeedbackFactory(output=mine, comments="About mine", email="a@example.org")
    hidden = FeedbackFactory(output=theirs, comments="About theirs")
    general = FeedbackFactory(output=None, comments="General words")
    client = login(owner)
    listing = client.get("/staff/feedback").get_data(as_text=True)
    assert (
        "About mine" in listing and "About theirs" not in listing and "General words" not in listing
    )
    assert client.get(f"/staff/feedback/{seen.id}").status_code == 200
    assert client.get(f"/staff/feedback/{hidden.id}").status_code == 403
    assert client.get(f"/staff/feedback/{general.id}").status_code == 403
    assert client.post(f"/staff/feedback/{hidden.id}/reviewed").status_code == 403
    assert client.get("/staff/outputs/mine/feedback").status_code == 200
    officer = login(cso())
    everything = officer.get("/staff/feedback?show=all").get_data(as_text=True)
    assert "About theirs" in everything and "General words" in everything
    assert "General words" in officer.get("/staff/feedback?show=general").get_data(as_text=True)


def test_mark_reviewed_filters_it_out(app, login):
    owner = producer()
    item = FeedbackFactory(
        output=OutputFactory(slug="mine", producers=[owner]), comments="Fix tables"
    )
    client = login(owner)
    assert "Fix tables" in client.get("/staff/feedback").get_data(as_text=True)
    assert client.post(f"/staff/feedback/{item.id}/reviewed").status_code == 302
    db.session.expire_all()
    assert db.session.get(Feedback, item.id).reviewed_by_id == owner.id
    assert "Fix tables" not in client.get("/staff/feedback").get_data(as_text=True)


def test_feedback_becomes_a_case_with_the_clock_from_its_received_date(app, login):
    from engage.cases.models import Case

    received = datetime(2025, 5, 15, 10, 0, tzinfo=UTC)  # Thursday
    item = FeedbackFactory(
        output=OutputFactory(slug="o"),
        comments="Your figures are wrong",
        email="upset@example.org",
        received_at=received,
    )
    client = login(cso())
    assert client.get(f"/staff/feedback/{item.id}/case").status_code == 200
    response = client.post(
        f"/staff/feedback/{item.id}/case",
        data={
            "kind": "service_complaint",
            "requester_name": "A Reader",
            "subject": "Wrong figures",
        },
    )
    assert response.status_code == 302
    case = db.session.scalars(db.select(Case)).one()
    assert case.channel == "feedback" and case.received_on.isoformat() == "2025-05-15"
    assert case.acknowledge_by.isoformat() == "2025-05-22"
    db.session.expire_all()
    assert db.session.get(Feedback, item.id).case_id == case.id
    assert login(producer()).get(f"/staff/feedback/{item.id}/case").status_code == 403


def test_several_feedback_items_are_marked_reviewed_at_once(app, login):
    """Issue 21 item 9 (bulk): only feedback the user may see; nothing when one is not."""
    owner = producer()
    mine = OutputFactory(slug="mine-fb", producers=[owner])
    first, second = FeedbackFactory(output=mine), FeedbackFactory(output=mine)
    others = FeedbackFactory(output=OutputFactory())
    client = login(owner)
    page = client.get("/staff/outputs/mine-fb/feedback").text
    assert f'name="feedback_id" type="checkbox" value="{first.id}"' in page
    refused = client.post(
        "/staff/feedback/reviewed", data={"feedback_id": [str(first.id), str(others.id)]}
    )
    assert refused.status_code == 403
    db.session.expire_all()
    assert db.session.get(Feedback, first.id).reviewed_at is None
    done = client.post(
        "/staff/feedback/reviewed",
        data={
            # "²".isdigit() is true but int("²") raised: a 500 until the ids were bounded_int
            "feedback_id": [str(first.id), str(second.id), "99999999999", "x", "²", "0"],
            "back": "/staff/outputs/mine-fb/feedback",
        },
    )
    assert done.status_code == 302
    assert done.headers["Location"].endswith("/staff/outputs/mine-fb/feedback")
    db.session.expire_all()
    assert db.session.get(Feedback, first.id).reviewed_at is not None
    assert db.session.get(Feedback, second.id).reviewed_by_id == owner.id
    assert "2 feedback items marked as reviewed" in client.get(done.headers["Location"]).text
    elsewhere = client.post(
        "/staff/feedback/reviewed", data={"feedback_id": str(second.id), "back": "//evil.example"}
    )
    assert elsewhere.headers["Location"].endswith("/staff/feedback")
