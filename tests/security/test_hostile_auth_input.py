"""Hostile input on the pages this issue added (password change, forgotten password, reset link,
password again for second-factor changes, the user log entry form restricted to the entry):
control characters, NUL, 5,000-character words and double submits never cause a server error,
on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from engage.extensions import db
from engage.mail.models import OutboxEmail
from tests.factories.auth import DEFAULT_PASSWORD, producer
from tests.factories.outputs import LogEntryFactory, OutputFactory, StakeholderFactory

HOSTILE = [
    "a\x00b@example.org",
    "\x00" * 20,
    "x" * 5000,
    "ctrl\x01\x07\x1b[31m@example.org",
    "line\nbreak@example.org",
    "\u202eevil@example.org",
    "",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_forgotten_password_and_sign_in_take_anything(client, value):
    for url, data in (
        ("/staff/sign-in/forgot-password", {"email": value}),
        ("/staff/sign-in", {"email": value, "password": value}),
    ):
        response = client.post(url, data=data)
        assert response.status_code in (200, 302), (url, response.status_code)
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxEmail)) == 0


@pytest.mark.parametrize("value", HOSTILE)
def test_change_password_and_reauthentication_take_anything(app, login, value):
    user = producer()
    client = login(user)
    wrong = client.post(
        "/staff/account/password",
        data={"current_password": value, "new_password": value, "confirm_password": value},
    )
    assert wrong.status_code == 200 and "govuk-error-summary" in wrong.get_data(as_text=True)
    new = client.post(
        "/staff/account/password",
        data={
            "current_password": DEFAULT_PASSWORD,
            "new_password": value,
            "confirm_password": value,
        },
    )
    # Refused with a message (control characters, too long, empty), or a fine password.
    assert new.status_code in (200, 302)
    if new.status_code == 200:
        assert "govuk-error-summary" in new.get_data(as_text=True)
    else:
        assert value == "\u202eevil@example.org"
    assert client.get("/staff").status_code == 200  # still signed in


def test_control_characters_are_refused_in_passwords():
    from engage.auth.passwords import password_problem

    for bad in ("tab\there-long", "nul\x00here-long", "line\nbreak-long", "c1\x85char-long"):
        assert "control characters" in (password_problem(bad) or ""), repr(bad)


@pytest.mark.parametrize("token", ["\x00", "x" * 5000, "a.b.c", "%00", "..%2f..%2f"])
def test_reset_links_that_are_not_links(client, token):
    assert client.get(f"/staff/sign-in/reset-password/{token}").status_code == 404
    assert client.post(
        f"/staff/sign-in/reset-password/{token}",
        data={"new_password": "Plum-Orchard-Lantern-42", "confirm_password": "x"},
    ).status_code in (404, 405)


def test_a_double_submitted_password_change_changes_it_once(app, login):
    user = producer()
    client = login(user)
    data = {
        "current_password": DEFAULT_PASSWORD,
        "new_password": "Plum-Orchard-Lantern-42",
        "confirm_password": "Plum-Orchard-Lantern-42",
    }
    first = client.post("/staff/account/password", data=data)
    second = client.post("/staff/account/password", data=data)
    assert first.status_code == 302
    assert "Your current password is not correct" in second.get_data(as_text=True)
    sent = db.session.scalar(
        db.select(db.func.count())
        .select_from(OutboxEmail)
        .where(OutboxEmail.template == "password_changed")
    )
    assert sent == 1


@pytest.mark.parametrize("value", HOSTILE)
def test_the_restricted_entry_form_takes_anything(app, login, value):
    a, b = producer(), producer()
    mine, theirs = OutputFactory(producers=[a]), OutputFactory(producers=[b])
    person = StakeholderFactory(email="both@example.org")
    LogEntryFactory(output=theirs, stakeholder=person)
    entry = LogEntryFactory(output=mine, stakeholder=person)
    response = login(a).post(
        f"/staff/outputs/{mine.slug}/user-log/{entry.id}/edit",
        data={
            "name": value,
            "email": value,
            "engagement_level": value or "access",
            "uses": value,
            "source": "event",
        },
    )
    assert response.status_code in (200, 302)
    db.session.expire_all()
    assert person.email == "both@example.org"
