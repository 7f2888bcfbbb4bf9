"""Changing several log entries at once (issue 21 item 9): a new engagement level for each, or
removal from the log, always with a reason that goes into each entry's history.

Every selected entry must be in the one log being changed and the actor must be allowed to
edit that log; otherwise nothing changes (a Refusal: the app answers 403 and writes the audit
row). A selected entry that no longer exists (removed by someone else meanwhile) is refused the
same way, with a message rather than a 403 (StaleSelection).
"""

from __future__ import annotations

from typing import Any

from engage.errors import Refusal, RuleError
from engage.extensions import db
from engage.outputs import access, history
from engage.outputs.models import LogEntry, Output
from engage.vocab import LEVEL_ORDER

MAX_SELECTED = 200  # a page of the log is 50; a few pages' worth at most
MAX_REASON = 500


class BulkError(RuleError):
    """A rule of the bulk change refused it (engage/errors.py): `BulkError(message, field)`."""


class StaleSelection(BulkError):
    """Some selected entries are gone (removed meanwhile)."""


def selected_entries(output: Output, ids: list[int], actor: Any) -> list[LogEntry]:
    """The selected entries of `output`'s log, checked (see the module docstring)."""
    wanted = sorted(set(ids))
    if not wanted:
        raise BulkError("Select the users to change", "entry")
    if len(wanted) > MAX_SELECTED:
        raise BulkError(f"Select {MAX_SELECTED} users or fewer at a time", "entry")
    if not access.can_edit_log(actor, output):
        raise Refusal("user_log:not_owner")
    entries = list(
        db.session.execute(
            db.select(LogEntry).where(LogEntry.id.in_(wanted)).order_by(LogEntry.id)
        ).scalars()
    )
    if any(e.output_id != output.id for e in entries):
        raise Refusal("user_log:entry_of_another_log")
    if len(entries) != len(wanted):
        raise StaleSelection(
            "Some of the users you selected are no longer in this log. Nothing was changed: "
            "select them again.",
            "entry",
        )
    return entries


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise BulkError("Enter the reason for the change", "reason")
    if len(reason) > MAX_REASON:
        raise BulkError(f"Reason must be {MAX_REASON} characters or fewer", "reason")
    return reason


def change_level(output: Output, ids: list[int], level: str, reason: str, actor: Any) -> int:
    """Set the engagement level of every selected entry; the number changed (those already at
    that level are left alone, without history). Commits once."""
    if level not in LEVEL_ORDER:
        raise BulkError("Select the new engagement level", "level")
    reason = _reason(reason)
    changed = 0
    for entry in selected_entries(output, ids, actor):
        if entry.engagement_level == level:
            continue
        before = history.entry_values(entry)
        entry.engagement_level = level
        history.record(
            "log_entry.bulk_level",
            entry,
            actor=actor,
            before=before,
            after=history.entry_values(entry),
            reason=reason,
            output=output.slug,
        )
        changed += 1
    db.session.commit()
    return changed


def remove_entries(output: Output, ids: list[int], reason: str, actor: Any) -> int:
    """Take every selected entry out of the log (contacts stay on the person). Commits once."""
    reason = _reason(reason)
    entries = selected_entries(output, ids, actor)
    for entry in entries:
        history.record(
            "log_entry.bulk_removed",
            entry,
            actor=actor,
            reason=reason,
            output=output.slug,
            level=entry.engagement_level,
        )
        db.session.delete(entry)
    db.session.commit()
    return len(entries)
