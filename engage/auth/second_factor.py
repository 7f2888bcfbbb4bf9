"""Second factor at sign-in: TOTP (an authenticator app) with single-use recovery codes.

Required for administrators, CSO officers and the Chief Statistician when
REQUIRE_SECOND_FACTOR is on (the production default); optional for producers.

The password step only records a *pending* sign-in in the session (user id, time, where to
go next): the person is not signed in until a code is accepted. Codes are single-use (a code
whose 30-second time step is not later than the last one used is refused) and limited: five
wrong codes since the password step (counted on the account, so replaying an older session
cookie does not reset the count) drop the pending sign-in, and wrong codes also count towards
the account's lock-out (engage.auth.lockout).
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any

import pyotp
from flask import current_app, redirect, session, url_for
from werkzeug.wrappers import Response

from engage import audit
from engage.auth import lockout
from engage.auth.models import RecoveryCode, User
from engage.auth.passwords import hash_password, verify_password
from engage.db_types import utcnow
from engage.errors import RuleError
from engage.extensions import db

REQUIRED_ROLES = ("admin", "chief_statistician", "cso")
STEP_SECONDS = 30
MAX_WRONG_CODES = 5
PENDING_SECONDS = 10 * 60
RECOVERY_CODE_COUNT = 10
PENDING_KEY = "pending_sign_in"


class CodeError(RuleError):
    """A wrong, used or expired code (engage/errors.py)."""


# ---------------------------------------------------------------- rules (no HTTP)


def is_required(user: User) -> bool:
    return bool(current_app.config.get("REQUIRE_SECOND_FACTOR")) and user.has_role(*REQUIRED_ROLES)


def needs_second_step(user: User) -> bool:
    return bool(user.totp_enabled) or is_required(user)


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    issuer = current_app.config.get("SERVICE_NAME", "Engage")
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code (drawn on the server: no script needed)."""
    import io

    import segno

    out = io.BytesIO()
    segno.make(uri, error="m").save(
        out, kind="svg", scale=4, border=2, xmldecl=False, svgns=True, title="QR code"
    )
    return out.getvalue().decode()


def current_counter() -> int:
    return int(time.time()) // STEP_SECONDS


def matching_counter(secret: str, code: str) -> int | None:
    """The time step (now, or one either side for clock drift) whose code this is."""
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now = current_counter()
    for counter in (now - 1, now, now + 1):
        if hmac.compare_digest(totp.generate_otp(counter), code):
            return counter
    return None


def format_recovery_code(raw: str) -> str:
    return f"{raw[:5]}-{raw[5:]}"


def normalise_recovery_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(db.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODE_COUNT)]
    for code in codes:
        db.session.add(RecoveryCode(user_id=user.id, code_hash=hash_password(code)))
    return [format_recovery_code(c) for c in codes]


def _use_recovery_code(user: User, code: str) -> bool:
    wanted = normalise_recovery_code(code)
    if len(wanted) != 10:
        return False
    rows = (
        db.session.execute(
            db.select(RecoveryCode).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        )
        .scalars()
        .all()
    )
    for row in rows:
        if verify_password(row.code_hash, wanted):
            used = db.session.execute(
                db.update(RecoveryCode)
                .where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
                .values(used_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            return _rows(used) == 1
    return False


def _rows(result: Any) -> int:
    return int(result.rowcount)


def _check_totp(user: User, secret: str, code: str) -> bool:
    counter = matching_counter(secret, code)
    if counter is None:
        return False
    # A code works once: the conditional update refuses a time step not later than the last
    # one used, even when two requests race with the same code.
    result = db.session.execute(
        db.update(User)
        .where(
            User.id == user.id,
            db.or_(User.totp_last_counter.is_(None), User.totp_last_counter < counter),
        )
        .values(totp_last_counter=counter)
        .execution_options(synchronize_session=False)
    )
    if _rows(result) != 1:
        return False
    user.totp_last_counter = counter
    return True


def _count_failure(user: User, action: str) -> None:
    user.code_failures += 1
    lockout.record_account_failure(user, action)


def verify_sign_in_code(user: User, code: str, failures: int = 0) -> str:
    """Check a 6-digit code or a recovery code at sign-in. Returns "totp" or "recovery".
    Raises CodeError (after recording the failure) when it is wrong or already used."""
    code = (code or "").strip()
    if not code:
        raise CodeError("Enter the code from your authenticator app or a recovery code")
    if user.totp_secret and user.totp_enabled and _check_totp(user, user.totp_secret, code):
        return "totp"
    if _use_recovery_code(user, code):
        remaining = unused_recovery_codes(user)
        audit.record(
            "second_factor.recovery_code_used",
            actor=user,
            object_type="user",
            object_id=user.id,
            detail={"remaining": remaining},
        )
        return "recovery"
    _count_failure(user, "second_factor.failed")
    db.session.commit()
    raise CodeError("The code is not correct or has already been used. Enter a new code")


def unused_recovery_codes(user: User) -> int:
    return int(
        db.session.execute(
            db.select(db.func.count(RecoveryCode.id)).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        ).scalar_one()
    )


def setup_secret(user: User) -> str:
    """The secret being set up: kept on the account (not in the browser) until confirmed."""
    if user.totp_enabled:
        raise CodeError("An authenticator app is already set up")
    if not user.totp_secret:
        user.totp_secret = new_secret()
        db.session.commit()
    return user.totp_secret


def enable(user: User, secret: str, code: str) -> list[str]:
    """Turn on the authenticator after the person proves it works. Returns the recovery
    codes, shown once; only their hashes are kept."""
    code = (code or "").strip()
    if not code:
        raise CodeError("Enter the 6-digit code from your authenticator app")
    if matching_counter(secret, code) is None:
        raise CodeError("The code is not correct. Enter the 6-digit code shown in the app now")
    user.totp_secret = secret
    user.totp_enabled = True
    user.totp_last_counter = matching_counter(secret, code)
    codes = _new_recovery_codes(user)
    audit.record("second_factor.enabled", actor=user, object_type="user", object_id=user.id)
    db.session.commit()
    return codes


def _tell_holder(user: User, what: str) -> None:
    from engage.calendar import LONDON
    from engage.mail.outbox import queue_email

    queue_email(
        user.email, "second_factor_changed", user=user, what=what, when=utcnow().astimezone(LONDON)
    )


def check_reauthentication(user: User, password: str) -> None:
    """Before a change to how someone signs in: their password again. A wrong one counts
    towards the lock-out like a wrong sign-in."""
    if not verify_password(user.password_hash, password or ""):
        lockout.record_account_failure(user, "second_factor.reauthentication_failed")
        db.session.commit()
        raise CodeError("Your password is not correct")


def regenerate_recovery_codes(user: User, password: str) -> list[str]:
    check_reauthentication(user, password)
    codes = _new_recovery_codes(user)
    audit.record(
        "second_factor.recovery_codes_replaced", actor=user, object_type="user", object_id=user.id
    )
    _tell_holder(user, "recovery_codes")
    db.session.commit()
    return codes


def disable(user: User, actor: User | None, password: str | None = None) -> None:
    """Turn the authenticator off: a producer's own choice, or an operator resetting a lost
    device (`flask users reset-authenticator`, actor None), after which a role that needs one
    sets it up again at the next sign-in."""
    if actor is not None and actor.id == user.id and is_required(user):
        raise CodeError("Your role needs an authenticator app: you cannot turn it off")
    if actor is not None and actor.id == user.id:
        check_reauthentication(user, password or "")
    user.totp_enabled = False
    user.totp_secret = None
    user.totp_last_counter = None
    db.session.execute(db.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit.record("second_factor.disabled", actor=actor, object_type="user", object_id=user.id)
    _tell_holder(user, "turned_off")
    db.session.commit()


# ---------------------------------------------------------------- the pending sign-in


@dataclass
class Pending:
    user: User
    next_url: str
    failures: int


def begin(user: User, next_url: str) -> Response:
    """After a correct password: remember who is part-way through signing in, nothing more."""
    user.code_failures = 0
    db.session.commit()
    session.clear()
    session[PENDING_KEY] = {
        "user_id": user.id,
        "at": time.time(),
        "next": next_url,
        "failures": 0,
    }
    if not user.totp_enabled:
        return redirect(url_for("auth.set_up_authenticator"))
    return redirect(url_for("auth.sign_in_code"))


def pending() -> Pending | None:
    data = session.get(PENDING_KEY)
    if not isinstance(data, dict):
        return None
    try:
        started = float(data["at"])
        user = db.session.get(User, int(data["user_id"]))
    except (KeyError, TypeError, ValueError):
        drop_pending()
        return None
    if time.time() - started > PENDING_SECONDS or user is None or not user.active:
        drop_pending()
        return None
    if user.is_locked() or user.code_failures >= MAX_WRONG_CODES:
        drop_pending()
        return None
    return Pending(
        user=user,
        next_url=str(data.get("next") or url_for("staff.dashboard")),
        failures=int(data.get("failures", 0)),
    )


def record_failure_in_session(p: Pending) -> bool:
    """After a wrong code (already counted on the account by verify_sign_in_code or enable):
    returns True when the pending sign-in has been dropped."""
    failures = p.user.code_failures
    if failures >= MAX_WRONG_CODES:
        audit.record(
            "second_factor.too_many_wrong_codes",
            object_type="user",
            object_id=p.user.id,
            detail={"failures_in_a_row": failures},
        )
        db.session.commit()
        drop_pending()
        return True
    data = dict(session[PENDING_KEY])
    data["failures"] = failures
    session[PENDING_KEY] = data
    return False


def count_wrong_setup_code(user: User) -> None:
    """A wrong code while setting up the app at sign-in counts towards MAX_WRONG_CODES."""
    user.code_failures += 1
    db.session.commit()


def drop_pending() -> None:
    session.pop(PENDING_KEY, None)


def enable_for_demo(user: User) -> str:
    """Local demo only (`flask seed-demo`): give an account an authenticator secret, printed
    so a tester can add it to an app. Never used for real accounts."""
    user.totp_secret = new_secret()
    user.totp_enabled = True
    db.session.commit()
    return user.totp_secret
