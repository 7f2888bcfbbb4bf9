"""Idempotent submissions: each render of a form that creates a record carries a random token
(`submission_token`); the first POST with a token claims it, every later one (a double click, a
resend, a second POST racing the first) gets the first one's result and shows the same
confirmation. The claim is a row whose primary key is the token, so the database itself refuses
a second claim on SQLite and PostgreSQL alike.

    outcome = submissions.begin(token, "contact")
    if outcome.duplicate:
        return confirmation(outcome.result)   # the first POST's record
    try: record = create(...)
    except Refused: submissions.abandon(token); raise
    submissions.finish(token, record.reference)

A claim whose POST died before finishing is given up after STALE (the next POST proceeds).
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from engage.db_types import UTCDateTime, utcnow
from engage.extensions import Model, db

TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
STALE = timedelta(seconds=60)
WAIT_SECONDS = 10.0


class FormSubmission(Model):
    __tablename__ = "form_submissions"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    form: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    # What the confirmation shows (a case or response reference); None while in progress.
    result: Mapped[str | None] = mapped_column(String(200))


def new_token() -> str:
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class Outcome:
    duplicate: bool
    result: str | None = None


FIRST = Outcome(duplicate=False)


def begin(token: str | None, form: str) -> Outcome:
    """Claim `token` for this POST (committed at once). A missing or malformed token (an old
    page, a hand-made request) is not idempotent: the POST proceeds. Commits."""
    if not token or not TOKEN.fullmatch(token):
        return FIRST
    try:
        db.session.add(FormSubmission(token=token, form=form))
        db.session.commit()
        return FIRST
    except IntegrityError:
        db.session.rollback()
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        row = db.session.get(FormSubmission, token, populate_existing=True)
        if row is None:  # abandoned meanwhile: this POST may try
            return begin(token, form)
        if row.result is not None:
            result = row.result
            db.session.rollback()
            return Outcome(duplicate=True, result=result)
        if utcnow() - row.created_at > STALE:
            db.session.delete(row)
            db.session.commit()
            return begin(token, form)
        db.session.rollback()  # a fresh snapshot for the next look (PostgreSQL)
        if time.monotonic() > deadline:
            return Outcome(duplicate=True, result=None)
        time.sleep(0.1)


def finish(token: str | None, result: str) -> None:
    """Record what the first POST made (after its own commit). Commits."""
    if not token or not TOKEN.fullmatch(token):
        return
    db.session.execute(
        db.update(FormSubmission).where(FormSubmission.token == token).values(result=result[:200])
    )
    db.session.commit()


def abandon(token: str | None) -> None:
    """The POST did not make its record (a rule refused it): the token may be used again."""
    if not token or not TOKEN.fullmatch(token):
        return
    db.session.execute(db.delete(FormSubmission).where(FormSubmission.token == token))
    db.session.commit()


def purge(now: datetime, days: int = 7) -> int:
    """Claims older than `days` (a resend a week later is a new submission). Commits."""
    result = db.session.execute(
        db.delete(FormSubmission).where(FormSubmission.created_at < now - timedelta(days=days))
    )
    db.session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
