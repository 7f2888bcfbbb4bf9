"""engage/audit.py: a page that only recorded who saw a complaint commits without waiting for the
disk on PostgreSQL; a transaction holding any other change always waits (is durable)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from engage import audit
from engage.audit import AuditEvent
from engage.cases.access import record_view
from engage.cases.models import Case
from engage.extensions import db
from tests.factories.auth import cso
from tests.factories.cases import make_case

RELAXED = "SET LOCAL synchronous_commit TO OFF"


@pytest.fixture
def statements(app):
    seen: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", before)
    yield seen
    sa.event.remove(db.engine, "before_cursor_execute", before)


def _views(reference: str) -> int:
    return db.session.execute(
        sa.select(sa.func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "case.viewed", AuditEvent.object_id == reference)
    ).scalar_one()


def test_only_views_recorded_commit_without_waiting_on_postgresql(app, statements):
    officer, case = cso(), make_case(kind="service_complaint")
    statements.clear()
    record_view(officer, case)
    audit.commit_views()
    relaxed = RELAXED in statements
    assert relaxed == (db.engine.dialect.name == "postgresql")
    assert _views(case.reference) == 1  # committed all the same


@pytest.mark.parametrize("how", ["flushed object", "pending object", "executed update"])
def test_a_transaction_with_any_other_change_waits_for_the_disk(app, statements, how):
    officer, case = cso(), make_case(kind="service_complaint")
    statements.clear()
    if how == "executed update":
        db.session.execute(sa.update(Case).where(Case.id == case.id).values(subject="Changed"))
    else:
        case.subject = "Changed"
        if how == "flushed object":
            db.session.flush()
    record_view(officer, case)
    audit.commit_views()
    assert RELAXED not in statements
    db.session.expire_all()
    assert db.session.get(Case, case.id).subject == "Changed"
    assert _views(case.reference) == 1
    statements.clear()  # the next transaction starts afresh: views alone may be relaxed again
    record_view(officer, case)
    audit.commit_views()
    assert (RELAXED in statements) == (db.engine.dialect.name == "postgresql")
