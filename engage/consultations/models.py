"""Consultations, their questions, and public responses."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, String, Table, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.auth.models import User
from engage.db_types import UTCDateTime, utcnow
from engage.extensions import Model, db
from engage.outputs.models import Output

consultation_outputs = Table(
    "consultation_outputs",
    db.metadata,
    Column("consultation_id", ForeignKey("consultations.id", ondelete="CASCADE"), primary_key=True),
    Column("output_id", ForeignKey("outputs.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Consultation(Model):
    __tablename__ = "consultations"
    __table_args__ = (Index("ix_consultations_state_dates", "state", "opens_on", "closes_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)
    proposal: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(40))
    ad_hoc: Mapped[bool] = mapped_column(default=False)
    announced_where: Mapped[str] = mapped_column(String(300), default="")
    opens_on: Mapped[date] = mapped_column()
    closes_on: Mapped[date] = mapped_column()  # closes at the end of this day, Europe/London
    contact_email: Mapped[str] = mapped_column(String(254))
    state: Mapped[str] = mapped_column(String(30), default="draft")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_reason: Mapped[str | None] = mapped_column(Text)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    response_summary: Mapped[str | None] = mapped_column(Text)
    response_way_forward: Mapped[str | None] = mapped_column(Text)
    response_rationale: Mapped[str | None] = mapped_column(Text)
    response_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    response_published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Increased by one in the transaction that stores each response (responses are never
    # deleted or changed), so it changes whenever the consultation's responses do: the key
    # under which each process keeps their counts (engage.consultations.analysis). Not a count.
    responses_version: Mapped[int] = mapped_column(default=0, server_default="0")

    outputs: Mapped[list[Output]] = relationship(secondary=consultation_outputs, lazy="selectin")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    questions: Mapped[list[ConsultationQuestion]] = relationship(
        back_populates="consultation",
        order_by="ConsultationQuestion.position",
        cascade="all, delete-orphan",
    )


class ConsultationQuestion(Model):
    __tablename__ = "consultation_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column()
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))
    options: Mapped[list[str]] = mapped_column(JSON, default=list)
    required: Mapped[bool] = mapped_column(default=False)

    consultation: Mapped[Consultation] = relationship(back_populates="questions")


class ConsultationResponse(Model):
    __tablename__ = "consultation_responses"
    __table_args__ = (
        Index("ix_consultation_responses_consultation_category", "consultation_id", "category"),
        # The analysis page lists a consultation's responses newest first.
        Index(
            "ix_consultation_responses_consultation_submitted",
            "consultation_id",
            "submitted_at",
            "id",
        ),
        # A second response from the same email address supersedes the earlier one.
        Index("ix_consultation_responses_consultation_email", "consultation_id", "email"),
        # The responses that replaced one on the analysis page: only the few superseding rows.
        # (The full index on superseded_by_id, whose statistics SQLite averages over the NULLs of
        # nearly every row, looks useless to SQLite's planner, which then reads the whole table.)
        Index(
            "ix_consultation_responses_superseding",
            "superseded_by_id",
            sqlite_where=text("superseded_by_id IS NOT NULL"),
            postgresql_where=text("superseded_by_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    category: Mapped[str] = mapped_column(String(20))
    name: Mapped[str | None] = mapped_column(String(200))
    organisation: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    publish_name: Mapped[bool] = mapped_column(default=False)
    join_log: Mapped[bool] = mapped_column(default=False)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The later response from the same email address that replaces this one (the rule shown to
    # respondents: every response is kept, the latest from an address is the one counted).
    # Set when the later one is stored, so it holds after anonymisation blanks the address.
    superseded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultation_responses.id", ondelete="SET NULL"), index=True
    )

    consultation: Mapped[Consultation] = relationship()
    answers: Mapped[list[ConsultationAnswer]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )


class ConsultationAnswer(Model):
    __tablename__ = "consultation_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_responses.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_questions.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str | None] = mapped_column(Text)
    choices: Mapped[list[Any] | None] = mapped_column(JSON)

    response: Mapped[ConsultationResponse] = relationship(back_populates="answers")


class ConsultationResponseDraft(Model):
    """Answers between the response form, check-your-answers and sending: kept here, not in
    the session cookie (answers can be thousands of characters). The session holds only the
    token. Deleted when the response is sent; drafts older than a day are purged."""

    __tablename__ = "consultation_response_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
