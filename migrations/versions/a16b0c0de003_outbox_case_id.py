"""outbox: case_id, so the office reads the emails of the cases it can see on the case page

Revision ID: a16b0c0de003
Revises: a16b0c0de002
Create Date: 2026-11-28 04:50:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a16b0c0de003"
down_revision = "a16b0c0de002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_emails", schema=None) as batch_op:
        batch_op.add_column(sa.Column("case_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_emails_case_id"), ["case_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_emails_case_id_cases"),
            "cases",
            ["case_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("outbox_emails", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_outbox_emails_case_id_cases"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_outbox_emails_case_id"))
        batch_op.drop_column("case_id")
