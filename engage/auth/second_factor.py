"""Second factor at sign-in. The foundation signs in with a password alone; the security
work adds TOTP here without changing the sign-in view."""

from __future__ import annotations

from flask import redirect

from engage.auth.models import User


def needs_second_step(user: User) -> bool:
    return False


def begin(user: User, next_url: str):  # type: ignore[no-untyped-def]
    return redirect(next_url)
