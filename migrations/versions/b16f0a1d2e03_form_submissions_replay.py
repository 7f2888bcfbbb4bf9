"""form_submissions.replay: what a second POST of a staff form's token is shown (the first
one's redirect and messages)

Revision ID: b16f0a1d2e03
Revises: c0a7e5d1f210
Create Date: 2026-11-28 07:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b16f0a1d2e03"
down_revision = "c0a7e5d1f210"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("form_submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("replay", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("form_submissions", schema=None) as batch_op:
        batch_op.drop_column("replay")
