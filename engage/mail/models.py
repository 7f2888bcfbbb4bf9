"""The email outbox: every email is a row written in the same transaction as its cause.

Statuses (see engage/mail/delivery.py for the delivery phases):

- queued: waiting to be sent (again) at next_attempt_at;
- sending: claimed by a delivery run (claimed_at, claim_token); the end of the message has not
  been sent, so the mail server cannot have it;
- finishing: recorded just before the end of the message is sent; the server's answer is
  awaited;
- sent: the server accepted it (250); failed: refused for good, temporary failures for longer
  than the retry window (retry_until), or a message that cannot be built from what is stored;
- cancelled: an administrator decided it must not go (with a reason, audited);
- uncertain: the deliverer stopped (or lost the connection) between the end of the message and
  recording the server's answer, so the server may or may not have it. Never resent
  automatically: an administrator chooses "Send again" or "Mark as delivered".
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engage.db_types import UTCDateTime, utcnow
from engage.extensions import Model

STATUSES = ("queued", "sending", "finishing", "sent", "uncertain", "failed", "cancelled")
IN_PROGRESS = ("sending", "finishing")


class OutboxEmail(Model):
    __tablename__ = "outbox_emails"
    __table_args__ = (Index("ix_outbox_emails_status_next_attempt", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str | None] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    template: Mapped[str] = mapped_column(String(80))
    # Unique: the database itself refuses a second email for the same reason.
    dedup_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="queued")  # STATUSES
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set at the first temporary failure: retried until then (MAIL_RETRY_HOURS), then failed.
    retry_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    body_removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when a delivery run claims the row (status sending). The token names the run: every
    # later change by that run requires it, so a run that lost its row changes nothing.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claim_token: Mapped[str | None] = mapped_column(String(32))
    # The case the email is about (set by queue_email from its `case` or `alert` context), so
    # the case page can list its correspondence and flag a failed acknowledgement.
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), index=True
    )
    # An email to a stakeholder: its one-click unsubscribe URL (issue 21), from which the
    # message gets List-Unsubscribe and List-Unsubscribe-Post (RFC 8058) headers.
    list_unsubscribe: Mapped[str | None] = mapped_column(String(1000))
