"""Changing and resetting passwords (ASVS V6.2, V6.4).

- Staff change their own password with their current one.
- An account an administrator made (who therefore knows its password) must choose a new one at
  its next sign-in (`User.must_change_password`).
- Anyone may ask for a reset link by email; the link is signed, lasts PASSWORD_RESET_MINUTES and
  works once (it carries a fingerprint of the password hash it was made for, which the reset
  replaces). Administrators send that link; they never learn or set a password.
- Every change ends every session of the account and emails the holder.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from engage import audit
from engage.auth import lockout
from engage.auth.models import User
from engage.auth.passwords import hash_password, password_problem, verify_password
from engage.auth.service import AccountError, find_user
from engage.calendar import LONDON
from engage.db_types import utcnow
from engage.extensions import db
from engage.mail.outbox import queue_email

_SALT = "engage.password-reset"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:24]


def reset_token(user: User) -> str:
    return _serializer().dumps({"u": user.id, "h": _fingerprint(user)})


def user_for_token(token: str) -> User | None:
    """The account a reset link is for, while it is fresh and unused; else None."""
    if not token or len(token) > 300:
        return None
    try:
        data = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MINUTES"] * 60)
        user = db.session.get(User, int(data["u"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    if user is None or not user.active or data.get("h") != _fingerprint(user):
        return None
    return user


def _set_password(user: User, new: str, *, how: str, actor: Any) -> None:
    problem = password_problem(new, user.email, user.name)
    if problem:
        raise AccountError(problem, "new_password")
    if verify_password(user.password_hash, new):
        raise AccountError("New password must be different from your old one", "new_password")
    now = utcnow()
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.password_changed_at = now
    user.session_version += 1  # every session of the account ends
    queue_email(user.email, "password_changed", user=user, how=how, when=_london(now))
    audit.record(f"user.password_{how}", actor=actor, object_type="user", object_id=user.id)


def _london(moment: datetime) -> datetime:
    return moment.astimezone(LONDON)


def change_password(user: User, current: str, new: str) -> None:
    """The holder changes their own password. A wrong current password counts towards the
    account's lock-out like a wrong sign-in."""
    if not verify_password(user.password_hash, current):
        lockout.record_account_failure(user, "user.password_change_failed")
        db.session.commit()
        raise AccountError("Your current password is not correct", "current_password")
    _set_password(user, new, how="changed", actor=user)
    db.session.commit()


def request_reset(email: str) -> None:
    """Email a reset link to the account with this address, if there is an active one. The
    caller answers the same either way."""
    user = find_user(email)
    if user is None or not user.active:
        audit.record("user.password_reset_requested", detail={"known": False})
        db.session.commit()
        return
    send_reset_link(user, actor=None)


def send_reset_link(user: User, actor: Any) -> None:
    """Queue a reset link to the holder (asked for by them, or by an administrator)."""
    base = current_app.config["BASE_URL"].rstrip("/")
    queue_email(
        user.email,
        "password_reset",
        user=user,
        link=f"{base}/staff/sign-in/reset-password/{reset_token(user)}",
        minutes=current_app.config["PASSWORD_RESET_MINUTES"],
    )
    audit.record(
        "user.password_reset_requested",
        actor=actor,
        object_type="user",
        object_id=user.id,
        detail={"known": True},
    )
    db.session.commit()


def reset_password(token: str, new: str) -> User:
    user = user_for_token(token)
    if user is None:
        raise AccountError("This link has expired or has been used", "token")
    _set_password(user, new, how="reset", actor=None)
    user.locked_at = None  # proving the mailbox ends a lock-out
    user.failed_sign_ins = 0
    db.session.commit()
    return user
