"""consent links: the random tokens of confirmation and unsubscribe links (their SHA-256), so
that a link no longer carries the stakeholder's id

Revision ID: c21a0e5b7f10
Revises: a17f7e4c0002
Create Date: 2026-11-28 11:00:00

"""

import sqlalchemy as sa
from alembic import op

import engage.db_types

# revision identifiers, used by Alembic.
revision = "c21a0e5b7f10"
down_revision = "a17f7e4c0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "consent_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("stakeholder_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=True),
        sa.Column("output_ids", sa.JSON(), nullable=True),
        sa.Column("created_at", engage.db_types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["stakeholder_id"], ["stakeholders.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("consent_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consent_links_stakeholder_id"), ["stakeholder_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("consent_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_links_stakeholder_id"))
    op.drop_table("consent_links")
