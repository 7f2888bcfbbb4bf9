"""Claiming the move of one message on the server (see MailMove)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite

from engage.db_types import utcnow
from engage.extensions import db
from engage.mailin.models import MailMove

LEASE = timedelta(minutes=5)


def claim(folder_key: str, uid: int, now: datetime | None = None) -> str | None:
    """A token when this fetcher may move the message now; None when another fetcher moved
    it or is moving it. Commits."""
    now = now or utcnow()
    token = secrets.token_hex(16)
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    inserted = db.session.execute(
        insert(MailMove)
        .values(folder_key=folder_key, uid=uid, claimed_at=now, token=token)
        .on_conflict_do_nothing(index_elements=["folder_key", "uid"])
        .returning(MailMove.id)
    ).scalar_one_or_none()
    if inserted is None:
        taken = db.session.execute(
            update(MailMove)
            .where(MailMove.folder_key == folder_key, MailMove.uid == uid)
            .where(MailMove.moved_at.is_(None), MailMove.claimed_at < now - LEASE)
            .values(claimed_at=now, token=token)
        ).rowcount  # type: ignore[attr-defined]
        if taken != 1:
            db.session.commit()
            return None
    db.session.commit()
    return token


def moved(folder_key: str, uid: int, token: str) -> None:
    db.session.execute(
        update(MailMove)
        .where(MailMove.folder_key == folder_key, MailMove.uid == uid, MailMove.token == token)
        .values(moved_at=utcnow())
    )
    db.session.commit()
