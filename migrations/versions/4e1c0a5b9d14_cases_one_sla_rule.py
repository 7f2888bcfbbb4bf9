"""cases: one SLA rule; sla_outcome also says "not_measured", and the indexes hold the rule's
next deadline (a full response also stops the acknowledge clock)

- sla_outcome is redefined from engage.cases.sla.rules.CASE_OUTCOME (issue 14): a finished
  case is missed when any clock was missed (a late transfer or withdrawal included), met when
  none was missed and one was met, else not_measured (12 characters, so the column widens).
- Every index that holds the deadline that matters next is rebuilt with the rule's
  expression, which also reads responded_on.

The expressions below are frozen copies of what engage.cases.sla.expr.to_ddl gave at this
revision (tests/cases/test_sla.py checks that the models still give the same).

Revision ID: 4e1c0a5b9d14
Revises: e2f3a4b5c6d7
Create Date: 2026-11-28 04:10:00

"""

from alembic import op
import sqlalchemy as sa

revision = "4e1c0a5b9d14"
down_revision = "e2f3a4b5c6d7"
branch_labels = None
depends_on = None

SLA_OUTCOME_SQL = (
    "(CASE WHEN (responded_on IS NULL AND transferred_on IS NULL AND withdrawn_on IS NULL) THEN"
    " NULL WHEN ((CASE WHEN COALESCE(acknowledged_on, responded_on) <= acknowledge_by THEN "
    "'met' WHEN (acknowledged_on IS NULL AND responded_on IS NULL AND transferred_on IS NULL "
    "AND withdrawn_on IS NULL) THEN NULL WHEN COALESCE(transferred_on, withdrawn_on) <= "
    "acknowledge_by THEN 'not_measured' ELSE 'missed' END) = 'missed' OR (CASE WHEN "
    "responded_on <= respond_by THEN 'met' WHEN (responded_on IS NULL AND transferred_on IS "
    "NULL AND withdrawn_on IS NULL) THEN NULL WHEN COALESCE(transferred_on, withdrawn_on) <= "
    "respond_by THEN 'not_measured' ELSE 'missed' END) = 'missed') THEN 'missed' WHEN ((CASE "
    "WHEN COALESCE(acknowledged_on, responded_on) <= acknowledge_by THEN 'met' WHEN "
    "(acknowledged_on IS NULL AND responded_on IS NULL AND transferred_on IS NULL AND "
    "withdrawn_on IS NULL) THEN NULL WHEN COALESCE(transferred_on, withdrawn_on) <= "
    "acknowledge_by THEN 'not_measured' ELSE 'missed' END) = 'met' OR (CASE WHEN responded_on "
    "<= respond_by THEN 'met' WHEN (responded_on IS NULL AND transferred_on IS NULL AND "
    "withdrawn_on IS NULL) THEN NULL WHEN COALESCE(transferred_on, withdrawn_on) <= respond_by "
    "THEN 'not_measured' ELSE 'missed' END) = 'met') THEN 'met' ELSE 'not_measured' END)"
)
NEXT_DEADLINE = (
    "(CASE WHEN (acknowledged_on IS NULL AND responded_on IS NULL AND transferred_on IS NULL "
    "AND withdrawn_on IS NULL) THEN acknowledge_by ELSE respond_by END)"
)
RESPONSE_RUNNING = "(responded_on IS NULL AND transferred_on IS NULL AND withdrawn_on IS NULL)"
FINISHED_LAST = f"(CASE WHEN {RESPONSE_RUNNING} THEN 0 ELSE 1 END)"
RUNNING_COLUMNS = (
    "received_at, id, acknowledged_on, acknowledge_by, respond_by, paused_on, responded_on, "
    "transferred_on, withdrawn_on, kind, state, assigned_to_id"
)

# Before this revision (b7e3c1a9d042, d1e2f3a4b5c6, e2f3a4b5c6d7).
OLD_SLA_OUTCOME_SQL = (
    "CASE WHEN COALESCE(responded_on, transferred_on, withdrawn_on) IS NULL THEN NULL "
    "WHEN COALESCE(responded_on, transferred_on, withdrawn_on) <= respond_by "
    "AND (COALESCE(acknowledged_on, transferred_on, withdrawn_on) IS NULL OR "
    "COALESCE(acknowledged_on, transferred_on, withdrawn_on) <= acknowledge_by) THEN 'met' "
    "ELSE 'missed' END"
)
OLD_NEXT_DEADLINE = (
    "(CASE WHEN (acknowledged_on IS NULL AND transferred_on IS NULL AND withdrawn_on IS NULL) "
    "THEN acknowledge_by ELSE respond_by END)"
)
INDEXES = ("open_first", "output_open_first", "assignee_open_first", "running_next_deadline")


def _drop_indexes():
    for name in (*INDEXES, "finished_next_deadline", "sla_outcome_received_at"):
        op.execute(f"DROP INDEX ix_cases_{name}")


def _create_indexes(next_deadline, outcome_sql, width):
    op.execute(
        f"CREATE INDEX ix_cases_open_first ON cases ({FINISHED_LAST}, {next_deadline}, "
        "received_at, id)"
    )
    op.execute(
        "CREATE INDEX ix_cases_output_open_first ON cases "
        f"(output_id, {FINISHED_LAST}, {next_deadline}, received_at, id)"
    )
    op.execute(
        "CREATE INDEX ix_cases_assignee_open_first ON cases "
        f"(assigned_to_id, {FINISHED_LAST}, {next_deadline}, received_at, id)"
    )
    op.execute(
        f"CREATE INDEX ix_cases_running_next_deadline ON cases ({next_deadline}, "
        f"{RUNNING_COLUMNS}) WHERE {RESPONSE_RUNNING}"
    )
    # Not in batch mode: on SQLite a batch would copy the table and lose the hand-written
    # expression indexes; a virtual generated column can be dropped and added there.
    op.execute("ALTER TABLE cases DROP COLUMN sla_outcome")
    op.add_column(
        "cases",
        sa.Column("sla_outcome", sa.String(length=width), sa.Computed(outcome_sql), nullable=True),
    )
    op.create_index(
        "ix_cases_sla_outcome_received_at", "cases", ["sla_outcome", "received_at", "id"]
    )
    op.execute(
        "CREATE INDEX ix_cases_finished_next_deadline ON cases "
        f"(sla_outcome, {next_deadline}, received_at, id)"
    )


def upgrade():
    _drop_indexes()
    _create_indexes(NEXT_DEADLINE, SLA_OUTCOME_SQL, 12)


def downgrade():
    _drop_indexes()
    _create_indexes(OLD_NEXT_DEADLINE, OLD_SLA_OUTCOME_SQL, 6)
