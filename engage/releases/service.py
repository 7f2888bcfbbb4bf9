"""Release changes: one function per state change.

Each checks who may do it and the rules, writes a new version (`ReleaseVersion`) and the audit
record, records any commitment missed (`ReleaseBreach`), queues email in the same transaction,
and commits once. A refused rule raises ReleaseError (a RuleError: the view shows it on its form
field); a refused actor raises NotAllowed (a Refusal: the app answers 403 and writes the audit
row). Functions that may miss a commitment return the plain warnings.

provisional --confirm--> confirmed --record_publication--> published
      |                     |  \\--request_date_change--> (pending) --chief approves--> confirmed
      +------cancel---------+--> cancelled
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, or_

from engage import audit, slugs
from engage.auth.models import User, UserRole
from engage.calendar import london_date
from engage.errors import Refusal
from engage.extensions import db
from engage.mail.outbox import queue_email_once
from engage.outputs.models import Output, output_producers
from engage.releases import notices, rules
from engage.releases.models import (
    PreReleaseAccess,
    Release,
    ReleaseBreach,
    ReleaseDateChange,
    ReleaseVersion,
)
from engage.releases.rules import ReleaseError, Warning

OPEN_STATUSES = frozenset({"provisional", "confirmed"})


class NotAllowed(Refusal):
    """The actor may not do this to this release (engage/errors.py): 403 and an audit row."""


@dataclass
class Outcome:
    release: Release
    warnings: list[Warning]


# Who may do what -----------------------------------------------------------------------------


def is_office(user: User) -> bool:
    return user.has_role("cso", "chief_statistician")


def can_manage(user: User, release: Release) -> bool:
    """The CSO and the Chief Statistician: every release. A producer: releases of outputs they
    produce, and ad hoc releases they entered."""
    if is_office(user):
        return True
    if not user.has_role("producer"):
        return False
    if release.output_id is None:
        return release.created_by_id == user.id
    owned = db.select(output_producers.c.output_id).where(
        output_producers.c.output_id == release.output_id, output_producers.c.user_id == user.id
    )
    return db.session.execute(owned).first() is not None


def require_manager(user: User, release: Release) -> None:
    if not can_manage(user, release):
        raise NotAllowed("release:not-yours")


def require_chief(user: User) -> None:
    # The Chief Statistician approves every change of a confirmed date, as head of profession.
    if not user.has_role("chief_statistician"):
        raise NotAllowed("release:date-change-reserved-to-chief-statistician")


def manageable_clause(user: User) -> ColumnElement[bool] | None:
    if is_office(user):
        return None
    owned = db.select(output_producers.c.output_id).where(output_producers.c.user_id == user.id)
    return or_(
        Release.output_id.in_(owned),
        (Release.output_id.is_(None)) & (Release.created_by_id == user.id),
    )


def manageable(user: User) -> Select:
    query = db.select(Release).order_by(
        Release.scheduled_at.is_(None), Release.scheduled_at, Release.provisional_month, Release.id
    )
    clause = manageable_clause(user)
    return query if clause is None else query.where(clause)


def output_choices(user: User) -> list[Output]:
    query = db.select(Output).where(Output.status == "active").order_by(Output.title)
    if not is_office(user):
        query = query.join(output_producers).where(output_producers.c.user_id == user.id)
    return list(db.session.execute(query).scalars())


def users_with_role(role: str) -> list[User]:
    return list(
        db.session.execute(
            db.select(User)
            .join(UserRole)
            .where(UserRole.role == role, User.active.is_(True))
            .order_by(User.id)
        ).scalars()
    )


def pending_change(release: Release) -> ReleaseDateChange | None:
    return db.session.execute(
        db.select(ReleaseDateChange).where(
            ReleaseDateChange.release_id == release.id, ReleaseDateChange.state == "pending"
        )
    ).scalar_one_or_none()


# History -------------------------------------------------------------------------------------


def _new_version(
    release: Release,
    action: str,
    actor: User | None,
    now: datetime,
    *,
    reason: str | None = None,
    approved_by: User | None = None,
    first: bool = False,
) -> None:
    if not first:
        release.version += 1
    release.updated_at = now
    db.session.add(
        ReleaseVersion(
            release=release,
            version=release.version,
            action=action,
            recorded_at=now,
            recorded_by_id=actor.id if actor else None,
            status=release.status,
            provisional_month=release.provisional_month,
            scheduled_at=release.scheduled_at,
            published_at=release.published_at,
            reason=reason,
            approved_by_id=approved_by.id if approved_by else None,
        )
    )
    db.session.flush()
    audit.record(
        f"release.{action}",
        actor=actor,
        object_type="release",
        object_id=release.id,
        detail={"version": release.version, **({"reason": reason[:200]} if reason else {})},
    )


def _breach(
    release: Release, warning: Warning, now: datetime, explanation: str = "", **extra: Any
) -> None:
    db.session.add(
        ReleaseBreach(
            release=release,
            rule=warning.rule,
            version=release.version,
            occurred_on=london_date(now),
            detail=warning.message,
            explanation=explanation,
            recorded_at=now,
            extra=extra or None,
        )
    )


# Checks that only warn (the page shows them before anything is saved) --------------------------


def warnings_for_new(
    kind: str, month: date | None, scheduled_at: datetime | None, today: date
) -> list[Warning]:
    found: list[Warning] = []
    if kind == "routine":
        announced_month = month or (
            rules.month_start(london_date(scheduled_at)) if scheduled_at else None
        )
        if announced_month is not None:
            w = rules.month_notice_warning(announced_month, today)
            if w:
                found.append(w)
    if scheduled_at is not None:
        w = rules.date_notice_warning(kind, scheduled_at, today)
        if w:
            found.append(w)
    return found


# Changes -------------------------------------------------------------------------------------


def _scheduled(day: date | None, clock: time | None) -> datetime | None:
    if day is None:
        return None
    return rules.at_london(day, clock or rules.DEFAULT_TIME)


def create_release(data: dict[str, Any], actor: User, now: datetime) -> Outcome:
    """A routine release with its provisional month (or its date), or an ad hoc release with its
    date. `data`: title, kind, output_id, month (a date in the month), day, time."""
    kind = data.get("kind") or "routine"
    if kind not in rules.RELEASE_KINDS:
        raise ReleaseError("Select routine or ad hoc", "kind")
    output_id = data.get("output_id")
    allowed = {o.id for o in output_choices(actor)}
    if output_id is not None and output_id not in allowed:
        raise ReleaseError("Select an output you produce", "output_id")
    if kind == "routine" and output_id is None:
        raise ReleaseError("Select the output this release belongs to", "output_id")
    if output_id is None and not (is_office(actor) or actor.has_role("producer")):
        raise NotAllowed("release:not-staff-who-may")
    today = london_date(now)
    scheduled_at = _scheduled(data.get("day"), data.get("time"))
    month = rules.month_start(data["month"]) if data.get("month") else None
    if kind == "ad_hoc" and scheduled_at is None:
        raise ReleaseError("Enter the date of an ad hoc release", "day")
    if scheduled_at is None and month is None:
        raise ReleaseError("Enter the month of release, or its date", "month")
    if scheduled_at is not None:
        if london_date(scheduled_at) < today:
            raise ReleaseError("The release date must be today or in the future", "day")
        error = rules.confirm_in_month_error(month, scheduled_at)
        if error:
            raise ReleaseError(error, "day")
        month = rules.month_start(london_date(scheduled_at)) if kind == "routine" else month
    elif month is not None and month < rules.month_start(today):
        raise ReleaseError("The month of release must be this month or later", "month")
    release = Release(
        title=data["title"],
        kind=kind,
        output_id=output_id,
        status="confirmed" if scheduled_at else "provisional",
        provisional_month=month,
        month_announced_on=today if month else None,
        scheduled_at=scheduled_at,
        date_announced_on=today if scheduled_at else None,
        created_by_id=actor.id,
        created_at=now,
        slug=slugs.unique_slug(Release, data["title"], "release"),
    )
    db.session.add(release)
    db.session.flush()
    _new_version(release, "announced", actor, now, first=True)
    found = warnings_for_new(kind, month, scheduled_at, today)
    for warning in found:
        _breach(release, warning, now)
    db.session.commit()
    return Outcome(release, found)


def change_month(release: Release, month: date, reason: str, actor: User, now: datetime) -> Outcome:
    """Move a provisional release to another month, with a reason (every version is kept). The
    new month is checked against the 12-month rule from today."""
    require_manager(actor, release)
    if release.status != "provisional":
        raise ReleaseError("Only a provisional release's month can be changed", "month")
    if not (reason or "").strip():
        raise ReleaseError("Enter the reason for changing the month", "reason")
    month = rules.month_start(month)
    today = london_date(now)
    if month < rules.month_start(today):
        raise ReleaseError("The month of release must be this month or later", "month")
    if month == release.provisional_month:
        raise ReleaseError("Enter a different month", "month")
    release.provisional_month = month
    release.month_announced_on = today
    _new_version(release, "month_changed", actor, now, reason=reason)
    found = []
    if release.kind == "routine":
        warning = rules.month_notice_warning(month, today)
        if warning:
            found.append(warning)
            _breach(release, warning, now, explanation=reason)
    db.session.commit()
    return Outcome(release, found)


def confirm_release(
    release: Release, day: date, clock: time | None, actor: User, now: datetime
) -> Outcome:
    """Announce the exact date and time of a provisional release."""
    require_manager(actor, release)
    if release.status == "confirmed":
        raise ReleaseError(
            "This release's date is already confirmed: ask for a change of date, which the "
            "Chief Statistician must approve",
            "day",
        )
    if release.status != "provisional":
        raise ReleaseError("Only a provisional release can be confirmed", "day")
    scheduled_at = rules.at_london(day, clock or rules.DEFAULT_TIME)
    today = london_date(now)
    if london_date(scheduled_at) < today:
        raise ReleaseError("The release date must be today or in the future", "day")
    error = rules.confirm_in_month_error(release.provisional_month, scheduled_at)
    if error:
        raise ReleaseError(error, "day")
    release.scheduled_at = scheduled_at
    release.date_announced_on = today
    release.status = "confirmed"
    _new_version(release, "confirmed", actor, now)
    found = []
    warning = rules.date_notice_warning(release.kind, scheduled_at, today)
    if warning:
        found.append(warning)
        _breach(release, warning, now)
    db.session.commit()
    return Outcome(release, found)


def request_date_change(
    release: Release,
    day: date,
    clock: time | None,
    reason_kind: str,
    reason: str,
    actor: User,
    now: datetime,
) -> ReleaseDateChange:
    """Ask to move a confirmed release. Nothing changes for the public until the Chief
    Statistician approves; the Chief is emailed."""
    require_manager(actor, release)
    if release.status != "confirmed" or release.scheduled_at is None:
        raise ReleaseError("Only a confirmed release's date can be changed", "day")
    if reason_kind not in rules.CHANGE_REASONS:
        raise ReleaseError("Select why the date must change", "reason_kind")
    if not (reason or "").strip():
        raise ReleaseError("Enter the reason for the change", "reason")
    if pending_change(release) is not None:
        raise ReleaseError(
            "A change of date is already waiting for the Chief Statistician's decision", "day"
        )
    proposed = rules.at_london(day, clock or rules.DEFAULT_TIME)
    if london_date(proposed) < london_date(now):
        raise ReleaseError("The new date must be today or in the future", "day")
    if proposed == release.scheduled_at:
        raise ReleaseError("Enter a different date or time", "day")
    change = ReleaseDateChange(
        release_id=release.id,
        previous_at=release.scheduled_at,
        proposed_at=proposed,
        reason_kind=reason_kind,
        reason=reason,
        requested_by_id=actor.id,
        requested_at=now,
    )
    db.session.add(change)
    db.session.flush()
    audit.record(
        "release.date_change_requested",
        actor=actor,
        object_type="release",
        object_id=release.id,
        detail={"change": change.id},
    )
    for chief in users_with_role("chief_statistician"):
        queue_email_once(
            chief.email,
            "release_change_awaiting_approval",
            f"release-change:{change.id}:awaiting:user:{chief.id}",
            release=release,
            change=change,
            user=chief,
            requested_by=actor,
            reason_label=rules.CHANGE_REASONS[reason_kind],
            previous_label=rules.london_time_label(change.previous_at),
            proposed_label=rules.london_time_label(proposed),
        )
    db.session.commit()
    return change


def _locked(change: ReleaseDateChange) -> ReleaseDateChange:
    """The change and its release read afresh and locked until the decision commits, so two
    decisions of the same change take turns and the second sees the first. PostgreSQL locks the
    rows (SELECT ... FOR UPDATE); SQLite has no row locks, so the transaction starts with a write
    that changes nothing and holds the database's write lock before it reads."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            db.update(ReleaseDateChange)
            .where(ReleaseDateChange.id == change.id)
            .values(state=ReleaseDateChange.state)
            .execution_options(synchronize_session=False)
        )
    for model, row_id in ((ReleaseDateChange, change.id), (Release, change.release_id)):
        db.session.execute(
            db.select(model)
            .where(model.id == row_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalar_one()
    return change


def _check_decidable(change: ReleaseDateChange, approve: bool, actor: User) -> None:
    if change.state != "pending":
        # Two Chiefs deciding at once: the lock made this one wait for the other's decision.
        raise ReleaseError(f"This change has already been {change.state}", "decision")
    if change.release.status != "confirmed":
        raise ReleaseError("The release is no longer confirmed", "decision")
    if approve and change.requested_by_id == actor.id:
        # The approval is a second person's check: nobody approves their own request (they
        # may reject it, which withdraws it).
        raise ReleaseError(
            "You asked for this change: another Chief Statistician must approve it", "decision"
        )


def decide_date_change(
    change: ReleaseDateChange, approve: bool, note: str, actor: User, now: datetime
) -> Outcome:
    """The Chief Statistician approves (the release moves, a new version, the change recorded
    as a missed commitment with its reason) or rejects (nothing moves)."""
    require_chief(actor)
    change = _locked(change)
    _check_decidable(change, approve, actor)
    release = change.release
    change.decided_by_id = actor.id
    change.decided_at = now
    change.decision_note = note or None
    found: list[Warning] = []
    if not approve:
        change.state = "rejected"
        audit.record(
            "release.date_change_rejected",
            actor=actor,
            object_type="release",
            object_id=release.id,
            detail={"change": change.id},
        )
        db.session.commit()
        return Outcome(release, found)
    today = london_date(now)
    if london_date(change.proposed_at) < today:
        raise ReleaseError("The new date has passed: ask for another date", "decision")
    change.state = "approved"
    release.scheduled_at = change.proposed_at
    release.date_announced_on = today
    _new_version(
        release, "date_changed", change.requested_by, now, reason=change.reason, approved_by=actor
    )
    changed = rules.date_change_warning(change.previous_at, change.proposed_at)
    found.append(changed)
    _breach(release, changed, now, explanation=change.reason, reason_kind=change.reason_kind)
    notices.queue_change_notices(release, change.previous_at)
    notice = rules.date_notice_warning(release.kind, change.proposed_at, today)
    if notice:
        found.append(notice)
        _breach(release, notice, now, explanation=change.reason)
    db.session.commit()
    return Outcome(release, found)


def record_publication(
    release: Release,
    published_at: datetime,
    actor: User | None,
    now: datetime,
    *,
    commit: bool = True,
) -> Outcome:
    """Record when the release actually went out. Early or late is a missed commitment.
    `commit=False`: part of a larger change (an import) that commits once."""
    if actor is not None:
        require_manager(actor, release)
    if release.status != "confirmed" or release.scheduled_at is None:
        raise ReleaseError("Only a confirmed release can be recorded as published", "day")
    if published_at > now:
        raise ReleaseError("The publication time cannot be in the future", "day")
    release.published_at = published_at
    release.published_recorded_by_id = actor.id if actor else None
    release.status = "published"
    _new_version(release, "published", actor, now)
    found = []
    warning = rules.publication_warning(release.scheduled_at, published_at)
    if warning:
        found.append(warning)
        _breach(
            release,
            warning,
            now,
            timing=rules.publication_timing(release.scheduled_at, published_at),
        )
    if commit:
        db.session.commit()
    return Outcome(release, found)


def cancel_release(release: Release, reason: str, actor: User, now: datetime) -> Outcome:
    """Cancel a provisional or confirmed release, with the reason published. A pending change
    of date is withdrawn with it."""
    require_manager(actor, release)
    if release.status not in OPEN_STATUSES:
        raise ReleaseError("Only a provisional or confirmed release can be cancelled", "reason")
    if not (reason or "").strip():
        raise ReleaseError("Enter the reason for cancelling the release", "reason")
    pending = pending_change(release)
    if pending is not None:
        pending.state = "withdrawn"
        pending.decided_at = now
    release.status = "cancelled"
    release.cancelled_at = now
    release.cancellation_reason = reason
    _new_version(release, "cancelled", actor, now, reason=reason)
    notices.queue_cancellation_notices(release)
    db.session.commit()
    return Outcome(release, [])


def explain_breach(breach: ReleaseBreach, explanation: str, actor: User) -> None:
    """The explanation published beside a missed commitment ("be transparent")."""
    require_manager(actor, breach.release)
    if not (explanation or "").strip():
        raise ReleaseError("Enter the explanation", "explanation")
    breach.explanation = explanation
    audit.record(
        "release.breach_explained",
        actor=actor,
        object_type="release",
        object_id=breach.release_id,
        detail={"breach": breach.id},
    )
    db.session.commit()


def add_pre_release_access(
    release: Release, data: dict[str, Any], actor: User, now: datetime
) -> Outcome:
    """Record who had access before publication (name, role, organisation, from when). More
    than 24 hours before the announced time is a missed commitment, recorded with a warning:
    the list must say what really happened."""
    require_manager(actor, release)
    if release.status not in ("confirmed", "published") or release.scheduled_at is None:
        raise ReleaseError("Pre-release access is recorded for a release with a date", "name")
    access_from: datetime = data["access_from"]
    if access_from >= release.scheduled_at:
        raise ReleaseError("Access from must be before the release's announced time", "access_day")
    if access_from > now + timedelta(days=400):
        raise ReleaseError("Access from is too far ahead", "access_day")
    entry = PreReleaseAccess(
        release_id=release.id,
        name=data["name"],
        role=data["role"],
        organisation=data["organisation"],
        access_from=access_from,
        recorded_by_id=actor.id,
        recorded_at=now,
    )
    db.session.add(entry)
    db.session.flush()
    audit.record(
        "release.pre_release_access_added",
        actor=actor,
        object_type="release",
        object_id=release.id,
        detail={"entry": entry.id},
    )
    found = []
    warning = rules.pre_release_warning(data["name"], release.scheduled_at, access_from)
    if warning is not None:
        found.append(warning)
        exists = db.session.execute(
            db.select(ReleaseBreach.id).where(
                ReleaseBreach.release_id == release.id,
                ReleaseBreach.rule == "pre_release_access",
                ReleaseBreach.version == release.version,
            )
        ).first()
        if exists is None:  # one per release version; its detail names the first person
            _breach(release, warning, now)
    db.session.commit()
    return Outcome(release, found)


def remove_pre_release_access(entry: PreReleaseAccess, actor: User) -> None:
    """Remove an entry made in error, before publication only (the published list stays)."""
    release = db.session.get(Release, entry.release_id)
    assert release is not None  # nosec B101 (foreign key)
    require_manager(actor, release)
    if release.status == "published":
        raise ReleaseError("The list was published with the release: it cannot change", "name")
    db.session.delete(entry)
    audit.record(
        "release.pre_release_access_removed",
        actor=actor,
        object_type="release",
        object_id=release.id,
        detail={"name": entry.name[:80]},
    )
    db.session.commit()


def pre_release_list(release: Release) -> list[PreReleaseAccess]:
    return list(
        db.session.execute(
            db.select(PreReleaseAccess)
            .where(PreReleaseAccess.release_id == release.id)
            .order_by(PreReleaseAccess.access_from, PreReleaseAccess.id)
        ).scalars()
    )
