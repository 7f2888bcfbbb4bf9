"""The full-text index of cases, one per database, created with the cases table.

- PostgreSQL: a GIN index on `SEARCH_DOCUMENT_PG`, an expression over the case's own columns,
  so the database keeps it in step with every write (no trigger, no second copy).
- SQLite: an FTS5 table `case_search` with the cases table as its external content, kept in step
  by three triggers (insert, delete, update of an indexed column).

Both see the same words: every run of letters and digits, lower-cased (`C-2026-00021` is
`c 2026 00021`; `alex.o@example.com` is `alex o example com`; `SW1A 1AA` is `sw1a 1aa`).
engage.cases.search queries them; the migration `a17c0se4rch01` builds them on an existing
database with the same statements (`create_statements`).
"""

from __future__ import annotations

from sqlalchemy import DDL, Index, event, func, literal_column
from sqlalchemy.sql.elements import ColumnElement

from engage.cases.models import Case

# The columns searched, in the FTS5 table's column order.
INDEXED_COLUMNS = (
    "reference",
    "requester_name",
    "requester_email",
    "requester_address",
    "subject",
    "message",
)
FTS_TABLE = "case_search"
# FTS5 keeps its index in these shadow tables: not models, so autogenerate leaves them alone
# (migrations/env.py reads this set from the metadata's info).
FTS_TABLES = {FTS_TABLE, *(f"{FTS_TABLE}_{s}" for s in ("data", "idx", "docsize", "config"))}
Case.metadata.info.setdefault("hand_written_tables", set()).update(FTS_TABLES)


def _document() -> ColumnElement[str]:
    parts: list[ColumnElement[str]] = []
    for name in INDEXED_COLUMNS:
        if parts:
            parts.append(literal_column("' '"))
        parts.append(func.coalesce(getattr(Case, name), literal_column("''")))
    text = parts[0]
    for part in parts[1:]:
        text = text.op("||")(part)
    # Non-alphanumeric runs become spaces, as SQLite's unicode61 tokenizer splits them.
    words = func.regexp_replace(
        text, literal_column("'[^[:alnum:]]+'"), literal_column("' '"), literal_column("'g'")
    )
    return func.to_tsvector(literal_column("'simple'::regconfig"), words)


# The query must use this very expression for the GIN index to apply (literals, not bound
# parameters, for the same reason).
SEARCH_DOCUMENT_PG = _document()

# An expression of functions only: the table is not inferred, so it is named (`_table`).
Index(
    "ix_cases_search",
    SEARCH_DOCUMENT_PG,
    postgresql_using="gin",
    info={"hand_written": True},
    _table=Case.__table__,  # type: ignore[arg-type]
).ddl_if(dialect="postgresql")


# Written out in full (the migration holds the same text); the column lists are INDEXED_COLUMNS.
SQLITE_STATEMENTS = (
    "CREATE VIRTUAL TABLE case_search USING fts5(reference, requester_name, requester_email, "
    "requester_address, subject, message, content='cases', content_rowid='id', "
    'tokenize="unicode61 remove_diacritics 0")',
    "CREATE TRIGGER cases_search_insert AFTER INSERT ON cases BEGIN "
    "INSERT INTO case_search(rowid, reference, requester_name, requester_email, "
    "requester_address, subject, message) VALUES (new.id, new.reference, new.requester_name, "
    "new.requester_email, new.requester_address, new.subject, new.message); END",
    "CREATE TRIGGER cases_search_delete AFTER DELETE ON cases BEGIN "
    "INSERT INTO case_search(case_search, rowid, reference, requester_name, requester_email, "
    "requester_address, subject, message) VALUES ('delete', old.id, old.reference, "
    "old.requester_name, old.requester_email, old.requester_address, old.subject, "
    "old.message); END",
    "CREATE TRIGGER cases_search_update AFTER UPDATE OF reference, requester_name, "
    "requester_email, requester_address, subject, message ON cases BEGIN "
    "INSERT INTO case_search(case_search, rowid, reference, requester_name, requester_email, "
    "requester_address, subject, message) VALUES ('delete', old.id, old.reference, "
    "old.requester_name, old.requester_email, old.requester_address, old.subject, "
    "old.message); "
    "INSERT INTO case_search(rowid, reference, requester_name, requester_email, "
    "requester_address, subject, message) VALUES (new.id, new.reference, new.requester_name, "
    "new.requester_email, new.requester_address, new.subject, new.message); END",
)
SQLITE_DROP_STATEMENTS = (
    "DROP TRIGGER IF EXISTS cases_search_update",
    "DROP TRIGGER IF EXISTS cases_search_delete",
    "DROP TRIGGER IF EXISTS cases_search_insert",
    "DROP TABLE IF EXISTS case_search",
)

for _statement in SQLITE_STATEMENTS:
    event.listen(Case.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in SQLITE_DROP_STATEMENTS[:3]:
    event.listen(Case.__table__, "before_drop", DDL(_statement).execute_if(dialect="sqlite"))
event.listen(
    Case.__table__, "after_drop", DDL(SQLITE_DROP_STATEMENTS[3]).execute_if(dialect="sqlite")
)
