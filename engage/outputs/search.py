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

from sqlalchemy import Select, String, and_, bindparam, false, func, literal, or_

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


def _starts_with(column: Any, text: str, dialect: str) -> Any:
    """SQL: `column` starts with `text`, in the form its prefix index serves. PostgreSQL:
    LIKE 'text%' (text_pattern_ops indexes), the pattern written into the statement: psycopg
    prepares a statement it has run five times, and PostgreSQL's generic plan for LIKE $1
    cannot read an index range (measured at 10,000 stakeholders: a producer's two-letter search
    went from 2.5 ms to 8 ms once prepared). SQLite does not use an index on an expression
    for LIKE, so there it is the equivalent range text <= column < (text with its last
    character's next code point): in SQLite's binary order, exactly the strings starting with
    `text`. Measured at 10,000 stakeholders (bench/bench_stakeholder_search.py): a search that
    read every row in name order (15 ms of SQL) reads three index ranges instead."""
    last = ord(text[-1])
    if dialect == "sqlite" and last < 0x10FFFF and not 0xD7FF <= last <= 0xDFFF:
        return and_(column >= text, column < text[:-1] + chr(last + 1))
    pattern = bindparam(None, _like_prefix(text), type_=String(), literal_execute=True)
    return column.like(pattern, escape="\\")


def matching_query(user: Any, query: str, dialect: str) -> Select:
    """The people whose name, organisation or email address starts with `query` (already
    cleaned), that this user may find, in name order: id, name, organisation, email and
    kept_elsewhere (true for someone also in a log this user does not keep, who is shown by
    their email address alone). A producer finds people in their own logs; one also in a log
    they do not keep (access.kept_elsewhere_clause) only by the start of their email address.
    Who is kept elsewhere is read in the same statement (one round trip, not two)."""
    matches = [
        or_(
            _starts_with(func.lower(Stakeholder.name), query, dialect),
            _starts_with(func.lower(Stakeholder.organisation), query, dialect),
            _starts_with(Stakeholder.email, query, dialect),
        ),
        Stakeholder.anonymised_at.is_(None),
        Stakeholder.merged_into_id.is_(None),  # merged into another record (merging.py)
    ]
    columns = (Stakeholder.id, Stakeholder.name, Stakeholder.organisation, Stakeholder.email)
    if access.sees_all_logs(user):
        return (
            db.select(*columns, false().label("kept_elsewhere"))
            .where(*matches)
            .order_by(func.lower(Stakeholder.name), Stakeholder.id)
        )
    owned = db.select(output_producers.c.output_id).where(output_producers.c.user_id == user.id)
    in_my_logs = db.select(LogEntry.stakeholder_id).where(LogEntry.output_id.in_(owned))
    if dialect != "postgresql":
        kept = access.kept_elsewhere_clause(user)
        return (
            db.select(*columns, kept.label("kept_elsewhere"))
            .where(
                *matches,
                Stakeholder.id.in_(in_my_logs),
                or_(_starts_with(Stakeholder.email, query, dialect), ~kept),
            )
            .order_by(func.lower(Stakeholder.name), Stakeholder.id)
        )
    # PostgreSQL: the people in the producer's logs, once, hash-joined with those the prefix
    # indexes find; only then, for those few, the probe for other logs. Left to itself the
    # planner starts from everyone in the producer's logs and looks each one up (measured at
    # 10,000 stakeholders, a word that starts a fifth of all organisations: 14 ms -> 9 ms
    # median under load; the fences are the MATERIALIZED common table expressions).
    mine = in_my_logs.distinct().cte("mine").prefix_with("MATERIALIZED")
    found = (
        db.select(*columns)
        .join(mine, mine.c.stakeholder_id == Stakeholder.id)
        .where(*matches)
        .cte("found")
        .prefix_with("MATERIALIZED")
    )
    kept = (
        db.select(literal(1))
        .where(LogEntry.stakeholder_id == found.c.id, LogEntry.output_id.not_in(owned))
        .limit(1)
        .scalar_subquery()
        .is_not(None)
    )
    return (
        db.select(found.c.id, found.c.name, found.c.organisation, found.c.email)
        .add_columns(kept.label("kept_elsewhere"))
        .where(or_(_starts_with(found.c.email, query, dialect), ~kept))
        .order_by(func.lower(found.c.name), found.c.id)
    )


def search_people(user: Any, text: str | None) -> list[Found]:
    """Up to LIMIT people this user may find, in name order. Nothing for a query shorter than
    MIN_QUERY characters."""
    query = clean_query(text)
    if len(query) < MIN_QUERY or not may_search(user):
        return []
    rows = db.session.execute(
        matching_query(user, query, db.session.get_bind().dialect.name).limit(LIMIT)
    ).all()
    return [
        Found(r.id, r.email, "", r.email)
        if r.kept_elsewhere
        else Found(r.id, r.name, r.organisation, r.email)
        for r in rows
    ]
