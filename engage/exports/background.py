"""Exports too slow to build while a web worker waits (the CSO's workbook of every user log,
the annual report's workbook, a consultation's responses workbook) are built by the scheduler.

- `request_export(user, kind, params)` records a queued `ExportJob` (or returns the same
  person's unfinished job for the same export: a double click queues one job) and commits.
- The scheduler's `build_exports` job calls `build_queued_exports(now)`: it claims each queued
  job with one conditional UPDATE (two schedulers never build the same job), writes the file
  under EXPORT_DIR with the job's random token as its name, marks it ready with an expiry time
  of EXPORT_KEEP_HOURS, and queues an email to the requester with the link.
- `remove_expired_exports(now)` (same job) deletes the files of expired jobs and marks them
  expired; the download view refuses an expired job even before its file is gone.
- `can_fetch(user, job)`: only the requester (while they still hold the export's permission)
  or the CSO office may see the job's page or download its file.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import update

from engage.auth.models import User
from engage.auth.permissions import is_office
from engage.db_types import utcnow
from engage.errors import Refusal
from engage.exports import builders
from engage.exports.builders import ExportKind
from engage.exports.models import ExportJob
from engage.extensions import db
from engage.mail.outbox import queue_email

log = logging.getLogger(__name__)
STALE_AFTER = timedelta(hours=1)  # the build_exports job's lease


def _kinds() -> dict[str, ExportKind]:
    return builders.KINDS


class ExportError(Exception):
    pass


def export_dir() -> Path:
    path = Path(current_app.config["EXPORT_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def file_path(job: ExportJob) -> Path:
    return export_dir() / f"{job.token}.xlsx"


def can_fetch(user: Any, job: ExportJob) -> bool:
    """The requester, while they may still make this export, or the CSO office."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    kind = _kinds().get(job.kind)
    if kind is None:
        return False
    if job.requested_by_id == user.id and kind.allowed(user, job.params):
        return True
    return is_office(user)


def is_expired(job: ExportJob, now: datetime) -> bool:
    return job.state == "expired" or (job.expires_at is not None and job.expires_at <= now)


def request_export(user: User, kind_name: str, params: dict[str, Any]) -> ExportJob:
    """Queue an export for `user` (who must be allowed it) and commit; the same person's
    queued or running job for the same export is returned instead of a second one."""
    kind = _kinds().get(kind_name)
    if kind is None:
        raise ExportError(f"unknown export {kind_name!r}")
    if not kind.allowed(user, params):
        raise Refusal(f"export:{kind_name}")
    unfinished = db.session.execute(
        db.select(ExportJob)
        .where(
            ExportJob.requested_by_id == user.id,
            ExportJob.kind == kind_name,
            ExportJob.state.in_(("queued", "running")),
        )
        .order_by(ExportJob.id)
    ).scalars()
    for job in unfinished:
        if job.params == params:
            return job
    title, file_name = kind.describe(params)
    job = ExportJob(
        token=secrets.token_urlsafe(24),
        kind=kind_name,
        params=params,
        title=title,
        file_name=file_name,
        requested_by_id=user.id,
        requested_at=utcnow(),
        state="queued",
    )
    db.session.add(job)
    db.session.commit()
    return job


def _claim(job_id: int) -> bool:
    claimed = db.session.execute(
        update(ExportJob)
        .where(ExportJob.id == job_id, ExportJob.state == "queued")
        .values(state="running", started_at=utcnow())
    )
    db.session.commit()
    return bool(claimed.rowcount)  # type: ignore[attr-defined]


def keep_hours() -> float:
    return float(current_app.config["EXPORT_KEEP_HOURS"])


def _keep() -> timedelta:
    return timedelta(hours=keep_hours())


def build_export(job: ExportJob) -> None:
    """Write one claimed job's file, then mark it ready (and email the requester) or failed."""
    path = file_path(job)
    try:
        _kinds()[job.kind].build(dict(job.params), path)
    except Exception as error:  # recorded on the job; the scheduler goes on with the next one
        db.session.rollback()
        log.exception("export %s failed", job.id)
        path.unlink(missing_ok=True)
        job.state = "failed"
        job.error = f"{type(error).__name__}: {error}"[:2000]
        job.finished_at = utcnow()
        job.expires_at = job.finished_at + _keep()
        db.session.commit()
        return
    job.state = "ready"
    job.finished_at = utcnow()
    job.size_bytes = path.stat().st_size
    job.expires_at = job.finished_at + _keep()
    queue_email(
        job.requested_by.email,
        "export_ready",
        name=job.requested_by.name,
        title=job.title,
        token=job.token,
        expires_at=job.expires_at,
    )
    db.session.commit()


def build_queued_exports(now: datetime) -> str:
    """Build every queued export, oldest first (the scheduler's `build_exports` job). A job
    left running for longer than STALE_AFTER (its scheduler was killed mid-build) is queued
    again first."""
    db.session.execute(
        update(ExportJob)
        .where(ExportJob.state == "running", ExportJob.started_at < now - STALE_AFTER)
        .values(state="queued", started_at=None)
    )
    db.session.commit()
    queued = list(
        db.session.execute(
            db.select(ExportJob.id).where(ExportJob.state == "queued").order_by(ExportJob.id)
        ).scalars()
    )
    built = failed = 0
    for job_id in queued:
        if not _claim(job_id):
            continue
        job = db.session.get(ExportJob, job_id)
        assert job is not None  # noqa: S101  # nosec B101 - claimed just now
        build_export(job)
        built, failed = (built + 1, failed) if job.state == "ready" else (built, failed + 1)
    return f"{built} exports built, {failed} failed"


def remove_expired_exports(now: datetime) -> str:
    """Delete the files of exports past their expiry time and mark them expired."""
    due = db.session.execute(
        db.select(ExportJob).where(
            ExportJob.state.in_(("ready", "failed")), ExportJob.expires_at <= now
        )
    ).scalars()
    removed = 0
    for job in due:
        file_path(job).unlink(missing_ok=True)
        job.state = "expired"
        removed += 1
    db.session.commit()
    return f"{removed} expired exports removed"


def recent_exports(user: User, now: datetime, limit: int = 10) -> list[ExportJob]:
    """The person's own exports that are unfinished or still downloadable, newest first."""
    return list(
        db.session.execute(
            db.select(ExportJob)
            .where(
                ExportJob.requested_by_id == user.id,
                ExportJob.state.in_(("queued", "running", "ready", "failed")),
                (ExportJob.expires_at.is_(None)) | (ExportJob.expires_at > now),
            )
            .order_by(ExportJob.id.desc())
            .limit(limit)
        ).scalars()
    )
