"""Joining people to output user logs: shared by feedback, consultations and imports.

The same email address is the same stakeholder; joining never lowers an engagement level.
"""

from __future__ import annotations

from datetime import date

from engage import audit
from engage.extensions import db
from engage.outputs.models import LogEntry, Output, Stakeholder
from engage.vocab import LEVEL_ORDER


def normalise_email(email: str | None) -> str | None:
    email = (email or "").strip().lower()
    return email or None


def find_stakeholder_by_email(email: str | None) -> Stakeholder | None:
    email = normalise_email(email)
    if email is None:
        return None
    return db.session.execute(
        db.select(Stakeholder).where(Stakeholder.email == email)
    ).scalar_one_or_none()


def higher_level(a: str | None, b: str) -> str:
    if a is None:
        return b
    return a if LEVEL_ORDER.index(a) >= LEVEL_ORDER.index(b) else b


def join_log(
    *,
    output: Output,
    email: str | None,
    name: str,
    category: str,
    level: str,
    source: str,
    on: date,
    organisation: str = "",
    consent_to_contact: bool = True,
    uses: str = "",
    actor=None,  # type: ignore[no-untyped-def]
) -> LogEntry:
    """Add (or refresh) a stakeholder in an output's log, in the caller's transaction."""
    stakeholder = find_stakeholder_by_email(email)
    if stakeholder is None:
        stakeholder = Stakeholder(
            name=name.strip() or (normalise_email(email) or "Unnamed user"),
            organisation=organisation.strip(),
            email=normalise_email(email),
            category=category,
            consent_to_contact=consent_to_contact,
        )
        db.session.add(stakeholder)
        db.session.flush()
    elif consent_to_contact and not stakeholder.consent_to_contact:
        stakeholder.consent_to_contact = True
    entry = db.session.execute(
        db.select(LogEntry).where(
            LogEntry.output_id == output.id, LogEntry.stakeholder_id == stakeholder.id
        )
    ).scalar_one_or_none()
    if entry is None:
        entry = LogEntry(
            output_id=output.id,
            stakeholder_id=stakeholder.id,
            engagement_level=level,
            source=source,
            uses=uses,
            first_contact_on=on,
            latest_contact_on=on,
        )
        db.session.add(entry)
        db.session.flush()
        audit.record(
            "log_entry.added",
            actor=actor,
            object_type="log_entry",
            object_id=entry.id,
            detail={"output": output.slug, "source": source, "level": level},
        )
    else:
        entry.engagement_level = higher_level(entry.engagement_level, level)
        if entry.latest_contact_on is None or on > entry.latest_contact_on:
            entry.latest_contact_on = on
        if uses and not entry.uses:
            entry.uses = uses
    return entry
