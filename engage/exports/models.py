"""The record of an export built in the background (engage.exports.background)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.auth.models import User
from engage.db_types import UTCDateTime, utcnow
from engage.extensions import Model

EXPORT_STATES = {
    "queued": "Waiting to start",
    "running": "Being prepared",
    "ready": "Ready to download",
    "failed": "Could not be prepared",
    "expired": "Removed",
}


class ExportJob(Model):
    __tablename__ = "export_jobs"
    __table_args__ = (Index("ix_export_jobs_state_requested", "state", "requested_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The unguessable name in the job's URLs and of its file on disk.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    title: Mapped[str] = mapped_column(String(300))
    file_name: Mapped[str] = mapped_column(String(200))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    state: Mapped[str] = mapped_column(String(20), default="queued")
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    size_bytes: Mapped[int | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(Text)

    requested_by: Mapped[User] = relationship(lazy="joined")

    @property
    def state_label(self) -> str:
        return EXPORT_STATES.get(self.state, self.state)
