"""The annual report's and the performance page's complaint outcome and theme tables, on the
demo data (which spans three reporting years), against counts made by hand from
engage.cases.outcome_demo.DEMO_COMPLAINTS; and their suppression when published."""

from __future__ import annotations

from datetime import date

from engage.reports.figures import compute_figures, table_by_key
from engage.reports.performance import performance_figures
from engage.reports.suppression import suppress_table
from engage.seed import seed_demo

TODAY = date(2026, 11, 28)


def _not_recorded(year: int) -> int:
    """Counted by hand from the seeded rows: complaints answered in the reporting year starting
    1 April `year` with no outcome recorded. Since main's demo history
    (engage.cases.demo.seed_history: finished complaints over three years, none with an
    outcome) these are many, and depend on that history's draws."""
    from engage.cases.desk_models import ComplaintOutcome
    from engage.cases.models import Case
    from engage.extensions import db
    from engage.vocab import COMPLAINT_KINDS

    with_outcome = set(db.session.scalars(db.select(ComplaintOutcome.case_id)))
    start, end = date(year, 4, 1), date(year + 1, 3, 31)
    return sum(
        1
        for case_id, kind, responded_on in db.session.execute(
            db.select(Case.id, Case.kind, Case.responded_on)
        )
        if kind in COMPLAINT_KINDS
        and responded_on is not None
        and start <= responded_on <= end
        and case_id not in with_outcome
    )


def _column(table, col: int = 1) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {row[0]: row[col] for row in table["rows"]}


def test_outcome_and_theme_tables_match_hand_counts(app):
    seed_demo(TODAY)
    y2024 = compute_figures(2024, TODAY)
    assert _column(table_by_key(y2024, "complaint_outcomes")) == {
        "Upheld": 3,  # received 1 April 2024 + 20, 140 and 200 days
        "Partly upheld": 1,
        "Not upheld": 1,
        "Resolved without a finding": 1,
        "Outcome not recorded": _not_recorded(2024),
        "Complaints responded to": 6 + _not_recorded(2024),
    }
    assert _column(table_by_key(y2024, "complaint_themes")) == {
        "Accessibility of data": 1,
        "Accuracy": 2,
        "FoI handling": 1,
        "Staff conduct": 1,
        "Timeliness of publication": 3,
    }
    (lesson,) = table_by_key(y2024, "lessons")["rows"]
    assert lesson[:3] == [
        "Release dates moved without notice",
        "Announce every date change a week ahead",
        "Chris Chief",
    ]
    assert lesson[4] == "2024-12-01"  # received 18 Oct 2024, answered 1 Nov, done 30 days on

    y2025 = compute_figures(2025, TODAY)
    assert _column(table_by_key(y2025, "complaint_outcomes")) == {
        "Upheld": 2,
        "Partly upheld": 1,
        "Not upheld": 4,
        "Resolved without a finding": 0,
        "Outcome not recorded": _not_recorded(2025),
        "Complaints responded to": 7 + _not_recorded(2025),
    }
    assert _not_recorded(2025) > 4  # the demo history: not suppressed below
    assert _column(table_by_key(y2025, "complaint_themes")) == {
        "Accessibility of data": 2,
        "Accuracy": 2,
        "FoI handling": 1,
        "Staff conduct": 1,
        "Timeliness of publication": 2,
    }
    assert [row[4] for row in table_by_key(y2025, "lessons")["rows"]] == ["Not yet done"]

    y2026 = compute_figures(2026, TODAY)
    outcomes = _column(table_by_key(y2026, "complaint_outcomes"))
    assert outcomes["Upheld"] == 1
    # The cases' own demo complaints answered this year have no recorded outcome.
    assert outcomes["Complaints responded to"] == 1 + outcomes["Outcome not recorded"]


def test_published_outcome_tables_are_suppressed(app):
    seed_demo(TODAY)
    table = suppress_table(table_by_key(compute_figures(2025, TODAY), "complaint_outcomes"))
    shown = _column(table)
    # 2, 1, 4, 0, the demo history's unrecorded outcomes and the total: every count from 1 to
    # 4 is hidden; the zeros and the large counts stay.
    assert shown == {
        "Upheld": "[c]",
        "Partly upheld": "[c]",
        "Not upheld": "[c]",
        "Resolved without a finding": 0,
        "Outcome not recorded": _not_recorded(2025),
        "Complaints responded to": 7 + _not_recorded(2025),
    }


def test_performance_page_has_outcomes_by_quarter_and_themes(app):
    seed_demo(TODAY)
    figures = performance_figures(TODAY)
    raw = {t["key"]: t for t in figures["raw"]}
    by_quarter = raw["performance_complaint_outcomes"]
    # Eight quarters from October 2024 to September 2026; totals are the sum of the parts.
    assert len(by_quarter["rows"]) == 8
    for row in by_quarter["rows"]:
        assert row[-1] == sum(row[1:-1])
    # Answered in those quarters: 2024's complaints received on days 200 and 260, all seven of
    # 2025's, and 2026's one.
    recorded = sum(sum(row[1:5]) for row in by_quarter["rows"])
    assert recorded == 10
    themes = _column(raw["performance_complaint_themes"])
    assert themes["Accuracy"] == 3 and themes["Timeliness of publication"] == 3
    assert themes["FoI handling"] == 2 and themes["Staff conduct"] == 2
