"""Job runs (for operators) and job leases (so a second scheduler never doubles a job)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engage.db_types import UTCDateTime, utcnow
from engage.extensions import Model


class JobRun(Model):
    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_name: Mapped[str] = mapped_column(String(80), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ok: Mapped[bool | None] = mapped_column()
    result: Mapped[str | None] = mapped_column(Text)
    holder: Mapped[str] = mapped_column(String(200), default="")


class JobLease(Model):
    __tablename__ = "job_leases"

    job_name: Mapped[str] = mapped_column(String(80), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
