"""Release notices to the public (issue 22 item 5), through engage.consent.

Who is told about a release of an output, each person once:
- everyone with a given consent to release notices for that output (or for every output):
  people who subscribed on the output's page and confirmed their email, and people in the log
  who asked for them;
- people in that output's log at level informed or above (the statement's "told of
  publications and developments") with a given consent to news about it.
Ad hoc releases without an output go to people subscribed to every release.

Every email carries its one-click unsubscribe (for the purpose the person consented to), goes
through the outbox, and has a dedup key naming the release, the change and the person, so
repeated and concurrent runs queue it once. Publication notices are queued by the scheduler
(`queue_publication_notices`, every 5 minutes) for releases recorded as published in the last
7 days; notices of a date change or cancellation are queued in the change's own transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from engage import consent
from engage.extensions import db
from engage.outputs.models import LogEntry, Stakeholder
from engage.releases import rules
from engage.releases.models import Release

INFORMED_OR_ABOVE = ("informed", "consulted", "involved")
NOTICE_WINDOW = timedelta(days=7)


def audience(release: Release) -> list[tuple[Stakeholder, str]]:
    """(person, purpose of their consent) for everyone to tell about `release`, each once."""
    if release.output_id is None:
        return [
            (p, "releases") for p in consent.recipients("releases", None) if _every_output(p.id)
        ]
    output_ids = [release.output_id]
    chosen: dict[int, tuple[Stakeholder, str]] = {
        p.id: (p, "releases") for p in consent.recipients("releases", output_ids)
    }
    informed = db.session.execute(
        db.select(Stakeholder)
        .join(LogEntry, LogEntry.stakeholder_id == Stakeholder.id)
        .where(
            LogEntry.output_id == release.output_id,
            LogEntry.engagement_level.in_(INFORMED_OR_ABOVE),
            Stakeholder.id.in_(consent.consenting_ids("news", output_ids)),
            Stakeholder.email.is_not(None),
            Stakeholder.anonymised_at.is_(None),
        )
        .order_by(Stakeholder.id)
    ).scalars()
    reachable = {p.id for p in consent.recipients("news", output_ids)}
    for person in informed:
        if person.id not in chosen and person.id in reachable:
            chosen[person.id] = (person, "news")
    return [chosen[k] for k in sorted(chosen)]


def _every_output(stakeholder_id: int) -> bool:
    from engage.consent.models import Consent

    return (
        db.session.execute(
            db.select(Consent.id).where(
                Consent.stakeholder_id == stakeholder_id,
                Consent.purpose == "releases",
                Consent.status == "given",
                Consent.output_id.is_(None),
            )
        ).first()
        is not None
    )


def _queue(release: Release, template: str, key: str, **context: object) -> int:
    queued = 0
    output_ids = [release.output_id] if release.output_id is not None else None
    for person, purpose in audience(release):
        queued += consent.queue_stakeholder_email(
            person,
            template,
            purpose=purpose,
            output_ids=output_ids,
            dedup_key=f"release:{release.id}:{key}:person:{person.id}",
            release=release,
            **context,
        )
    return queued


def queue_change_notices(release: Release, previous_at: datetime) -> int:
    """A confirmed date moved (called in the approval's transaction)."""
    assert release.scheduled_at is not None  # nosec B101 (an approved change sets it)
    return _queue(
        release,
        "release_date_changed",
        f"v{release.version}:date-changed",
        previous=rules.london_time_label(previous_at),
        when=rules.london_time_label(release.scheduled_at),
    )


def queue_cancellation_notices(release: Release) -> int:
    """A release was cancelled (called in the cancellation's transaction)."""
    return _queue(release, "release_cancelled", "cancelled")


def queue_publication_notices(now: datetime) -> int:
    """The scheduler's job: notices of releases recorded as published in the last 7 days whose
    notices are not yet queued. Returns how many emails were queued."""
    due = (
        db.session.execute(
            db.select(Release)
            .where(
                Release.status == "published",
                Release.notices_queued_at.is_(None),
                Release.published_at >= now - NOTICE_WINDOW,
            )
            .order_by(Release.published_at, Release.id)
        )
        .scalars()
        .all()
    )
    queued = 0
    for release in due:
        assert release.published_at is not None  # nosec B101 (selected on it)
        queued += _queue(
            release,
            "release_published",
            "published",
            when=rules.london_time_label(release.published_at),
        )
        release.notices_queued_at = now
        db.session.commit()
    return queued
