"""outbox: retry_until, so temporary failures are retried for a time (72 hours), not a count

Revision ID: a16b0c0de001
Revises: f453aecabcc3
Create Date: 2026-11-28 04:45:00

"""

import sqlalchemy as sa
from alembic import op

import engage.db_types

# revision identifiers, used by Alembic.
revision = "a16b0c0de001"
down_revision = "f453aecabcc3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_emails", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retry_until", engage.db_types.UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("outbox_emails", schema=None) as batch_op:
        batch_op.drop_column("retry_until")
