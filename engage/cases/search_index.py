"""The full-text index of cases, one per database, created with the cases table.

- PostgreSQL: a stored generated column `cases.search_document` (a tsvector over the case's own
  columns, kept in step by the database on every write) with a GIN index on it. Stored, not an
  expression index: a query that reads many matching cases in order (a word in every message,
  a producer's own cases) tests each row against the stored vector instead of computing it
  again from the text (41 ms against 0.6 ms for the first 1,001 of 100,000 matches).
- SQLite: an FTS5 table `case_search` with the cases table as its external content, kept in step
  by three triggers (insert, delete, update of an indexed column), with prefix indexes of 2 to
  10 characters (`prefix='2 3 4 5 6 7 8 9 10'`): a search word that long is read from its own
  prefix index, newest first, stopping at the page's end, instead of merging, before anything
  else, every word of the index that starts with it (`requester` starts 20,001 different words
  in the benchmark's data: 60 ms, against under 1 ms). At 100,000 cases the index takes 54 MB
  (11 MB without prefix indexes, 35 MB with 2, 3 and 4 only).

Both see the same words: every run of letters and digits, lower-cased (`C-2026-00021` is
`c 2026 00021`; `alex.o@example.com` is `alex o example com`; `SW1A 1AA` is `sw1a 1aa`).
engage.cases.search queries them; the migrations `a17c5e4c0001` and `a17f7e4c0002` build them on
an existing database with the same statements. Neither the column nor the FTS5 tables are in
the models (`hand_written_*` in the metadata's info: autogenerate leaves them alone).
"""

from __future__ import annotations

from sqlalchemy import DDL, event, literal_column
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
# (migrations/env.py reads these sets from the metadata's info).
FTS_TABLES = {FTS_TABLE, *(f"{FTS_TABLE}_{s}" for s in ("data", "idx", "docsize", "config"))}
Case.metadata.info.setdefault("hand_written_tables", set()).update(FTS_TABLES)

# PostgreSQL: the column and its index (non-alphanumeric runs become spaces, as SQLite's
# unicode61 tokenizer splits them).
SEARCH_COLUMN = "search_document"
SEARCH_INDEX_PG = "ix_cases_search_document"
Case.metadata.info.setdefault("hand_written_columns", set()).add(("cases", SEARCH_COLUMN))
Case.metadata.info.setdefault("hand_written_indexes", set()).add(SEARCH_INDEX_PG)
DOCUMENT_PG = (
    "to_tsvector('simple'::regconfig, regexp_replace("
    + " || ' ' || ".join(f"coalesce({c}, '')" for c in INDEXED_COLUMNS)
    + ", '[^[:alnum:]]+', ' ', 'g'))"
)
POSTGRESQL_STATEMENTS = (
    f"ALTER TABLE cases ADD COLUMN {SEARCH_COLUMN} tsvector "
    f"GENERATED ALWAYS AS ({DOCUMENT_PG}) STORED",
    f"CREATE INDEX {SEARCH_INDEX_PG} ON cases USING gin ({SEARCH_COLUMN})",
)
SEARCH_DOCUMENT_PG: ColumnElement = literal_column(f"cases.{SEARCH_COLUMN}")
for _statement in POSTGRESQL_STATEMENTS:
    event.listen(Case.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql"))


# Written out in full (the migration holds the same text); the column lists are INDEXED_COLUMNS.
SQLITE_STATEMENTS = (
    "CREATE VIRTUAL TABLE case_search USING fts5(reference, requester_name, requester_email, "
    "requester_address, subject, message, content='cases', content_rowid='id', "
    "tokenize=\"unicode61 remove_diacritics 0\", prefix='2 3 4 5 6 7 8 9 10')",
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
