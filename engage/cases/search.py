"""Finding cases: by reference (any case, with or without the `C-`), by the requester's name,
email address or postcode, and by words in the subject or message.

One function, `search_cases(user, text)`, whichever the database: PostgreSQL's full-text search
over the GIN index `ix_cases_search`, SQLite's FTS5 table `case_search` (both in
engage.cases.search_index). Every word must match, as the start of a word: `smi` finds Smith.
Only the cases the user may see are ever looked at (`visible_cases`), so a producer cannot learn
from a search, its count or its speed that a complaint they do not handle exists.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Select, column, literal_column, table
from sqlalchemy.sql.elements import ColumnElement

from engage.cases.access import visible_cases
from engage.cases.models import Case
from engage.cases.search_index import FTS_TABLE, SEARCH_DOCUMENT_PG
from engage.extensions import db

MAX_WORDS = 8
MAX_WORD_LENGTH = 40
QUERY_MAX = 200  # characters of the search box that are read at all
RESULTS_MAX = 1000  # cases listed at most (newest first); more asks for more words

_WORD = re.compile(r"[^\W_]+")
_REFERENCE = re.compile(r"^\s*C?\s*[-/ ]?\s*(\d{4})\s*[-/ ]\s*(\d{1,9})\s*$", re.IGNORECASE)


def normalise_reference(text: str | None) -> str | None:
    """`c-2026-00021`, `C2026-21` or `2026/00021` -> `C-2026-00021`; None if not a reference."""
    match = _REFERENCE.match((text or "")[:QUERY_MAX])
    if match is None:
        return None
    year, number = match.groups()
    return f"C-{year}-{int(number):05d}"


def search_words(text: str | None) -> list[str]:
    """The words a search looks for: letters and digits, lower-cased, at most MAX_WORDS of at
    most MAX_WORD_LENGTH characters each (the rest of a very long word is not needed to find
    it by its start)."""
    words = _WORD.findall((text or "")[:QUERY_MAX].lower())
    unique = list(dict.fromkeys(w[:MAX_WORD_LENGTH] for w in words))
    return unique[:MAX_WORDS]


def _matches(words: list[str], *, in_list_order: bool = True) -> ColumnElement[bool]:
    if db.session.get_bind().dialect.name == "postgresql":
        query = " & ".join(f"{w}:*" for w in words)
        return SEARCH_DOCUMENT_PG.op("@@")(
            db.func.to_tsquery(literal_column("'simple'::regconfig"), query)
        )
    fts = table(FTS_TABLE, column("rowid"))
    query = " AND ".join(f'"{w}"*' for w in words)
    # `+cases.id`, not `cases.id`: SQLite then walks ix_cases_received_at_id newest first and
    # tests each case against the matches, stopping at the page's end, instead of fetching
    # every match by rowid and sorting them all (a word found in every message: 0.4 s against
    # 0.03 s at 100,000 cases; bench/results.md).
    matching = db.select(fts.c.rowid).where(literal_column(FTS_TABLE).op("MATCH")(query))
    if not in_list_order:  # counting: fetch the matches by rowid (few for a rare word)
        return Case.id.in_(matching)
    return literal_column(f"+{Case.__tablename__}.id").in_(matching)


def search_cases(user: Any, text: str | None, *, in_list_order: bool = True) -> Select | None:
    """The cases `user` may see that match `text`, newest first; None when `text` holds nothing
    to look for. A reference also finds its case when it is written another way.
    `in_list_order=False`: the same cases, read in the way that is quicker to count."""
    words = search_words(text)
    if not words:
        return None
    condition = _matches(words, in_list_order=in_list_order)
    reference = normalise_reference(text)
    if reference is not None:
        condition = db.or_(Case.reference == reference, condition)
    return (
        db.select(Case)
        .where(visible_cases(user), condition)
        .order_by(Case.received_at.desc(), Case.id.desc())
    )


def count_up_to(user: Any, text: str | None, limit: int = RESULTS_MAX) -> int:
    """How many cases `search_cases(user, text)` finds, counting no further than `limit` + 1
    (a word found in every message would otherwise make each search count the whole table:
    2.2 s on PostgreSQL at 100,000 cases)."""
    query = search_cases(user, text, in_list_order=False)
    if query is None:
        return 0
    capped = query.order_by(None).with_only_columns(Case.id).limit(limit + 1).subquery()
    return int(db.session.execute(db.select(db.func.count()).select_from(capped)).scalar_one())


def find_by_reference(user: Any, text: str | None) -> Case | None:
    """The one case `user` may see whose reference `text` is, however written; else None."""
    reference = normalise_reference(text)
    if reference is None:
        return None
    return db.session.execute(
        db.select(Case).where(Case.reference == reference, visible_cases(user))
    ).scalar_one_or_none()
