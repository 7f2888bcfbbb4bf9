"""cases: sla_outcome, a generated column (met or missed once the response clock stops), indexed

The met and missed filters of the case list and the staff dashboard's counts of finished cases
used to test every case's stop dates against its deadlines; with the outcome kept by the
database and indexed with the date received, they read an index range (issue 10). A generated
column cannot drift from the dates it is computed from, whichever code path writes them.
SQLite adds it as a VIRTUAL column (ALTER TABLE cannot add a STORED one; the index stores the
values), PostgreSQL as STORED (the only kind it has).

Revision ID: b7e3c1a9d042
Revises: dbdfca8aa94d
Create Date: 2026-11-22 01:00:00

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "b7e3c1a9d042"
down_revision = "dbdfca8aa94d"
branch_labels = None
depends_on = None

# The rule as it stood at this revision (engage.cases.models.SLA_OUTCOME_SQL): copied, so that
# a later change to the model does not rewrite history.
_RESPONSE_STOP = "COALESCE(responded_on, transferred_on, withdrawn_on)"
_ACK_STOP = "COALESCE(acknowledged_on, transferred_on, withdrawn_on)"
SLA_OUTCOME_SQL = (
    f"CASE WHEN {_RESPONSE_STOP} IS NULL THEN NULL "
    f"WHEN {_RESPONSE_STOP} <= respond_by "
    f"AND ({_ACK_STOP} IS NULL OR {_ACK_STOP} <= acknowledge_by) THEN 'met' "
    "ELSE 'missed' END"
)


def upgrade():
    # Not in batch mode: on SQLite a batch would copy the table and lose the hand-written
    # expression indexes; a plain ADD COLUMN of a virtual generated column is allowed there.
    op.add_column(
        "cases",
        sa.Column("sla_outcome", sa.String(length=6), sa.Computed(SLA_OUTCOME_SQL), nullable=True),
    )
    op.create_index(
        "ix_cases_sla_outcome_received_on", "cases", ["sla_outcome", "received_on"], unique=False
    )


def downgrade():
    op.drop_index("ix_cases_sla_outcome_received_on", table_name="cases")
    op.drop_column("cases", "sla_outcome")
