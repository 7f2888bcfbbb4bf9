"""Keeping a user log: add, edit and remove stakeholders, record contacts, count the log.

Each function checks the rule, writes history through engage.audit and commits once. Who may
keep which log is decided by engage.outputs.access (views check it). Who may change a person's
own details is decided here, as it depends on every log the person is in: someone who may not
edit all of those logs changes only their own log entry (access.people_kept_elsewhere).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func
from sqlalchemy.orm import joinedload

from engage import audit, caching
from engage.calendar import today_london
from engage.errors import RuleError
from engage.extensions import db
from engage.outputs import access, history, userlog
from engage.outputs.models import LOG_NAME_ORDER, Contact, LogEntry, Output, Stakeholder
from engage.outputs.userlog import find_stakeholder_by_email, normalise_email
from engage.table_versions import LOG_VERSION
from engage.vocab import (
    CONTACT_CHANNELS,
    ENGAGEMENT_LEVELS,
    LEVEL_ORDER,
    LOG_SOURCES,
    USER_CATEGORIES,
)

STAKEHOLDER_FIELDS = ("name", "organisation", "email", "phone", "category", "consent_to_contact")
ENTRY_FIELDS = ("engagement_level", "uses", "source", "first_contact_on")


class LogError(RuleError):
    """A rule refused the change (engage/errors.py)."""


@dataclass(frozen=True)
class LogCounts:
    """Counts by category x engagement level of one log."""

    cells: dict[tuple[str, str], int]

    def cell(self, category: str, level: str) -> int:
        return self.cells.get((category, level), 0)

    def category_total(self, category: str) -> int:
        return sum(n for (c, _), n in self.cells.items() if c == category)

    def level_total(self, level: str) -> int:
        return sum(n for (_, lv), n in self.cells.items() if lv == level)

    @property
    def total(self) -> int:
        return sum(self.cells.values())

    def selected(self, category: str | None, level: str | None) -> int:
        """The entries a filter by category and level (None: any) selects."""
        return sum(
            n for (c, lv), n in self.cells.items() if category in (None, c) and level in (None, lv)
        )


def log_counts(output_id: int) -> LogCounts:
    """One grouped query, read from the index (output, category, level) alone; kept per version
    of the user logs (engage.caching.for_version), as a large log has tens of thousands of
    entries to count."""

    def compute() -> LogCounts:
        rows = db.session.execute(
            db.select(LogEntry.stakeholder_category, LogEntry.engagement_level, func.count())
            .where(LogEntry.output_id == output_id)
            .group_by(LogEntry.stakeholder_category, LogEntry.engagement_level)
        ).all()
        return LogCounts({(c, lv): n for c, lv, n in rows})

    return caching.for_version(LOG_VERSION, ("log_counts", output_id), compute)


def log_query(output_id: int, *, category: str | None = None, level: str | None = None) -> Select:
    """Rows of a log's page: what the user log lists of each entry and its stakeholder, in name
    order (the index (output, lower(name), id) gives the order). userlog_views._log_rows unpacks
    these columns in this order."""
    query = (
        db.select(
            LogEntry.id,
            LogEntry.engagement_level,
            LogEntry.uses,
            LogEntry.source,
            LogEntry.first_contact_on,
            LogEntry.latest_contact_on,
            Stakeholder.id.label("stakeholder_id"),
            Stakeholder.name,
            Stakeholder.organisation,
            Stakeholder.category,
            Stakeholder.email,
        )
        .join(Stakeholder, Stakeholder.id == LogEntry.stakeholder_id)
        .where(LogEntry.output_id == output_id)
        .order_by(*LOG_NAME_ORDER)
    )
    if category in USER_CATEGORIES:
        query = query.where(LogEntry.stakeholder_category == category)
    if level in ENGAGEMENT_LEVELS:
        query = query.where(LogEntry.engagement_level == level)
    return query


def entry_for(output: Output, stakeholder_id: int) -> LogEntry | None:
    return db.session.execute(
        db.select(LogEntry).where(
            LogEntry.output_id == output.id, LogEntry.stakeholder_id == stakeholder_id
        )
    ).scalar_one_or_none()


def _check_vocab(data: dict[str, Any], *, person: bool = True) -> None:
    if person and data.get("category") not in USER_CATEGORIES:
        raise LogError("Select the category that describes this user", "category")
    if data.get("engagement_level") not in LEVEL_ORDER:
        raise LogError("Select an engagement level", "engagement_level")
    if data.get("source") not in LOG_SOURCES:
        raise LogError("Select how this user came to us", "source")


def _check_email_free(email: str | None, stakeholder_id: int | None) -> None:
    if email is None:
        return
    other = find_stakeholder_by_email(email)
    if other is not None and other.id != stakeholder_id:
        raise LogError("Another stakeholder already has this email address", "email")


def add_entry(
    output: Output, data: dict[str, Any], actor: Any, *, use_typed: Collection[str] | None = None
) -> LogEntry:
    """A staff user adds a person to the log through userlog.add_to_log (the one path). An
    email address already recorded raises userlog.PersonExists to someone who may see the
    person, with what is recorded beside what was typed; they choose, field by field, which
    typed values to keep (`use_typed`). Anyone else adds their own log entry only, told
    nothing about the person."""
    _check_vocab(data)
    try:
        entry = userlog.add_to_log(
            output,
            userlog.PersonData(
                name=data["name"],
                email=data.get("email"),
                category=data["category"],
                organisation=data.get("organisation") or "",
                phone=data.get("phone") or None,
                consent_to_contact=bool(data.get("consent_to_contact")),
            ),
            userlog.EntryData(
                engagement_level=data["engagement_level"],
                source=data["source"],
                on=data.get("first_contact_on") or today_london(),
                uses=data.get("uses") or "",
            ),
            actor=actor,
            on_existing="refuse",
            use_typed=use_typed,
        )
    except userlog.AlreadyInLog as error:
        raise LogError(str(error), "email") from error
    db.session.commit()
    return entry


def update_entry(entry: LogEntry, data: dict[str, Any], actor: Any) -> list[str]:
    """Change a log entry and, when the actor may edit every log the person is in, the person's
    own details. Returns the names of the changed fields (kept in the history; the values
    themselves are not, as they may be personal data)."""
    stakeholder = entry.stakeholder
    person = access.may_edit_person(actor, stakeholder)
    _check_vocab(data, person=person)
    changed: list[str] = []
    before = history.entry_values(entry)
    if person:
        data = {
            **data,
            "email": normalise_email(data.get("email")),
            "phone": data.get("phone") or None,
        }
        _check_email_free(data["email"], stakeholder.id)
    for name in STAKEHOLDER_FIELDS if person else ():
        if name in data and getattr(stakeholder, name) != data[name]:
            if name == "consent_to_contact":  # given or withdrawn, with its history
                from engage import consent

                consent.follow_flag(
                    stakeholder, bool(data[name]), source="staff", actor=actor, output=entry.output
                )
            else:
                setattr(stakeholder, name, data[name])
            changed.append(name)
    for name in ENTRY_FIELDS:
        if name in data and data[name] is not None and getattr(entry, name) != data[name]:
            setattr(entry, name, data[name])
            changed.append(name)
    if entry.first_contact_on and (
        entry.latest_contact_on is None or entry.latest_contact_on < entry.first_contact_on
    ):
        entry.latest_contact_on = entry.first_contact_on
    if changed:
        audit.record(
            "log_entry.updated",
            actor=actor,
            object_type="log_entry",
            object_id=entry.id,
            detail={
                "output": entry.output.slug,
                "stakeholder": stakeholder.id,
                "fields": changed,
                **{
                    k: v
                    for k, v in history.changes(before, history.entry_values(entry)).items()
                    if k == "changes"
                },
            },
        )
    db.session.commit()
    return changed


def remove_entry(entry: LogEntry, actor: Any, *, reason: str = "") -> None:
    """Take a stakeholder out of one log. Their contacts stay as history on the stakeholder."""
    detail: dict[str, Any] = {
        "output": entry.output.slug,
        "stakeholder": entry.stakeholder_id,
        "level": entry.engagement_level,
    }
    if reason.strip():
        detail["reason"] = reason.strip()
    audit.record(
        "log_entry.removed", actor=actor, object_type="log_entry", object_id=entry.id, detail=detail
    )
    db.session.delete(entry)
    db.session.commit()


def record_contact(
    output: Output,
    stakeholder: Stakeholder,
    *,
    contacted_on: date,
    channel: str,
    summary: str,
    actor: Any,
    today: date | None = None,
) -> Contact:
    """Record a dated contact; the log entry's first and latest contact dates follow it."""
    entry = entry_for(output, stakeholder.id)
    if entry is None:
        raise LogError(f"{stakeholder.name} is not in the user log of {output.title}", "summary")
    if channel not in CONTACT_CHANNELS:
        raise LogError("Select how you were in contact", "channel")
    if contacted_on > (today or today_london()):
        raise LogError("Date of the contact must be today or in the past", "contacted_on")
    if not summary.strip():
        raise LogError("Enter a summary of the contact", "summary")
    contact = Contact(
        output_id=output.id,
        stakeholder_id=stakeholder.id,
        contacted_on=contacted_on,
        channel=channel,
        summary=summary.strip(),
        recorded_by_id=getattr(actor, "id", None),
    )
    db.session.add(contact)
    before = history.entry_values(entry)
    if entry.latest_contact_on is None or contacted_on > entry.latest_contact_on:
        entry.latest_contact_on = contacted_on
    if entry.first_contact_on is None or contacted_on < entry.first_contact_on:
        entry.first_contact_on = contacted_on
    db.session.flush()
    history.record(
        "log_entry.contact",
        entry,
        actor=actor,
        before=before,
        after=history.entry_values(entry),
        note=f"Channel: {CONTACT_CHANNELS[channel]}",
    )
    audit.record(
        "contact.recorded",
        actor=actor,
        object_type="contact",
        object_id=contact.id,
        detail={"output": output.slug, "stakeholder": stakeholder.id, "channel": channel},
    )
    db.session.commit()
    return contact


def stakeholder_entries(stakeholder_id: int) -> list[tuple[LogEntry, Output]]:
    return list(
        db.session.execute(
            db.select(LogEntry, Output)
            .join(Output, Output.id == LogEntry.output_id)
            .where(LogEntry.stakeholder_id == stakeholder_id)
            .order_by(Output.title)
        ).tuples()
    )


def stakeholder_contacts(stakeholder_id: int, output_ids: set[int]) -> list[Contact]:
    """The person's contacts recorded in these outputs' logs (those the reader may see), newest
    first, with their output and who recorded them."""
    if not output_ids:
        return []
    return list(
        db.session.execute(
            db.select(Contact)
            .options(joinedload(Contact.output), joinedload(Contact.recorded_by))
            .where(Contact.stakeholder_id == stakeholder_id, Contact.output_id.in_(output_ids))
            .order_by(Contact.contacted_on.desc(), Contact.id.desc())
        ).scalars()
    )
