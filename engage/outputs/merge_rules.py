"""Who may merge two records of one person (issue 21 item 2), and what a merge would do.

Who may merge (decision, docs/user-logs.md): those who keep every log (the CSO office and
administrators) any two records; a producer two records only when every log entry of both is in
the logs of outputs they own (so they may already see and change both people's details, and a
merge shows them nothing new). Only those who keep every log may undo a merge, for UNDO_DAYS
days.

The merge itself is engage/outputs/merging.py; undoing it, and forgetting what was kept to undo
it once that can no longer be done, engage/outputs/merge_undo.py.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func

from engage.consultations.models import ConsultationResponse
from engage.errors import RuleError
from engage.extensions import db
from engage.outputs import access
from engage.outputs.models import (
    Contact,
    Feedback,
    LogEntry,
    Stakeholder,
    StakeholderMerge,
    output_producers,
)

UNDO_DAYS = 30
FIELDS = ("name", "organisation", "email", "phone", "category", "consent_to_contact")
# The details a merge asks about. Consent is not chosen: the consent records of both (per
# purpose, with when, how and the words seen: engage.consent) move to the kept record, and
# `consent_to_contact` follows them (merging.consent_flag).
CHOOSABLE = ("name", "organisation", "email", "phone", "category")
FIELD_LABELS = {
    "name": "name",
    "organisation": "organisation",
    "email": "email address",
    "phone": "phone number",
    "category": "category",
    "consent_to_contact": "consent to contact",
}


class MergeError(RuleError):
    """The merge (or its undo) cannot be done: `message` says why, for the page. `field` names
    the form field to show it against, when there is one."""


class MergeStale(MergeError):
    """One of the records changed after the page the user chose from was shown."""


# --- who may merge ----------------------------------------------------------------------------


def _in_owned_logs_only(user: Any, ids: list[int]) -> bool:
    owned = db.select(output_producers.c.output_id).where(output_producers.c.user_id == user.id)
    with_owned_entry = set(
        db.session.execute(
            db.select(LogEntry.stakeholder_id)
            .where(LogEntry.stakeholder_id.in_(ids), LogEntry.output_id.in_(owned))
            .distinct()
        ).scalars()
    )
    return with_owned_entry == set(ids) and not access.people_kept_elsewhere(user, ids)


def may_merge(user: Any, *people: Stakeholder) -> bool:
    """May this user merge these records (see the module docstring)?"""
    if not access.has_edit_permission(user):
        return False
    if access.keeps_every_log(user):
        return True
    if not user.has_role("producer"):
        return False
    return _in_owned_logs_only(user, [p.id for p in people])


def may_undo(user: Any) -> bool:
    return access.keeps_every_log(user)


def merges_into(stakeholder_id: int) -> list[StakeholderMerge]:
    """The merges that kept this record, newest first."""
    return list(
        db.session.execute(
            db.select(StakeholderMerge)
            .where(StakeholderMerge.kept_id == stakeholder_id)
            .order_by(StakeholderMerge.merged_at.desc(), StakeholderMerge.id.desc())
        ).scalars()
    )


def undo_until(merge: StakeholderMerge) -> datetime:
    return merge.merged_at + timedelta(days=UNDO_DAYS)


def why_not_undoable(merge: StakeholderMerge, now: datetime) -> str | None:
    """Why this merge can no longer be undone, for the page; None while it can."""
    if merge.undone_at is not None:
        return "This merge has already been undone."
    if now > undo_until(merge):
        return (
            f"This merge can no longer be undone: a merge can be undone for {UNDO_DAYS} days, "
            f"and this one was made on {merge.merged_at:%d %B %Y}."
        )
    return None


# --- what a merge would do --------------------------------------------------------------------


def values(person: Stakeholder) -> dict[str, Any]:
    return {name: getattr(person, name) for name in FIELDS}


def differing(a: Stakeholder, b: Stakeholder) -> list[str]:
    return [name for name in CHOOSABLE if getattr(a, name) != getattr(b, name)]


def entries(stakeholder_id: int) -> list[LogEntry]:
    """The record's log entries, in output order."""
    return list(
        db.session.execute(
            db.select(LogEntry)
            .where(LogEntry.stakeholder_id == stakeholder_id)
            .order_by(LogEntry.output_id)
        ).scalars()
    )


def version(a: Stakeholder, b: Stakeholder) -> str:
    """A fingerprint of both records and their log entries, carried by the merge page: confirming
    refuses (MergeStale) when either changed since the page was shown."""
    parts: list[Any] = []
    for person in (a, b):
        found = [
            (e.id, e.output_id, e.engagement_level, str(e.updated_at)) for e in entries(person.id)
        ]
        parts.append([person.id, person.merged_into_id, values(person), found])
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:32]


def summary(kept: Stakeholder, other: Stakeholder) -> dict[str, int]:
    """What would move from `other` to `kept`: numbers for the confirmation page."""
    kept_outputs = {e.output_id for e in entries(kept.id)}
    other_entries = entries(other.id)
    emails = [e for e in {kept.email, other.email} if e]
    return {
        "entries_moved": sum(e.output_id not in kept_outputs for e in other_entries),
        "entries_combined": sum(e.output_id in kept_outputs for e in other_entries),
        "contacts": _count(Contact, Contact.stakeholder_id == other.id),
        "feedback": _count(Feedback, func.lower(Feedback.email).in_(emails)) if emails else 0,
        "responses": (
            _count(ConsultationResponse, func.lower(ConsultationResponse.email).in_(emails))
            if emails
            else 0
        ),
    }


def _count(model: Any, condition: Any) -> int:
    return db.session.execute(
        db.select(func.count()).select_from(model).where(condition)
    ).scalar_one()
