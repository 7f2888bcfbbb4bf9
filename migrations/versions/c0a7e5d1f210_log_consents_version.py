"""table_versions: a version "log_consents" shared by log_entries and consents, increased by the
database on every change to either, so the count of a message to a log's consenting people can be
cached for exactly one version (engage.consent.messages.count)

Revision ID: c0a7e5d1f210
Revises: b02afee6ee69
Create Date: 2026-11-28 08:30:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "c0a7e5d1f210"
down_revision = "b02afee6ee69"
branch_labels = None
depends_on = None

TABLES = ("log_entries", "consents")

# As at this revision (engage.table_versions); copied so later changes do not rewrite history.
POSTGRESQL_NAMED_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION engage_bump_named_version() RETURNS trigger AS $$
BEGIN
    INSERT INTO table_versions (name, version) VALUES (TG_ARGV[0], 1)
    ON CONFLICT (name) DO UPDATE SET version = table_versions.version + 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""


def upgrade():
    op.execute("INSERT INTO table_versions (name, version) VALUES ('log_consents', 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRESQL_NAMED_FUNCTION_SQL)
        for table in TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_version BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE "
                f"ON {table} FOR EACH STATEMENT "
                "EXECUTE FUNCTION engage_bump_named_version('log_consents')"
            )
    else:
        body = (
            "INSERT OR IGNORE INTO table_versions (name, version) VALUES ('log_consents', 0); "
            "UPDATE table_versions SET version = version + 1 WHERE name = 'log_consents';"
        )
        for table in TABLES:
            for op_name in ("INSERT", "UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_version_{op_name.lower()} AFTER {op_name} "
                    f"ON {table} BEGIN {body} END"
                )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_version ON {table}")
        op.execute("DROP FUNCTION engage_bump_named_version()")
    else:
        for table in TABLES:
            for op_name in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER {table}_version_{op_name}")
    op.execute("DELETE FROM table_versions WHERE name = 'log_consents'")
