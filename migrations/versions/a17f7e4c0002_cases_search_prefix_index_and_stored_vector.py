"""cases: faster full-text search at 100,000 cases (SQLite FTS5 prefix indexes of 2 to 10
characters; PostgreSQL a stored generated tsvector column with its GIN index instead of the
GIN index over the expression)

Written by hand, like a17c5e4c0001: the statements are those of engage.cases.search_index
(copied, so that this migration does not change when the code does). On SQLite the FTS5 table
is made again with `prefix='2 3 4 5 6 7 8 9 10'` and rebuilt from the cases (an FTS5 table's
options cannot be altered: 5 s at 100,000 cases); on PostgreSQL adding the stored column rewrites the cases table once (about 12 s
at 100,000 cases).

Revision ID: a17f7e4c0002
Revises: c3d4e5f6a7b9
Create Date: 2026-11-28 11:00:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "a17f7e4c0002"
down_revision = "c3d4e5f6a7b9"
branch_labels = None
depends_on = None

COLUMNS = (
    "reference",
    "requester_name",
    "requester_email",
    "requester_address",
    "subject",
    "message",
)


def _cols(prefix: str = "") -> str:
    return ", ".join(f"{prefix}{c}" for c in COLUMNS)


DOCUMENT = (
    "to_tsvector('simple'::regconfig, regexp_replace("
    + " || ' ' || ".join(f"coalesce({c}, '')" for c in COLUMNS)
    + ", '[^[:alnum:]]+', ' ', 'g'))"
)
TRIGGERS = ("cases_search_update", "cases_search_delete", "cases_search_insert")


def _sqlite_index(options: str) -> None:
    for trigger in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS case_search")
    op.execute(
        f"CREATE VIRTUAL TABLE case_search USING fts5({_cols()}, content='cases', "
        f"content_rowid='id', tokenize=\"unicode61 remove_diacritics 0\"{options})"
    )
    op.execute(
        "CREATE TRIGGER cases_search_insert AFTER INSERT ON cases BEGIN "
        f"INSERT INTO case_search(rowid, {_cols()}) VALUES (new.id, {_cols('new.')}); END"
    )
    op.execute(
        "CREATE TRIGGER cases_search_delete AFTER DELETE ON cases BEGIN "
        f"INSERT INTO case_search(case_search, rowid, {_cols()}) "
        f"VALUES ('delete', old.id, {_cols('old.')}); END"
    )
    op.execute(
        f"CREATE TRIGGER cases_search_update AFTER UPDATE OF {_cols()} ON cases BEGIN "
        f"INSERT INTO case_search(case_search, rowid, {_cols()}) "
        f"VALUES ('delete', old.id, {_cols('old.')}); "
        f"INSERT INTO case_search(rowid, {_cols()}) VALUES (new.id, {_cols('new.')}); END"
    )
    op.execute("INSERT INTO case_search(case_search) VALUES ('rebuild')")


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"ALTER TABLE cases ADD COLUMN search_document tsvector "
            f"GENERATED ALWAYS AS ({DOCUMENT}) STORED"
        )
        op.execute("CREATE INDEX ix_cases_search_document ON cases USING gin (search_document)")
        op.execute("DROP INDEX IF EXISTS ix_cases_search")
        op.execute("ANALYZE cases")
        return
    _sqlite_index(", prefix='2 3 4 5 6 7 8 9 10'")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX ix_cases_search ON cases USING gin ({DOCUMENT})")
        op.execute("DROP INDEX IF EXISTS ix_cases_search_document")
        op.execute("ALTER TABLE cases DROP COLUMN IF EXISTS search_document")
        return
    _sqlite_index("")
