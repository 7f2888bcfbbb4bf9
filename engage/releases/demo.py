"""Demo data for the release calendar (called by `flask seed-demo`).

Releases of the 22 demo outputs from three years before ctx.today to twelve months after:
quarterly outputs on the last Thursday of each quarter's second month, annual ones once a year,
the ad hoc outputs now and then. Most were published on time at 9:30; a few missed a commitment
(a month announced late, a date changed with the Chief Statistician's approval, one published
late, one early, one cancelled), so the calendar, the performance page and the annual report
show real figures. Rows are built directly and written in one transaction, so `make run` stays
quick; the rules they record are the ones engage.releases.rules checks.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from engage.extensions import db
from engage.releases import rules
from engage.releases.models import Release, ReleaseBreach, ReleaseDateChange, ReleaseVersion
from engage.slugs import slugify

QUARTER_NAMES = {
    3: "January to March",
    6: "April to June",
    9: "July to September",
    12: "October to December",
}


def _quarter_before(month: date) -> str:
    """The last quarter that ended before `month` (the period a quarterly release covers)."""
    year, end = month.year, month.month - 1
    while end % 3:
        end -= 1
    if end == 0:
        year, end = year - 1, 12
    return f"{QUARTER_NAMES[end]} {year}"


def _last_thursday(year: int, month: int) -> date:
    following = date(year + (month == 12), month % 12 + 1, 1)
    day = following - timedelta(days=1)
    while day.weekday() != 3:
        day -= timedelta(days=1)
    return day


def _months(first: date, last: date) -> list[date]:
    out, month = [], first.replace(day=1)
    while month <= last:
        out.append(month)
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return out


def _moment(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return rules.at_london(day, time(hour, minute))


class _Builder:
    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self.today: date = ctx.today
        self.rng = random.Random(22)  # noqa: S311  # nosec B311 - demo data
        self.chief = ctx.users.get("chief@demo.engage.test")
        self.slugs: set[str] = set()
        self.count = 0
        self.changes: list[ReleaseDateChange] = []

    def slug(self, title: str) -> str:
        base = slugify(title, "release")
        slug, n = base, 2
        while slug in self.slugs:
            slug, n = f"{base}-{n}", n + 1
        self.slugs.add(slug)
        return slug

    def version(self, release: Release, action: str, at: datetime, who: Any, **kw: Any) -> None:
        release.versions.append(
            ReleaseVersion(
                version=len(release.versions),
                action=action,
                recorded_at=at,
                recorded_by_id=who.id if who else None,
                status=kw.pop("status", release.status),
                provisional_month=kw.pop("provisional_month", release.provisional_month),
                scheduled_at=kw.pop("scheduled_at", release.scheduled_at),
                published_at=kw.pop("published_at", None),
                **kw,
            )
        )
        release.version = len(release.versions) - 1
        release.updated_at = at

    def breach(
        self, release: Release, warning: Any, on: datetime, explanation: str = "", **extra: Any
    ) -> None:
        if warning is None:
            return
        release.breaches.append(
            ReleaseBreach(
                rule=warning.rule,
                version=release.version,
                occurred_on=rules.london_date(on),
                detail=warning.message,
                explanation=explanation,
                recorded_at=on,
                extra=extra or None,
            )
        )

    def release(
        self, output: Any, title: str, day: date, kind: str = "routine", story: str = ""
    ) -> Release:
        """One release due on `day`, with the history `story` names."""
        who = output.producers[0] if output is not None and output.producers else None
        scheduled = rules.at_london(day)
        month = day.replace(day=1)
        month_told = (
            day - timedelta(days=300) if story == "month_late" else day - timedelta(days=400)
        )
        date_told = day - timedelta(days=self.rng.choice((35, 42, 49, 56)))
        if kind == "ad_hoc":
            date_told = day - timedelta(days=14)
        release = Release(
            slug=self.slug(title),
            output_id=output.id if output is not None else None,
            title=title,
            kind=kind,
            created_by_id=who.id if who else None,
            created_at=_moment(date_told if kind == "ad_hoc" else month_told),
        )
        self.count += 1
        horizon_date = self.today + timedelta(days=70)
        if kind == "routine":
            release.status = "provisional"
            release.provisional_month = month
            release.month_announced_on = month_told
            self.version(release, "announced", _moment(month_told), who)
            self.breach(
                release,
                rules.month_notice_warning(month, month_told),
                _moment(month_told),
                "The output's timetable was agreed late." if story == "month_late" else "",
            )
            if day > horizon_date or date_told > self.today:
                return release  # still provisional: its date is announced later
        release.status = "confirmed"
        release.scheduled_at = scheduled
        release.date_announced_on = date_told
        self.version(
            release, "announced" if kind == "ad_hoc" else "confirmed", _moment(date_told), who
        )
        if story == "moved":
            new_day = day + timedelta(days=7)
            asked = day - timedelta(days=20)
            change = ReleaseDateChange(
                previous_at=scheduled,
                proposed_at=rules.at_london(new_day),
                reason_kind="data_quality",
                reason="A supplier's data arrived late and the checks could not be finished.",
                state="approved",
                requested_by_id=who.id if who else None,
                requested_at=_moment(asked, 9),
                decided_by_id=self.chief.id if self.chief else None,
                decided_at=_moment(asked, 15),
                decision_note="Agreed: quality first.",
            )
            change.release = release
            self.changes.append(change)
            release.scheduled_at = rules.at_london(new_day)
            release.date_announced_on = asked
            self.version(
                release,
                "date_changed",
                _moment(asked, 15),
                who,
                reason=change.reason,
                approved_by_id=self.chief.id if self.chief else None,
            )
            self.breach(
                release,
                rules.date_change_warning(scheduled, release.scheduled_at),
                _moment(asked, 15),
                change.reason,
                reason_kind="data_quality",
            )
            self.breach(
                release,
                rules.date_notice_warning(kind, release.scheduled_at, asked),
                _moment(asked, 15),
                change.reason,
            )
            day = new_day
        if story == "cancelled":
            at = _moment(day - timedelta(days=10), 11)
            release.status = "cancelled"
            release.cancelled_at = at
            release.cancellation_reason = (
                "Merged into the annual bulletin after the 2024 consultation on publication plans."
            )
            self.version(release, "cancelled", at, who, reason=release.cancellation_reason)
            return release
        assert release.scheduled_at is not None  # nosec B101
        if release.scheduled_at >= datetime.combine(self.today, time(0), tzinfo=UTC):
            return release  # still to come (or today: not yet recorded)
        published = release.scheduled_at
        if story == "late":
            published = release.scheduled_at + timedelta(minutes=47)
        elif story == "early":
            published = rules.at_london(day - timedelta(days=1), time(16, 0))
        release.status = "published"
        release.published_at = published
        release.published_recorded_by_id = who.id if who else None
        release.notices_queued_at = published + timedelta(minutes=5)  # told back then
        self.version(
            release, "published", published + timedelta(minutes=5), who, published_at=published
        )
        warning = rules.publication_warning(release.scheduled_at, published)
        explanations = {
            "late": "The publishing platform was unavailable from 9:15 to 10:10; the release "
            "went live as soon as it returned.",
            "early": "The release was scheduled on the publishing platform for the wrong day. "
            "We have added a second check of every scheduled release.",
        }
        self.breach(
            release,
            warning,
            published + timedelta(minutes=5),
            explanations.get(story, ""),
            timing=rules.publication_timing(release.scheduled_at, published),
        )
        return release


def seed(ctx: Any) -> None:
    builder = _Builder(ctx)
    today = ctx.today
    first, last = date(today.year - 3, today.month, 1), date(today.year + 1, today.month, 1)
    releases: list[Release] = []
    stories = {  # (output index, release index from the start) -> what happened
        (0, 3): "moved",
        (1, 6): "late",
        (2, 8): "early",
        (3, 5): "month_late",
        (4, 9): "cancelled",
        (5, 10): "moved",
        (6, 4): "month_late",
    }
    for n, output in enumerate(ctx.outputs):
        frequency = output.frequency.lower()
        if frequency == "quarterly":
            # spread over the months and weeks, as a real calendar is
            months = [m for m in _months(first, last) if m.month % 3 == n % 3]
        elif frequency == "annual":
            months = [m for m in _months(first, last) if m.month == 3 + (n % 9)]
        else:
            continue
        for i, month in enumerate(months):
            day = _last_thursday(month.year, month.month) - timedelta(days=7 * (n % 4))
            if day < first or day > last:
                continue
            if frequency == "quarterly":
                title = f"{output.title}: {_quarter_before(month)}"
            else:
                title = f"{output.title} {month.year - 1} to {month.year}"
            story = stories.get((n, i), "")
            releases.append(builder.release(output, title, day, story=story))
    # A producer's release that waits for the Chief Statistician's decision.
    upcoming = [
        r
        for r in releases
        if r.status == "confirmed"
        and r.scheduled_at is not None
        and r.scheduled_at.date() > today + timedelta(days=14)
    ]
    if upcoming:
        target = upcoming[0]
        assert target.scheduled_at is not None  # nosec B101 (selected on it)
        db.session.add(
            ReleaseDateChange(
                release=target,
                previous_at=target.scheduled_at,
                proposed_at=target.scheduled_at + timedelta(days=7),
                reason_kind="clash",
                reason="The date clashes with a major release by another department.",
                requested_by_id=target.created_by_id,
                requested_at=_moment(today - timedelta(days=1), 11),
            )
        )
    # Ad hoc releases of the ad hoc outputs: one past, one to come.
    ad_hoc = [o for o in ctx.outputs if o.frequency.lower() == "ad hoc"]
    for k, output in enumerate(ad_hoc[:2]):
        day = today - timedelta(days=120) if k == 0 else today + timedelta(days=9)
        while day.weekday() != 3:
            day += timedelta(days=1)
        releases.append(
            builder.release(
                output, f"{output.title}: ad hoc analysis {day.year}", day, kind="ad_hoc"
            )
        )
    db.session.add_all(releases)
    db.session.add_all(builder.changes)
    db.session.commit()
