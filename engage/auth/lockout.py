"""Temporary, growing sign-in lock-outs, per account and per client address.

An account is locked for 1 minute after 5 wrong passwords or codes in a row, then for twice as
long at each further 5 (at most an hour), and its holder is emailed each time. An address is
locked the same way after 10 failures across any accounts, so one client cannot keep many
accounts locked. Nothing here is permanent: an administrator (`/staff/admin/users/<id>`) or an
operator (`flask users unlock EMAIL`) can also unlock an account at once.
"""

from __future__ import annotations

from datetime import datetime

from engage import audit
from engage.auth.models import ADDRESS_LOCK_EVERY, LOCK_EVERY, SignInThrottle, User, lock_minutes
from engage.calendar import LONDON
from engage.db_types import utcnow
from engage.extensions import db
from engage.mail.outbox import queue_email


def address_locked(address: str | None, now: datetime | None = None) -> bool:
    row = _throttle(address)
    until = row.locked_until() if row is not None else None
    return until is not None and (now or utcnow()) < until


def _throttle(address: str | None) -> SignInThrottle | None:
    if not address:
        return None
    return db.session.execute(
        db.select(SignInThrottle).where(SignInThrottle.address == address[:64])
    ).scalar_one_or_none()


def record_address_failure(address: str | None, now: datetime | None = None) -> None:
    """Count a failure from this address; lock it at every ADDRESS_LOCK_EVERY. The caller
    commits."""
    if not address:
        return
    now = now or utcnow()
    row = _throttle(address)
    if row is None:
        row = SignInThrottle(address=address[:64], failures=0)
        db.session.add(row)
    row.failures += 1
    row.last_failure_at = now
    if row.failures % ADDRESS_LOCK_EVERY == 0:
        row.locked_at = now
        audit.record(
            "sign_in.address_locked",
            detail={
                "failures": row.failures,
                "minutes": lock_minutes(row.failures, ADDRESS_LOCK_EVERY),
            },
        )


def record_account_failure(user: User, action: str, now: datetime | None = None) -> None:
    """Count a wrong password or code on the account; lock it at every LOCK_EVERY and email
    the holder. The caller commits."""
    now = now or utcnow()
    user.failed_sign_ins += 1
    detail: dict = {"failures": user.failed_sign_ins}
    if user.failed_sign_ins % LOCK_EVERY == 0:
        user.locked_at = now
        minutes = lock_minutes(user.failed_sign_ins, LOCK_EVERY)
        detail |= {"locked": True, "minutes": minutes}
        queue_email(
            user.email,
            "account_locked",
            user=user,
            failures=user.failed_sign_ins,
            minutes=minutes,
            until=(user.locked_until() or now).astimezone(LONDON),
        )
    audit.record(action, object_type="user", object_id=user.id, detail=detail)


def clear(user: User, address: str | None) -> None:
    """After a successful sign-in: the account's count starts again, and the address's."""
    user.failed_sign_ins = 0
    user.locked_at = None
    user.code_failures = 0
    row = _throttle(address)
    if row is not None:
        db.session.delete(row)


def unlock(user: User, actor: User | None) -> None:
    user.locked_at = None
    user.failed_sign_ins = 0
    user.code_failures = 0
    audit.record("user.unlocked", actor=actor, object_type="user", object_id=user.id)
    db.session.commit()
