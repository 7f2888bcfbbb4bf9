"""Table versions: a number the database itself increases whenever a table's rows change. The
cache that keeps values per version is ``engage.caching.for_version``.

Why: a page of a long list needs the number of rows matching its filters (for "1,234 cases" and
the pager's last page). On 100,000 cases that COUNT reads a whole index on every view (4-6 ms on
PostgreSQL), although the answer only changes when a case does. So the count is kept, per web
worker, under the key (what is counted, the table's version); any change to the table gives it a
new version and the next view counts again.

Correctness rests on the database, not on the code that writes cases:
- a trigger on the table (SQLite: one per row for INSERT, UPDATE and DELETE; PostgreSQL: one per
  statement, TRUNCATE included) increases `table_versions.version` in the writing transaction, so
  no code path (ORM, bulk insert, another program) can change cases without changing the version;
- on PostgreSQL it runs BEFORE each statement, so a transaction holds the version row's lock
  before it locks any case: two transactions changing the same cases in turn wait for each other
  instead of deadlocking (which an AFTER trigger allowed: tests/test_table_versions.py);
- the version and the count are read in the same transaction (one snapshot), so a count cached
  under a version is the count of exactly that version's rows;
- without a version row (a database emptied by TRUNCATE, say) nothing is cached.

Counts that depend on the date (SLA statuses) put the date in their key.

Tables read together may share one version (``VERSIONED_TABLES`` maps each table to the name of
its version): the user logs, their contacts and the consents share "log_consents", which keeps
the count of a message to a log's consenting people (engage.consent.messages.count) and a user
log's figures by quarter (engage.outputs.log_charts). One row, so a transaction changing several
of these tables takes one lock, never two in either order.
"""

from __future__ import annotations

from sqlalchemy import DDL, String, event
from sqlalchemy.orm import Mapped, mapped_column

from engage.extensions import Model, db

# the version of the user logs, their contacts and the consents
LOG_VERSION = "log_consents"

# table -> the name of the version its changes increase
VERSIONED_TABLES = {
    "cases": "cases",
    "log_entries": LOG_VERSION,
    "consents": LOG_VERSION,
    "contacts": LOG_VERSION,
}


class TableVersion(Model):
    __tablename__ = "table_versions"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    version: Mapped[int] = mapped_column(default=0)


def sqlite_trigger_sql(table: str) -> list[str]:
    """SQLite: a row trigger per kind of change (SQLite has no statement triggers)."""
    if table not in VERSIONED_TABLES:
        raise ValueError(table)
    name = VERSIONED_TABLES[table]
    body = (  # our own table names, not input
        f"INSERT OR IGNORE INTO table_versions (name, version) VALUES ('{name}', 0); "  # noqa: S608  # nosec B608
        f"UPDATE table_versions SET version = version + 1 WHERE name = '{name}';"  # noqa: S608  # nosec B608
    )
    return [
        f"CREATE TRIGGER {table}_version_{op.lower()} AFTER {op} ON {table} BEGIN {body} END"
        for op in ("INSERT", "UPDATE", "DELETE")
    ]


POSTGRESQL_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION engage_bump_table_version() RETURNS trigger AS $$
BEGIN
    INSERT INTO table_versions (name, version) VALUES (TG_TABLE_NAME, 1)
    ON CONFLICT (name) DO UPDATE SET version = table_versions.version + 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""


# A version shared by several tables: its name is the trigger's argument.
POSTGRESQL_NAMED_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION engage_bump_named_version() RETURNS trigger AS $$
BEGIN
    INSERT INTO table_versions (name, version) VALUES (TG_ARGV[0], 1)
    ON CONFLICT (name) DO UPDATE SET version = table_versions.version + 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""


def postgresql_trigger_sql(table: str) -> list[str]:
    name = VERSIONED_TABLES[table]
    function = (
        "engage_bump_table_version()" if name == table else f"engage_bump_named_version('{name}')"
    )
    return [
        f"CREATE TRIGGER {table}_version BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}"
    ]


def _install_triggers(table_name: str) -> None:
    """The same triggers for tables made by `db.create_all()` (tests) as the migrations make: run
    once every table exists (the metadata's after_create), so this module imports no models."""
    for function in (POSTGRESQL_FUNCTION_SQL, POSTGRESQL_NAMED_FUNCTION_SQL):
        event.listen(Model.metadata, "after_create", DDL(function).execute_if(dialect="postgresql"))
    for statement in postgresql_trigger_sql(table_name):
        event.listen(
            Model.metadata, "after_create", DDL(statement).execute_if(dialect="postgresql")
        )
    for statement in sqlite_trigger_sql(table_name):
        event.listen(Model.metadata, "after_create", DDL(statement).execute_if(dialect="sqlite"))


def current_version(table: str) -> int | None:
    """The table's version in this transaction's snapshot; None when it has no version row."""
    return db.session.execute(
        db.select(TableVersion.version).where(TableVersion.name == table)
    ).scalar_one_or_none()


# Last, once every name above exists: installing them imports the cases package, whose pages
# import engage.caching, which imports current_version from here.
for _name in VERSIONED_TABLES:
    _install_triggers(_name)
