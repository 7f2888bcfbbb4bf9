"""Passwords (ASVS V6.2, V6.4, V7.4.3): staff change their own; an account an administrator
made must choose a new password at first sign-in; a single-use, short-lived reset link by email;
a blocklist of the commonest passwords plus the person's name and email; a change ends every
other session and emails the holder."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine

from engage.auth import password_change
from engage.auth.models import User
from engage.auth.passwords import common_passwords, password_problem, verify_password
from engage.extensions import db
from engage.mail.models import OutboxEmail
from tests.factories.auth import DEFAULT_PASSWORD, admin, producer

NEW = "Plum-Orchard-Lantern-42"


def _status(app, client, url: str = "/staff") -> int:
    """A request in its own app context, as in a real server (the test's own context would
    carry the previous request's signed-in user over in `g`)."""
    with app.app_context():
        return int(client.get(url).status_code)


def _mail(to: str, template: str) -> list[OutboxEmail]:
    return list(
        db.session.scalars(
            db.select(OutboxEmail).where(
                OutboxEmail.to_address == to, OutboxEmail.template == template
            )
        )
    )


def test_the_blocklist_holds_the_10000_commonest_passwords():
    blocked = common_passwords()
    assert len(blocked) >= 10_000
    for word in ("aaaaaaaa", "qwertyui", "password1", "iloveyou", "sunshine", "football1"):
        assert password_problem(word) is not None, word
    assert password_problem("Plum-Orchard-Lantern-42") is None


@pytest.mark.parametrize(
    "password",
    ["Jane.Doe2026", "doe-jane-99", "xXjdoe123Xx", "jane.doe@statistics", "JaneDoeJaneDoe"],
)
def test_the_persons_own_name_and_email_are_refused(password):
    problem = password_problem(password, "j.doe@statistics.example.gov.uk", "Jane Doe")
    assert problem is not None, password


def test_staff_change_their_own_password_other_sessions_end_and_the_holder_is_emailed(app, login):
    user = producer()
    laptop, phone = login(user), login(user)
    wrong = laptop.post(
        "/staff/account/password",
        data={"current_password": "not-it-at-all", "new_password": NEW, "confirm_password": NEW},
    )
    assert "Your current password is not correct" in wrong.get_data(as_text=True)
    common = laptop.post(
        "/staff/account/password",
        data={
            "current_password": DEFAULT_PASSWORD,
            "new_password": "qwertyui",
            "confirm_password": "qwertyui",
        },
    )
    assert "Password is too common" in common.get_data(as_text=True)
    done = laptop.post(
        "/staff/account/password",
        data={"current_password": DEFAULT_PASSWORD, "new_password": NEW, "confirm_password": NEW},
    )
    assert done.status_code == 302
    assert _status(app, laptop) == 200  # this session goes on
    assert _status(app, phone) == 302  # every other one ended
    db.session.expire_all()
    assert verify_password(db.session.get(User, user.id).password_hash, NEW)
    assert len(_mail(user.email, "password_changed")) == 1


def test_an_account_made_by_an_admin_must_choose_a_new_password_first(app, login):
    boss = login(admin())
    boss.post(
        "/staff/admin/users/new",
        data={
            "name": "New Starter",
            "email": "new.starter@example.gov.uk",
            "roles": ["producer"],
            "password": "Temporary-Known-To-Admin-1",
            "active": "y",
        },
    )
    client = app.test_client()
    signed_in = client.post(
        "/staff/sign-in",
        data={"email": "new.starter@example.gov.uk", "password": "Temporary-Known-To-Admin-1"},
    )
    assert signed_in.status_code == 302
    for url in ("/staff", "/staff/outputs", "/staff/account"):
        response = client.get(url)
        assert response.status_code == 302 and response.location.endswith("/staff/account/password")
    assert "data-forced" in client.get("/staff/account/password").get_data(as_text=True)
    client.post(
        "/staff/account/password",
        data={
            "current_password": "Temporary-Known-To-Admin-1",
            "new_password": NEW,
            "confirm_password": NEW,
        },
    )
    assert client.get("/staff").status_code == 200


def _reset_link(email: str) -> str:
    body = _mail(email, "password_reset")[-1].body_text
    return re.search(r"(/staff/sign-in/reset-password/\S+)", body).group(1)


def test_a_reset_link_by_email_works_once_and_only_for_a_while(app, client):
    user = producer()
    other_session = app.test_client()
    other_session.post("/staff/sign-in", data={"email": user.email, "password": DEFAULT_PASSWORD})
    for email in (user.email, "nobody@example.gov.uk"):  # the same answer either way
        page = client.post("/staff/sign-in/forgot-password", data={"email": email})
        assert "Check your email" in page.get_data(as_text=True)
    assert _mail("nobody@example.gov.uk", "password_reset") == []
    link = _reset_link(user.email)
    assert client.get(link).status_code == 200
    done = client.post(link, data={"new_password": NEW, "confirm_password": NEW})
    assert done.status_code == 302
    assert client.get(link).status_code == 404  # used
    assert _status(app, other_session) == 302  # sessions ended
    assert len(_mail(user.email, "password_changed")) == 1
    assert client.post(
        "/staff/sign-in", data={"email": user.email, "password": NEW}
    ).status_code == (302)
    # A fresh link expires after PASSWORD_RESET_MINUTES.
    password_change.send_reset_link(db.session.get(User, user.id), actor=None)
    late = _reset_link(user.email)
    with time_machine.travel(timedelta(minutes=31)):
        assert client.get(late).status_code == 404
    assert client.get("/staff/sign-in/reset-password/forged-token").status_code == 404


def test_an_admin_sends_a_reset_link_and_never_sets_the_password(app, login):
    user = producer()
    before = user.password_hash
    response = login(admin()).post(f"/staff/admin/users/{user.id}/reset-password")
    assert response.status_code == 302
    assert len(_mail(user.email, "password_reset")) == 1
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == before
