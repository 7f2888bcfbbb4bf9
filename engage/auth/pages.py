"""What the sign-in pages share (every view module of engage/auth may use these)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import session
from flask_login import login_user


def start_session(user) -> None:  # type: ignore[no-untyped-def]
    """Renew the session at sign-in so a session id planted before it is worthless."""
    session.clear()
    login_user(user)
    session.permanent = True
    session["signed_in_at"] = datetime.now(UTC).timestamp()
