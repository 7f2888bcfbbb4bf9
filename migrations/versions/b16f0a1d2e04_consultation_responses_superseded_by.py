"""consultation responses: superseded_by_id (a later response from the same email address
replaces an earlier one; both are kept, the latest is counted), set for the responses already
stored; indexes by consultation and email, and by the superseding response

Revision ID: b16f0a1d2e04
Revises: b16f0a1d2e03
Create Date: 2026-11-28 07:25:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b16f0a1d2e04"
down_revision = "b16f0a1d2e03"
branch_labels = None
depends_on = None

# Each response from an address points at the next one from the same address (a chain); the
# last of the chain is the one counted.
BACKFILL = """
UPDATE consultation_responses SET superseded_by_id = (
    SELECT later.id FROM consultation_responses AS later
    WHERE later.consultation_id = consultation_responses.consultation_id
      AND later.email = consultation_responses.email
      AND (later.submitted_at > consultation_responses.submitted_at
           OR (later.submitted_at = consultation_responses.submitted_at
               AND later.id > consultation_responses.id))
    ORDER BY later.submitted_at, later.id
    LIMIT 1
)
WHERE email IS NOT NULL
"""


def upgrade():
    with op.batch_alter_table("consultation_responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("superseded_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_consultation_responses_superseded_by_id_consultation_responses"),
            "consultation_responses",
            ["superseded_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(
            batch_op.f("ix_consultation_responses_superseded_by_id"),
            ["superseded_by_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_consultation_responses_consultation_email",
            ["consultation_id", "email"],
            unique=False,
        )
    op.execute(BACKFILL)


def downgrade():
    with op.batch_alter_table("consultation_responses", schema=None) as batch_op:
        batch_op.drop_index("ix_consultation_responses_consultation_email")
        batch_op.drop_index(batch_op.f("ix_consultation_responses_superseded_by_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_consultation_responses_superseded_by_id_consultation_responses"),
            type_="foreignkey",
        )
        batch_op.drop_column("superseded_by_id")
