"""Outputs catalogue, user logs (stakeholders, log entries, contacts), reviews, feedback,
success stories."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    event,
    func,
    inspect,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from engage.auth.models import User
from engage.db_types import UTCDateTime, utcnow
from engage.extensions import Model, db

output_producers = Table(
    "output_producers",
    db.metadata,
    Column("output_id", ForeignKey("outputs.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)

success_story_outputs = Table(
    "success_story_outputs",
    db.metadata,
    Column("story_id", ForeignKey("success_stories.id", ondelete="CASCADE"), primary_key=True),
    Column("output_id", ForeignKey("outputs.id", ondelete="CASCADE"), primary_key=True),
)


class Output(Model):
    __tablename__ = "outputs"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    producing_body: Mapped[str] = mapped_column(String(200))
    area: Mapped[str] = mapped_column(String(200))
    frequency: Mapped[str] = mapped_column(String(100))
    lead_statistician: Mapped[str] = mapped_column(String(200))
    lead_contact: Mapped[str] = mapped_column(String(254))
    page_url: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(20), default="active", index=True)
    review_interval_months: Mapped[int] = mapped_column(default=12)
    # Stored so lists and the dashboard can query overdue reviews in SQL.
    next_review_due: Mapped[date | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    producers: Mapped[list[User]] = relationship(secondary=output_producers, lazy="selectin")

    def is_owned_by(self, user) -> bool:
        return any(p.id == user.id for p in self.producers)


class Stakeholder(Model):
    """A user of statistics. The same email address is the same stakeholder."""

    __tablename__ = "stakeholders"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    category: Mapped[str] = mapped_column(String(20), index=True)
    consent_to_contact: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when this record was merged into another (engage/outputs/merging.py): it then holds
    # nothing (no log entries, contacts or email address) and is kept only so that the merge
    # can be undone.
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("stakeholders.id", ondelete="SET NULL")
    )


class StakeholderMerge(Model):
    """One merge of two records of one person: what moved, so that it can be undone."""

    __tablename__ = "stakeholder_merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    kept_id: Mapped[int] = mapped_column(
        ForeignKey("stakeholders.id", ondelete="CASCADE"), index=True
    )
    merged_id: Mapped[int] = mapped_column(
        ForeignKey("stakeholders.id", ondelete="CASCADE"), index=True
    )
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    merged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # What moved and what it was before (ids, the two records' fields, combined entries).
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    merged_by: Mapped[User | None] = relationship(foreign_keys=[merged_by_id])
    undone_by: Mapped[User | None] = relationship(foreign_keys=[undone_by_id])


# Finding people (engage/outputs/search.py) by the start of their name, organisation or email
# address. On PostgreSQL these are text_pattern_ops indexes, which serve LIKE 'abc%' whatever
# the collation; written by hand in migration 5c1e0a9b7d21.
# Declared with the same operator class here, so that a database built from the models (the
# tests' db.create_all()) has the indexes the migration builds.
for _name, _column, _key in (
    ("ix_stakeholders_name_prefix", func.lower(Stakeholder.name).label("lower_name"), "lower_name"),
    (
        "ix_stakeholders_organisation_prefix",
        func.lower(Stakeholder.organisation).label("lower_organisation"),
        "lower_organisation",
    ),
    ("ix_stakeholders_email_prefix", Stakeholder.email, "email"),
):
    Index(
        _name,
        _column,
        postgresql_ops={_key: "text_pattern_ops"},
        info={"hand_written": True},
    )


class LogEntry(Model):
    """A stakeholder in an output's user log.

    `stakeholder_name` and `stakeholder_category` are copies of the stakeholder's name and
    category, so that a log's counts by category and level, and its pages in name order, are
    read from this table's indexes alone, however long the log (see `_copy_stakeholder_details`
    below: the ORM keeps them equal to the stakeholder's; a bulk INSERT of log entries must give
    them, and a bulk UPDATE of stakeholders' names or categories must update them too).
    """

    __tablename__ = "log_entries"
    __table_args__ = (
        UniqueConstraint("output_id", "stakeholder_id"),
        # Covers the consultation notices' query (an output's stakeholders at given levels).
        Index(
            "ix_log_entries_output_level_stakeholder",
            "output_id",
            "engagement_level",
            "stakeholder_id",
        ),
        # Covers a user log's counts by category and level (no table reads).
        Index(
            "ix_log_entries_output_category_level",
            "output_id",
            "stakeholder_category",
            "engagement_level",
        ),
        # Covers "is this person also in a log this user does not keep?"
        # (access.people_kept_elsewhere, run by the stakeholder search and the user log's
        # pages): an index-only probe per person instead of reading the table. Measured at
        # 10,000 stakeholders on PostgreSQL: 23 ms (a sequential scan) down to 0.5 ms.
        Index("ix_log_entries_stakeholder_output", "stakeholder_id", "output_id"),
        # Covers the annual report's log sizes (joined through the stakeholder).
        Index(
            "ix_log_entries_stakeholder_level_joined",
            "stakeholder_id",
            "engagement_level",
            "first_contact_on",
            "created_at",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    output_id: Mapped[int] = mapped_column(ForeignKey("outputs.id", ondelete="CASCADE"))
    stakeholder_id: Mapped[int] = mapped_column(ForeignKey("stakeholders.id", ondelete="CASCADE"))
    stakeholder_name: Mapped[str] = mapped_column(String(200))
    stakeholder_category: Mapped[str] = mapped_column(String(20))
    engagement_level: Mapped[str] = mapped_column(String(20))
    uses: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(30))
    first_contact_on: Mapped[date | None] = mapped_column()
    latest_contact_on: Mapped[date | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    output: Mapped[Output] = relationship()
    stakeholder: Mapped[Stakeholder] = relationship()


# A log's pages in name order (case-insensitive as before: lower() of the database), read from
# the index: the page of 50 is the index's next 50 entries, however long the log.
LOG_NAME_ORDER = (func.lower(LogEntry.stakeholder_name), LogEntry.id)
Index(
    "ix_log_entries_output_name",
    LogEntry.output_id,
    *LOG_NAME_ORDER,
    info={"hand_written": True},  # in its migration; autogenerate skips it (migrations/env.py)
)


@event.listens_for(Session, "before_flush")
def _copy_stakeholder_details(session: Session, flush_context: Any, instances: Any) -> None:
    """Keep LogEntry.stakeholder_name and stakeholder_category equal to the stakeholder's, in
    the same flush: a new (or moved) log entry takes its stakeholder's; a stakeholder whose
    name or category changes updates every log entry of theirs (one UPDATE for the flush)."""
    changed: list[dict[str, Any]] = []
    for obj in session.dirty:
        if isinstance(obj, Stakeholder) and _changed(obj, "name", "category"):
            changed.append({"sid": obj.id, "name": obj.name, "category": obj.category})
    if changed:
        session.connection().execute(
            update(LogEntry)
            .where(LogEntry.stakeholder_id == bindparam("sid"))
            .values(stakeholder_name=bindparam("name"), stakeholder_category=bindparam("category")),
            changed,
        )
    for obj in [*session.new, *session.dirty]:
        if not isinstance(obj, LogEntry):
            continue
        state = inspect(obj)
        moved = state.attrs["stakeholder"].history.has_changes()
        if state.persistent and not moved and not _changed(obj, "stakeholder_id"):
            continue
        # The relationship, when set, decides the stakeholder at flush (it overwrites the
        # foreign key); otherwise the foreign key does.
        person = state.dict.get("stakeholder")
        if person is None or not (moved or state.pending):
            with session.no_autoflush:
                person = session.get(Stakeholder, obj.stakeholder_id)
        if person is not None:
            obj.stakeholder_name, obj.stakeholder_category = person.name, person.category


def _changed(obj: Any, *names: str) -> bool:
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in names)


class Contact(Model):
    """A dated interaction with a stakeholder about an output."""

    __tablename__ = "contacts"
    __table_args__ = (
        Index("ix_contacts_output_stakeholder", "output_id", "stakeholder_id"),
        # Covers the annual report's contacts in the year by channel.
        Index("ix_contacts_contacted_on_channel", "contacted_on", "channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    output_id: Mapped[int] = mapped_column(ForeignKey("outputs.id", ondelete="CASCADE"))
    stakeholder_id: Mapped[int] = mapped_column(
        ForeignKey("stakeholders.id", ondelete="CASCADE"), index=True
    )
    contacted_on: Mapped[date] = mapped_column()
    channel: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    output: Mapped[Output] = relationship()
    stakeholder: Mapped[Stakeholder] = relationship()
    recorded_by: Mapped[User | None] = relationship()


class OutputReview(Model):
    __tablename__ = "output_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    output_id: Mapped[int] = mapped_column(ForeignKey("outputs.id", ondelete="CASCADE"), index=True)
    reviewed_on: Mapped[date] = mapped_column(index=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    findings: Mapped[str] = mapped_column(Text)
    actions: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    output: Mapped[Output] = relationship()
    reviewer: Mapped[User | None] = relationship()


class Feedback(Model):
    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    output_id: Mapped[int | None] = mapped_column(ForeignKey("outputs.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    useful: Mapped[str | None] = mapped_column(String(20))
    uses: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str | None] = mapped_column(String(20))
    comments: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str | None] = mapped_column(String(254))
    consent_to_log: Mapped[bool] = mapped_column(default=False)
    log_level: Mapped[str | None] = mapped_column(String(20))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    output: Mapped[Output | None] = relationship()


# Feedback not yet reviewed, newest first (the staff feedback list's default view): counted and
# paged from this small index instead of the whole feedback table.
FEEDBACK_NOT_REVIEWED = Feedback.reviewed_at.is_(None)
Index(
    "ix_feedback_not_reviewed",
    Feedback.received_at,
    Feedback.id,
    sqlite_where=FEEDBACK_NOT_REVIEWED,
    postgresql_where=FEEDBACK_NOT_REVIEWED,
    info={"hand_written": True},
)


class SuccessStory(Model):
    __tablename__ = "success_stories"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text)
    happened_on: Mapped[date] = mapped_column(index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    outputs: Mapped[list[Output]] = relationship(secondary=success_story_outputs, lazy="selectin")
