"""Complaint outcome and theme tables for the annual report and the performance page, and the
report's "What we learned". Tables are made with engage.reports.tables.make_table,
so they are suppressed as every published table is (engage.reports.suppression).

Complaints are counted by the day they had their full response (``responded_on``): an outcome
is recorded with the response. A complaint responded to but without a recorded outcome is
counted as "Outcome not recorded", so the rows add up to every complaint responded to.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select

from engage.auth.models import User
from engage.cases.desk_models import (
    COMPLAINT_OUTCOMES,
    ComplaintOutcome,
    ComplaintTheme,
    LessonAction,
    complaint_outcome_themes,
)
from engage.cases.models import Case
from engage.extensions import db
from engage.reports.tables import grouped, iso, make_table, with_total_row
from engage.vocab import COMPLAINT_KINDS

NOT_RECORDED = "Outcome not recorded"
OUTCOME_DEFINITION = (
    "Complaints that had their full response in the period, by how they ended under the UK "
    "Central Government Complaint Standards: upheld, partly upheld, not upheld, or resolved "
    "without a finding. Counted by the date of the full response."
)
THEME_DEFINITION = (
    "Complaints that had their full response in the period, by what they were about (the "
    "themes the office keeps). A complaint can have more than one theme, so the rows add up "
    "to more than the number of complaints."
)


def _responded(start: date, end: date) -> Any:
    return (
        Case.kind.in_(COMPLAINT_KINDS),
        Case.responded_on >= start,
        Case.responded_on <= end,
    )


def outcome_counts(start: date, end: date) -> dict[str, int]:
    """{outcome key or "": complaints} for complaints responded to in [start, end]."""
    counts = grouped(
        select(ComplaintOutcome.outcome, func.count(Case.id))
        .select_from(Case)
        .outerjoin(ComplaintOutcome, ComplaintOutcome.case_id == Case.id)
        .where(*_responded(start, end))
        .group_by(ComplaintOutcome.outcome)
    )
    return {key or "": count for key, count in counts.items()}


def theme_counts(start: date, end: date) -> list[tuple[str, int]]:
    """(theme, complaints) for complaints responded to in [start, end], by theme name; every
    theme offered now, and any retired theme that was used."""
    used = grouped(
        select(complaint_outcome_themes.c.theme_id, func.count(Case.id))
        .select_from(Case)
        .join(ComplaintOutcome, ComplaintOutcome.case_id == Case.id)
        .join(
            complaint_outcome_themes,
            complaint_outcome_themes.c.outcome_id == ComplaintOutcome.id,
        )
        .where(*_responded(start, end))
        .group_by(complaint_outcome_themes.c.theme_id)
    )
    themes = db.session.execute(select(ComplaintTheme).order_by(ComplaintTheme.name)).scalars()
    return [(t.name, used.get(t.id, 0)) for t in themes if t.active or used.get(t.id)]


def outcome_table(key: str, section: str, start: date, end: date) -> dict[str, Any]:
    counts = outcome_counts(start, end)
    rows: list[list[Any]] = [
        [label, counts.get(outcome, 0)] for outcome, label in COMPLAINT_OUTCOMES.items()
    ]
    rows.append([NOT_RECORDED, counts.get("", 0)])
    return make_table(
        key,
        section,
        "How complaints ended",
        ["Outcome", "Complaints"],
        with_total_row(rows, [1], "Complaints responded to"),
        definition=OUTCOME_DEFINITION,
        count_columns=[1],
        total_row=True,
    )


def theme_table(key: str, section: str, start: date, end: date) -> dict[str, Any]:
    return make_table(
        key,
        section,
        "What complaints were about",
        ["Theme", "Complaints"],
        [[name, count] for name, count in theme_counts(start, end)],
        definition=THEME_DEFINITION,
        count_columns=[1],
        empty="No themes have been set up.",
    )


def lessons_table(start: date, end: date) -> dict[str, Any]:
    """What we learned from complaints responded to in the year, with each action's state."""
    rows = db.session.execute(
        select(LessonAction, User.name)
        .join(Case, Case.id == LessonAction.case_id)
        .join(User, User.id == LessonAction.owner_id)
        .where(*_responded(start, end))
        .order_by(Case.responded_on, LessonAction.id)
    ).all()
    return make_table(
        "lessons",
        "lessons",
        "What we learned from complaints",
        ["What we learned", "Action", "Owner", "Due by", "Done on"],
        [
            [
                lesson.learned,
                lesson.action,
                owner,
                iso(lesson.due_on),
                iso(lesson.done_on) or "Not yet done",
            ]
            for lesson, owner in rows
        ],
        definition="What each complaint answered in the year taught us, the action we took or "
        "are taking, and who owns it.",
        empty="Nothing was recorded as learned from complaints in this year.",
    )


def annual_tables(start: date, end: date) -> list[dict[str, Any]]:
    return [
        outcome_table("complaint_outcomes", "cases", start, end),
        theme_table("complaint_themes", "cases", start, end),
        lessons_table(start, end),
    ]


def performance_tables(quarters: list[Any]) -> list[dict[str, Any]]:
    """The performance page's tables: how complaints ended, by quarter of the full response
    (`quarters`: objects with `start`, `end` and `label`, oldest first), and what complaints
    were about over all those quarters."""
    keys = [*COMPLAINT_OUTCOMES, ""]
    rows = []
    for q in quarters:
        counts = outcome_counts(q.start, q.end)
        values = [counts.get(k, 0) for k in keys]
        rows.append([q.label, *values, sum(values)])
    n = len(keys)
    first, last = quarters[0], quarters[-1]
    return [
        make_table(
            "performance_complaint_outcomes",
            "performance",
            "How complaints ended",
            ["Quarter", *COMPLAINT_OUTCOMES.values(), NOT_RECORDED, "Complaints responded to"],
            rows,
            definition=OUTCOME_DEFINITION,
            count_columns=list(range(1, n + 2)),
            row_sums=[{"total": n + 1, "parts": list(range(1, n + 1))}],
        ),
        theme_table("performance_complaint_themes", "performance", first.start, last.end)
        | {"title": f"What complaints were about, {first.label} to {last.label}"},
    ]
