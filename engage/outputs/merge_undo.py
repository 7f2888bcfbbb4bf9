"""Undoing a merge of two records of one person (engage/outputs/merging.py) for UNDO_DAYS days,
and forgetting what was kept to undo it once it can no longer be undone.

Undoing moves back what is still where the merge put it (StakeholderMerge.snapshot says what
moved) and restores each value not changed since. Only those who keep every log may undo
(merge_rules.may_undo).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.attributes import flag_modified

from engage import audit
from engage.consultations.models import ConsultationResponse
from engage.db_types import utcnow
from engage.errors import Refusal
from engage.extensions import db
from engage.outputs import history
from engage.outputs.merge_rules import (
    FIELDS,
    UNDO_DAYS,
    MergeError,
    may_undo,
    why_not_undoable,
)
from engage.outputs.merging import (
    CONCURRENT,
    ENTRY_VALUES,
    consent_flag,
    entry_values,
    lock,
    plain,
    write_first,
)
from engage.outputs.models import Contact, Feedback, LogEntry, Output, Stakeholder, StakeholderMerge

FORGOTTEN_NAME = "Merged record"


def _date_or_none(value: Any) -> Any:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _restore_entry_values(entry: LogEntry, before: dict[str, Any], after: dict[str, Any]) -> None:
    """Put back each value the merge changed, unless it changed again since."""
    for name in ENTRY_VALUES:
        if plain(getattr(entry, name)) == after.get(name) and before.get(name) != after.get(name):
            value = before[name]
            setattr(entry, name, _date_or_none(value) if name.endswith("_on") else value)


def undo_merge(merge_id: int, *, actor: Any, now: datetime | None = None) -> StakeholderMerge:
    """Undo a merge within UNDO_DAYS days: raises MergeError with the reason otherwise, or
    Refusal (the actor may not undo merges: 403 with an audit row). Commits once."""
    try:
        merge = _undo(merge_id, actor, now)
        db.session.commit()
    except (IntegrityError, OperationalError) as error:
        db.session.rollback()
        raise MergeError(CONCURRENT.format("undone")) from error
    return merge


def _locked_merge(merge_id: int, now: datetime) -> StakeholderMerge:
    """The merge, locked, if it can still be undone."""
    write_first(
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
    refusal = why_not_undoable(merge, now)
    if refusal:
        raise MergeError(refusal)
    return merge


def _locked_records(merge: StakeholderMerge) -> tuple[Stakeholder, Stakeholder]:
    """The kept and the merged record, locked, if they are still as the merge left them and the
    merged record can have its email address back."""
    locked = lock([merge.kept_id, merge.merged_id])
    kept, other = locked.get(merge.kept_id), locked.get(merge.merged_id)
    if kept is None or other is None or other.merged_into_id != kept.id:
        raise MergeError("These records have changed since the merge and it cannot be undone")
    if kept.merged_into_id is not None:
        raise MergeError(
            "The kept record has since been merged into another record: undo that merge first"
        )
    their_email = merge.snapshot["merged"]["email"]
    if their_email:
        holder = db.session.execute(
            db.select(Stakeholder.id).where(Stakeholder.email == their_email)
        ).scalar_one_or_none()
        if holder not in (None, kept.id):
            raise MergeError(
                f"The email address {their_email} is now recorded for another person, so the "
                "merged record cannot have it back. Nothing was undone."
            )
    return kept, other


def _undo(merge_id: int, actor: Any, now: datetime | None) -> StakeholderMerge:
    if not may_undo(actor):
        raise Refusal("stakeholder:merge_undo_not_allowed")
    now = now or utcnow()
    merge = _locked_merge(merge_id, now)
    kept, other = _locked_records(merge)
    snap = merge.snapshot
    for name in FIELDS:  # the kept record: each value not changed since the merge
        if getattr(kept, name) == snap["after"][name]:
            setattr(kept, name, snap["kept"][name])
    if kept.email == snap["merged"]["email"]:
        kept.email = None
    db.session.flush()
    for name in FIELDS:
        setattr(other, name, snap["merged"][name])
    other.merged_into_id = None
    db.session.flush()
    _undo_entries(kept, other, merge, snap, actor)
    _move_rows_back(kept, other, snap)
    db.session.flush()
    for person in (kept, other):
        person.consent_to_contact = consent_flag(person.id, person.consent_to_contact)
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


def _move_rows_back(kept: Stakeholder, other: Stakeholder, snap: dict[str, Any]) -> None:
    """Contacts, addresses of feedback and responses, and other areas' rows: back where they
    were, each unless it changed since the merge."""
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
        _uncombine(combined, other, merge, actor)


def _uncombine(
    combined: dict[str, Any], other: Stakeholder, merge: StakeholderMerge, actor: Any
) -> None:
    """The kept entry gets back its values (those not changed since); the other record's entry
    combined into it is back in the log (unless its output was deleted since)."""
    removed = dict(combined["removed"])
    if db.session.get(LogEntry, removed["id"]) is not None:
        return  # pragma: no cover - ids are never reused
    target = db.session.get(LogEntry, combined["kept_entry"])
    if target is not None:
        before_undo = entry_values(target)
        _restore_entry_values(target, combined["before"], combined.get("after", {}))
        history.record(
            "log_entry.merge_undone",
            target,
            actor=actor,
            before=before_undo,
            after=entry_values(target),
            note="the values the merge combined are back (those not changed since)",
            merge=merge.id,
        )
    if db.session.get(Output, removed["output_id"]) is None:
        return  # the output itself was deleted since
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
