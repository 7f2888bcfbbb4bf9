"""Models of the case worker's desk: files attached to a case; how a complaint
ended, its themes and what was learned."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.auth.models import User
from engage.db_types import UTCDateTime, utcnow
from engage.extensions import Model

# The largest id a URL may name (an INTEGER column): larger numbers are simply not found,
# instead of reaching the database (PostgreSQL refuses them with an error).
MAX_ID = 2**31 - 1


def get_by_id(model, ident: int):  # type: ignore[no-untyped-def]
    from engage.extensions import db

    return db.session.get(model, ident) if 0 < ident <= MAX_ID else None


class CaseAttachment(Model):
    """A file kept with a case (a scanned letter, a PDF, a photo, an office document).

    The bytes live outside the web root under `stored_name` (random, no extension), in the
    attachments folder (engage.cases.attachments.storage_dir); `content_type` is what the
    bytes are, as checked on upload, never what the uploader said."""

    __tablename__ = "case_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    original_name: Mapped[str] = mapped_column(String(150))
    description: Mapped[str | None] = mapped_column(String(300))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column()
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set when the file is removed (the retention job, with the case's personal data).
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    uploaded_by: Mapped[User | None] = relationship()


# How a complaint ended (UK Central Government Complaint Standards).
COMPLAINT_OUTCOMES: dict[str, str] = {
    "upheld": "Upheld",
    "partly_upheld": "Partly upheld",
    "not_upheld": "Not upheld",
    "resolved_no_finding": "Resolved without a finding",
}

complaint_outcome_themes = Table(
    "complaint_outcome_themes",
    Model.metadata,
    Column(
        "outcome_id",
        ForeignKey("complaint_outcomes.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("theme_id", ForeignKey("complaint_themes.id"), primary_key=True, index=True),
)


class ComplaintTheme(Model):
    """A theme complaints are about, from a list administrators keep. Retired, not deleted,
    so past outcomes keep theirs."""

    __tablename__ = "complaint_themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ComplaintOutcome(Model):
    """How one complaint ended: one per case, recorded after the full response."""

    __tablename__ = "complaint_outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    outcome: Mapped[str] = mapped_column(String(30))  # COMPLAINT_OUTCOMES
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    themes: Mapped[list[ComplaintTheme]] = relationship(
        secondary=complaint_outcome_themes, order_by="ComplaintTheme.name"
    )


class LessonAction(Model):
    """What we learned from a complaint, the action it leads to and its owner, tracked to
    done; the annual report's "What we learned"."""

    __tablename__ = "lesson_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    learned: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    due_on: Mapped[date | None] = mapped_column()
    done_on: Mapped[date | None] = mapped_column()
    done_note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
