"""Store a raw message first, committed, exactly once.

`store_raw(raw, *, received_at, source)` inserts the bytes with `INSERT ... ON CONFLICT DO
NOTHING` on the unique dedup key and commits; it returns (id, created). Nothing else happens in
that transaction, so whatever is done with the message afterwards (moving it on the server,
reading it, making a case) can fail or be killed without losing it, and a second fetch of the
same message (a crash before the move, two fetchers at once) stores nothing new.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from sqlalchemy.dialects import postgresql, sqlite

from engage.db_types import utcnow
from engage.extensions import db
from engage.mailin.models import InboundMessage

HEADER_LIMIT = 256 * 1024  # headers are read from at most this many bytes
_MESSAGE_ID = re.compile(rb"^message-id:[ \t]*((?:.*)(?:\r?\n[ \t].*)*)", re.I | re.M)
_RECEIVED = re.compile(rb"^received:((?:.*)(?:\r?\n[ \t].*)*)", re.I | re.M)


def _head(raw: bytes) -> bytes:
    head = raw[:HEADER_LIMIT]
    for end in (b"\r\n\r\n", b"\n\n"):
        at = head.find(end)
        if at != -1:
            return head[:at]
    return head


def message_id_of(raw: bytes) -> str | None:
    """The Message-ID (angle brackets kept, whitespace removed), or None."""
    found = _MESSAGE_ID.search(_head(raw))
    if not found:
        return None
    value = re.sub(rb"\s+", b"", found.group(1)).decode("ascii", "replace")
    value = value.replace("\x00", "")
    if not value.strip("<>"):  # "<>": no identity at all
        return None
    return value[:300] or None


def _header_values(raw: bytes, name: bytes) -> bytes:
    pattern = re.compile(rb"^" + name + rb":[ \t]*((?:.*)(?:\r?\n[ \t].*)*)", re.I | re.M)
    return b"\n".join(b" ".join(v.split()) for v in pattern.findall(_head(raw)))


def dedup_key(raw: bytes, message_id: str | None) -> str:
    """The same message twice (fetched again after a crash, two fetchers, delivered twice
    with different `Received:` lines) has one key: its Message-ID with its sender, date and
    subject. Another message that reuses a Message-ID (software that sends the same one every
    time) differs in one of those, so it is stored too, not dropped as a duplicate."""
    if message_id:
        identity = [message_id.lower().encode()]
        identity += [_header_values(raw, name) for name in (b"from", b"date", b"subject")]
        return "mid:" + hashlib.sha256(b"\0".join(identity)).hexdigest()
    return "raw:" + hashlib.sha256(raw).hexdigest()


def first_received(raw: bytes) -> datetime | None:
    """The date of the topmost Received: header (added last: by the office's own server)."""
    found = _RECEIVED.search(_head(raw))
    if not found:
        return None
    text = found.group(1).decode("ascii", "replace")
    _, semicolon, when = text.rpartition(";")
    if not semicolon:
        return None
    try:
        value = parsedate_to_datetime(" ".join(when.split()))
    except (TypeError, ValueError, IndexError):
        return None
    if value.tzinfo is None:
        return None
    return value.astimezone(UTC)


def received_when(found: datetime, stored_at: datetime) -> datetime:
    """When the message reached the mailbox: never after Engage stored it (a Received: date
    or an INTERNALDATE ahead of our clock, or a forged header, would otherwise give a case
    received in the future, which cannot be made)."""
    return min(found, stored_at)


def insert_raw(
    raw: bytes | None,
    *,
    received_at: datetime,
    source: str,
    message_id: str | None = None,
    size: int | None = None,
    refused: str | None = None,
) -> tuple[int | None, str]:
    """Insert the message unless its key is stored: (new id or None, key). Does not commit:
    the caller commits (one message, or a batch) before doing anything else with them."""
    body = raw or b""
    message_id = message_id or message_id_of(body)
    key = dedup_key(body, message_id)
    stored_at = utcnow()
    received_at = received_when(received_at.astimezone(UTC), stored_at)
    values = {
        "dedup_key": key,
        "message_id": message_id,
        "raw": None if refused else body,
        "raw_sha256": hashlib.sha256(body).hexdigest(),
        "size_bytes": size if size is not None else len(body),
        "source": source,
        "received_at": received_at.astimezone(UTC),
        "stored_at": stored_at,
        "status": "refused" if refused else "pending",
        "status_reason": refused,
        "automatic": False,
    }
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(InboundMessage)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["dedup_key"])
        .returning(InboundMessage.id)
    )
    return db.session.execute(statement).scalar_one_or_none(), key


def store_raw(
    raw: bytes | None,
    *,
    received_at: datetime,
    source: str,
    message_id: str | None = None,
    size: int | None = None,
    refused: str | None = None,
) -> tuple[int, bool]:
    """Insert the message once and commit. `refused` (a reason) stores the headers' identity
    without the bytes (a message too large to keep). Returns (row id, newly stored)."""
    new_id, key = insert_raw(
        raw,
        received_at=received_at,
        source=source,
        message_id=message_id,
        size=size,
        refused=refused,
    )
    db.session.commit()
    if new_id is not None:
        return new_id, True
    existing = db.session.execute(
        db.select(InboundMessage.id).where(InboundMessage.dedup_key == key)
    ).scalar_one()
    return existing, False


def _forget(condition) -> int:  # type: ignore[no-untyped-def]
    result = db.session.execute(
        db.update(InboundMessage)
        .where(
            condition, InboundMessage.raw.is_not(None) | InboundMessage.from_address.is_not(None)
        )
        .values(raw=None, from_address=None, from_name=None, subject=None, status_reason=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def forget_messages_of(case_ids: list[int]) -> int:
    """The retention job, for cases it anonymises: the emails received on them (bytes,
    sender, subject) go with the case's personal data. The caller commits."""
    return _forget(InboundMessage.case_id.in_(case_ids)) if case_ids else 0


def forget_messages_before(cutoff: datetime) -> int:
    """The retention job: emails that never became part of a case (spam, out of scope, a
    bounce, still waiting) are kept no longer than the retention period. The caller commits."""
    return _forget(InboundMessage.case_id.is_(None) & (InboundMessage.received_at < cutoff))
