"""Claiming the move of one message on the server (see MailMove)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite

from engage.db_types import utcnow
from engage.extensions import db
from engage.mailin.models import MailMove

LEASE = timedelta(minutes=5)


def claim_many(folder_key: str, uids: list[int]) -> dict[int, str]:
    """Claim the moves of several messages in one transaction: {uid: token} for those this
    fetcher may move now. Commits."""
    now = utcnow()
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    claimed: dict[int, str] = {}
    for uid in uids:
        token = secrets.token_hex(16)
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
                continue
        claimed[uid] = token
    db.session.commit()
    return claimed


def moved_many(folder_key: str, claimed: dict[int, str]) -> None:
    now = utcnow()
    for uid, token in claimed.items():
        db.session.execute(
            update(MailMove)
            .where(MailMove.folder_key == folder_key, MailMove.uid == uid)
            .where(MailMove.token == token)
            .values(moved_at=now)
        )
    db.session.commit()
