"""consultations: responses_version, changed with every response received

consultations.responses_version is increased by one in the transaction that stores each
response (engage.consultations.responses.submit_response). The staff analysis and the pages
that give a consultation's number of responses keep the counts per process under it, instead
of counting every response (tens of thousands for a large consultation) on each request.
Existing consultations start at 0: it is a version, not a count.

Revision ID: 2bf73969bcb5
Revises: ae97bb26626c
Create Date: 2026-11-22 01:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "2bf73969bcb5"
down_revision = "ae97bb26626c"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("consultations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("responses_version", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("consultations", schema=None) as batch_op:
        batch_op.drop_column("responses_version")
