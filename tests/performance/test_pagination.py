"""Pages past the middle of a reversible list are read from its end: the same rows, in the
same order, as reading forwards."""

from __future__ import annotations

from datetime import date, timedelta

from engage.cases import clock
from engage.cases.listing import CaseFilters
from engage.pagination import paginate
from tests.factories.auth import cso
from tests.factories.cases import make_case


def test_every_page_is_the_same_read_from_either_end(app):
    officer = cso()
    for n in range(7):  # some with equal deadlines, so the order relies on its id tie-break
        make_case(received=date(2026, 3, 2) + timedelta(days=n // 2))
    for sort in ("", "received"):
        query = CaseFilters(sort=sort).query(officer, date(2026, 3, 20), clock.current_calendar())
        with app.test_request_context("/staff/cases"):
            for number in range(1, 6):
                forwards = paginate(query, per_page=2, page=number)
                either = paginate(query, per_page=2, page=number, reversible=True)
                assert [c.id for c in either.items] == [c.id for c in forwards.items]
                assert either.page == forwards.page
