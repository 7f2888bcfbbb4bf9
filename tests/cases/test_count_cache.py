"""Counts of cases are kept per version of the cases table (engage.table_versions): the database
increases the version on any change to cases, however it is made, so a list never shows a count
older than the cases it counts; and while nothing changes, the list does not count again."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
import time_machine

from engage.cases import workflow
from engage.cases.models import Case
from engage.extensions import db
from engage.table_versions import current_version
from tests.conftest import count_queries
from tests.factories.auth import cso
from tests.factories.cases import at, make_case

TODAY = date(2026, 5, 20)


def _caption(client, query: str = "") -> str:
    page = client.get(f"/staff/cases{query}").get_data(as_text=True)
    start = page.index('<caption class="govuk-table__caption govuk-table__caption--m">')
    return page[start:].split(">", 1)[1].split("<", 1)[0]


def test_the_database_increases_the_version_on_every_kind_of_change(app):
    before = current_version("cases") or 0
    case = make_case(received=date(2026, 5, 11))  # ORM insert (and its updates)
    db.session.commit()
    after_insert = current_version("cases")
    assert after_insert is not None and after_insert > before
    db.session.execute(sa.update(Case).values(subject="Bulk"))  # Core update, no ORM
    db.session.commit()
    after_update = current_version("cases")
    assert after_update is not None and after_update > after_insert
    with db.engine.begin() as conn:  # another connection, plain SQL
        conn.execute(sa.text("UPDATE cases SET subject = 'Raw' WHERE id = :id"), {"id": case.id})
    after_raw = current_version("cases")
    assert after_raw is not None and after_raw > after_update
    db.session.execute(sa.delete(Case).where(Case.id == case.id))
    db.session.commit()
    after_delete = current_version("cases")
    assert after_delete is not None and after_delete > after_raw


def test_the_list_counts_again_after_any_change_and_not_before(app, login):
    officer = cso()
    first = make_case(received=date(2026, 5, 11))
    make_case(received=date(2026, 5, 12))
    db.session.commit()
    client = login(officer)
    assert _caption(client) == "2 cases"

    with count_queries() as statements:
        assert _caption(client) == "2 cases"
    assert not any("count(" in s.lower() for s in statements), "unchanged cases: no COUNT"

    make_case(received=date(2026, 5, 13))  # a new case
    db.session.commit()
    assert _caption(client) == "3 cases"

    # A state change moves a case between filters: the met filter sees it at once.
    assert "No cases match these filters." in client.get("/staff/cases?sla=met").get_data(
        as_text=True
    )
    workflow.acknowledge(first, officer, now=at(date(2026, 5, 12)))
    workflow.respond(first, officer, text="Answer", method="email", now=at(date(2026, 5, 14)))
    db.session.commit()
    assert _caption(client, "?sla=met") == "1 case"

    # A change made outside the application (another program, plain SQL) is seen too.
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE cases SET kind = 'service_complaint'"))
    assert _caption(client, "?kind=service_complaint") == "3 cases"
    assert "No cases match these filters." in client.get("/staff/cases?kind=enquiry").get_data(
        as_text=True
    )


def test_the_dashboard_counts_change_with_the_cases(app, login):
    officer = cso()
    make_case(received=date(2026, 5, 18))
    db.session.commit()
    with time_machine.travel(at(TODAY), tick=False):
        client = login(officer)
        assert "1 open case you can see" in client.get("/staff").get_data(as_text=True)
        make_case(received=date(2026, 5, 19))
        db.session.commit()
        assert "2 open cases you can see" in client.get("/staff").get_data(as_text=True)
