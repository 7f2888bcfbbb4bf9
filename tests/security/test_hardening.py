"""Smaller hardening (ASVS V13.2, V3.3.1, V14.3.2, V1.2.2): seed-demo refused in production;
a __Host- session cookie when cookies are secure; no-store on public pages that show back
what a person typed; only http(s) addresses as an output's page URL."""

from __future__ import annotations

from datetime import date

import time_machine

from engage.extensions import db
from engage.outputs import catalogue
from engage.outputs.models import Output
from tests.conftest import make_app
from tests.consultations.helpers import at
from tests.factories.auth import DEFAULT_PASSWORD, admin, producer
from tests.factories.consultations import ConsultationFactory, QuestionFactory
from tests.factories.outputs import OutputFactory


def test_seed_demo_is_refused_in_production(app, database_url):
    production = make_app(database_url, ENGAGE_ENV="production", SECRET_KEY="p" * 40)
    with production.app_context():  # the command runs in this app, not the fixture's
        result = production.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "refused when ENGAGE_ENV=production" in result.output
    assert db.session.scalar(db.select(db.func.count()).select_from(Output)) == 0


def test_a_secure_session_cookie_takes_the_host_prefix(app, database_url):
    secure = make_app(database_url, SESSION_COOKIE_SECURE=True, SECRET_KEY="s" * 40)
    assert secure.config["SESSION_COOKIE_NAME"] == "__Host-engage_session"
    user = producer()
    client = secure.test_client()
    response = client.post(
        "/staff/sign-in",
        data={"email": user.email, "password": DEFAULT_PASSWORD},
        base_url="https://localhost",
    )
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-engage_session=")
    assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
    # Plain-HTTP local runs keep a plain name (browsers refuse __Host- without Secure).
    assert app.config["SESSION_COOKIE_NAME"] == "engage_session"


def test_public_pages_that_show_what_was_typed_are_not_stored(app, client):
    with time_machine.travel(at(2027, 2, 1, 10), tick=True):
        consultation = ConsultationFactory(
            state="open", ad_hoc=True, opens_on=date(2027, 1, 25), closes_on=date(2027, 3, 8)
        )
        question = QuestionFactory(
            consultation=consultation, kind="free_text", options=[], required=True
        )
        url = f"/consultations/{consultation.slug}/respond"
        client.post(url, data={f"q{question.id}": "My private view", "category": "academic"})
        check = client.get(url + "/check-your-answers")
        assert "My private view" in check.get_data(as_text=True)
        assert check.headers["Cache-Control"] == "no-store"
        assert client.get(url).headers["Cache-Control"] == "no-store"
    assert client.get("/contact").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/statistics").headers.get("Cache-Control", "")


BAD_URLS = [
    "javascript://example.com/%0aalert(document.cookie)",
    "JavaScript://gov.uk/%0Aalert(1)",
    "data://text.html/base64,PHNjcmlwdD4=",
    "vbscript://example.com/x",
    "ftp://example.com/file",
]


def test_an_output_page_url_must_be_http_or_https(app, login):
    output = OutputFactory(slug="url-target")
    client = login(admin())
    for bad in BAD_URLS:
        assert not catalogue.is_web_address(bad), bad
        page = client.post(
            "/staff/outputs/url-target/edit",
            data={
                "title": output.title,
                "producing_body": output.producing_body,
                "area": output.area,
                "frequency": output.frequency,
                "lead_statistician": output.lead_statistician,
                "lead_contact": output.lead_contact,
                "page_url": bad,
                "status": "active",
                "review_interval_months": "12",
            },
        )
        assert "Enter a web address starting with https://" in page.get_data(as_text=True), bad
    db.session.expire_all()
    assert db.session.get(Output, output.id).page_url.startswith("https://")
    assert catalogue.is_web_address("https://www.gov.uk/government/statistics/example")
