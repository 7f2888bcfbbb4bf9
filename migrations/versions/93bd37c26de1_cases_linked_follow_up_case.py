"""cases: linked follow-up case (issue 17)

Revision ID: 93bd37c26de1
Revises: 2d60508a1f43
Create Date: 2026-11-28 04:54:29.566187

"""
from alembic import op
import sqlalchemy as sa
import engage.db_types


# revision identifiers, used by Alembic.
revision = '93bd37c26de1'
down_revision = '2d60508a1f43'
branch_labels = None
depends_on = None


def upgrade():
    # Not in batch mode: on SQLite a batch would copy the cases table and lose its expression
    # indexes and the full-text triggers; SQLite adds a column with its REFERENCES in place.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE cases ADD COLUMN linked_case_id INTEGER "
            "CONSTRAINT fk_cases_linked_case_id_cases REFERENCES cases (id)"
        )
    else:
        op.add_column("cases", sa.Column("linked_case_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "fk_cases_linked_case_id_cases", "cases", "cases", ["linked_case_id"], ["id"]
        )
    op.create_index("ix_cases_linked_case_id", "cases", ["linked_case_id"], unique=False)


def downgrade():
    op.drop_index("ix_cases_linked_case_id", table_name="cases")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("fk_cases_linked_case_id_cases", "cases", type_="foreignkey")
    op.drop_column("cases", "linked_case_id")
