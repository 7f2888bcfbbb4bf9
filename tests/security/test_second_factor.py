"""Second factor: forced set-up for admin, CSO and Chief Statistician; codes single-use and
limited; recovery codes; optional for producers; the password alone never signs anyone in."""

from __future__ import annotations

import re

import pyotp
import pytest
import time_machine

from engage.audit import AuditEvent
from engage.auth import second_factor
from engage.auth.models import RecoveryCode
from engage.extensions import db
from tests.factories.auth import DEFAULT_PASSWORD, admin, chief, cso, producer

START = "2026-11-02 09:00:00 +0000"


@pytest.fixture
def required(app):
    app.config["REQUIRE_SECOND_FACTOR"] = True
    return app


def _password(client, user, next_url=""):
    url = "/staff/sign-in" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": user.email, "password": DEFAULT_PASSWORD})


def _actions():
    return db.session.execute(db.select(AuditEvent.action)).scalars().all()


def _set_up(client, user, traveller):
    """Go through forced set-up; returns (secret, recovery codes)."""
    page = client.get("/staff/sign-in/set-up-authenticator").get_data(as_text=True)
    secret = re.search(r"data-secret>([A-Z2-7]+)<", page).group(1)
    response = client.post(
        "/staff/sign-in/set-up-authenticator", data={"code": pyotp.TOTP(secret).now()}
    )
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([0-9a-f]{5}-[0-9a-f]{5})</code></li>", response.text)
    return secret, codes


@pytest.mark.parametrize("make", [admin, cso, chief], ids=["admin", "cso", "chief"])
def test_roles_that_need_it_set_it_up_at_first_sign_in(required, client, make):
    user = make()
    with time_machine.travel(START, tick=False):
        response = _password(client, user, "/staff/outputs")
        assert response.headers["Location"] == "/staff/sign-in/set-up-authenticator"
        # The password alone signs no one in.
        assert client.get("/staff").status_code == 302
        page = client.get("/staff/sign-in/set-up-authenticator")
        html = page.get_data(as_text=True)
        secret = re.search(r"data-secret>([A-Z2-7]+)<", html).group(1)
        assert "otpauth://totp/" in html and f"secret={secret}" in html
        assert "<svg" in html  # QR code drawn on the server
        wrong = client.post("/staff/sign-in/set-up-authenticator", data={"code": "000000"})
        assert "The code is not correct" in wrong.get_data(as_text=True)
        assert client.get("/staff").status_code == 302
        done = client.post(
            "/staff/sign-in/set-up-authenticator", data={"code": pyotp.TOTP(secret).now()}
        )
        codes = re.findall(r"<code>([0-9a-f]{5}-[0-9a-f]{5})</code>", done.get_data(as_text=True))
        assert len(codes) == 10 and len(set(codes)) == 10
        assert 'href="/staff/outputs"' in done.get_data(as_text=True)
        assert client.get("/staff").status_code == 200
    db.session.refresh(user)
    assert user.totp_enabled and user.totp_secret == secret
    stored = db.session.execute(db.select(RecoveryCode.code_hash)).scalars().all()
    assert len(stored) == 10
    assert all(h.startswith("$argon2id$") for h in stored)
    assert not any(c.replace("-", "") in h for c in codes for h in stored)
    assert "second_factor.enabled" in _actions()


def test_sign_in_needs_a_fresh_code_each_time(required, app):
    user = cso()
    with time_machine.travel(START, tick=False) as traveller:
        first = app.test_client()
        _password(first, user)
        secret, _codes = _set_up(first, user, traveller)
        assert first.post("/staff/sign-out").status_code == 302

        # Same time step again: the code has been used, so it is refused.
        second = app.test_client()
        assert _password(second, user).headers["Location"] == "/staff/sign-in/code"
        code = pyotp.TOTP(secret).now()
        response = second.post("/staff/sign-in/code", data={"code": code})
        assert response.status_code == 200
        assert "already been used" in response.get_data(as_text=True)
        assert second.get("/staff").status_code == 302

        # The next time step's code works, once.
        traveller.shift(30)
        response = second.post("/staff/sign-in/code", data={"code": pyotp.TOTP(secret).now()})
        assert response.status_code == 302
        assert second.get("/staff").status_code == 200
    assert "second_factor.failed" in _actions()


def test_five_wrong_codes_drop_the_pending_sign_in(required, app, client):
    user = admin()
    with time_machine.travel(START, tick=False) as traveller:
        setup = app.test_client()
        _password(setup, user)
        _set_up(setup, user, traveller)
        _password(client, user)
        for n in range(4):
            response = client.post("/staff/sign-in/code", data={"code": f"00000{n}"})
            assert response.status_code == 200
            assert "govuk-error-summary" in response.get_data(as_text=True)
        response = client.post("/staff/sign-in/code", data={"code": "000009"})
        assert response.headers["Location"] == "/staff/sign-in"
        # Even the right code is no use now: the pending sign-in is gone.
        traveller.shift(30)
        response = client.post(
            "/staff/sign-in/code", data={"code": pyotp.TOTP(user.totp_secret).now()}
        )
        assert response.headers["Location"] == "/staff/sign-in"
        assert client.get("/staff").status_code == 302
    assert "second_factor.too_many_wrong_codes" in _actions()
    assert _actions().count("second_factor.failed") == 5


def test_recovery_code_signs_in_once(required, app):
    user = chief()
    with time_machine.travel(START, tick=False) as traveller:
        setup = app.test_client()
        _password(setup, user)
        _secret, codes = _set_up(setup, user, traveller)
        first = app.test_client()
        _password(first, user)
        response = first.post("/staff/sign-in/code", data={"code": codes[3].upper()})
        assert response.status_code == 302
        assert "9 left" in first.get("/staff").get_data(as_text=True)
        again = app.test_client()
        _password(again, user)
        response = again.post("/staff/sign-in/code", data={"code": codes[3]})
        assert "already been used" in response.get_data(as_text=True)
    assert second_factor.unused_recovery_codes(user) == 9


def test_pending_sign_in_expires(required, app, client):
    user = admin()
    with time_machine.travel(START, tick=False) as traveller:
        _password(client, user)
        traveller.shift(second_factor.PENDING_SECONDS + 1)
        response = client.get("/staff/sign-in/set-up-authenticator")
        assert response.headers["Location"] == "/staff/sign-in"


def test_code_page_without_a_password_step_sends_you_to_sign_in(client):
    assert client.get("/staff/sign-in/code").headers["Location"] == "/staff/sign-in"
    assert client.post("/staff/sign-in/code", data={"code": "123456"}).status_code == 302


def test_producers_sign_in_with_a_password_and_may_turn_it_on(required, app, login):
    user = producer()
    with time_machine.travel(START, tick=False) as traveller:
        client = login(user)  # no second step needed
        page = client.get("/staff/account")
        assert "Turn on an authenticator app" in page.get_data(as_text=True)
        html = client.get("/staff/account/authenticator").get_data(as_text=True)
        secret = re.search(r"data-secret>([A-Z2-7]+)<", html).group(1)
        empty = client.post("/staff/account/authenticator", data={"code": ""})
        assert "Enter the 6-digit code" in empty.get_data(as_text=True)
        done = client.post("/staff/account/authenticator", data={"code": pyotp.TOTP(secret).now()})
        assert len(re.findall(r"<code>[0-9a-f-]{11}</code>", done.get_data(as_text=True))) == 10
        client.post("/staff/sign-out")
        other = app.test_client()
        assert _password(other, user).headers["Location"] == "/staff/sign-in/code"
        traveller.shift(30)
        assert (
            other.post("/staff/sign-in/code", data={"code": pyotp.TOTP(secret).now()}).status_code
            == 302
        )
        account = other.get("/staff/account").get_data(as_text=True)
        assert "Turn off the authenticator app" in account
        new_codes = other.post("/staff/account/recovery-codes", data={"password": DEFAULT_PASSWORD})
        assert (
            len(re.findall(r"<code>[0-9a-f-]{11}</code>", new_codes.get_data(as_text=True))) == 10
        )
        other.post("/staff/account/authenticator/turn-off", data={"password": DEFAULT_PASSWORD})
    db.session.refresh(user)
    assert not user.totp_enabled and user.totp_secret is None
    assert login(user).get("/staff").status_code == 200


def test_roles_that_need_it_cannot_turn_it_off(required, app):
    user = admin()
    with time_machine.travel(START, tick=False) as traveller:
        client = app.test_client()
        _password(client, user)
        _set_up(client, user, traveller)
        page = client.get("/staff/account").get_data(as_text=True)
        assert "cannot be turned off" in page
        client.post("/staff/account/authenticator/turn-off")
    db.session.refresh(user)
    assert user.totp_enabled


def test_without_the_requirement_everyone_signs_in_with_a_password(app, login):
    app.config["REQUIRE_SECOND_FACTOR"] = False
    assert login(admin()).get("/staff").status_code == 200


def test_sign_in_renews_the_session(required, app, client):
    user = admin()
    with time_machine.travel(START, tick=False) as traveller:
        client.get("/staff/sign-in")
        with client.session_transaction() as sess:
            sess["planted"] = "by an attacker"
        _password(client, user)
        with client.session_transaction() as sess:
            assert "planted" not in sess
            assert set(sess.keys()) <= {"pending_sign_in", "csrf_token", "_flashes"}
            assert "_user_id" not in sess
        _set_up(client, user, traveller)
        with client.session_transaction() as sess:
            assert "pending_sign_in" not in sess and "_user_id" in sess


def test_an_operator_can_reset_a_lost_authenticator(required, app):
    user = admin()
    with time_machine.travel(START, tick=False) as traveller:
        client = app.test_client()
        _password(client, user)
        _set_up(client, user, traveller)
    result = app.test_cli_runner().invoke(args=["users", "reset-authenticator", user.email])
    assert result.exit_code == 0, result.output
    db.session.refresh(user)
    assert not user.totp_enabled and user.totp_secret is None
    assert db.session.execute(db.select(RecoveryCode)).first() is None
    # Their next sign-in sets the app up again.
    assert _password(app.test_client(), user).headers["Location"].endswith("set-up-authenticator")
