"""The case list's default order: open cases first, by the deadline due next; finished cases
after them (however old their deadlines)."""

from __future__ import annotations

from datetime import date

import time_machine

from engage.cases import workflow
from tests.factories.auth import cso
from tests.factories.cases import at, make_case


def test_open_cases_come_before_finished_ones_whatever_their_deadlines(app, login):
    officer = cso()
    finished = make_case(received=date(2025, 1, 6))
    workflow.acknowledge(finished, officer, now=at(date(2025, 1, 7)))
    workflow.respond(finished, officer, text="Done", method="email", now=at(date(2025, 1, 10)))
    later = make_case(received=date(2026, 5, 11))
    sooner = make_case(received=date(2026, 5, 4))
    with time_machine.travel(at(date(2026, 5, 12)), tick=False):
        page = login(officer).get("/staff/cases").get_data(as_text=True)
    positions = [page.index(c.reference) for c in (sooner, later, finished)]
    assert positions == sorted(positions)
