"""The dashboard's SLA counts stay bounded as history grows: running cases whatever their age,
finished cases only from the current reporting year (and the page says so)."""

from __future__ import annotations

from datetime import date

import time_machine

from engage.calendar import reporting_year, reporting_year_of
from engage.cases import workflow
from engage.cases.dashboard import sla_counts_and_open
from tests.factories.auth import cso
from tests.factories.cases import at, make_case

TODAY = date(2026, 5, 20)


def test_reporting_year_starts_on_1_april():
    assert reporting_year_of(date(2026, 3, 31)) == 2025
    assert reporting_year(2025) == (date(2025, 4, 1), date(2026, 3, 31))
    assert reporting_year_of(date(2026, 4, 1)) == 2026


def test_old_finished_cases_drop_out_but_old_running_cases_stay(app):
    officer = cso()
    last_year = make_case(received=date(2026, 3, 2))  # reporting year 2025-26
    workflow.acknowledge(last_year, officer, now=at(date(2026, 3, 3)))
    workflow.respond(last_year, officer, text="Done", method="email", now=at(date(2026, 3, 10)))
    this_year = make_case(received=date(2026, 4, 7))
    workflow.acknowledge(this_year, officer, now=at(date(2026, 4, 8)))
    workflow.respond(this_year, officer, text="Done", method="email", now=at(date(2026, 4, 14)))
    make_case(received=date(2025, 1, 6))  # never answered: overdue, counted however old
    counts, open_count = sla_counts_and_open(officer, TODAY)
    assert counts == {"met": 1, "overdue": 1}
    assert open_count == 1


def test_the_panel_links_met_and_missed_to_the_same_window(app, login):
    make_case(received=date(2026, 5, 18))
    with time_machine.travel(at(TODAY), tick=False):
        page = login(cso()).get("/staff").get_data(as_text=True)
    assert "/staff/cases?sla=met&amp;received_from=2026-04-01" in page
    assert "/staff/cases?sla=in_time" in page
    assert "received this reporting year, since 1 April 2026" in page
    assert "1 open case you can see" in page
