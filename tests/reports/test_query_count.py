"""The report for a year with 25,000 cases is built with as many queries as for 100."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import insert

from engage.cases.models import Case
from engage.extensions import db
from engage.reports.figures import compute_figures, table_by_key
from engage.reports.performance import performance_figures
from tests.conftest import count_queries
from tests.factories.reports import AS_OF, calendar, case_row

KINDS = ["enquiry", "service_complaint", "foi_complaint", "media", "different_format"]


def add_cases(n: int, offset: int) -> None:
    cal = calendar()
    rows = []
    for i in range(n):
        received = date(2025, 4, 1) + timedelta(days=i % 365)
        d = cal.deadlines(received)
        fields = {"reference": f"Q{offset + i:08d}"}
        if i % 3 == 0:
            fields |= {"acknowledged_on": d.acknowledge_by, "responded_on": d.respond_by}
        elif i % 3 == 1:
            fields |= {
                "acknowledged_on": received,
                "responded_on": d.respond_by + timedelta(days=3),
                "delay_notice_on": received,
            }
        if i % 50 == 0:
            fields |= {"transferred_to": "foi", "transferred_on": received}
        if i % 500 == 0:
            fields |= {"uksa_referred_on": d.respond_by + timedelta(days=10)}
        rows.append(case_row(KINDS[i % len(KINDS)], received, **fields))
    db.session.execute(insert(Case), rows)
    db.session.commit()


def queries_for_report() -> int:
    db.session.expire_all()
    with count_queries() as statements:
        compute_figures(2025, AS_OF)
        performance_figures(AS_OF)
    return len(statements)


def test_query_count_does_not_grow_with_cases(app):
    add_cases(100, 0)
    small = queries_for_report()
    small_received = table_by_key(compute_figures(2025, AS_OF), "cases_received")["rows"][-1][1]
    add_cases(24_900, 100)
    large = queries_for_report()
    assert large == small
    totals = {t["key"]: t["rows"][-1] for t in compute_figures(2025, AS_OF)["tables"] if t["rows"]}
    assert totals["cases_received"][1] == 25_000
    assert small_received == 100
