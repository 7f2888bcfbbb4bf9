"""cases: one reference counter per year of registration (C-YYYY-NNNNN)

No data step: a year without a counter row starts above the highest `C-YYYY-` number already
issued (engage/cases/references.py), so references given out before this migration (year of
receipt, the case id as number) are never issued twice.

Revision ID: d33b48cc7cd9
Revises: d2e90e5a0ed4
Create Date: 2026-11-28 04:02:51.375669

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d33b48cc7cd9"
down_revision = "d2e90e5a0ed4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "case_reference_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_case_reference_counters")),
    )


def downgrade():
    op.drop_table("case_reference_counters")
