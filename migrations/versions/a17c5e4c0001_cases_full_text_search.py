"""cases: full-text search (PostgreSQL GIN index over a tsvector expression; SQLite FTS5 table
with the cases table as external content, kept in step by triggers)

Written by hand: the statements are those of engage.cases.search_index (copied, so that this
migration does not change when the code does).

Revision ID: a17c5e4c0001
Revises: a16b0c0de003
Create Date: 2026-11-28 04:30:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "a17c5e4c0001"
down_revision = "a16b0c0de003"
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


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX ix_cases_search ON cases USING gin ({DOCUMENT})")
        return
    op.execute(
        f"CREATE VIRTUAL TABLE case_search USING fts5({_cols()}, content='cases', "
        "content_rowid='id', tokenize=\"unicode61 remove_diacritics 0\")"
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


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_cases_search")
        return
    for trigger in ("cases_search_update", "cases_search_delete", "cases_search_insert"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS case_search")
