"""The clock of one case, as the case page shows it (engage/cases/sla/status.py): one
ClockSummary built by `clock_summary`, the page printing what it says."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
import time_machine

from engage.cases import clock, workflow
from engage.cases.sla.status import ClockSummary, clock_summary, left_words
from tests.factories.auth import cso
from tests.factories.cases import at, make_case

RECEIVED = date(2026, 3, 2)  # a Monday: acknowledge by Mon 9 March, respond by Mon 30 March


def test_the_summary_of_a_running_clock_day_by_day(app):
    case = make_case(received=RECEIVED)
    assert (case.acknowledge_by, case.respond_by) == (date(2026, 3, 9), date(2026, 3, 30))
    assert clock_summary(case, date(2026, 3, 4)) == ClockSummary(
        overall="in_time",
        acknowledge="in_time",
        respond="in_time",
        acknowledge_remaining=3,
        respond_remaining=18,
    )
    due = clock_summary(case, date(2026, 3, 9))
    assert (due.overall, due.acknowledge, due.acknowledge_left) == (
        "due_soon",
        "due_soon",
        "due today",
    )
    late = clock_summary(case, date(2026, 3, 10))
    assert (late.overall, late.acknowledge, late.acknowledge_left) == (
        "overdue",
        "overdue",
        "1 working day late",
    )
    assert late.respond_left == "14 working days left"


def test_a_stopped_clock_has_no_days_left(app):
    case = make_case(received=RECEIVED)
    workflow.acknowledge(case, cso(), method="email", on=date(2026, 3, 3))
    summary = clock_summary(case, date(2026, 3, 4))
    assert summary.acknowledge == "met"
    assert summary.acknowledge_remaining is None and summary.acknowledge_left == ""
    assert summary.respond_left == "18 working days left"


def test_the_summary_is_one_frozen_value_exported_by_the_clock():
    assert clock.clock_summary is clock_summary and clock.ClockSummary is ClockSummary
    summary = ClockSummary("in_time", "in_time", "in_time", 1, 2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        summary.overall = "overdue"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("remaining", "words"),
    [
        (None, ""),
        (-3, "3 working days late"),
        (-1, "1 working day late"),
        (0, "due today"),
        (1, "1 working day left"),
        (12, "12 working days left"),
    ],
)
def test_days_left_in_words(remaining, words):
    assert left_words(remaining) == words


def test_the_case_page_shows_the_summary(app, login):
    case = make_case(received=RECEIVED)
    with time_machine.travel(at(date(2026, 3, 10), 12), tick=False):
        page = login(cso()).get(f"/staff/cases/{case.reference}").get_data(as_text=True)
    assert "Monday 9 March 2026" in page
    assert "1 working day late" in page and "14 working days left" in page
    assert page.count("Overdue") >= 2  # the case's tag and the acknowledgement's
    assert " ·  · " not in page and "None" not in page
