"""Public-form rate limits that stop a script but not an office: limits per form token and per
address (engage/public/abuse.py), and a limited POST that keeps everything typed."""

from __future__ import annotations

import re
import secrets

from engage.cases.models import Case
from engage.consultations.models import ConsultationResponse
from engage.extensions import db
from tests.conftest import make_app
from tests.security.publicforms import make_world


def _limited(database_url):  # type: ignore[no-untyped-def]
    # The production defaults (config.py): 200 per address and form, 10 per form token.
    return make_app(database_url, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")


def _token(html: str) -> str:
    match = re.search(r'name="submission_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def _respond(client) -> int:  # type: ignore[no-untyped-def]
    """One person's consultation response (two POSTs); the last status code."""
    page = client.get("/consultations/target/respond").get_data(as_text=True)
    answers = {"category": "public", "website": "", "submission_token": _token(page)}
    for name in set(re.findall(r'name="(q\d+)"', page)):
        choice = re.search(rf'name="{name}"[^>]*value="([^"]+)"', page)
        answers[name] = choice.group(1) if choice else "My views on this"
    first = client.post("/consultations/target/respond", data=answers)
    if first.status_code != 302:
        return first.status_code
    check = client.get("/consultations/target/respond/check-your-answers").get_data(as_text=True)
    url = "/consultations/target/respond/check-your-answers"
    return client.post(url, data={"website": "", "submission_token": _token(check)}).status_code


def test_fifty_people_behind_one_address_can_each_respond_within_ten_minutes(app, database_url):
    make_world()
    limited = _limited(database_url)
    statuses = [_respond(limited.test_client()) for _ in range(50)]
    assert statuses == [302] * 50
    db.session.rollback()
    assert db.session.execute(db.select(db.func.count(ConsultationResponse.id))).scalar() == 50


def test_a_script_posting_hundreds_from_one_address_is_stopped(app, database_url):
    limited = _limited(database_url)
    client = limited.test_client()
    client.check_pages = False
    without_token = [client.post("/contact", data={}).status_code for _ in range(11)]
    assert without_token[:10] == [200] * 10 and without_token[10] == 429
    fresh_tokens = [
        client.post("/contact", data={"submission_token": secrets.token_urlsafe(24)}).status_code
        for _ in range(201)
    ]
    assert 429 in fresh_tokens and fresh_tokens.index(429) <= 200


def test_a_limited_post_shows_everything_typed_and_can_be_sent_again(app, database_url):
    limited = make_app(
        database_url,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        PUBLIC_FORM_TOKEN_RATE_LIMIT="1 per 10 minutes",
    )
    client = limited.test_client()
    token = _token(client.get("/contact").get_data(as_text=True))
    typed = {
        "kind": "enquiry",
        "requester_name": "Jo <b>Bloggs</b>",
        "requester_email": "",
        "requester_address": "",
        "message": "A long message I do not want to type again",
        "website": "",
        "submission_token": token,
    }
    assert client.post("/contact", data=typed).status_code == 200  # a mistake: no address
    refused = client.post("/contact", data={**typed, "requester_email": "jo@example.com"})
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    html = refused.get_data(as_text=True)
    assert "has <strong>not</strong> been received yet" in html
    assert "A long message I do not want to type again" in html
    assert "Jo &lt;b&gt;Bloggs&lt;/b&gt;" in html and "<b>Bloggs" not in html
    assert "Send again" in html
    assert db.session.execute(db.select(Case)).first() is None


def _close_target() -> None:
    from datetime import date, timedelta

    from engage.consultations.models import Consultation

    consultation = db.session.execute(
        db.select(Consultation).where(Consultation.slug == "target")
    ).scalar_one()
    consultation.state = "closed"
    consultation.closes_on = date.today() - timedelta(days=1)
    db.session.commit()


def test_answers_sent_seconds_after_closing_are_shown_and_can_be_downloaded(app, client):
    make_world()
    page = client.get("/consultations/target/respond").get_data(as_text=True)
    answers = {"category": "public", "website": "", "submission_token": _token(page)}
    for name in set(re.findall(r'name="(q\d+)"', page)):
        answers[name] = "An hour of careful thought <i>here</i>"
    _close_target()
    closed = client.post("/consultations/target/respond", data=answers)
    html = closed.get_data(as_text=True)
    assert closed.status_code == 200 and "closed before your answers arrived" in html
    assert "An hour of careful thought &lt;i&gt;here&lt;/i&gt;" in html
    copy = client.get("/consultations/target/respond/your-answers")
    assert copy.headers["Content-Disposition"].startswith("attachment")
    assert "An hour of careful thought <i>here</i>" in copy.get_data(as_text=True)
    assert db.session.execute(db.select(ConsultationResponse)).first() is None


def test_answers_confirmed_just_after_closing_are_kept_for_download(app, client):
    make_world()
    page = client.get("/consultations/target/respond").get_data(as_text=True)
    answers = {"category": "public", "website": "", "submission_token": _token(page)}
    for name in set(re.findall(r'name="(q\d+)"', page)):
        choice = re.search(rf'name="{name}"[^>]*value="([^"]+)"', page)
        answers[name] = choice.group(1) if choice else "Views typed before closing"
    assert client.post("/consultations/target/respond", data=answers).status_code == 302
    check = client.get("/consultations/target/respond/check-your-answers").get_data(as_text=True)
    _close_target()
    url = "/consultations/target/respond/check-your-answers"
    closed = client.post(url, data={"website": "", "submission_token": _token(check)})
    assert "Views typed before closing" in closed.get_data(as_text=True)
    text = client.get("/consultations/target/respond/your-answers").get_data(as_text=True)
    assert "Views typed before closing" in text


def test_a_limited_sign_in_never_shows_the_password(app, database_url):
    limited = make_app(
        database_url,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        SIGN_IN_RATE_LIMIT="1 per 10 minutes",
    )
    client = limited.test_client()
    data = {"email": "someone@example.gov.uk", "password": "secret-Passw0rd-typed"}
    client.post("/staff/sign-in", data=data)
    refused = client.post("/staff/sign-in", data=data)
    assert refused.status_code == 429
    assert "secret-Passw0rd-typed" not in refused.get_data(as_text=True)
