"""user logs: stakeholder name and category copied onto log entries, indexed; feedback not reviewed

A user log's counts by category and level and its pages in name order are read from indexes of
log_entries alone (engage.outputs.models.LogEntry), instead of joining every entry of the log to
its stakeholder: log_entries.stakeholder_name and stakeholder_category (filled here from the
stakeholders, then kept equal by the ORM), ix_log_entries_output_category_level and the
expression index ix_log_entries_output_name (output_id, lower(stakeholder_name), id). The
partial index ix_feedback_not_reviewed counts and pages the feedback not yet reviewed.

The two expression/partial indexes are written by hand (the SQL is the same on SQLite and
PostgreSQL); autogenerate skips them (info={"hand_written": True}, migrations/env.py).

Revision ID: ae97bb26626c
Revises: b7e3c1a9d042
Create Date: 2026-11-22 00:59:04.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "ae97bb26626c"
down_revision = "b7e3c1a9d042"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("log_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stakeholder_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("stakeholder_category", sa.String(length=20), nullable=True))
    op.execute(
        "UPDATE log_entries SET "
        "stakeholder_name = (SELECT stakeholders.name FROM stakeholders "
        "WHERE stakeholders.id = log_entries.stakeholder_id), "
        "stakeholder_category = (SELECT stakeholders.category FROM stakeholders "
        "WHERE stakeholders.id = log_entries.stakeholder_id)"
    )
    with op.batch_alter_table("log_entries", schema=None) as batch_op:
        batch_op.alter_column(
            "stakeholder_name", existing_type=sa.String(length=200), nullable=False
        )
        batch_op.alter_column(
            "stakeholder_category", existing_type=sa.String(length=20), nullable=False
        )
        batch_op.create_index(
            "ix_log_entries_output_category_level",
            ["output_id", "stakeholder_category", "engagement_level"],
            unique=False,
        )
    # After the batch operations (SQLite rebuilds the table in them).
    op.execute(
        "CREATE INDEX ix_log_entries_output_name ON log_entries "
        "(output_id, lower(stakeholder_name), id)"
    )
    op.execute(
        "CREATE INDEX ix_feedback_not_reviewed ON feedback (received_at, id) "
        "WHERE reviewed_at IS NULL"
    )


def downgrade():
    op.execute("DROP INDEX ix_feedback_not_reviewed")
    op.execute("DROP INDEX ix_log_entries_output_name")
    with op.batch_alter_table("log_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_log_entries_output_category_level")
        batch_op.drop_column("stakeholder_category")
        batch_op.drop_column("stakeholder_name")
