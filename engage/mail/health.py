"""How the outbox is doing: emails waiting on a retry or failed, and since when; what happens
when the mail server answers again after an outage.

- `outbox_health()` feeds the notice administrators see on the dashboard;
- `waiting_since()` is the oldest email waiting on a retry (None when nothing is);
- `resume_waiting(now)` makes every email waiting on its backoff due now;
- `report_recovery(now, since)` emails the CSO mailbox once per outage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app

from engage.extensions import db
from engage.mail.models import OutboxEmail

# An outage shorter than this is not worth an email to the office.
REPORTABLE_OUTAGE = timedelta(minutes=10)


@dataclass(frozen=True)
class OutboxHealth:
    waiting: int  # queued after at least one temporary failure
    waiting_since: datetime | None
    failed: int
    failed_since: datetime | None
    uncertain: int

    @property
    def troubled(self) -> bool:
        return bool(self.waiting or self.failed or self.uncertain)


def _waiting() -> object:
    return db.and_(OutboxEmail.status == "queued", OutboxEmail.retry_until.is_not(None))


def waiting_since() -> datetime | None:
    since: datetime | None = db.session.execute(
        db.select(db.func.min(OutboxEmail.created_at)).where(_waiting())  # type: ignore[arg-type]
    ).scalar()
    return since


def outbox_health() -> OutboxHealth:
    waiting, since = db.session.execute(
        db.select(db.func.count(), db.func.min(OutboxEmail.created_at)).where(_waiting())  # type: ignore[arg-type]
    ).one()
    failed, failed_since = db.session.execute(
        db.select(db.func.count(), db.func.min(OutboxEmail.failed_at)).where(
            OutboxEmail.status == "failed"
        )
    ).one()
    uncertain = db.session.execute(
        db.select(db.func.count()).where(OutboxEmail.status == "uncertain")
    ).scalar_one()
    return OutboxHealth(waiting, since, failed, failed_since, uncertain)


def resume_waiting(now: datetime) -> int:
    """Every email waiting on its backoff is due now. Commits."""
    changed = db.session.execute(
        db.update(OutboxEmail)
        .where(_waiting(), OutboxEmail.next_attempt_at > now)  # type: ignore[arg-type]
        .values(next_attempt_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    db.session.commit()
    return int(changed or 0)


def report_recovery(now: datetime, since: datetime) -> bool:
    """Tell the CSO mailbox, once per outage, that email is going again: how many emails waited
    and since when, and how many failed meanwhile. Commits. True when it queued the email."""
    from engage.mail.outbox import queue_email_once

    if now - since < REPORTABLE_OUTAGE:
        return False
    health = outbox_health()
    failed_during = db.session.execute(
        db.select(db.func.count()).where(
            OutboxEmail.status == "failed", OutboxEmail.failed_at >= since
        )
    ).scalar_one()
    queued = queue_email_once(
        current_app.config["CSO_EMAIL"],
        "mail_recovered",
        dedup_key=f"mail-recovered:{since.isoformat()}",
        since=since,
        now=now,
        still_waiting=health.waiting,
        failed=failed_during,
    )
    if queued:  # due at the run's own time, so this run (or the next) sends it
        db.session.execute(
            db.update(OutboxEmail)
            .where(OutboxEmail.dedup_key == f"mail-recovered:{since.isoformat()}")
            .values(next_attempt_at=now)
        )
    db.session.commit()
    return queued
