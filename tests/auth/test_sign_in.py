"""Staff sign-in: success, one generic failure message, lockout, sign-out, session rules."""

from __future__ import annotations

import time_machine

from engage.audit import AuditEvent
from engage.auth import service
from engage.auth.passwords import password_problem
from engage.extensions import db
from tests.factories.auth import DEFAULT_PASSWORD, UserFactory, admin, producer

GENERIC = "Enter a correct email address and password"


def _sign_in(client, email, password):
    return client.post("/staff/sign-in", data={"email": email, "password": password})


def test_sign_in_with_correct_password_reaches_dashboard(app, client):
    user = producer(name="Priya Producer")
    response = _sign_in(client, user.email.upper(), DEFAULT_PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff"
    page = client.get("/staff")
    assert page.status_code == 200
    assert "Priya Producer" in page.get_data(as_text=True)


def test_sign_in_returns_to_the_page_asked_for_but_never_off_site(app, client):
    user = producer()
    response = client.post(
        "/staff/sign-in?next=/staff/outputs",
        data={"email": user.email, "password": DEFAULT_PASSWORD},
    )
    assert response.headers["Location"] == "/staff/outputs"
    client2 = app.test_client()
    response = client2.post(
        "/staff/sign-in?next=//evil.example/x",
        data={"email": user.email, "password": DEFAULT_PASSWORD},
    )
    assert response.headers["Location"] == "/staff"


def test_every_failure_gives_the_same_generic_message(app, client):
    user = producer()
    deactivated = UserFactory(active=False)
    for email, password in [
        (user.email, "wrong-password"),
        ("nobody@example.gov.uk", DEFAULT_PASSWORD),
        (deactivated.email, DEFAULT_PASSWORD),
    ]:
        response = _sign_in(client, email, password)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert GENERIC in html
        assert "govuk-error-summary" in html
    assert client.get("/staff").status_code == 302


def test_empty_sign_in_form_shows_errors(client):
    response = _sign_in(client, "", "")
    html = response.get_data(as_text=True)
    assert "Enter your email address" in html and "Enter your password" in html


def test_account_locks_after_five_failures_even_with_the_right_password(app, client):
    # (The lock is temporary and grows: tests/security/test_lockout.py.)
    user = producer()
    for _ in range(5):
        _sign_in(client, user.email, "wrong-password")
    db.session.refresh(user)
    assert user.locked_at is not None
    response = _sign_in(client, user.email, DEFAULT_PASSWORD)
    assert GENERIC in response.get_data(as_text=True)
    assert client.get("/staff").status_code == 302
    actions = db.session.execute(db.select(AuditEvent.action)).scalars().all()
    assert actions.count("sign_in.failed") == 5 and "sign_in.refused" in actions


def test_four_failures_then_success_resets_the_count(app, client):
    user = producer()
    for _ in range(4):
        _sign_in(client, user.email, "wrong-password")
    assert _sign_in(client, user.email, DEFAULT_PASSWORD).status_code == 302
    db.session.refresh(user)
    assert user.failed_sign_ins == 0 and user.locked_at is None


def test_admin_unlocks_a_locked_account(app, login):
    locked = producer()
    for _ in range(5):
        service.check_sign_in(locked.email, "nope")
    client = login(admin())
    response = client.post(f"/staff/admin/users/{locked.id}/unlock")
    assert response.status_code == 302
    db.session.refresh(locked)
    assert locked.locked_at is None


def test_sign_out_ends_the_session_server_side(app, login):
    user = producer()
    client = login(user)
    stolen_cookie = client.get_cookie("engage_session").value
    assert client.post("/staff/sign-out").status_code == 302
    assert client.get("/staff").status_code == 302
    other = app.test_client()
    other.set_cookie("engage_session", stolen_cookie)
    assert other.get("/staff").status_code == 302


def test_deactivation_ends_existing_sessions(app, login):
    user = producer()
    client = login(user)
    assert client.get("/staff").status_code == 200
    service.update_user(user, name=user.name, roles={"producer"}, active=False, actor=admin())
    assert client.get("/staff").status_code == 302


def test_session_expires_after_inactivity(app, login):
    user = producer()
    with time_machine.travel("2026-11-02 09:00 +0000", tick=False) as traveller:
        client = login(user)
        assert client.get("/staff").status_code == 200
        traveller.shift(31 * 60)
        assert client.get("/staff").status_code == 302


def test_session_has_an_absolute_lifetime(app, login):
    user = producer()
    with time_machine.travel("2026-11-02 09:00 +0000", tick=False) as traveller:
        client = login(user)
        for _ in range(26):  # active every 29 minutes for over 12 hours
            traveller.shift(29 * 60)
            response = client.get("/staff")
        assert response.status_code == 302


def test_password_policy():
    assert password_problem("short") == "Password must be 8 characters or more"
    assert "too common" in password_problem("password123")
    assert "too common" in password_problem("Qwerty123")
    assert password_problem("a-long-unusual-phrase") is None
    assert password_problem("me@example.com", "me@example.com")


def test_passwords_are_stored_with_a_slow_hash(app):
    user = producer()
    assert user.password_hash.startswith("$argon2id$")
    assert DEFAULT_PASSWORD not in user.password_hash
