"""Consent to be contacted, per purpose (issue 21 item 3), and messages to a log (item 4).

A Consent row is one person's consent to one purpose, for one output or (output_id NULL) for
every output, through its life: pending (asked for on a public form, waiting for the person to
confirm by email) -> given -> withdrawn. It keeps when and how it was asked for and given, the
words the person saw, and when and how it was withdrawn. Giving again after a withdrawal is a
new row, so the history stays.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.auth.models import User
from engage.db_types import UTCDateTime, utcnow
from engage.extensions import Model, db

PURPOSES: dict[str, str] = {
    "consultations": "Invitations to consultations",
    "releases": "Release notices",
    "news": "News about the statistics",
}
STATUSES = ("pending", "given", "withdrawn")
SOURCES: dict[str, str] = {
    "public_form": "Public form",
    "consultation_response": "Consultation response",
    "import": "Import",
    "staff": "Entered by staff",
    "migrated": "Recorded before consent was kept per purpose",
}
WITHDRAWN_HOW: dict[str, str] = {
    "unsubscribe_link": "Unsubscribe link in an email",
    "one_click": "One-click unsubscribe (mail program)",
    "staff": "Withdrawn by staff",
    "import": "Withdrawn by an import",
    "person": "At the person's request",
}


class Consent(Model):
    __tablename__ = "consents"
    __table_args__ = (
        # Who consented to a purpose for some outputs: read from the index alone.
        Index(
            "ix_consents_purpose_status_output", "purpose", "status", "output_id", "stakeholder_id"
        ),
        Index("ix_consents_stakeholder_purpose", "stakeholder_id", "purpose"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stakeholder_id: Mapped[int] = mapped_column(ForeignKey("stakeholders.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(20))  # PURPOSES
    # NULL: every output (consultation invitations are given once, for every log one is in).
    output_id: Mapped[int | None] = mapped_column(ForeignKey("outputs.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20))  # STATUSES
    source: Mapped[str] = mapped_column(String(30))  # SOURCES
    # Where it came from, in words: "Feedback FB-ABC123", "Import of log.csv", "Jo Bloggs".
    source_detail: Mapped[str] = mapped_column(String(300), default="")
    wording: Mapped[str] = mapped_column(Text, default="")  # the words the person saw
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    given_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_how: Mapped[str | None] = mapped_column(String(30))  # WITHDRAWN_HOW
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    recorded_by: Mapped[User | None] = relationship()


class ConsentLink(Model):
    """What a link in an email to a stakeholder stands for (engage/consent/tokens.py): the link
    carries a random token that says nothing; only its SHA-256 is kept, so that the table
    cannot be read back into working links."""

    __tablename__ = "consent_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # confirm, unsubscribe
    stakeholder_id: Mapped[int] = mapped_column(
        ForeignKey("stakeholders.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str | None] = mapped_column(String(20))  # PURPOSES (unsubscribe)
    # The outputs an unsubscribe is about, sorted; NULL: every output.
    output_ids: Mapped[list[Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


log_message_outputs = Table(
    "log_message_outputs",
    db.metadata,
    Column("message_id", ForeignKey("log_messages.id", ondelete="CASCADE"), primary_key=True),
    Column("output_id", ForeignKey("outputs.id", ondelete="CASCADE"), primary_key=True),
)


class LogMessage(Model):
    """A message written to the consenting people of one or more outputs' logs (item 4)."""

    __tablename__ = "log_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # Filters, as comma-separated keys ("" = every category / level).
    categories: Mapped[str] = mapped_column(String(200), default="")
    levels: Mapped[str] = mapped_column(String(100), default="")
    recipients: Mapped[int] = mapped_column(default=0)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    sent_by: Mapped[User | None] = relationship()
