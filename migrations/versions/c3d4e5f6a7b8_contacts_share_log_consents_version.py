"""table_versions: contacts join the "log_consents" version (with log_entries and consents), so a
user log's figures by quarter (new users, contacts) can be cached for exactly one version

Revision ID: c3d4e5f6a7b8
Revises: b16f0a1d2e04
Create Date: 2026-11-28 10:45:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "c3d4e5f6a7b8"
down_revision = "b16f0a1d2e04"
branch_labels = None
depends_on = None

TABLE = "contacts"
BODY = (  # as engage.table_versions.sqlite_trigger_sql writes it at this revision
    "INSERT OR IGNORE INTO table_versions (name, version) VALUES ('log_consents', 0); "
    "UPDATE table_versions SET version = version + 1 WHERE name = 'log_consents';"
)


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        # engage_bump_named_version() exists since c0a7e5d1f210
        op.execute(
            f"CREATE TRIGGER {TABLE}_version BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON {TABLE} FOR EACH STATEMENT "
            "EXECUTE FUNCTION engage_bump_named_version('log_consents')"
        )
    else:
        for op_name in ("INSERT", "UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {TABLE}_version_{op_name.lower()} AFTER {op_name} "
                f"ON {TABLE} BEGIN {BODY} END"
            )
    # a new version, so nothing cached before the trigger existed is used again
    op.execute("UPDATE table_versions SET version = version + 1 WHERE name = 'log_consents'")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER {TABLE}_version ON {TABLE}")
    else:
        for op_name in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER {TABLE}_version_{op_name}")
