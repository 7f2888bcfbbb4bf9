"""Sign-in lock-outs (ASVS V6.3.1, V6.3.5): temporary and growing, per account and per client
address; the holder is emailed; an operator can unlock with `flask users unlock EMAIL`."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from engage.audit import AuditEvent
from engage.auth.models import SignInThrottle
from engage.extensions import db
from engage.mail.models import OutboxEmail
from tests.factories.auth import DEFAULT_PASSWORD, admin, producer

START = "2026-11-02 09:00:00 +0000"


def _client(app, address: str = "127.0.0.1"):  # type: ignore[no-untyped-def]
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _try(client, email: str, password: str) -> int:
    return client.post("/staff/sign-in", data={"email": email, "password": password}).status_code


def _emails_to(address: str) -> list[OutboxEmail]:
    return list(
        db.session.execute(db.select(OutboxEmail).where(OutboxEmail.to_address == address))
        .scalars()
        .all()
    )


def test_anonymous_wrong_passwords_lock_an_admin_only_for_a_while(app):
    boss = admin()
    with time_machine.travel(START, tick=False) as traveller:
        # Five addresses, one wrong password each, then the right one from the owner's own.
        for n in range(5):
            _try(_client(app, f"127.0.0.{10 + n}"), boss.email, "wrong-password")
        owner = _client(app, "127.0.0.2")
        assert _try(owner, boss.email, DEFAULT_PASSWORD) == 200  # locked now
        locked = _emails_to(boss.email)
        assert len(locked) == 1 and "locked for 1 minute" in locked[0].subject
        assert "09:01" in locked[0].body_text
        traveller.shift(timedelta(seconds=61))
        assert _try(owner, boss.email, DEFAULT_PASSWORD) == 302  # the lock has passed


def test_each_lock_lasts_twice_as_long_as_the_last(app):
    user = producer()
    with time_machine.travel(START, tick=False) as traveller:
        for n, minutes in enumerate((1, 2, 4, 8)):
            for k in range(5):  # from many addresses, so no address lock interferes
                _try(_client(app, f"127.0.{n}.{k + 1}"), user.email, "wrong-password")
            db.session.expire_all()
            assert user.locked_until() == user.locked_at + timedelta(minutes=minutes)
            traveller.shift(timedelta(minutes=minutes) - timedelta(seconds=1))
            assert _try(_client(app, "127.9.9.9"), user.email, DEFAULT_PASSWORD) == 200
            traveller.shift(timedelta(seconds=2))
    subjects = [e.subject for e in _emails_to(user.email)]
    assert len(subjects) == 4 and "8 minutes" in subjects[-1]


def test_one_address_trying_many_accounts_is_locked_out_itself(app):
    people = [producer() for _ in range(3)]
    attacker = _client(app, "127.0.0.66")
    with time_machine.travel(START, tick=False) as traveller:
        for n in range(10):
            _try(attacker, people[n % 3].email, "wrong-password")
        # The address is locked: even a right password from it is refused; accounts are not.
        assert _try(attacker, people[0].email, DEFAULT_PASSWORD) == 200
        assert _try(_client(app, "127.0.0.7"), people[0].email, DEFAULT_PASSWORD) == 302
        db.session.expire_all()
        assert all(p.locked_at is None for p in people)
        assert "sign_in.address_locked" in db.session.scalars(db.select(AuditEvent.action)).all()
        traveller.shift(timedelta(minutes=1, seconds=1))
        assert _try(attacker, people[1].email, DEFAULT_PASSWORD) == 302
    # A successful sign-in from the address starts its count again.
    assert db.session.scalar(db.select(db.func.count()).select_from(SignInThrottle)) == 0


def test_unknown_accounts_count_against_the_address(app):
    attacker = _client(app, "127.0.0.67")
    user = producer()
    for n in range(10):
        _try(attacker, f"nobody{n}@example.gov.uk", "wrong-password")
    assert _try(attacker, user.email, DEFAULT_PASSWORD) == 200


def test_an_operator_unlocks_an_account_from_the_command_line(app):
    user = producer()
    for n in range(5):
        _try(_client(app, f"127.0.1.{n + 1}"), user.email, "wrong-password")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "unlock", user.email.upper()])
    assert result.exit_code == 0, result.output
    assert "Account unlocked" in result.output
    assert _try(_client(app), user.email, DEFAULT_PASSWORD) == 302
    assert "user.unlocked" in db.session.scalars(db.select(AuditEvent.action)).all()
    missing = runner.invoke(args=["users", "unlock", "nobody@example.gov.uk"])
    assert missing.exit_code != 0 and "No staff account" in missing.output
