"""Configuration (ASVS V13.4, V3.3): no unknown environment names, no development key beyond
loopback or under gunicorn, and a __Host- session cookie when cookies are secure."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from engage import create_app
from engage.config import ConfigError, is_loopback
from tests.conftest import TEST_CONFIG, make_app
from tests.factories.auth import admin

ROOT = Path(__file__).resolve().parents[2]


def _from(app, address: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    client.check_pages = False
    return client


@pytest.mark.parametrize("value", ["prod", "Production", "production ", "staging", ""])
def test_an_unknown_environment_name_refuses_to_start(monkeypatch, value):
    monkeypatch.setenv("ENGAGE_ENV", value)
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    with pytest.raises(ConfigError, match="ENGAGE_ENV must be one of"):
        create_app(TEST_CONFIG)


def test_known_environment_names_start(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/e.sqlite")
    for value in ("development", "test", "production"):
        monkeypatch.setenv("ENGAGE_ENV", value)
        assert create_app()


def test_loopback_addresses():
    for host in ("127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"):
        assert is_loopback(host), host
    for host in ("10.0.0.5", "0.0.0.0", "engage.example.gov.uk", "", None, "192.168.1.1"):  # noqa: S104
        assert not is_loopback(host), host


def test_the_development_key_answers_only_on_loopback(app, client):
    assert app.config["SECRET_KEY"] == "dev-only-not-secret"  # the fixture's own
    assert client.get("/").status_code == 200
    remote = _from(app, "10.0.0.5")
    response = remote.get("/staff/admin/users")
    assert response.status_code == 503
    assert "development SECRET_KEY" in response.get_data(as_text=True)
    # A server reached by a public name (listening beyond loopback), even from loopback.
    named = app.test_client()
    named.check_pages = False  # type: ignore[attr-defined]
    assert named.get("/", base_url="http://engage.example.gov.uk").status_code == 503


def test_a_forged_development_session_opens_nothing_from_beyond_loopback(app, database_url):
    """Sign a session with the public development key (what an attacker can do), present it
    from another address: refused before any view runs."""
    from flask.sessions import SecureCookieSessionInterface

    boss = admin()
    forger = make_app(database_url)
    serializer = SecureCookieSessionInterface().get_signing_serializer(forger)
    cookie = serializer.dumps(  # type: ignore[union-attr]
        {"_user_id": f"{boss.id}:{boss.session_version}", "_fresh": True, "signed_in_at": 9e9}
    )
    remote = _from(app, "203.0.113.9")
    remote.set_cookie("engage_session", cookie)
    response = remote.get("/staff/admin/users")
    assert response.status_code == 503
    assert boss.email not in response.get_data(as_text=True)
    # With a real key the same forged cookie is not a session at all.
    real = make_app(database_url, SECRET_KEY="r" * 40)
    other = _from(real, "203.0.113.9")
    other.set_cookie("engage_session", cookie)
    assert other.get("/staff/admin/users").status_code == 302  # to sign-in


def test_gunicorn_refuses_the_development_key(tmp_path):
    env = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ENGAGE_ENV", "FLASK_APP"}
    }
    env["DATABASE_URL"] = f"sqlite:///{tmp_path}/g.sqlite"
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    result = subprocess.run(  # noqa: S603
        [gunicorn, "--preload", "--bind", "127.0.0.1:0", "--workers", "1", "wsgi:app"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "development SECRET_KEY is refused under gunicorn" in result.stderr
