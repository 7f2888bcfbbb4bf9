"""A message that reached the office's mailbox, kept as it arrived."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engage.db_types import UTCDateTime, utcnow
from engage.extensions import Model

# What happened to a stored message.
STATUSES = {
    "pending": "Not read yet",  # stored, not yet processed (a crash between the two steps)
    "new": "Waiting in Mail in",
    "threaded": "Added to its case automatically",
    "case_created": "Turned into a case",
    "added_to_case": "Added to a case",
    "not_a_case": "Not a case",
    "bounce": "Delivery failure report",
    "failed": "Could not be read",
    "refused": "Refused",
}
NOT_A_CASE_REASONS = {
    "spam": "Spam",
    "out_of_scope": "Out of scope",
    "duplicate": "Duplicate of another message",
    "automatic": "Automatic message (auto-reply, newsletter)",
    "other": "Other",
}


class InboundMessage(Model):
    __tablename__ = "inbound_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    # sha256 of the normalised Message-ID, or of the raw bytes when there is none. UNIQUE: a
    # message fetched twice (a crash before the move, two fetchers) is stored once.
    dedup_key: Mapped[str] = mapped_column(String(80), unique=True)
    message_id: Mapped[str | None] = mapped_column(String(300), index=True)
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)  # None only when refused
    raw_sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column()
    source: Mapped[str] = mapped_column(String(10))  # imap / pipe
    # When the message reached the office's mailbox (IMAP INTERNALDATE, or the first Received:
    # header of a piped message), never the sender's Date:.
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Read from the headers when processed (bounded).
    from_address: Mapped[str | None] = mapped_column(String(254))
    from_name: Mapped[str | None] = mapped_column(String(200))
    subject: Mapped[str | None] = mapped_column(String(300))
    automatic: Mapped[bool] = mapped_column(default=False)  # never answered automatically
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), index=True
    )
    outbox_id: Mapped[int | None] = mapped_column(  # the bounced email, for a bounce
        ForeignKey("outbox_emails.id", ondelete="SET NULL")
    )
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class MailFetch(Model):
    """One run of the mailbox poller, for /staff/admin/mail-in."""

    __tablename__ = "mail_fetches"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    stored: Mapped[int] = mapped_column(default=0)
    duplicates: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)


class MailMove(Model):
    """Who moves one message on the server: a fetcher moves a message only after claiming it
    here (one row per mailbox folder and UID), so two fetchers never both move it (a second
    MOVE of a message being moved would copy it twice). A claim older than the lease (its
    fetcher was killed before moving) is taken over."""

    __tablename__ = "mail_moves"
    __table_args__ = (UniqueConstraint("folder_key", "uid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    folder_key: Mapped[str] = mapped_column(String(300))  # host, user, folder, UIDVALIDITY
    uid: Mapped[int] = mapped_column(BigInteger)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    token: Mapped[str] = mapped_column(String(32))
    moved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
