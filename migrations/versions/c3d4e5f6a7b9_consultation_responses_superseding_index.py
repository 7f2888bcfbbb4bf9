"""consultation responses: a partial index of the superseding rows (superseded_by_id IS NOT
NULL), which SQLite's planner uses for the analysis page where it judged the full index useless

Revision ID: c3d4e5f6a7b9
Revises: c3d4e5f6a7b8
Create Date: 2026-11-28 11:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c3d4e5f6a7b9"
down_revision = "c3d4e5f6a7b8"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_consultation_responses_superseding",
        "consultation_responses",
        ["superseded_by_id"],
        unique=False,
        sqlite_where=sa.text("superseded_by_id IS NOT NULL"),
        postgresql_where=sa.text("superseded_by_id IS NOT NULL"),
    )


def downgrade():
    op.drop_index("ix_consultation_responses_superseding", table_name="consultation_responses")
