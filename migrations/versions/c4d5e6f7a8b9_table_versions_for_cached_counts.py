"""table_versions: a version per table, increased by the database on every change to cases, so
that list counts can be cached per web worker for exactly one version (engage.table_versions)

Revision ID: c4d5e6f7a8b9
Revises: 2bf73969bcb5
Create Date: 2026-11-22 02:30:00

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "c4d5e6f7a8b9"
down_revision = "2bf73969bcb5"
branch_labels = None
depends_on = None

# As at this revision (engage.table_versions); copied so later changes do not rewrite history.
POSTGRESQL_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION engage_bump_table_version() RETURNS trigger AS $$
BEGIN
    INSERT INTO table_versions (name, version) VALUES (TG_TABLE_NAME, 1)
    ON CONFLICT (name) DO UPDATE SET version = table_versions.version + 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""


def upgrade():
    op.create_table(
        "table_versions",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_table_versions")),
    )
    op.execute("INSERT INTO table_versions (name, version) VALUES ('cases', 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRESQL_FUNCTION_SQL)
        op.execute(
            "CREATE TRIGGER cases_version BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON cases "
            "FOR EACH STATEMENT EXECUTE FUNCTION engage_bump_table_version()"
        )
    else:
        body = (
            "INSERT OR IGNORE INTO table_versions (name, version) VALUES ('cases', 0); "
            "UPDATE table_versions SET version = version + 1 WHERE name = 'cases';"
        )
        for op_name in ("INSERT", "UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER cases_version_{op_name.lower()} AFTER {op_name} ON cases "
                f"BEGIN {body} END"
            )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER cases_version ON cases")
        op.execute("DROP FUNCTION engage_bump_table_version()")
    else:
        for op_name in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER cases_version_{op_name}")
    op.drop_table("table_versions")
