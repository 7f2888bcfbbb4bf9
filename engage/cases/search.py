"""Finding cases: by reference (any case, with or without the `C-`), by the requester's name,
email address or postcode, and by words in the subject or message.

`search_cases(user, text)`, whichever the database: PostgreSQL's full-text search over the
stored column `cases.search_document` and its GIN index, SQLite's FTS5 table `case_search`
(both in engage.cases.search_index). Every word must match, as the start of a word: `smi` finds
Smith. Only the cases the user may see are ever looked at (`visible_cases`), so a producer
cannot learn from a search, its count or its speed that a complaint they do not handle exists.

One statement finds the matches: at most RESULTS_MAX + 1 of them, the most recently entered
first (SQLite reads them from the FTS5 index newest first and stops there; PostgreSQL walks the
primary key backwards, testing each case against its stored vector, or reads the GIN index for
a rare word), with only their id and received time; they are listed newest received first.
The count, the "more than" and the page all come from that one reading (it was a COUNT and a
page query, each matching every case: 0.1 s per search at 100,000 cases; bench/results.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, column, literal_column, table
from sqlalchemy.sql.elements import ColumnElement

from engage.auth.permissions import is_office
from engage.cases.access import visible_cases
from engage.cases.models import Case
from engage.cases.search_index import FTS_TABLE, INDEXED_COLUMNS, SEARCH_DOCUMENT_PG
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


def _postgresql(words: list[str]) -> ColumnElement[bool]:
    query = " & ".join(f"{w}:*" for w in words)
    return SEARCH_DOCUMENT_PG.op("@@")(
        db.func.to_tsquery(literal_column("'simple'::regconfig"), query)
    )


def _sqlite_match(words: list[str]) -> str:
    return " AND ".join(f'"{w}"*' for w in words)


def search_query(user: Any, text: str | None, limit: int = RESULTS_MAX) -> Select | None:
    """(id, received_at) of at most `limit` + 1 cases `user` may see that match the words of
    `text`, the most recently entered first; None when `text` holds nothing to look for."""
    words = search_words(text)
    if not words:
        return None
    if db.session.get_bind().dialect.name == "postgresql":
        return (
            db.select(Case.id, Case.received_at)
            .where(visible_cases(user), _postgresql(words))
            .order_by(Case.id.desc())
            .limit(limit + 1)
        )
    fts = table(FTS_TABLE, column("rowid"))
    match = literal_column(FTS_TABLE).op("MATCH")(_sqlite_match(words))
    if not is_office(user):
        # Someone who sees only the cases assigned to them: their cases (by the index on the
        # assignee) tested against the set of matches, not every match tested against them
        # (a word in every message: 20 ms against 90 ms at 100,000 cases, 1,337 of them theirs).
        # `+cases.id`: SQLite then reads the user's cases by the assignee index and looks each
        # up in the matches, instead of reading every match's case by its id.
        matching = db.select(fts.c.rowid).where(match)
        return (
            db.select(Case.id, Case.received_at)
            .where(visible_cases(user), literal_column(f"+{Case.__tablename__}.id").in_(matching))
            .order_by(Case.id.desc())
            .limit(limit + 1)
        )
    # The CSO office sees every case: driven by the FTS5 index, newest rowid first, it stops
    # at the limit instead of fetching every match and sorting them all.
    return (
        db.select(Case.id, Case.received_at)
        .select_from(fts.join(Case, Case.id == fts.c.rowid))
        .where(match, visible_cases(user))
        .order_by(fts.c.rowid.desc())
        .limit(limit + 1)
    )


@dataclass(frozen=True)
class Found:
    """What a search found: the ids of at most RESULTS_MAX cases, newest received first, and
    whether more cases matched than are listed."""

    ids: list[int]
    more: bool

    def cases(self, start: int = 0, stop: int | None = None) -> list[Case]:
        """The cases found, newest received first, from `start` to `stop` (a page)."""
        ids = self.ids[start:stop]
        if not ids:
            return []
        by_id = {
            c.id: c for c in db.session.execute(db.select(Case).where(Case.id.in_(ids))).scalars()
        }
        return [by_id[i] for i in ids if i in by_id]


# SQLite's FTS5 table indexes the first 2 to 10 characters of every word (prefix='2 3 ... 10'):
# a longer search word is matched by merging every word of the index that starts with it, all
# of them, before anything else. So such a search first asks the prefix indexes for the cases
# with words that start with the first 10 characters of each word, newest first, at most
# FEW + 1 of them (a moment); when there are no more than FEW, those cases' own words are read
# and checked, and nothing else is done. Only a search that common reads the full index.
PREFIX_INDEXED = 10
FEW = 100


def _tokens(row: Any) -> list[str]:
    """The words of a case as the full-text index has them (runs of letters and digits,
    lower-cased)."""
    text = " ".join(str(getattr(row, name) or "") for name in INDEXED_COLUMNS)
    return _WORD.findall(text.lower())


def _few_sqlite(user: Any, words: list[str], reference: str | None) -> list[Any] | None:
    """(id, received_at) of the matches, when the prefix indexes find no more than FEW
    candidates (two statements); None when they find more."""
    fts = table(FTS_TABLE, column("rowid"))
    short = list(dict.fromkeys(w[:PREFIX_INDEXED] for w in words))
    candidates = list(
        db.session.execute(
            db.select(fts.c.rowid)
            .where(literal_column(FTS_TABLE).op("MATCH")(_sqlite_match(short)))
            .order_by(fts.c.rowid.desc())
            .limit(FEW + 1)
        ).scalars()
    )
    if len(candidates) > FEW:
        return None
    wanted = Case.id.in_(candidates)
    if reference is not None:
        wanted = db.or_(wanted, Case.reference == reference)
    rows = db.session.execute(
        db.select(Case.id, Case.received_at, *(getattr(Case, c) for c in INDEXED_COLUMNS)).where(
            visible_cases(user), wanted
        )
    )
    found = []
    for row in rows:
        tokens = _tokens(row)
        if row.reference == reference or all(any(t.startswith(w) for t in tokens) for w in words):
            found.append((row.id, row.received_at))
    return found


def search_cases(user: Any, text: str | None, limit: int = RESULTS_MAX) -> Found | None:
    """The cases `user` may see that match `text` (`search_query`); None when `text` holds
    nothing to look for. A reference also finds its case when it is written another way.
    Only ids come back (newest received first): the page reads its own cases. One statement;
    two on SQLite for a word longer than PREFIX_INDEXED (see FEW)."""
    words = search_words(text)
    reference = normalise_reference(text)
    if (
        words
        and max(map(len, words)) > PREFIX_INDEXED
        and db.session.get_bind().dialect.name == "sqlite"
    ):
        few = _few_sqlite(user, words, reference)
        if few is not None:
            newest = sorted(few, key=lambda r: (r[1], r[0]), reverse=True)
            return Found(ids=[i for i, _ in newest[:limit]], more=len(newest) > limit)
    query = search_query(user, text, limit)
    if query is None:
        return None
    if reference is not None:
        query = db.union(
            db.select(query.subquery()),
            db.select(Case.id, Case.received_at).where(
                Case.reference == reference, visible_cases(user)
            ),
        )
    found = query.subquery()
    ids = list(
        db.session.execute(
            db.select(found.c.id).order_by(found.c.received_at.desc(), found.c.id.desc())
        ).scalars()
    )
    return Found(ids=ids[:limit], more=len(ids) > limit)


def find_by_reference(user: Any, text: str | None) -> Case | None:
    """The one case `user` may see whose reference `text` is, however written; else None."""
    reference = normalise_reference(text)
    if reference is None:
        return None
    return db.session.execute(
        db.select(Case).where(Case.reference == reference, visible_cases(user))
    ).scalar_one_or_none()
