"""What the release pages show: the calendar by month, past releases with what happened, the
change history, and each output's next release. Read-only queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, func, or_
from sqlalchemy.orm import contains_eager, selectinload

from engage.auth.models import User
from engage.calendar import london_date
from engage.extensions import db
from engage.outputs.models import Output
from engage.releases import rules, service
from engage.releases.models import Release, ReleaseBreach, ReleaseDateChange, ReleaseVersion

UPCOMING = ("provisional", "confirmed")


def release_month(release: Release) -> date | None:
    if release.scheduled_at is not None:
        return rules.month_start(london_date(release.scheduled_at))
    return release.provisional_month


def _sort_key(release: Release) -> tuple:
    month = release_month(release) or date.max
    moment = release.scheduled_at or datetime.max.replace(tzinfo=None)
    return (month, release.scheduled_at is None, str(moment), release.title, release.id)


def staff_releases(user: User, today: date) -> list[Release]:
    """The releases this person manages that are still to come, or published or cancelled in
    the last 90 days."""
    since = rules.at_london(today - timedelta(days=90))
    query = (
        service.manageable(user)
        .where(
            or_(
                Release.status.in_(UPCOMING),
                Release.published_at >= since,
                Release.cancelled_at >= since,
            )
        )
        .options(selectinload(Release.output))
    )
    return sorted(db.session.execute(query).scalars(), key=_sort_key)


def pending_changes(user: User) -> list[ReleaseDateChange]:
    query = (
        db.select(ReleaseDateChange)
        .join(Release)
        .where(ReleaseDateChange.state == "pending")
        .options(contains_eager(ReleaseDateChange.release))
        .order_by(ReleaseDateChange.requested_at)
    )
    clause = service.manageable_clause(user)
    if clause is not None:
        query = query.where(clause)
    return list(db.session.execute(query).scalars())


def date_changes(release: Release) -> list[ReleaseDateChange]:
    return list(
        db.session.execute(
            db.select(ReleaseDateChange)
            .where(ReleaseDateChange.release_id == release.id)
            .order_by(ReleaseDateChange.requested_at, ReleaseDateChange.id)
        ).scalars()
    )


def people_names(release: Release) -> dict[int, str]:
    ids = {v.recorded_by_id for v in release.versions} | {
        v.approved_by_id for v in release.versions
    }
    ids.discard(None)
    if not ids:
        return {}
    rows = db.session.execute(db.select(User.id, User.name).where(User.id.in_(ids))).all()
    return {int(user_id): str(name) for user_id, name in rows}


# Public --------------------------------------------------------------------------------------


@dataclass
class MonthGroup:
    month: date
    releases: list[Release] = field(default_factory=list)


def upcoming_by_month(output_id: int | None = None) -> list[MonthGroup]:
    query = (
        db.select(Release).where(Release.status.in_(UPCOMING)).options(selectinload(Release.output))
    )
    if output_id is not None:
        query = query.where(Release.output_id == output_id)
    groups: dict[date, MonthGroup] = {}
    for release in sorted(db.session.execute(query).scalars(), key=_sort_key):
        month = release_month(release) or date.max
        groups.setdefault(month, MonthGroup(month)).releases.append(release)
    return list(groups.values())


def past_query(output_id: int | None = None):  # type: ignore[no-untyped-def]
    """Published and cancelled releases, newest first (for pagination)."""
    happened = func.coalesce(Release.published_at, Release.cancelled_at)
    query = (
        db.select(Release)
        .where(Release.status.in_(("published", "cancelled")))
        .options(selectinload(Release.output), selectinload(Release.breaches))
        .order_by(happened.desc(), Release.id.desc())
    )
    if output_id is not None:
        query = query.where(Release.output_id == output_id)
    return query


def what_happened(release: Release) -> str:
    """`Published on time`, `Published 15 minutes late`, `Cancelled: reason`, ..."""
    if release.status == "cancelled":
        return f"Cancelled: {release.cancellation_reason}"
    if release.status != "published" or release.published_at is None:
        return rules.STATUSES.get(release.status, release.status)
    if release.scheduled_at is None:
        return "Published"
    timing = rules.publication_timing(release.scheduled_at, release.published_at)
    if timing == "on_time":
        text = "Published on time"
    else:
        gap = abs(
            release.published_at.replace(second=0, microsecond=0)
            - release.scheduled_at.replace(second=0, microsecond=0)
        )
        text = f"Published {rules.describe_gap(gap)} {timing}"
    moved = sum(1 for b in release.breaches if b.rule == "date_changed")
    if moved:
        text += f" (the date was changed {'once' if moved == 1 else f'{moved} times'})"
    return text


def next_release(output_id: int) -> Release | None:
    groups = upcoming_by_month(output_id)
    return groups[0].releases[0] if groups else None


def output_history(output_id: int, limit: int = 12) -> list[Release]:
    return list(db.session.execute(past_query(output_id).limit(limit)).scalars())


def public_release(slug: str) -> Release | None:
    return db.session.execute(
        db.select(Release)
        .where(Release.slug == slug)
        .options(selectinload(Release.versions), selectinload(Release.breaches))
    ).scalar_one_or_none()


def feed_releases(output_id: int | None = None, limit: int = 500) -> list[Release]:
    """Every release with a month or a date, for the feeds: upcoming first, then the most
    recent past ones."""
    query = db.select(Release).options(selectinload(Release.output))
    if output_id is not None:
        query = query.where(Release.output_id == output_id)
    upcoming = db.session.execute(query.where(Release.status.in_(UPCOMING))).scalars().all()
    past = (
        db.session.execute(
            query.where(Release.status.in_(("published", "cancelled")))
            .order_by(Release.updated_at.desc(), Release.id.desc())
            .limit(limit)
        )
        .scalars()
        .all()
    )
    return [*upcoming, *past]


def output_by_slug(slug: str) -> Output | None:
    return db.session.execute(db.select(Output).where(Output.slug == slug)).scalar_one_or_none()


# The on-time record ----------------------------------------------------------------------------


def _period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return rules.at_london(start, datetime.min.time()), rules.at_london(
        end + timedelta(days=1), datetime.min.time()
    )


@dataclass
class Record:
    """The commitments for releases in a period (by the release's announced or actual day)."""

    label: str
    due: int = 0
    routine: int = 0
    month_in_time: int = 0
    dated: int = 0
    date_in_time: int = 0
    published: int = 0
    published_on_time: int = 0
    early: int = 0
    late: int = 0
    date_changes: int = 0
    cancellations: int = 0
    changes_by_reason: dict[str, int] = field(default_factory=dict)

    @staticmethod
    def share(part: int, whole: int) -> str:
        return f"{round(100 * part / whole)}%" if whole else "–"


def record_for(start: date, end: date, label: str) -> Record:
    """Releases due in the period (scheduled, else published or cancelled, in it): how many
    had their month announced 12 months ahead (routine), their date 4 weeks (5 days) ahead,
    were published at the announced time; date changes (by reason) and cancellations approved
    or made in the period. Counts of releases, not people: nothing to suppress."""
    low, high = _period_bounds(start, end)
    when = func.coalesce(Release.scheduled_at, Release.published_at, Release.cancelled_at)
    missed = db.select(ReleaseBreach.release_id, ReleaseBreach.rule).distinct().subquery()

    def breached(rule: str):  # type: ignore[no-untyped-def]
        return (
            db.select(missed.c.release_id)
            .where(missed.c.rule == rule, missed.c.release_id == Release.id)
            .exists()
        )

    row = db.session.execute(
        db.select(
            func.count(case((Release.status != "cancelled", 1))),
            func.count(case((and_(Release.kind == "routine", Release.status != "cancelled"), 1))),
            func.count(
                case(
                    (
                        and_(
                            Release.kind == "routine",
                            Release.status != "cancelled",
                            ~breached("month_notice"),
                        ),
                        1,
                    )
                )
            ),
            func.count(
                case(
                    (and_(Release.date_announced_on.is_not(None), Release.status != "cancelled"), 1)
                )
            ),
            func.count(
                case(
                    (
                        and_(
                            Release.date_announced_on.is_not(None),
                            Release.status != "cancelled",
                            ~breached("date_notice"),
                        ),
                        1,
                    )
                )
            ),
            func.count(case((Release.status == "published", 1))),
            func.count(
                case((and_(Release.status == "published", ~breached("publication_time")), 1))
            ),
        ).where(when >= low, when < high)
    ).one()
    record = Record(label, *row)
    timings = db.session.execute(
        db.select(ReleaseBreach.extra)
        .join(Release)
        .where(ReleaseBreach.rule == "publication_time", when >= low, when < high)
    ).scalars()
    for extra in timings:
        if (extra or {}).get("timing") == "early":
            record.early += 1
        else:
            record.late += 1
    changes = db.session.execute(
        db.select(ReleaseDateChange.reason_kind, func.count())
        .where(
            ReleaseDateChange.state == "approved",
            ReleaseDateChange.decided_at >= low,
            ReleaseDateChange.decided_at < high,
        )
        .group_by(ReleaseDateChange.reason_kind)
    ).all()
    record.changes_by_reason = {str(kind): int(n) for kind, n in changes}  # noqa: C416
    record.date_changes = sum(record.changes_by_reason.values())
    record.cancellations = db.session.execute(
        db.select(func.count()).where(
            Release.status == "cancelled", Release.cancelled_at >= low, Release.cancelled_at < high
        )
    ).scalar_one()
    return record


def quarters(year_start: date) -> list[tuple[date, date, str]]:
    """The four quarters of a reporting year starting on `year_start` (1 April by default)."""
    out = []
    start = year_start
    for n in range(4):
        month = start.month + 3
        end_first = date(start.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)
        out.append(
            (
                start,
                end_first - timedelta(days=1),
                f"Q{n + 1} ({start:%b}–{end_first - timedelta(days=1):%b %Y})",
            )
        )
        start = end_first
    return out


def missed_commitments(start: date, end: date) -> list[ReleaseBreach]:
    """Every commitment missed in the period, with its explanation, oldest first; and the
    cancellations are listed by the caller with their reasons."""
    return list(
        db.session.execute(
            db.select(ReleaseBreach)
            .where(ReleaseBreach.occurred_on >= start, ReleaseBreach.occurred_on <= end)
            .options(selectinload(ReleaseBreach.release).selectinload(Release.output))
            .order_by(ReleaseBreach.occurred_on, ReleaseBreach.id)
        ).scalars()
    )


def cancellations(start: date, end: date) -> list[Release]:
    low, high = _period_bounds(start, end)
    return list(
        db.session.execute(
            db.select(Release)
            .where(
                Release.status == "cancelled",
                Release.cancelled_at >= low,
                Release.cancelled_at < high,
            )
            .order_by(Release.cancelled_at)
        ).scalars()
    )


def versions_newest_first(release: Release) -> list[ReleaseVersion]:
    return sorted(release.versions, key=lambda v: v.version, reverse=True)


def breaches_by_version(release: Release) -> dict[int, list[ReleaseBreach]]:
    grouped: dict[int, list[ReleaseBreach]] = defaultdict(list)
    for breach in release.breaches:
        grouped[breach.version].append(breach)
    return grouped
