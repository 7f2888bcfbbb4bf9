"""Reviews (issue 21 item 7): changing an output's review interval moves its next review date
(from the last review, or from the start the old date implies), and the outputs list flags
overdue reviews and outputs never reviewed."""

from __future__ import annotations

import re
from datetime import date, timedelta

from engage.audit import AuditEvent
from engage.calendar import london_date
from engage.db_types import utcnow
from engage.extensions import db
from engage.outputs import catalogue
from engage.outputs.models import Output, OutputReview
from tests.factories.auth import cso, producer
from tests.factories.outputs import OutputFactory


def _review(output: Output, on: date) -> None:
    db.session.add(OutputReview(output_id=output.id, reviewed_on=on, findings="ok"))
    db.session.commit()


def _change_interval(output: Output, months: int) -> None:
    catalogue.update_output(
        output,
        {"review_interval_months": months},
        [p.id for p in output.producers],
        cso(),
    )


def test_a_new_interval_counts_from_the_last_review(app):
    output = OutputFactory(review_interval_months=12, next_review_due=date(2027, 3, 10))
    _review(output, date(2025, 1, 1))
    _review(output, date(2026, 3, 10))
    _change_interval(output, 6)
    assert db.session.get(Output, output.id).next_review_due == date(2026, 9, 10)
    event = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "output.updated")
    ).one()
    assert event.detail["next_review_due"] == ["2027-03-10", "2026-09-10"]


def test_a_never_reviewed_output_counts_from_the_start_its_old_date_implies(app):
    output = OutputFactory(review_interval_months=12, next_review_due=date(2027, 1, 31))
    _change_interval(output, 3)
    assert db.session.get(Output, output.id).next_review_due == date(2026, 4, 30)


def test_the_same_interval_leaves_the_date_alone(app):
    output = OutputFactory(review_interval_months=12, next_review_due=date(2027, 1, 31))
    _review(output, date(2020, 1, 1))
    _change_interval(output, 12)
    assert db.session.get(Output, output.id).next_review_due == date(2027, 1, 31)


def test_the_outputs_list_flags_overdue_and_never_reviewed(app, login):
    today = london_date(utcnow())
    late = OutputFactory(title="A late one", next_review_due=today - timedelta(days=1))
    _review(late, today - timedelta(days=400))
    OutputFactory(title="B never reviewed", next_review_due=today + timedelta(days=30))
    fine = OutputFactory(title="C fine", next_review_due=today + timedelta(days=30))
    _review(fine, today - timedelta(days=10))
    html = login(producer()).get("/staff/outputs").get_data(as_text=True)
    rows = {
        title: row
        for row in re.findall(r"<tr class=\"govuk-table__row\">.*?</tr>", html, re.S)
        for title in ("A late one", "B never reviewed", "C fine")
        if title in row
    }
    assert "Review overdue" in rows["A late one"] and "Never reviewed" not in rows["A late one"]
    assert "Never reviewed" in rows["B never reviewed"]
    assert "Review overdue" not in rows["B never reviewed"]
    assert "Review overdue" not in rows["C fine"] and "Never reviewed" not in rows["C fine"]
