"""stakeholders: prefix indexes for finding people by name, organisation or email

PostgreSQL: text_pattern_ops, so that LIKE 'abc%' uses them whatever the database collation.
SQLite: plain expression indexes (its LIKE does not use them; the search stays within its budget
at 10,000 stakeholders, see docs/user-logs.md).

Revision ID: 5c1e0a9b7d21
Revises: ea60c6eb822d
Create Date: 2026-11-28 05:40:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "5c1e0a9b7d21"
down_revision = "ea60c6eb822d"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_stakeholders_name_prefix", "lower(name)"),
    ("ix_stakeholders_organisation_prefix", "lower(organisation)"),
    ("ix_stakeholders_email_prefix", "email"),
)


def upgrade():
    ops = " text_pattern_ops" if op.get_bind().dialect.name == "postgresql" else ""
    for name, expression in INDEXES:
        op.execute(f"CREATE INDEX {name} ON stakeholders ({expression}{ops})")


def downgrade():
    for name, _ in INDEXES:
        op.execute(f"DROP INDEX {name}")
