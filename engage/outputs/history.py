"""The history of a log entry: who changed what, and when (issue 21 item 8).

Kept in the append-only audit log (engage.audit), as events with object_type "log_entry" and
the entry's id, so that the one existing record of who did what is also the entry's history
(index ix_audit_events_object serves the lookup). Every writer of a log entry records here:
userlog.add_to_log (added, or refreshed by the public), logs.update_entry, logs.remove_entry,
logs.record_contact (the contact dates), importing.apply_import (added, updated), bulk changes
(bulk.py), merges and their undoing (merging.py) and retention (anonymised).

Values are kept for the entry's own coded fields (level, source, dates): they are not personal
data. Free text (what they use the statistics for) and the person's details are kept by name
only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from engage import audit
from engage.audit import AuditEvent
from engage.auth.models import User
from engage.extensions import db
from engage.outputs.models import LogEntry
from engage.vocab import ENGAGEMENT_LEVEL_SHORT, LOG_SOURCES

OBJECT_TYPE = "log_entry"
NO_STAFF = "No staff user: a public form or Engage itself"
SHOWN_VALUES = ("engagement_level", "source", "first_contact_on", "latest_contact_on")
FIELD_LABELS = {
    "engagement_level": "Engagement level",
    "source": "Source",
    "first_contact_on": "First contact",
    "latest_contact_on": "Latest contact",
    "uses": "Uses",
    "name": "Name",
    "organisation": "Organisation",
    "email": "Email",
    "phone": "Phone",
    "category": "Category",
    "consent_to_contact": "Consent to contact",
}
ACTIONS = {
    "log_entry.added": "Added to the log",
    "log_entry.refreshed": "Joined again (feedback or consultation response)",
    "log_entry.updated": "Changed",
    "log_entry.removed": "Removed from the log",
    "log_entry.contact": "Contact recorded",
    "log_entry.imported": "Changed by an import",
    "log_entry.bulk_level": "Level changed (several entries at once)",
    "log_entry.bulk_removed": "Removed (several entries at once)",
    "log_entry.merged": "Records of one person merged",
    "log_entry.merge_undone": "Merge undone",
    "log_entry.anonymised": "Anonymised under the retention policy",
}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


ENTRY_VALUES = ("engagement_level", "uses", "source", "first_contact_on", "latest_contact_on")


def entry_values(entry: LogEntry) -> dict[str, Any]:
    """The entry's own values, as a history row compares them."""
    return {name: _plain(getattr(entry, name)) for name in ENTRY_VALUES}


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """What a history row keeps of a change: {"changes": {field: [old, new]}} for the shown
    values, {"fields": [...]} naming every changed field."""
    changed = [name for name in after if _plain(before.get(name)) != _plain(after[name])]
    detail: dict[str, Any] = {}
    if changed:
        detail["fields"] = changed
    shown = {
        name: [_plain(before.get(name)), _plain(after[name])]
        for name in changed
        if name in SHOWN_VALUES
    }
    if shown:
        detail["changes"] = shown
    return detail


def record(
    action: str,
    entry: LogEntry,
    *,
    actor: Any,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str | None = None,
    **extra: Any,
) -> AuditEvent:
    """One history row for `entry` (flushed, so it has an id), in the caller's transaction."""
    detail: dict[str, Any] = {"output_id": entry.output_id, "stakeholder": entry.stakeholder_id}
    if before is not None and after is not None:
        detail |= changes(before, after)
    if note:
        detail["note"] = note
    detail |= extra
    return audit.record(
        action, actor=actor, object_type=OBJECT_TYPE, object_id=entry.id, detail=detail
    )


@dataclass(frozen=True)
class HistoryRow:
    at: datetime
    who: str
    what: str
    details: list[str]


def _shown(field: str, value: Any) -> str:
    if value in (None, ""):
        return "not recorded"
    if field == "engagement_level":
        return ENGAGEMENT_LEVEL_SHORT.get(value, value)
    if field == "source":
        return LOG_SOURCES.get(value, value)
    if field.endswith("_on"):
        try:
            return date.fromisoformat(value).strftime("%-d %b %Y")
        except (TypeError, ValueError):
            return str(value)
    return str(value)


def describe(detail: dict[str, Any] | None) -> list[str]:
    """The lines of a history row's details, in words."""
    detail = detail or {}
    lines = []
    for field, (old, new) in (detail.get("changes") or {}).items():
        label = FIELD_LABELS.get(field, field)
        lines.append(f"{label}: {_shown(field, old)} → {_shown(field, new)}")
    shown = set(detail.get("changes") or {})
    others = [
        FIELD_LABELS.get(f, f)
        for f in (detail.get("fields") or []) + (detail.get("person_fields_changed") or [])
        if f not in shown
    ]
    if others:
        lines.append("Also changed: " + ", ".join(others))
    if "level" in detail and "changes" not in detail:
        lines.append(f"Engagement level: {_shown('engagement_level', detail['level'])}")
    if detail.get("source") and "changes" not in detail:
        lines.append(f"Source: {_shown('source', detail['source'])}")
    if detail.get("note"):
        lines.append(str(detail["note"]))
    if detail.get("reason"):
        lines.append(f"Reason: {detail['reason']}")
    return lines


def entry_history(entry_id: int) -> list[HistoryRow]:
    """Every history row of one log entry, oldest first."""
    rows = db.session.execute(
        db.select(AuditEvent, User.name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.object_type == OBJECT_TYPE, AuditEvent.object_id == str(entry_id))
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    return [
        HistoryRow(
            at=event.at,
            who=name or (NO_STAFF if event.actor_id is None else "A former user"),
            what=ACTIONS.get(event.action, event.action),
            details=describe(event.detail),
        )
        for event, name in rows
    ]
