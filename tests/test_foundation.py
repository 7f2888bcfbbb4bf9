"""The foundation: pages, errors, security headers, CSRF, configuration."""

from __future__ import annotations

import pytest

from engage import create_app
from engage.config import ConfigError
from tests.factories.auth import admin, producer
from tests.factories.outputs import OutputFactory


def test_start_page_says_what_you_can_do(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Tell us how you use our statistics" in html
    for href in ("/statistics", "/contact", "/consultations", "/performance"):
        assert f'href="{href}"' in html
    assert "govuk-skip-link" in html and "govuk-phase-banner" in html
    assert "govuk-footer" in html and "govuk-service-navigation" in html


def test_statistics_lists_active_outputs_only(client):
    OutputFactory(title="Prison Population Projections", slug="prison-population-projections")
    OutputFactory(title="Old Bulletin", slug="old-bulletin", status="discontinued")
    html = client.get("/statistics").get_data(as_text=True)
    assert "Prison Population Projections" in html
    assert "Old Bulletin" not in html
    page = client.get("/statistics/prison-population-projections")
    assert page.status_code == 200
    assert "Give feedback on Prison Population Projections" in page.get_data(as_text=True)


def test_unknown_page_is_a_govuk_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_security_headers_on_every_response(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "'nonce-" in csp and "unsafe-inline" not in csp
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.get_data(as_text=True)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_each_response_gets_a_fresh_csp_nonce(client):
    first = client.get("/").headers["Content-Security-Policy"]
    second = client.get("/").headers["Content-Security-Policy"]
    assert first != second


def test_staff_pages_are_not_cached(app, login):
    user = admin()
    response = login(user).get("/staff")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_post_without_csrf_token_is_rejected(csrf_app):
    user = producer()
    client = csrf_app.test_client()
    response = client.post(
        "/staff/sign-in", data={"email": user.email, "password": "correct-horse-battery"}
    )
    assert response.status_code == 400
    assert "Your form has expired" in response.get_data(as_text=True)


def test_post_with_csrf_token_is_accepted(csrf_app):
    import re

    user = producer()
    client = csrf_app.test_client()
    form = client.get("/staff/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form) or re.search(
        r'name="csrf_token" value="([^"]+)"', form
    )
    assert token
    response = client.post(
        "/staff/sign-in",
        data={"email": user.email, "password": "correct-horse-battery", "csrf_token": token[1]},
    )
    assert response.status_code == 302


def test_production_refuses_to_start_without_a_real_secret_key(monkeypatch):
    monkeypatch.setenv("ENGAGE_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        create_app()
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(ConfigError):
        create_app()


def test_production_settings_are_safe(monkeypatch, tmp_path):
    monkeypatch.setenv("ENGAGE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/p.sqlite")
    app = create_app()
    assert app.config["DEBUG"] is False
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["WTF_CSRF_ENABLED"] is True


def test_error_pages_are_govuk_styled(app, client):
    @app.route("/boom-for-test")
    def boom():  # pragma: no cover - exercised by the request below
        raise RuntimeError("boom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/boom-for-test")
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.get_data(as_text=True)
