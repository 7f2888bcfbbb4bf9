"""Merging two records of one person (issue 21 item 2), and undoing a merge for 30 days.

Who may merge (decision, docs/user-logs.md): those who keep every log (the CSO office and
administrators) any two records; a producer two records only when every log entry of both is in
the logs of outputs they own (so they may already see and change both people's details, and a
merge shows them nothing new). Only those who keep every log may undo a merge, for UNDO_DAYS
days.

A merge keeps one record and, field by field, the value chosen from either. Everything of the
other record moves to the kept one in one transaction: its log entries (an entry in a log where
the kept record is too is combined into the kept entry: the higher engagement level, the widest
contact dates, both uses; the note says so in that entry's history), its contacts, the feedback
and consultation responses given with its email address (their address becomes the kept one's),
and any other row pointing at the record (consent records of other areas). The other record
stays, empty and marked `merged_into_id`, with a snapshot (StakeholderMerge.snapshot) of what
moved and what each value was, so that the merge can be undone: undoing moves back what is
still where the merge put it and restores each value not changed since.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, inspect
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.attributes import flag_modified

from engage import audit
from engage.consent.models import Consent
from engage.consultations.models import ConsultationResponse
from engage.db_types import utcnow
from engage.extensions import db
from engage.outputs import access, history
from engage.outputs.models import (
    Contact,
    Feedback,
    LogEntry,
    Output,
    Stakeholder,
    StakeholderMerge,
    output_producers,
)
from engage.outputs.userlog import higher_level

UNDO_DAYS = 30
FIELDS = ("name", "organisation", "email", "phone", "category", "consent_to_contact")
# The details a merge asks about. Consent is not chosen: the consent records of both (per
# purpose, with when, how and the words seen: engage.consent) move to the kept record, and
# `consent_to_contact` follows them (_consent_flag).
CHOOSABLE = ("name", "organisation", "email", "phone", "category")
FIELD_LABELS = {
    "name": "name",
    "organisation": "organisation",
    "email": "email address",
    "phone": "phone number",
    "category": "category",
    "consent_to_contact": "consent to contact",
}
ENTRY_VALUES = ("engagement_level", "uses", "source", "first_contact_on", "latest_contact_on")
# Rows that point at a stakeholder and that this module moves itself; any other table with a
# foreign key to stakeholders.id is moved generically (see _other_references).
HANDLED = {("log_entries", "stakeholder_id"), ("contacts", "stakeholder_id")}
SKIPPED_TABLES = {"stakeholders", "stakeholder_merges"}


class MergeError(ValueError):
    """The merge (or its undo) cannot be done: `message` says why, for the page. `field` names
    the form field to show it against, when there is one."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


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


# --- what a merge would do --------------------------------------------------------------------


def values(person: Stakeholder) -> dict[str, Any]:
    return {name: getattr(person, name) for name in FIELDS}


def differing(a: Stakeholder, b: Stakeholder) -> list[str]:
    return [name for name in CHOOSABLE if getattr(a, name) != getattr(b, name)]


def _entries(stakeholder_id: int) -> list[LogEntry]:
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
        entries = [
            (e.id, e.output_id, e.engagement_level, str(e.updated_at)) for e in _entries(person.id)
        ]
        parts.append([person.id, person.merged_into_id, values(person), entries])
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:32]


def summary(kept: Stakeholder, other: Stakeholder) -> dict[str, int]:
    """What would move from `other` to `kept`: numbers for the confirmation page."""
    kept_outputs = {e.output_id for e in _entries(kept.id)}
    other_entries = _entries(other.id)
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


# --- merging ----------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _entry_row(entry: LogEntry) -> dict[str, Any]:
    return {col.key: _plain(getattr(entry, col.key)) for col in inspect(entry).mapper.column_attrs}


def _entry_values(entry: LogEntry) -> dict[str, Any]:
    return {name: _plain(getattr(entry, name)) for name in ENTRY_VALUES}


def _write_first(statement: Any) -> None:
    """On SQLite, start the transaction with a write (that changes nothing), so that it holds
    the database's write lock before it reads: SQLite has no row locks, and a transaction
    begins at its first write, so two merges of the same records could each read them
    unmerged first. PostgreSQL locks the rows instead (SELECT ... FOR UPDATE, below)."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(statement.execution_options(synchronize_session=False))


def _lock(ids: list[int]) -> dict[int, Stakeholder]:
    """The records, locked in id order until the transaction ends, and read afresh."""
    _write_first(
        db.update(Stakeholder)
        .where(Stakeholder.id.in_(ids))
        .values(merged_into_id=Stakeholder.merged_into_id)
    )
    found = db.session.execute(
        db.select(Stakeholder)
        .where(Stakeholder.id.in_(sorted(ids)))
        .order_by(Stakeholder.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalars()
    return {p.id: p for p in found}


def _label(person: Stakeholder) -> str:
    return f"Record {person.id}"  # not the name: the message may reach a page in a race


def _check_mergeable(person: Stakeholder | None) -> Stakeholder:
    if person is None:
        raise MergeError("One of these records no longer exists: it may have been merged already")
    if person.merged_into_id is not None:
        raise MergeError(
            f"{_label(person)} has already been merged into another record. "
            "Find the person again to see the record that was kept."
        )
    if person.anonymised_at is not None:
        raise MergeError(f"{_label(person)} has been anonymised and cannot be merged")
    return person


CONCURRENT = "Someone else changed these records at the same time. Nothing was {}: try again."


def merge_stakeholders(
    kept_id: int,
    other_id: int,
    *,
    take_from_other: set[str] | frozenset[str],
    actor: Any,
    expected_version: str | None = None,
) -> StakeholderMerge:
    """Merge record `other_id` into `kept_id`, taking the fields named in `take_from_other` from
    the other record (every other field keeps the kept record's value). Raises MergeError (with
    a message for the page), MergeStale, or PermissionError. Commits once."""
    try:
        merge = _merge(kept_id, other_id, take_from_other, actor, expected_version)
        db.session.commit()
    except (IntegrityError, OperationalError) as error:  # a write of another transaction won
        db.session.rollback()
        raise MergeError(CONCURRENT.format("merged")) from error
    return merge


def _merge(
    kept_id: int,
    other_id: int,
    take_from_other: set[str] | frozenset[str],
    actor: Any,
    expected_version: str | None,
) -> StakeholderMerge:
    if kept_id == other_id:
        raise MergeError("Choose two different records to merge")
    locked = _lock([kept_id, other_id])
    kept = _check_mergeable(locked.get(kept_id))
    other = _check_mergeable(locked.get(other_id))
    if not may_merge(actor, kept, other):
        raise PermissionError("stakeholder:merge_not_allowed")
    if (
        expected_version is not None
        and version(*sorted((kept, other), key=lambda p: p.id)) != expected_version
    ):
        raise MergeStale(
            "One of these records changed after you chose what to keep. Check the values and "
            "merge again."
        )
    unknown = set(take_from_other) - set(CHOOSABLE)
    if unknown:
        raise MergeError("Choose values of the person's details only")
    before_kept, before_other = values(kept), values(other)
    after = {
        name: before_other[name] if name in take_from_other else before_kept[name]
        for name in FIELDS
    }
    snapshot: dict[str, Any] = {
        "kept": before_kept,
        "merged": before_other,
        "after": after,
        "entries_moved": [],
        "entries_combined": [],
        "contacts": [],
        "feedback": [],
        "responses": [],
        "other_rows": [],
    }
    merge = StakeholderMerge(
        kept_id=kept.id, merged_id=other.id, merged_by_id=getattr(actor, "id", None)
    )
    merge.snapshot = {}  # written once everything has moved (below)
    db.session.add(merge)
    # The other record lets go of its email address first (email addresses are unique).
    other.email = None
    other.merged_into_id = kept.id
    db.session.flush()
    for name in FIELDS:
        setattr(kept, name, after[name])
    db.session.flush()
    _move_entries(kept, other, merge, snapshot, actor)
    contact_ids = list(
        db.session.execute(
            db.select(Contact.id).where(Contact.stakeholder_id == other.id)
        ).scalars()
    )
    if contact_ids:
        db.session.execute(
            db.update(Contact).where(Contact.id.in_(contact_ids)).values(stakeholder_id=kept.id)
        )
    snapshot["contacts"] = contact_ids
    final_email = after["email"]
    for key, model in (("feedback", Feedback), ("responses", ConsultationResponse)):
        old_emails = [before_kept["email"], before_other["email"]]
        snapshot[key] = _readdress(model, old_emails, final_email)
    snapshot["other_rows"] = _move_other_references(other.id, kept.id)
    kept.consent_to_contact = _consent_flag(
        kept.id, before_kept["consent_to_contact"] or before_other["consent_to_contact"]
    )
    after["consent_to_contact"] = kept.consent_to_contact
    merge.snapshot = snapshot
    flag_modified(merge, "snapshot")  # JSON columns do not track changes made in place
    db.session.flush()
    audit.record(
        "stakeholder.merged",
        actor=actor,
        object_type="stakeholder",
        object_id=kept.id,
        detail={
            "merge": merge.id,
            "merged": other.id,
            "fields_from_merged": sorted(take_from_other),  # names only: values are personal
            "entries_moved": len(snapshot["entries_moved"]),
            "entries_combined": len(snapshot["entries_combined"]),
            "contacts": len(contact_ids),
            "feedback": len(snapshot["feedback"]),
            "responses": len(snapshot["responses"]),
        },
    )
    return merge


def _combine(kept_entry: LogEntry, other_entry: LogEntry) -> list[str]:
    """Fold `other_entry` into `kept_entry`; the notes for the history."""
    notes = []
    level = higher_level(kept_entry.engagement_level, other_entry.engagement_level)
    if level != kept_entry.engagement_level:
        notes.append(f"engagement level raised to {level}, the higher of the two")
    elif other_entry.engagement_level != level:
        notes.append(f"engagement level kept at {level}, the higher of the two")
    kept_entry.engagement_level = level
    firsts = [d for d in (kept_entry.first_contact_on, other_entry.first_contact_on) if d]
    latests = [d for d in (kept_entry.latest_contact_on, other_entry.latest_contact_on) if d]
    if firsts and min(firsts) != kept_entry.first_contact_on:
        kept_entry.first_contact_on = min(firsts)
        notes.append("first contact is the earlier of the two")
    if latests and max(latests) != kept_entry.latest_contact_on:
        kept_entry.latest_contact_on = max(latests)
        notes.append("latest contact is the later of the two")
    other_uses = (other_entry.uses or "").strip()
    if other_uses and other_uses not in (kept_entry.uses or ""):
        kept_entry.uses = f"{kept_entry.uses}\n{other_uses}".strip()
        notes.append("uses of both entries kept")
    return notes


def _move_entries(
    kept: Stakeholder,
    other: Stakeholder,
    merge: StakeholderMerge,
    snapshot: dict[str, Any],
    actor: Any,
) -> None:
    kept_entries = {e.output_id: e for e in _entries(kept.id)}
    for entry in _entries(other.id):
        target = kept_entries.get(entry.output_id)
        if target is None:
            entry.stakeholder_id = kept.id
            snapshot["entries_moved"].append(entry.id)
            history.record(
                "log_entry.merged",
                entry,
                actor=actor,
                note="moved to the kept record of a merge of two records of one person",
                merge=merge.id,
            )
            continue
        before = _entry_values(target)
        removed = _entry_row(entry)
        notes = _combine(target, entry)
        history.record(
            "log_entry.merged",
            target,
            actor=actor,
            before=before,
            after=_entry_values(target),
            note="combined with the entry of a duplicate record"
            + (f": {'; '.join(notes)}" if notes else ""),
            merge=merge.id,
        )
        history.record(
            "log_entry.removed",
            entry,
            actor=actor,
            note=f"combined into entry {target.id} when two records of one person were merged",
            merge=merge.id,
        )
        snapshot["entries_combined"].append(
            {"removed": removed, "kept_entry": target.id, "before": before}
        )
        db.session.delete(entry)
        db.session.flush()
        snapshot["entries_combined"][-1]["after"] = _entry_values(target)


def _readdress(model: Any, old_emails: list[str | None], new_email: str | None) -> list[list[Any]]:
    """Rows given with an old address of the person now carry the kept address."""
    old = sorted({e for e in old_emails if e and e != new_email})
    if not old or new_email is None:
        return []
    rows = db.session.execute(
        db.select(model.id, model.email).where(func.lower(model.email).in_(old))
    ).all()
    if rows:
        db.session.execute(
            db.update(model).where(model.id.in_([r.id for r in rows])).values(email=new_email)
        )
    return [[r.id, r.email] for r in rows]


def _other_references() -> list[tuple[Any, Any]]:
    """(table, column) of every other foreign key to stakeholders.id (other areas' tables)."""
    found = []
    for table in db.metadata.sorted_tables:
        if table.name in SKIPPED_TABLES:
            continue
        for column in table.columns:
            if (table.name, column.name) in HANDLED:
                continue
            if any(fk.column.table.name == "stakeholders" for fk in column.foreign_keys):
                found.append((table, column))
    return found


def _move_other_references(old_id: int, new_id: int) -> list[dict[str, Any]]:
    moved = []
    for table, column in _other_references():
        key = list(table.primary_key.columns)
        if len(key) != 1:  # pragma: no cover - no such table today
            raise MergeError(f"Records in {table.name} cannot be merged automatically")
        ids = list(db.session.execute(db.select(key[0]).where(column == old_id)).scalars())
        if ids:
            try:
                with db.session.begin_nested():
                    db.session.execute(
                        table.update().where(key[0].in_(ids)).values({column.name: new_id})
                    )
            except IntegrityError as error:
                raise MergeError(
                    f"Both records have {table.name.replace('_', ' ')} that cannot be combined "
                    "automatically. Nothing was merged."
                ) from error
            moved.append({"table": table.name, "column": column.name, "ids": ids})
    return moved


def _consent_flag(stakeholder_id: int, without_records: bool) -> bool:
    """`consent_to_contact` as engage.consent keeps it: a given consent to consultation
    invitations. A person with no consent records at all (none was ever asked for or recorded
    per purpose) keeps `without_records`."""
    rows = db.session.execute(
        db.select(Consent.purpose, Consent.status).where(Consent.stakeholder_id == stakeholder_id)
    ).all()
    if not rows:
        return without_records
    return any(r.purpose == "consultations" and r.status == "given" for r in rows)


# --- undoing ----------------------------------------------------------------------------------


def _date_or_none(value: Any) -> Any:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _restore_entry_values(entry: LogEntry, before: dict[str, Any], after: dict[str, Any]) -> None:
    """Put back each value the merge changed, unless it changed again since."""
    for name in ENTRY_VALUES:
        if _plain(getattr(entry, name)) == after.get(name) and before.get(name) != after.get(name):
            value = before[name]
            setattr(entry, name, _date_or_none(value) if name.endswith("_on") else value)


def undo_merge(merge_id: int, *, actor: Any, now: datetime | None = None) -> StakeholderMerge:
    """Undo a merge within UNDO_DAYS days: raises MergeError with the reason otherwise, or
    PermissionError. Commits once."""
    try:
        merge = _undo(merge_id, actor, now)
        db.session.commit()
    except (IntegrityError, OperationalError) as error:
        db.session.rollback()
        raise MergeError(CONCURRENT.format("undone")) from error
    return merge


def _undo(merge_id: int, actor: Any, now: datetime | None) -> StakeholderMerge:
    if not may_undo(actor):
        raise PermissionError("stakeholder:merge_undo_not_allowed")
    now = now or utcnow()
    _write_first(
        db.update(StakeholderMerge)
        .where(StakeholderMerge.id == merge_id)
        .values(undone_at=StakeholderMerge.undone_at)
    )
    merge = db.session.execute(
        db.select(StakeholderMerge)
        .where(StakeholderMerge.id == merge_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if merge is None:
        raise MergeError("This merge no longer exists")
    if merge.undone_at is not None:
        raise MergeError("This merge has already been undone")
    if now > undo_until(merge):
        raise MergeError(
            f"This merge can no longer be undone: a merge can be undone for {UNDO_DAYS} days, "
            f"and this one was made on {merge.merged_at:%d %B %Y}."
        )
    locked = _lock([merge.kept_id, merge.merged_id])
    kept, other = locked.get(merge.kept_id), locked.get(merge.merged_id)
    if kept is None or other is None or other.merged_into_id != kept.id:
        raise MergeError("These records have changed since the merge and it cannot be undone")
    if kept.merged_into_id is not None:
        raise MergeError(
            "The kept record has since been merged into another record: undo that merge first"
        )
    snap = merge.snapshot
    their_email = snap["merged"]["email"]
    if their_email:
        holder = db.session.execute(
            db.select(Stakeholder.id).where(Stakeholder.email == their_email)
        ).scalar_one_or_none()
        if holder not in (None, kept.id):
            raise MergeError(
                f"The email address {their_email} is now recorded for another person, so the "
                "merged record cannot have it back. Nothing was undone."
            )
    for name in FIELDS:  # the kept record: each value not changed since the merge
        if getattr(kept, name) == snap["after"][name]:
            setattr(kept, name, snap["kept"][name])
    if kept.email == their_email:
        kept.email = None
    db.session.flush()
    for name in FIELDS:
        setattr(other, name, snap["merged"][name])
    other.merged_into_id = None
    db.session.flush()
    _undo_entries(kept, other, merge, snap, actor)
    if snap["contacts"]:
        db.session.execute(
            db.update(Contact)
            .where(Contact.id.in_(snap["contacts"]), Contact.stakeholder_id == kept.id)
            .values(stakeholder_id=other.id)
        )
    for key, model in (("feedback", Feedback), ("responses", ConsultationResponse)):
        for row_id, old_email in snap[key]:
            db.session.execute(
                db.update(model)
                .where(model.id == row_id, model.email == snap["after"]["email"])
                .values(email=old_email)
            )
    for moved in snap["other_rows"]:
        table = db.metadata.tables.get(moved["table"])
        if table is None:  # pragma: no cover - a table dropped since
            continue
        column, pk = table.c[moved["column"]], list(table.primary_key.columns)[0]
        db.session.execute(
            table.update()
            .where(pk.in_(moved["ids"]), column == kept.id)
            .values({column.name: other.id})
        )
    db.session.flush()
    for person in (kept, other):
        person.consent_to_contact = _consent_flag(person.id, person.consent_to_contact)
    merge.undone_at = now
    merge.undone_by_id = getattr(actor, "id", None)
    audit.record(
        "stakeholder.merge_undone",
        actor=actor,
        object_type="stakeholder",
        object_id=kept.id,
        detail={"merge": merge.id, "merged": other.id},
    )
    return merge


def _undo_entries(
    kept: Stakeholder, other: Stakeholder, merge: StakeholderMerge, snap: dict[str, Any], actor: Any
) -> None:
    for entry_id in snap["entries_moved"]:
        entry = db.session.get(LogEntry, entry_id)
        if entry is None or entry.stakeholder_id != kept.id:
            continue  # removed from the log since, or moved again
        entry.stakeholder_id = other.id
        history.record(
            "log_entry.merge_undone",
            entry,
            actor=actor,
            note="moved back: merge undone",
            merge=merge.id,
        )
    for combined in snap["entries_combined"]:
        removed = dict(combined["removed"])
        if db.session.get(LogEntry, removed["id"]) is not None:
            continue  # pragma: no cover - ids are never reused
        target = db.session.get(LogEntry, combined["kept_entry"])
        if target is not None:
            before_undo = _entry_values(target)
            _restore_entry_values(target, combined["before"], combined.get("after", {}))
            history.record(
                "log_entry.merge_undone",
                target,
                actor=actor,
                before=before_undo,
                after=_entry_values(target),
                note="the values the merge combined are back (those not changed since)",
                merge=merge.id,
            )
        if db.session.get(Output, removed["output_id"]) is None:
            continue  # the output itself was deleted since
        restored = LogEntry(
            **{
                key: (
                    _date_or_none(value)
                    if key.endswith("_on")
                    else datetime.fromisoformat(value)
                    if key.endswith("_at") and isinstance(value, str)
                    else value
                )
                for key, value in removed.items()
            }
        )
        restored.stakeholder_id = other.id
        db.session.add(restored)
        db.session.flush()
        history.record(
            "log_entry.merge_undone",
            restored,
            actor=actor,
            note="back in the log: merge undone",
            merge=merge.id,
        )


# --- after the undo period ----------------------------------------------------------------------

FORGOTTEN_NAME = "Merged record"


def forget_expired_merges(now: datetime) -> int:
    """Once a merge can no longer be undone, the personal data kept to undo it is removed: the
    merged record's details and the snapshot's values (ids and counts stay, so the merge page
    still says what moved). Run daily by the retention job; does not commit. The number of
    merges forgotten."""
    expired = list(
        db.session.execute(
            db.select(StakeholderMerge).where(
                StakeholderMerge.merged_at < now - timedelta(days=UNDO_DAYS)
            )
        ).scalars()
    )
    forgotten = 0
    for merge in expired:
        snap = merge.snapshot or {}
        if snap.get("forgotten_at"):
            continue
        merge.snapshot = {
            "forgotten_at": now.isoformat(),
            "entries_moved": snap.get("entries_moved", []),
            "entries_combined": [
                {"kept_entry": c.get("kept_entry")} for c in snap.get("entries_combined", [])
            ],
            "contacts": snap.get("contacts", []),
            "feedback": [[row[0], None] for row in snap.get("feedback", [])],
            "responses": [[row[0], None] for row in snap.get("responses", [])],
            "other_rows": snap.get("other_rows", []),
        }
        flag_modified(merge, "snapshot")
        if merge.undone_at is None:
            db.session.execute(
                db.update(Stakeholder)
                .where(Stakeholder.id == merge.merged_id, Stakeholder.merged_into_id.is_not(None))
                .values(
                    name=FORGOTTEN_NAME,
                    organisation="",
                    email=None,
                    phone=None,
                    consent_to_contact=False,
                    anonymised_at=now,
                )
                .execution_options(synchronize_session=False)
            )
        forgotten += 1
    return forgotten
