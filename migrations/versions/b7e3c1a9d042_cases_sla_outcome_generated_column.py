"""cases: sla_outcome, a generated column (met or missed once the response clock stops), and
indexes so that every SLA filter of the case list reads an index, not the cases table

- sla_outcome: the met and missed filters of the case list and the staff dashboard's counts of
  finished cases used to test every case's stop dates against its deadlines; with the outcome
  kept by the database they read an index range (issue 10). A generated column cannot drift
  from the dates it is computed from, whichever code path writes them. SQLite adds it as a
  VIRTUAL column (ALTER TABLE cannot add a STORED one; the indexes store the values),
  PostgreSQL as STORED (the only kind it has).
- ix_cases_sla_outcome_received_at and ix_cases_finished_next_deadline: the met and missed
  filters in both sort orders, and the dashboard's finished cases since 1 April.
- ix_cases_running_next_deadline now also holds every column the running SLA filters (in time,
  due soon, overdue) and the dashboard test, so they count and page from that small partial
  index alone.
- ix_cases_clock_stops is dropped: it covered the old met and missed filters, and it drew the
  planner away from the partial index for the running ones.

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

# The rules as they stood at this revision (engage.cases.models): copied, so that a later change
# to the model does not rewrite history.
_RESPONSE_STOP = "COALESCE(responded_on, transferred_on, withdrawn_on)"
_ACK_STOP = "COALESCE(acknowledged_on, transferred_on, withdrawn_on)"
SLA_OUTCOME_SQL = (
    f"CASE WHEN {_RESPONSE_STOP} IS NULL THEN NULL "
    f"WHEN {_RESPONSE_STOP} <= respond_by "
    f"AND ({_ACK_STOP} IS NULL OR {_ACK_STOP} <= acknowledge_by) THEN 'met' "
    "ELSE 'missed' END"
)
NEXT_DEADLINE = (
    "(CASE WHEN (acknowledged_on IS NULL AND transferred_on IS NULL AND withdrawn_on IS NULL) "
    "THEN acknowledge_by ELSE respond_by END)"
)
RESPONSE_RUNNING = "responded_on IS NULL AND transferred_on IS NULL AND withdrawn_on IS NULL"
RUNNING_COLUMNS = (
    "received_at, id, acknowledged_on, acknowledge_by, respond_by, paused_on, responded_on, "
    "transferred_on, withdrawn_on, kind, state, assigned_to_id"
)


def upgrade():
    # Not in batch mode: on SQLite a batch would copy the table and lose the hand-written
    # expression indexes; a plain ADD COLUMN of a virtual generated column is allowed there.
    op.add_column(
        "cases",
        sa.Column("sla_outcome", sa.String(length=6), sa.Computed(SLA_OUTCOME_SQL), nullable=True),
    )
    op.create_index(
        "ix_cases_sla_outcome_received_at",
        "cases",
        ["sla_outcome", "received_at", "id"],
        unique=False,
    )
    op.execute(
        "CREATE INDEX ix_cases_finished_next_deadline ON cases "
        f"(sla_outcome, {NEXT_DEADLINE}, received_at, id)"
    )
    op.execute("DROP INDEX ix_cases_running_next_deadline")
    op.execute(
        f"CREATE INDEX ix_cases_running_next_deadline ON cases ({NEXT_DEADLINE}, "
        f"{RUNNING_COLUMNS}) WHERE {RESPONSE_RUNNING}"
    )
    op.drop_index("ix_cases_clock_stops", table_name="cases")


def downgrade():
    op.create_index(
        "ix_cases_clock_stops",
        "cases",
        [
            "responded_on",
            "transferred_on",
            "withdrawn_on",
            "acknowledged_on",
            "acknowledge_by",
            "respond_by",
        ],
        unique=False,
    )
    op.execute("DROP INDEX ix_cases_running_next_deadline")
    op.execute(
        f"CREATE INDEX ix_cases_running_next_deadline ON cases ({NEXT_DEADLINE}, received_at, id) "
        f"WHERE {RESPONSE_RUNNING}"
    )
    op.execute("DROP INDEX ix_cases_finished_next_deadline")
    op.drop_index("ix_cases_sla_outcome_received_at", table_name="cases")
    op.drop_column("cases", "sla_outcome")
