"""Abuse limits: the GOV.UK 'Too many requests' page on sign-in and every public form, limits
shared through Redis by several app instances, the request size limit, and honeypots."""

from __future__ import annotations

import pytest
import redis

from engage.extensions import db
from tests.conftest import make_app
from tests.factories.auth import DEFAULT_PASSWORD, producer
from tests.security.publicforms import make_world, public_post_urls, row_counts, submit_flow

EXPECTED_PUBLIC_FORMS = {"/contact", "/feedback", "/consultations/target/respond"}


def _limited_app(database_url, **extra):  # type: ignore[no-untyped-def]
    return make_app(
        database_url,
        RATELIMIT_ENABLED=True,
        PUBLIC_FORM_RATE_LIMIT="3 per minute",
        SIGN_IN_RATE_LIMIT="3 per minute",
        **extra,
    )


def test_public_forms_are_found_from_the_url_map(app):
    urls = set(public_post_urls(app))
    # The forms that exist today must be among them; new ones join automatically.
    present = {u for u in EXPECTED_PUBLIC_FORMS if u in urls}
    assert "/contact" in present
    assert all(not u.startswith("/staff") for u in urls)


def test_sign_in_and_every_public_form_answer_too_many_requests(app, database_url):
    make_world()
    limited = _limited_app(database_url)
    urls = ["/staff/sign-in", *public_post_urls(limited)]
    for url in urls:
        client = limited.test_client()
        statuses = [client.post(url, data={}).status_code for _ in range(4)]
        assert statuses[:3] != [429, 429, 429], url
        assert statuses[3] == 429, (url, statuses)
        page = client.post(url, data={}).get_data(as_text=True)
        assert '<h1 class="govuk-heading-l">Too many requests</h1>' in page, url
        assert "govuk-template" in page
    # Reading a form is never limited.
    assert limited.test_client().get("/contact").status_code == 200


def test_second_factor_code_step_is_limited(app, database_url):
    limited = _limited_app(database_url)
    client = limited.test_client()
    statuses = [client.post("/staff/sign-in/code", data={}).status_code for _ in range(4)]
    assert statuses[-1] == 429


def test_two_app_instances_share_limits_through_redis(app, database_url, monkeypatch):
    url = "redis://127.0.0.1:6379/15"  # a database of its own: emptied by this test only
    store = redis.Redis.from_url(url)
    store.flushdb()
    monkeypatch.setenv("REDIS_URL", url)
    first = make_app(database_url, RATELIMIT_ENABLED=True, SIGN_IN_RATE_LIMIT="3 per minute")
    second = make_app(database_url, RATELIMIT_ENABLED=True, SIGN_IN_RATE_LIMIT="3 per minute")
    assert first.config["RATELIMIT_STORAGE_URI"] == url
    user = producer()
    bad = {"email": user.email, "password": "wrong-password"}
    statuses = []
    for client in (first.test_client(), second.test_client(), first.test_client()):
        statuses.append(client.post("/staff/sign-in", data=bad).status_code)
    assert statuses == [200, 200, 200]
    # The fourth attempt, on the other instance, is refused: the count is shared.
    response = second.test_client().post(
        "/staff/sign-in", data={"email": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 429
    keys = [k.decode() for k in store.scan_iter("*")]
    assert any("auth.sign_in" in k for k in keys), "the counter lives in Redis"
    store.flushdb()


def test_request_size_limit_gives_the_gov_uk_page(app, database_url):
    small = make_app(database_url, MAX_CONTENT_LENGTH=2000)
    client = small.test_client()
    response = client.post("/contact", data={"message": "x" * 5000})
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "govuk-template" in html and "<h1" in html


def test_the_default_request_size_limit_is_set(app):
    assert 0 < app.config["MAX_CONTENT_LENGTH"] <= 20 * 1024 * 1024


def _bot_values(name: str, kind: str) -> str | None:
    return "http://spam.example" if name == "website" else None


@pytest.mark.parametrize("honeypot", [False, True], ids=["person", "bot"])
def test_a_filled_honeypot_stores_nothing_on_any_public_form(app, client, honeypot):
    make_world()
    for url in public_post_urls(app):
        before = row_counts()
        response = submit_flow(client, url, _bot_values if honeypot else None)
        assert response.status_code == 200, url
        after = row_counts()
        if honeypot:
            assert after == before, url
            # The bot is shown a confirmation, so it learns nothing.
            assert "govuk-error-summary" not in response.get_data(as_text=True), url
        else:
            # The same data from a person is stored: the honeypot test above means something.
            assert after != before, (url, response.get_data(as_text=True)[:2000])
        db.session.expire_all()
