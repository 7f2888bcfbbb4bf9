"""Merging two records of one person (issue 21 item 2). Who may, and what a merge would do:
engage/outputs/merge_rules.py; undoing a merge for 30 days: engage/outputs/merge_undo.py.

A merge keeps one record and, field by field, the value chosen from either. Everything of the
other record moves to the kept one in one transaction: its log entries (an entry in a log where
the kept record is too is combined into the kept entry: the higher engagement level, the widest
contact dates, both uses; the note says so in that entry's history), its contacts, the feedback
and consultation responses given with its email address (their address becomes the kept one's),
and any other row pointing at the record (consent records of other areas). The other record
stays, empty and marked `merged_into_id`, with a snapshot (StakeholderMerge.snapshot) of what
moved and what each value was, so that the merge can be undone.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, inspect
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.attributes import flag_modified

from engage import audit
from engage.consent.models import Consent
from engage.consultations.models import ConsultationResponse
from engage.errors import Refusal
from engage.extensions import db
from engage.outputs import history
from engage.outputs.merge_rules import (
    CHOOSABLE,
    FIELDS,
    MergeError,
    MergeStale,
    entries,
    may_merge,
    values,
    version,
)
from engage.outputs.models import Contact, Feedback, LogEntry, Stakeholder, StakeholderMerge
from engage.outputs.userlog import higher_level

ENTRY_VALUES = ("engagement_level", "uses", "source", "first_contact_on", "latest_contact_on")
# Rows that point at a stakeholder and that this module moves itself; any other table with a
# foreign key to stakeholders.id is moved generically (see other_references).
HANDLED = {("log_entries", "stakeholder_id"), ("contacts", "stakeholder_id")}
SKIPPED_TABLES = {"stakeholders", "stakeholder_merges"}
CONCURRENT = "Someone else changed these records at the same time. Nothing was {}: try again."


# --- shared with undoing ----------------------------------------------------------------------


def plain(value: Any) -> Any:
    """A value as the snapshot (JSON) keeps it."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def entry_values(entry: LogEntry) -> dict[str, Any]:
    return {name: plain(getattr(entry, name)) for name in ENTRY_VALUES}


def write_first(statement: Any) -> None:
    """On SQLite, start the transaction with a write (that changes nothing), so that it holds
    the database's write lock before it reads: SQLite has no row locks, and a transaction
    begins at its first write, so two merges of the same records could each read them
    unmerged first. PostgreSQL locks the rows instead (SELECT ... FOR UPDATE, below)."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(statement.execution_options(synchronize_session=False))


def lock(ids: list[int]) -> dict[int, Stakeholder]:
    """The records, locked in id order until the transaction ends, and read afresh."""
    write_first(
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


def consent_flag(stakeholder_id: int, without_records: bool) -> bool:
    """`consent_to_contact` as engage.consent keeps it: a given consent to consultation
    invitations. A person with no consent records at all (none was ever asked for or recorded
    per purpose) keeps `without_records`."""
    rows = db.session.execute(
        db.select(Consent.purpose, Consent.status).where(Consent.stakeholder_id == stakeholder_id)
    ).all()
    if not rows:
        return without_records
    return any(r.purpose == "consultations" and r.status == "given" for r in rows)


# --- merging ----------------------------------------------------------------------------------


def _entry_row(entry: LogEntry) -> dict[str, Any]:
    return {col.key: plain(getattr(entry, col.key)) for col in inspect(entry).mapper.column_attrs}


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
    a message for the page), MergeStale, or Refusal (the actor may not merge these records: the
    app answers 403 with an audit row). Commits once."""
    try:
        merge = _merge(kept_id, other_id, take_from_other, actor, expected_version)
        db.session.commit()
    except (IntegrityError, OperationalError) as error:  # a write of another transaction won
        db.session.rollback()
        raise MergeError(CONCURRENT.format("merged")) from error
    return merge


def _locked_pair(
    kept_id: int,
    other_id: int,
    take_from_other: set[str] | frozenset[str],
    actor: Any,
    expected_version: str | None,
) -> tuple[Stakeholder, Stakeholder]:
    """Both records, locked, once every rule of a merge holds for them."""
    if kept_id == other_id:
        raise MergeError("Choose two different records to merge")
    locked = lock([kept_id, other_id])
    kept = _check_mergeable(locked.get(kept_id))
    other = _check_mergeable(locked.get(other_id))
    if not may_merge(actor, kept, other):
        raise Refusal("stakeholder:merge_not_allowed")
    if (
        expected_version is not None
        and version(*sorted((kept, other), key=lambda p: p.id)) != expected_version
    ):
        raise MergeStale(
            "One of these records changed after you chose what to keep. Check the values and "
            "merge again."
        )
    if set(take_from_other) - set(CHOOSABLE):
        raise MergeError("Choose values of the person's details only")
    return kept, other


def _merge(
    kept_id: int,
    other_id: int,
    take_from_other: set[str] | frozenset[str],
    actor: Any,
    expected_version: str | None,
) -> StakeholderMerge:
    kept, other = _locked_pair(kept_id, other_id, take_from_other, actor, expected_version)
    before_kept, before_other = values(kept), values(other)
    after = {
        name: before_other[name] if name in take_from_other else before_kept[name]
        for name in FIELDS
    }
    snapshot: dict[str, Any] = {"kept": before_kept, "merged": before_other, "after": after}
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
    snapshot.update(_move_entries(kept, other, merge, actor))
    snapshot.update(_move_rows(kept, other, [before_kept["email"], before_other["email"]], after))
    kept.consent_to_contact = consent_flag(
        kept.id, before_kept["consent_to_contact"] or before_other["consent_to_contact"]
    )
    after["consent_to_contact"] = kept.consent_to_contact
    merge.snapshot = snapshot
    flag_modified(merge, "snapshot")  # JSON columns do not track changes made in place
    db.session.flush()
    _audit(merge, kept, other, take_from_other, actor)
    return merge


def _audit(
    merge: StakeholderMerge,
    kept: Stakeholder,
    other: Stakeholder,
    take_from_other: set[str] | frozenset[str],
    actor: Any,
) -> None:
    counted = ("entries_moved", "entries_combined", "contacts", "feedback", "responses")
    audit.record(
        "stakeholder.merged",
        actor=actor,
        object_type="stakeholder",
        object_id=kept.id,
        detail={
            "merge": merge.id,
            "merged": other.id,
            "fields_from_merged": sorted(take_from_other),  # names only: values are personal
            **{key: len(merge.snapshot[key]) for key in counted},
        },
    )


def _move_rows(
    kept: Stakeholder, other: Stakeholder, old_emails: list[str | None], after: dict[str, Any]
) -> dict[str, Any]:
    """Contacts, feedback and responses given with an old address, and other areas' rows, move
    to the kept record: the snapshot's lists of what moved."""
    contact_ids = list(
        db.session.execute(
            db.select(Contact.id).where(Contact.stakeholder_id == other.id)
        ).scalars()
    )
    if contact_ids:
        db.session.execute(
            db.update(Contact).where(Contact.id.in_(contact_ids)).values(stakeholder_id=kept.id)
        )
    return {
        "contacts": contact_ids,
        "feedback": _readdress(Feedback, old_emails, after["email"]),
        "responses": _readdress(ConsultationResponse, old_emails, after["email"]),
        "other_rows": _move_other_references(other.id, kept.id),
    }


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
    kept: Stakeholder, other: Stakeholder, merge: StakeholderMerge, actor: Any
) -> dict[str, list[Any]]:
    """The other record's log entries move, or are combined into the kept record's entry in the
    same log: the snapshot's `entries_moved` and `entries_combined`."""
    moved: list[int] = []
    combined: list[dict[str, Any]] = []
    kept_entries = {e.output_id: e for e in entries(kept.id)}
    for entry in entries(other.id):
        target = kept_entries.get(entry.output_id)
        if target is not None:
            combined.append(_combine_into(target, entry, merge, actor))
            continue
        entry.stakeholder_id = kept.id
        moved.append(entry.id)
        history.record(
            "log_entry.merged",
            entry,
            actor=actor,
            note="moved to the kept record of a merge of two records of one person",
            merge=merge.id,
        )
    return {"entries_moved": moved, "entries_combined": combined}


def _combine_into(
    target: LogEntry, entry: LogEntry, merge: StakeholderMerge, actor: Any
) -> dict[str, Any]:
    """`entry` combined into `target` and removed, each with its history: what the snapshot
    keeps to undo it."""
    before = entry_values(target)
    removed = _entry_row(entry)
    notes = _combine(target, entry)
    history.record(
        "log_entry.merged",
        target,
        actor=actor,
        before=before,
        after=entry_values(target),
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
    db.session.delete(entry)
    db.session.flush()
    return {
        "removed": removed,
        "kept_entry": target.id,
        "before": before,
        "after": entry_values(target),
    }


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


def other_references() -> list[tuple[Any, Any]]:
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
    for table, column in other_references():
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
