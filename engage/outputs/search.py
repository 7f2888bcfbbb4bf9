"""Finding people in user logs by the start of their name, organisation or email address.

Who finds whom (the shared-stakeholder rule, engage/outputs/access.py): those who keep every
log (the CSO office, administrators) find anyone. A producer finds only people in the logs of
outputs they own; a person who is also in a log the producer does not keep is found by their
email address alone and shown by it alone, so a search never tells anyone a name,
organisation or phone recorded by another log. Matching is by prefix on indexed expressions
(migration 5c1e0a9b7d21): the start of the name, the organisation or the email address.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_

from engage.extensions import db
from engage.outputs import access
from engage.outputs.models import LogEntry, Stakeholder, output_producers

MAX_QUERY = 100
MIN_QUERY = 2
LIMIT = 50


@dataclass(frozen=True)
class Found:
    stakeholder_id: int
    label: str  # the name, or the email address when the name may not be shown
    organisation: str  # empty when it may not be shown
    email: str | None


def clean_query(text: str | None) -> str:
    """Lower case, control characters (NUL included) dropped, spaces squeezed, bounded."""
    text = "".join(c for c in (text or "") if unicodedata.category(c)[0] != "C")
    return " ".join(text.split()).lower()[:MAX_QUERY]


def _like_prefix(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def may_search(user: Any) -> bool:
    return access.sees_all_logs(user) or (
        access.has_edit_permission(user) and user.has_role("producer")
    )


def search_people(user: Any, text: str | None) -> list[Found]:
    """Up to LIMIT people this user may find, in name order. Nothing for a query shorter than
    MIN_QUERY characters."""
    query = clean_query(text)
    if len(query) < MIN_QUERY or not may_search(user):
        return []
    pattern = _like_prefix(query)
    matches = or_(
        func.lower(Stakeholder.name).like(pattern, escape="\\"),
        func.lower(Stakeholder.organisation).like(pattern, escape="\\"),
        Stakeholder.email.like(pattern, escape="\\"),
    )
    select = (
        db.select(Stakeholder.id, Stakeholder.name, Stakeholder.organisation, Stakeholder.email)
        .where(matches, Stakeholder.anonymised_at.is_(None), Stakeholder.merged_into_id.is_(None))
        .order_by(func.lower(Stakeholder.name), Stakeholder.id)
    )
    every = access.sees_all_logs(user)
    if not every:
        owned = db.select(output_producers.c.output_id).where(output_producers.c.user_id == user.id)
        select = select.where(
            Stakeholder.id.in_(
                db.select(LogEntry.stakeholder_id).where(LogEntry.output_id.in_(owned))
            )
        )
    # Producers: more rows than shown, as some may be dropped below (matched by a name that
    # may not be shown).
    rows = db.session.execute(select.limit(LIMIT if every else LIMIT * 4)).all()
    hidden = set() if every else access.people_kept_elsewhere(user, [r.id for r in rows])
    found: list[Found] = []
    for row in rows:
        if row.id in hidden:
            if not (row.email or "").startswith(query):
                continue  # found by a name or organisation this user may not see
            found.append(Found(row.id, row.email, "", row.email))
        else:
            found.append(Found(row.id, row.name, row.organisation, row.email))
        if len(found) == LIMIT:
            break
    return found
