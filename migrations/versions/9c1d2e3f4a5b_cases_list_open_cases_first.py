"""cases: the case list shows open cases first (by next deadline), then the finished ones

Replaces ix_cases_next_deadline with ix_cases_open_first, following
engage.cases.models.FINISHED_LAST and NEXT_DEADLINE (expression index, written by hand; the SQL
is the same on SQLite and PostgreSQL).

Revision ID: 9c1d2e3f4a5b
Revises: 4ba1867dcdab
Create Date: 2026-11-21 23:52:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "9c1d2e3f4a5b"
down_revision = "4ba1867dcdab"
branch_labels = None
depends_on = None

NEXT_DEADLINE = (
    "(CASE WHEN (acknowledged_on IS NULL AND transferred_on IS NULL AND withdrawn_on IS NULL) "
    "THEN acknowledge_by ELSE respond_by END)"
)
FINISHED_LAST = (
    "(CASE WHEN (responded_on IS NULL AND transferred_on IS NULL AND withdrawn_on IS NULL) "
    "THEN 0 ELSE 1 END)"
)


def upgrade():
    op.execute("DROP INDEX ix_cases_next_deadline")
    op.execute(
        f"CREATE INDEX ix_cases_open_first ON cases ({FINISHED_LAST}, {NEXT_DEADLINE}, "
        "received_at, id)"
    )


def downgrade():
    op.execute("DROP INDEX ix_cases_open_first")
    op.execute(
        f"CREATE INDEX ix_cases_next_deadline ON cases ({NEXT_DEADLINE}, received_at, id)"
    )
