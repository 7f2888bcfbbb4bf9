"""Releases: the calendar of announced publications, every version of each, pending date
changes awaiting the Chief Statistician, and the commitments missed (breaches)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.auth.models import User
from engage.db_types import UTCDateTime, utcnow
from engage.extensions import Model
from engage.outputs.models import Output


class Release(Model):
    """One announced publication of an output (or an ad hoc release with no output).

    `version` starts at 0 and increases by one with every change the public can see; it is the
    iCalendar SEQUENCE, and `ReleaseVersion` keeps each version."""

    __tablename__ = "releases"
    __table_args__ = (
        Index("ix_releases_status_scheduled", "status", "scheduled_at"),
        Index("ix_releases_output_scheduled", "output_id", "scheduled_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    output_id: Mapped[int | None] = mapped_column(ForeignKey("outputs.id"))
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20), default="routine")  # routine | ad_hoc
    status: Mapped[str] = mapped_column(String(20), default="provisional")
    # The provisional month (its first day) and the London date it was announced.
    provisional_month: Mapped[date | None] = mapped_column()
    month_announced_on: Mapped[date | None] = mapped_column()
    # The confirmed date and time (UTC; 9:30 Europe/London unless announced otherwise) and the
    # London date the exact date was first announced.
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    date_announced_on: Mapped[date | None] = mapped_column()
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancellation_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=0, server_default="0")
    # Set when the publication notices were queued (engage.releases.notices): the scheduler's
    # job looks only at published releases without it.
    notices_queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    output: Mapped[Output | None] = relationship()
    versions: Mapped[list[ReleaseVersion]] = relationship(
        back_populates="release", order_by="ReleaseVersion.version", cascade="all, delete-orphan"
    )
    breaches: Mapped[list[ReleaseBreach]] = relationship(
        back_populates="release", order_by="ReleaseBreach.id", cascade="all, delete-orphan"
    )

    @property
    def ad_hoc(self) -> bool:
        return self.kind == "ad_hoc"


class ReleaseVersion(Model):
    """Every version of a release, as the public saw it, with what changed and why."""

    __tablename__ = "release_versions"
    __table_args__ = (UniqueConstraint("release_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column()
    action: Mapped[str] = mapped_column(String(30))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(20))
    provisional_month: Mapped[date | None] = mapped_column()
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(Text)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    release: Mapped[Release] = relationship(back_populates="versions")
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])


class ReleaseDateChange(Model):
    """A proposed change of a confirmed date: pending until the Chief Statistician approves
    (it then becomes the release's date) or rejects it. The release keeps its date meanwhile."""

    __tablename__ = "release_date_changes"
    __table_args__ = (Index("ix_release_date_changes_release_state", "release_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"))
    previous_at: Mapped[datetime] = mapped_column(UTCDateTime())
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason_kind: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default="pending")  # approved | rejected
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str | None] = mapped_column(Text)

    release: Mapped[Release] = relationship()
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])


class ReleaseBreach(Model):
    """A commitment missed, recorded when it is missed, listed publicly with its explanation.

    `rule` is one of engage.releases.rules.RULES; `version` is the release version the breach
    belongs to (one breach per rule and version)."""

    __tablename__ = "release_breaches"
    __table_args__ = (
        UniqueConstraint("release_id", "rule", "version"),
        Index("ix_release_breaches_occurred", "occurred_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(30))
    version: Mapped[int] = mapped_column()
    occurred_on: Mapped[date] = mapped_column()  # London date, for the yearly record
    detail: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    release: Mapped[Release] = relationship(back_populates="breaches")


class PreReleaseAccess(Model):
    """Someone who saw the statistics before publication (Pre-release Access to Official
    Statistics Order 2008): at most 24 hours before; the list is published with the release."""

    __tablename__ = "release_pre_access"
    __table_args__ = (Index("ix_release_pre_access_release", "release_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200))
    access_from: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
