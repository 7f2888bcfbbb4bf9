"""form_submissions: one row per submitted form token, so a double click, a resend or two
concurrent POSTs of the same form store one record

Revision ID: a16b0c0de002
Revises: a16b0c0de001
Create Date: 2026-11-28 04:40:00

"""

import sqlalchemy as sa
from alembic import op

import engage.db_types

# revision identifiers, used by Alembic.
revision = "a16b0c0de002"
down_revision = "a16b0c0de001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "form_submissions",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("form", sa.String(length=60), nullable=False),
        sa.Column("created_at", engage.db_types.UTCDateTime(), nullable=False),
        sa.Column("result", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_form_submissions")),
    )
    with op.batch_alter_table("form_submissions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_form_submissions_created_at"), ["created_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("form_submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_form_submissions_created_at"))
    op.drop_table("form_submissions")
