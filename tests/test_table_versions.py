"""Counts of cases are kept per version of the cases table (engage.table_versions): the database
increases the version on any change to cases, however it is made, so a list never shows a count
older than the cases it counts; and while nothing changes, the list does not count again."""

from __future__ import annotations

import threading
import time
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


def test_two_transactions_changing_the_same_cases_in_turn_do_not_deadlock(app):
    """Transaction A changes case 1 and then case 2; transaction B changes case 2 meanwhile.
    The version is bumped before each statement touches any case (PostgreSQL: a BEFORE
    statement trigger), so B waits for A's version lock without holding case 2, and both
    commit. (With the bump after the statement, B would hold case 2 and wait for the version
    while A, holding the version, waited for case 2: a deadlock, and one of them refused.)
    On SQLite writers take turns on the whole database: B waits for A's commit."""
    first = make_case(received=date(2026, 5, 11))
    second = make_case(received=date(2026, 5, 12))
    db.session.commit()
    update = sa.text("UPDATE cases SET subject = :subject WHERE id = :id")
    engine = db.engine
    b_started = threading.Event()
    errors: list[BaseException] = []

    def transaction_b() -> None:
        try:
            with app.app_context(), engine.begin() as conn:
                b_started.set()
                conn.execute(update, {"subject": "B", "id": second.id})
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
            b_started.set()

    with engine.connect() as conn_a, conn_a.begin():
        conn_a.execute(update, {"subject": "A", "id": first.id})
        thread = threading.Thread(target=transaction_b)
        thread.start()
        b_started.wait(5)
        time.sleep(0.5)  # B's statement is now waiting (on the version, or on SQLite's lock)
        conn_a.execute(update, {"subject": "A", "id": second.id})
    thread.join(30)
    assert not thread.is_alive()
    assert errors == []
    subjects = dict(db.session.execute(sa.select(Case.id, Case.subject)).all())
    assert subjects == {first.id: "A", second.id: "B"}  # B committed after A
