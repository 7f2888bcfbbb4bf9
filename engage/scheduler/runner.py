"""Running jobs: under the job's database lock, with a JobRun row for operators; and the
APScheduler set-up used by `flask scheduler` (the only place jobs run on a timer)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask, current_app

from engage.db_types import utcnow
from engage.extensions import db
from engage.jobs import JOBS, TIMEZONE, Job, describe_moment
from engage.scheduler.locks import job_lock, this_holder
from engage.scheduler.models import JobRun

log = logging.getLogger(__name__)


class UnknownJob(KeyError):
    pass


class AsOfRefused(RuntimeError):
    """Running a job as if at another moment is for development and tests, never production."""


def run_job(
    name: str, *, holder: str | None = None, as_of: datetime | None = None
) -> JobRun | None:
    """Run one job now if its lock is free. Returns its JobRun, or None when skipped because
    another process holds the lock. A failing job is recorded (ok=False), never raised.

    `as_of` (development only) runs the job as if it were that moment: the job's targets get it
    instead of the clock. What they write is real (emails queued, consultations opened), and
    the JobRun's times are the real ones, its result starting "as of ..."."""
    job = JOBS.get(name)
    if job is None:
        raise UnknownJob(name)
    if as_of is not None and current_app.config.get("ENGAGE_ENV") == "production":
        raise AsOfRefused(
            "--as-of is for development and testing only: refused when ENGAGE_ENV=production"
        )
    holder = holder or this_holder()
    with job_lock(name, holder) as acquired:
        if not acquired:
            log.warning("job %s skipped: another process holds its lock", name)
            return None
        run = JobRun(job_name=name, started_at=utcnow(), holder=holder)
        db.session.add(run)
        db.session.commit()
        try:
            result = job.execute(as_of)
            if as_of is not None:
                result = f"as of {describe_moment(as_of)}: {result}"
        except Exception as error:
            db.session.rollback()
            log.exception("job %s failed", name)
            run.ok = False
            run.result = f"{type(error).__name__}: {error}"[:4000]
        else:
            run.ok = True
            run.result = result[:4000]
        run.finished_at = utcnow()
        db.session.commit()
        log.info("job %s finished: %s", name, run.result)
        return run


def last_runs() -> dict[str, JobRun]:
    """The latest JobRun of each job (one query)."""
    latest = (
        db.select(JobRun.job_name, db.func.max(JobRun.id).label("id"))
        .group_by(JobRun.job_name)
        .subquery()
    )
    rows = db.session.execute(db.select(JobRun).join(latest, latest.c.id == JobRun.id)).scalars()
    return {run.job_name: run for run in rows}


def next_fire_time(job: Job, now: datetime) -> datetime | None:
    trigger = job.trigger()
    return trigger.get_next_fire_time(None, now)  # type: ignore[no-any-return]


def catch_up_time(
    job: Job, last_started: datetime | None, now: datetime, grace: timedelta
) -> datetime | None:
    """When the scheduler starts: `now` if a scheduled run was missed while it was stopped and
    the miss is within the grace time (several misses run once: coalesced), else None."""
    if job.run_at_start:
        return now
    if last_started is None:
        return None
    missed = job.trigger().get_next_fire_time(None, last_started + timedelta(seconds=1))
    if missed is not None and missed <= now and now - missed <= grace:
        return now
    return None


def _scheduled_run(app: Flask, name: str) -> None:
    with app.app_context():
        try:
            run_job(name)
        except Exception:  # a database outage must not stop the scheduler
            log.exception("job %s could not run", name)
        finally:
            db.session.remove()


def build_scheduler(app: Flask) -> BlockingScheduler:
    """A BlockingScheduler with every job: coalesced, one instance at a time, and a misfire
    grace time of SCHEDULER_MISFIRE_GRACE_SECONDS."""
    grace_seconds = int(app.config["SCHEDULER_MISFIRE_GRACE_SECONDS"])
    scheduler = BlockingScheduler(timezone=TIMEZONE)
    now = utcnow()
    with app.app_context():
        runs = last_runs()
    for job in JOBS.values():
        last = runs.get(job.name)
        start = catch_up_time(
            job, last.started_at if last else None, now, timedelta(seconds=grace_seconds)
        )
        options = {"next_run_time": start} if start is not None else {}
        scheduler.add_job(
            _scheduled_run,
            trigger=job.trigger(),
            args=(app, job.name),
            id=job.name,
            name=job.name,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=grace_seconds,
            replace_existing=True,
            **options,
        )
    return scheduler
