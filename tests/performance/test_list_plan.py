"""The case list's queries read the indexes built for them (engage.cases.models): an innocent
change to the query's shape, or to the SLA rule's SQL without the indexes, fails here. EXPLAIN on
SQLite and PostgreSQL (on PostgreSQL with sequential scans and sorts discouraged, so the plan
shows whether the index *can* serve the query whatever the table's size)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from engage.cases import clock
from engage.cases.listing import LIST_COLUMNS, CaseFilters
from engage.extensions import db
from tests.factories.auth import cso
from tests.factories.cases import make_case

TODAY = date(2026, 3, 20)


def _plan(query) -> str:  # type: ignore[no-untyped-def]
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        db.session.execute(text("SET LOCAL enable_sort = off"))
        rows = db.session.execute(text(f"EXPLAIN {compiled}")).scalars()
    else:
        rows = (r[-1] for r in db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
    return "\n".join(rows)


@pytest.mark.parametrize(
    ("args", "index"),
    [
        ({}, "ix_cases_open_first"),
        ({"sla": "overdue"}, "ix_cases_running_next_deadline"),
        ({"sla": "missed"}, "ix_cases_finished_next_deadline"),
        ({"output": "1"}, "ix_cases_output_open_first"),
    ],
)
def test_the_case_list_query_reads_its_index(app, args, index):
    officer = cso()
    for n in range(3):
        make_case(received=date(2026, 3, 2 + n))
    cal = clock.current_calendar()
    query = CaseFilters.from_args(args).query(officer, TODAY, cal)
    page = query.with_only_columns(*LIST_COLUMNS).limit(25)
    plan = _plan(page)
    assert index in plan, plan
    if db.engine.dialect.name == "sqlite":
        assert "TEMP B-TREE" not in plan, plan  # read in order, not sorted
    else:
        assert "Sort" not in plan, plan
