"""cases: indexes for the case list sort orders and running SLA filters

The two expression indexes follow engage.cases.models.NEXT_DEADLINE and RESPONSE_RUNNING
(autogenerate cannot compare expression indexes, so they are written here by hand; the SQL is
the same on SQLite and PostgreSQL).

Revision ID: 6af24eb19566
Revises: d7b63c92ff31
Create Date: 2026-11-21 22:59:27.799177

"""
from alembic import op
import sqlalchemy as sa
import engage.db_types


# revision identifiers, used by Alembic.
revision = '6af24eb19566'
down_revision = 'd7b63c92ff31'
branch_labels = None
depends_on = None

NEXT_DEADLINE = (
    "(CASE WHEN (acknowledged_on IS NULL AND transferred_on IS NULL AND withdrawn_on IS NULL) "
    "THEN acknowledge_by ELSE respond_by END)"
)
RESPONSE_RUNNING = "responded_on IS NULL AND transferred_on IS NULL AND withdrawn_on IS NULL"


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_received_at_id', ['received_at', 'id'], unique=False)
    op.execute(
        f"CREATE INDEX ix_cases_next_deadline ON cases ({NEXT_DEADLINE}, received_at, id)"
    )
    op.execute(
        f"CREATE INDEX ix_cases_running_next_deadline ON cases ({NEXT_DEADLINE}, received_at, id) "
        f"WHERE {RESPONSE_RUNNING}"
    )


def downgrade():
    op.execute("DROP INDEX ix_cases_running_next_deadline")
    op.execute("DROP INDEX ix_cases_next_deadline")
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_received_at_id')
