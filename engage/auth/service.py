"""Sign-in rules and staff account changes, as domain functions tested without HTTP."""

from __future__ import annotations

from dataclasses import dataclass

from engage import audit
from engage.auth import lockout
from engage.auth.models import LOCK_EVERY, ROLES, User
from engage.auth.passwords import dummy_hash, hash_password, password_problem, verify_password
from engage.db_types import utcnow
from engage.errors import RuleError
from engage.extensions import db

MAX_FAILED_SIGN_INS = LOCK_EVERY  # the first lock; see engage.auth.lockout


class AccountError(RuleError):
    """A rule about accounts refused the change (engage/errors.py)."""


@dataclass
class SignInResult:
    user: User | None
    ok: bool


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    # No account has control characters in its address; PostgreSQL refuses a NUL in a query.
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in email or ""):
        return None
    return db.session.execute(
        db.select(User).where(User.email == normalise_email(email))
    ).scalar_one_or_none()


def check_sign_in(email: str, password: str, address: str | None = None) -> SignInResult:
    """Check credentials, counting failures per account and per client address, with
    temporary, growing lock-outs (engage.auth.lockout).

    Always answers the same way to the caller on failure: the view shows one generic message
    whether the email is unknown, the password wrong, or the account or address locked or the
    account deactivated. Every path verifies exactly one password hash first (a dummy one when
    there is no account), so the time taken does not tell them apart either.
    """
    user = find_user(email)
    correct = verify_password(user.password_hash if user else dummy_hash(), password)
    now = utcnow()
    if lockout.address_locked(address, now):
        audit.record("sign_in.refused", detail={"reason": "address_locked"})
        db.session.commit()
        return SignInResult(user, False)
    if user is None:
        lockout.record_address_failure(address, now)
        audit.record("sign_in.failed", detail={"reason": "unknown"})
        db.session.commit()
        return SignInResult(None, False)
    if user.is_locked(now) or not user.active:
        audit.record(
            "sign_in.refused",
            object_type="user",
            object_id=user.id,
            detail={"reason": "deactivated" if not user.active else "locked"},
        )
        db.session.commit()
        return SignInResult(user, False)
    if not correct:
        lockout.record_address_failure(address, now)
        lockout.record_account_failure(user, "sign_in.failed", now)
        db.session.commit()
        return SignInResult(user, False)
    return SignInResult(user, True)


def complete_sign_in(user: User, address: str | None = None) -> None:
    lockout.clear(user, address)
    user.last_sign_in_at = utcnow()
    audit.record("sign_in.succeeded", actor=user, object_type="user", object_id=user.id)
    db.session.commit()


def sign_out(user: User) -> None:
    """End every session of this user server-side."""
    user.session_version += 1
    audit.record("sign_out", actor=user, object_type="user", object_id=user.id)
    db.session.commit()


def create_user(
    *, email: str, name: str, password: str, roles: list[str] | set[str], actor: User | None = None
) -> User:
    email = normalise_email(email)
    if not email or "@" not in email:
        raise AccountError("Enter an email address in the correct format", "email")
    if find_user(email) is not None:
        raise AccountError("A staff account with this email address already exists", "email")
    if not name.strip():
        raise AccountError("Enter a name", "name")
    problem = password_problem(password, email, name)
    if problem:
        raise AccountError(problem, "password")
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise AccountError(f"Unknown role: {', '.join(sorted(unknown))}", "roles")
    if not roles:
        raise AccountError("Select at least one role", "roles")
    user = User(
        email=email,
        name=name.strip(),
        password_hash=hash_password(password),
        # Made by an administrator: they know the password, so it is a temporary one.
        must_change_password=actor is not None,
    )
    user.set_roles(roles)
    db.session.add(user)
    db.session.flush()
    audit.record(
        "user.created",
        actor=actor,
        object_type="user",
        object_id=user.id,
        detail={"roles": sorted(roles)},
    )
    db.session.commit()
    return user


def update_user(user: User, *, name: str, roles: set[str], active: bool, actor: User) -> None:
    if not roles:
        raise AccountError("Select at least one role", "roles")
    if user.id == actor.id and "admin" not in roles:
        raise AccountError("You cannot remove your own administrator role", "roles")
    if user.id == actor.id and not active:
        raise AccountError("You cannot deactivate your own account", "active")
    before = {"roles": sorted(user.roles), "active": user.active}
    user.name = name.strip()
    user.set_roles(roles)
    if user.active and not active:
        user.session_version += 1  # deactivation ends their sessions at once
    user.active = active
    audit.record(
        "user.updated",
        actor=actor,
        object_type="user",
        object_id=user.id,
        detail={"before": before, "after": {"roles": sorted(roles), "active": active}},
    )
    db.session.commit()


def unlock_user(user: User, actor: User | None) -> None:
    lockout.unlock(user, actor)
