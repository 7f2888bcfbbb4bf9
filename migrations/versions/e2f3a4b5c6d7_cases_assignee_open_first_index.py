"""cases: index for the case list filtered by assignee (and a producer's own list) in its default order

Written by hand (an expression index: see migrations/env.py); the expressions are those of
engage.cases.models FINISHED_LAST and NEXT_DEADLINE.

Revision ID: e2f3a4b5c6d7
Revises: d1e2f3a4b5c6
Create Date: 2026-11-22 02:20:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "e2f3a4b5c6d7"
down_revision = "d1e2f3a4b5c6"
branch_labels = None
depends_on = None

RESPONSE_RUNNING = "responded_on IS NULL AND transferred_on IS NULL AND withdrawn_on IS NULL"
FINISHED_LAST = f"(CASE WHEN ({RESPONSE_RUNNING}) THEN 0 ELSE 1 END)"
NEXT_DEADLINE = (
    "(CASE WHEN (acknowledged_on IS NULL AND transferred_on IS NULL AND withdrawn_on IS NULL) "
    "THEN acknowledge_by ELSE respond_by END)"
)


def upgrade():
    op.execute(
        "CREATE INDEX ix_cases_assignee_open_first ON cases "
        f"(assigned_to_id, {FINISHED_LAST}, {NEXT_DEADLINE}, received_at, id)"
    )


def downgrade():
    op.execute("DROP INDEX ix_cases_assignee_open_first")
