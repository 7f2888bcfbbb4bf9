"""UK Statistics Authority recommendations and annual reports (signed reports are frozen)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.auth.models import User
from engage.db_types import UTCDateTime, utcnow
from engage.extensions import Model, db
from engage.outputs.models import Output

recommendation_outputs = Table(
    "recommendation_outputs",
    db.metadata,
    Column(
        "recommendation_id",
        ForeignKey("uksa_recommendations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("output_id", ForeignKey("outputs.id", ondelete="CASCADE"), primary_key=True),
)


class UksaRecommendation(Model):
    __tablename__ = "uksa_recommendations"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    source_report: Mapped[str] = mapped_column(String(300))
    source_date: Mapped[date] = mapped_column()
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    target_on: Mapped[date | None] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(30), default="not_started", index=True)
    will_not_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    owner: Mapped[User | None] = relationship()
    outputs: Mapped[list[Output]] = relationship(secondary=recommendation_outputs, lazy="selectin")
    notes: Mapped[list[RecommendationNote]] = relationship(
        back_populates="recommendation",
        order_by="RecommendationNote.noted_on",
        cascade="all, delete-orphan",
    )


class RecommendationNote(Model):
    __tablename__ = "recommendation_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("uksa_recommendations.id", ondelete="CASCADE"), index=True
    )
    noted_on: Mapped[date] = mapped_column()
    note: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    recommendation: Mapped[UksaRecommendation] = relationship(back_populates="notes")


class AnnualReport(Model):
    __tablename__ = "annual_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    year_start: Mapped[int] = mapped_column(index=True)  # 2025 means April 2025 to March 2026
    state: Mapped[str] = mapped_column(String(30), default="draft")  # draft, ready, signed_off
    commentary: Mapped[str] = mapped_column(Text, default="")
    prepared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    prepared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    signed_off_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signed_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The frozen snapshot: figures and rendered HTML stored at sign-off, never recomputed.
    figures: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    html: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    prepared_by: Mapped[User | None] = relationship(foreign_keys=[prepared_by_id])
    signed_off_by: Mapped[User | None] = relationship(foreign_keys=[signed_off_by_id])
