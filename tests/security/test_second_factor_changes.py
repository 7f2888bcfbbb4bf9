"""Second factor (ASVS V6.3.2, V6.5, V7.5.1): the wrong-code limit is kept on the server, so
replaying the pending sign-in's cookie does not reset it; turning the app off and replacing the
recovery codes need the password again and email the holder."""

from __future__ import annotations

import re

import pyotp
import pytest
import time_machine

from engage.extensions import db
from engage.mail.models import OutboxEmail
from tests.factories.auth import DEFAULT_PASSWORD, admin, producer
from tests.security.test_second_factor import START, _password, _set_up


@pytest.fixture
def required(app):
    app.config["REQUIRE_SECOND_FACTOR"] = True
    return app


def test_replaying_the_pending_cookie_does_not_reset_the_wrong_code_count(required, app):
    user = admin()
    with time_machine.travel(START, tick=False) as traveller:
        setup = app.test_client()
        _password(setup, user)
        _set_up(setup, user, traveller)
        client = app.test_client()
        _password(client, user)
        fresh = client.get_cookie("engage_session").value  # no wrong codes yet
        for n in range(4):
            assert client.post("/staff/sign-in/code", data={"code": f"00000{n}"}).status_code == 200
        client.set_cookie("engage_session", fresh)  # replay the cookie from before
        fifth = client.post("/staff/sign-in/code", data={"code": "000009"})
        assert fifth.status_code == 302 and fifth.headers["Location"] == "/staff/sign-in"
        client.set_cookie("engage_session", fresh)
        traveller.shift(30)
        right = client.post(
            "/staff/sign-in/code", data={"code": pyotp.TOTP(user.totp_secret).now()}
        )
        assert right.headers["Location"] == "/staff/sign-in"
        assert client.get("/staff").status_code == 302


def _sent(user, template: str) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(
        db.select(db.func.count())
        .select_from(OutboxEmail)
        .where(OutboxEmail.to_address == user.email, OutboxEmail.template == template)
    )


def _signed_in_with_app(app, user, traveller):  # type: ignore[no-untyped-def]
    client = app.test_client()
    client.post("/staff/sign-in", data={"email": user.email, "password": DEFAULT_PASSWORD})
    page = client.get("/staff/account/authenticator").get_data(as_text=True)
    secret = re.search(r"data-secret>([A-Z2-7]+)<", page).group(1)
    client.post("/staff/account/authenticator", data={"code": pyotp.TOTP(secret).now()})
    traveller.shift(30)
    return client


def test_replacing_recovery_codes_needs_the_password_and_emails_the_holder(app):
    user = producer()
    with time_machine.travel(START, tick=False) as traveller:
        client = _signed_in_with_app(app, user, traveller)
        for data in ({}, {"password": "not-the-password"}):
            page = client.post("/staff/account/recovery-codes", data=data).get_data(as_text=True)
            assert "govuk-error-summary" in page and "<code>" not in page
        assert _sent(user, "second_factor_changed") == 0
        done = client.post("/staff/account/recovery-codes", data={"password": DEFAULT_PASSWORD})
    assert len(re.findall(r"<code>[0-9a-f-]{11}</code>", done.get_data(as_text=True))) == 10
    assert _sent(user, "second_factor_changed") == 1


def test_turning_the_app_off_needs_the_password_and_emails_the_holder(app):
    user = producer()
    with time_machine.travel(START, tick=False) as traveller:
        client = _signed_in_with_app(app, user, traveller)
        client.post("/staff/account/authenticator/turn-off", data={})
        client.post("/staff/account/authenticator/turn-off", data={"password": "not-the-password"})
        db.session.refresh(user)
        assert user.totp_enabled and _sent(user, "second_factor_changed") == 0
        client.post("/staff/account/authenticator/turn-off", data={"password": DEFAULT_PASSWORD})
    db.session.refresh(user)
    assert not user.totp_enabled and _sent(user, "second_factor_changed") == 1
