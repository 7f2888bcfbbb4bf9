"""Output reviews: "regularly review our outputs to keep them relevant".

Each output has a review interval (Output.review_interval_months, default 12). Recording a review
sets next_review_due = reviewed_on + interval. An output whose next_review_due has passed is
overdue: it is flagged on the dashboard and its producers are reminded by email, once per due date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import func

from engage import audit
from engage.calendar import today_london
from engage.errors import RuleError
from engage.extensions import db
from engage.mail.models import OutboxEmail
from engage.mail.outbox import queue_email
from engage.outputs.catalogue import add_months
from engage.outputs.logs import LogCounts, log_counts
from engage.outputs.models import Contact, Feedback, LogEntry, Output, OutputReview
from engage.vocab import ENGAGEMENT_LEVEL_SHORT, LEVEL_ORDER, USER_CATEGORY_SHORT


class ReviewError(RuleError):
    """A rule refused the change (engage/errors.py)."""


@dataclass
class ReviewSummary:
    since: date | None
    counts: LogCounts
    new_stakeholders: int
    contacts: int
    feedback: dict[str, int]  # useful answer -> count, plus "total"

    def as_text(self) -> str:
        since = f"since the last review on {self.since:%d %B %Y}" if self.since else "so far"
        lines = [f"The user log has {self.counts.total} stakeholders."]
        by_level = [
            f"{ENGAGEMENT_LEVEL_SHORT[lv]} {self.counts.level_total(lv)}" for lv in LEVEL_ORDER
        ]
        lines.append("By engagement level: " + ", ".join(by_level) + ".")
        by_category = [
            f"{label} {self.counts.category_total(key)}"
            for key, label in USER_CATEGORY_SHORT.items()
            if self.counts.category_total(key)
        ]
        if by_category:
            lines.append("By category: " + ", ".join(by_category) + ".")
        lines.append(f"New stakeholders {since}: {self.new_stakeholders}.")
        lines.append(f"Contacts recorded {since}: {self.contacts}.")
        total = self.feedback.get("total", 0)
        if total:
            lines.append(
                f"Feedback {since}: {total} (useful {self.feedback.get('yes', 0)}, "
                f"partly {self.feedback.get('partly', 0)}, "
                f"not useful {self.feedback.get('no', 0)})."
            )
        else:
            lines.append(f"Feedback {since}: none.")
        return "\n".join(lines)


def last_review(output: Output) -> OutputReview | None:
    return db.session.execute(
        db.select(OutputReview)
        .where(OutputReview.output_id == output.id)
        .order_by(OutputReview.reviewed_on.desc(), OutputReview.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def review_summary(output: Output) -> ReviewSummary:
    """What the log and the feedback show since the last review (or ever, for a first review)."""
    previous = last_review(output)
    since = previous.reviewed_on if previous else None
    new_query = db.select(func.count()).select_from(LogEntry).where(LogEntry.output_id == output.id)
    contacts_query = (
        db.select(func.count()).select_from(Contact).where(Contact.output_id == output.id)
    )
    feedback_query = (
        db.select(Feedback.useful, func.count())
        .where(Feedback.output_id == output.id)
        .group_by(Feedback.useful)
    )
    if since is not None:
        start = datetime.combine(since, time.min, tzinfo=UTC)
        new_query = new_query.where(LogEntry.created_at >= start)
        contacts_query = contacts_query.where(Contact.contacted_on > since)
        feedback_query = feedback_query.where(Feedback.received_at >= start)
    feedback = {(useful or "unanswered"): n for useful, n in db.session.execute(feedback_query)}
    feedback["total"] = sum(feedback.values())
    return ReviewSummary(
        since=since,
        counts=log_counts(output.id),
        new_stakeholders=db.session.execute(new_query).scalar_one(),
        contacts=db.session.execute(contacts_query).scalar_one(),
        feedback=feedback,
    )


def record_review(
    output: Output,
    *,
    reviewed_on: date,
    findings: str,
    actions: str,
    reviewer: Any,
    today: date | None = None,
) -> OutputReview:
    """Record a review; the next review falls due one interval after it."""
    today = today or today_london()
    if reviewed_on > today:
        raise ReviewError("Date of the review must be today or in the past", "reviewed_on")
    if not findings.strip():
        raise ReviewError("Enter what the log and feedback showed", "findings")
    review = OutputReview(
        output_id=output.id,
        reviewed_on=reviewed_on,
        reviewer_id=getattr(reviewer, "id", None),
        findings=findings.strip(),
        actions=actions.strip(),
    )
    db.session.add(review)
    previous_due = output.next_review_due
    latest = last_review(output)
    if latest is None or reviewed_on >= latest.reviewed_on:
        output.next_review_due = add_months(reviewed_on, output.review_interval_months)
    db.session.flush()
    audit.record(
        "output.reviewed",
        actor=reviewer,
        object_type="output",
        object_id=output.id,
        detail={
            "review": review.id,
            "reviewed_on": reviewed_on.isoformat(),
            "previous_due": previous_due.isoformat() if previous_due else None,
            "next_due": output.next_review_due.isoformat() if output.next_review_due else None,
        },
    )
    db.session.commit()
    return review


def overdue_query(today: date, user: Any = None):  # type: ignore[no-untyped-def]
    """Active outputs whose review date has passed; for a producer, only their own."""
    from engage.outputs.access import sees_all_logs
    from engage.outputs.models import output_producers

    query = (
        db.select(Output)
        .where(
            Output.status == "active",
            Output.next_review_due.is_not(None),
            Output.next_review_due < today,
        )
        .order_by(Output.next_review_due, Output.title)
    )
    if user is not None and not sees_all_logs(user):
        query = query.where(
            Output.id.in_(
                db.select(output_producers.c.output_id).where(output_producers.c.user_id == user.id)
            )
        )
    return query


def reminder_key(output: Output, producer_id: int) -> str:
    return f"review-due:{output.id}:{output.next_review_due}:{producer_id}"


def queue_review_reminders(today: date) -> int:
    """Queue one reminder email per producer per overdue output per due date. Safe to run any
    number of times: a reminder already queued (same dedup key) is skipped, also when another
    process queued it at the same moment. Returns the number queued."""
    from sqlalchemy.exc import IntegrityError

    queued = 0
    for output in db.session.execute(overdue_query(today)).scalars().all():
        for producer in output.producers:
            if not producer.active:
                continue
            key = reminder_key(output, producer.id)
            exists = db.session.execute(
                db.select(OutboxEmail.id).where(OutboxEmail.dedup_key == key)
            ).first()
            if exists is not None:
                continue
            try:
                with db.session.begin_nested():
                    queue_email(
                        producer.email,
                        "review_due",
                        dedup_key=key,
                        output=output,
                        producer=producer,
                        days_overdue=(today - output.next_review_due).days,  # type: ignore[operator]
                    )
            except IntegrityError:
                continue  # queued by someone else in the meantime
            queued += 1
    db.session.commit()
    return queued
