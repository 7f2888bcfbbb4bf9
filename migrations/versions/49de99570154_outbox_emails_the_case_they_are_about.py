"""outbox emails: the case they are about

Revision ID: 49de99570154
Revises: c25a900b0477
Create Date: 2026-11-28 04:12:02.780004

"""
from alembic import op
import sqlalchemy as sa
import engage.db_types


# revision identifiers, used by Alembic.
revision = '49de99570154'
down_revision = 'c25a900b0477'
branch_labels = None
depends_on = None


# The column, its index and its foreign key are added by main's a16b0c0de003 (outbox: case_id),
# which now runs before this chain (issue 17's a17c5e4c0001 follows it): nothing is left to do
# here. The revision is kept so that the chain is unchanged.


def upgrade():
    pass


def downgrade():
    pass
