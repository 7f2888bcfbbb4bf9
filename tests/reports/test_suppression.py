"""Small-count suppression: 1-4 -> [c], 0 -> 0, and totals never reveal a hidden cell."""

from __future__ import annotations

from engage.reports.figures import make_table
from engage.reports.suppression import (
    SUPPRESSED,
    suppress_count,
    suppress_figures,
    suppress_share,
    suppress_table,
)


def test_primary_suppression_of_single_counts():
    assert [suppress_count(n) for n in (0, 1, 2, 3, 4, 5, 17)] == [
        0,
        "[c]",
        "[c]",
        "[c]",
        "[c]",
        5,
        17,
    ]
    assert suppress_count("Yes") == "Yes"


def test_shares_are_hidden_when_any_part_is_small():
    assert suppress_share(10, 10) == "100%"
    assert suppress_share(0, 10) == "0%"
    assert suppress_share(3, 10) == SUPPRESSED  # the count in time is small
    assert suppress_share(8, 10) == SUPPRESSED  # the 2 not in time would be revealed
    assert suppress_share(2, 2) == SUPPRESSED  # the total is small
    assert suppress_share(0, 0) == "–"
    assert suppress_share(6, 12) == "50%"


def grid(rows, **kw):  # type: ignore[no-untyped-def]
    return make_table("t", "s", "T", ["Label", "A", "B", "C", "Total"], rows, **kw)


def test_secondary_suppression_in_a_row_hides_the_next_smallest_cell():
    table = grid(
        [["x", 3, 9, 20, 32], ["y", 10, 10, 10, 30]],
        count_columns=[1, 2, 3, 4],
        total_column=4,
    )
    shown = suppress_table(table)["rows"]
    # 3 is hidden; with the row total 32 shown, 3 = 32 - 9 - 20, so 9 is hidden too.
    assert shown[0] == ["x", "[c]", "[c]", 20, 32]
    assert shown[1] == ["y", 10, 10, 10, 30]


def test_secondary_suppression_across_rows_and_columns_until_stable():
    rows = [["x", 3, 9, 20, 32], ["y", 10, 12, 10, 32], ["Total", 13, 21, 30, 64]]
    table = grid(rows, count_columns=[1, 2, 3, 4], total_row=True, total_column=4)
    shown = suppress_table(table)["rows"]
    # Row x hides 3 then 9; column A then has one hidden cell (3), so 10 in row y is hidden;
    # column B likewise hides 12; row y now has two hidden cells: stable.
    assert shown[0] == ["x", "[c]", "[c]", 20, 32]
    assert shown[1] == ["y", "[c]", "[c]", 10, 32]
    assert shown[2] == ["Total", 13, 21, 30, 64]
    # No group (row or column with a shown total) has exactly one hidden cell.
    hidden = {(r, c) for r, row in enumerate(shown) for c, v in enumerate(row) if v == "[c]"}
    for r in range(2):
        assert len([c for c in (1, 2, 3) if (r, c) in hidden]) != 1
    for c in (1, 2, 3):
        assert len([r for r in (0, 1) if (r, c) in hidden]) != 1


def test_when_nothing_else_can_be_hidden_the_total_is_suppressed():
    table = make_table(
        "t",
        "s",
        "T",
        ["Kind", "Withdrawn"],
        [["a", 0], ["b", 1], ["c", 0], ["Total", 1]],
        count_columns=[1],
        total_row=True,
    )
    # 1 is small itself; a column of zeros and one small cell: the total is small too.
    assert [r[1] for r in suppress_table(table)["rows"]] == [0, "[c]", 0, "[c]"]
    table = make_table(
        "t",
        "s",
        "T",
        ["Kind", "N"],
        [["a", 0], ["b", 2], ["c", 0], ["Total", 7]],
        count_columns=[1],
        total_row=True,
    )
    # (An inconsistent total, to show the rule: with no other non-zero cell to hide, the
    # total 7 would reveal the hidden 2, so it is hidden.)
    assert [r[1] for r in suppress_table(table)["rows"]] == [0, "[c]", 0, "[c]"]


def test_zero_is_never_chosen_for_secondary_suppression():
    table = make_table(
        "t",
        "s",
        "T",
        ["Kind", "N"],
        [["a", 0], ["b", 2], ["c", 8], ["Total", 10]],
        count_columns=[1],
        total_row=True,
    )
    assert [r[1] for r in suppress_table(table)["rows"]] == [0, "[c]", "[c]", 10]


def test_shares_follow_their_hidden_counts():
    table = make_table(
        "t",
        "s",
        "T",
        ["Kind", "Measured", "In time", "Share"],
        [["a", 10, 10, "100%"], ["b", 6, 3, "50%"], ["Total", 16, 13, "81%"]],
        count_columns=[1, 2],
        total_row=True,
        shares=[{"column": 3, "in_time": 2, "total": 1}],
    )
    shown = suppress_table(table)["rows"]
    assert shown[0] == ["a", 10, "[c]", "[c]"]  # 10 hidden as the next smallest in column
    assert shown[1] == ["b", 6, "[c]", "[c]"]
    assert shown[2] == ["Total", 16, 13, "[c]"]  # 16 - 13 = 3 not in time: small


def test_publication_figures_leave_out_internal_tables_and_do_not_change_the_original():
    table = make_table("a", "s", "A", ["K", "N"], [["x", 2]], count_columns=[1])
    internal = make_table("b", "s", "B", ["K"], [["case T1"]], internal=True)
    figures = {"tables": [table, internal], "year_label": "2025-26"}
    published = suppress_figures(figures)
    assert [t["key"] for t in published["tables"]] == ["a"]
    assert published["tables"][0]["rows"] == [["x", "[c]"]]
    assert table["rows"] == [["x", 2]]


def test_late_responses_without_a_delay_notice_cannot_be_worked_out_from_the_missed_count(app):
    """Missed the 20 day deadline with a notice + without a notice = the responded table's
    Missed: with 7 missed and 6 with a notice shown, a hidden 'without a notice' would be 1."""
    from datetime import date

    from engage.reports.figures import compute_figures
    from tests.factories.reports import at, make_case, working_days_after

    received = date(2025, 6, 2)
    for n in range(7):
        responded = working_days_after(received, 30)
        make_case(
            "enquiry",
            received,
            state="closed",
            acknowledged_at=at(received),
            acknowledged_on=received,
            responded_at=at(responded),
            responded_on=responded,
            closed_at=at(responded),
            delay_notice_on=working_days_after(received, 10) if n < 6 else None,
            delay_notice_sent_at=at(working_days_after(received, 10)) if n < 6 else None,
        )
    figures = compute_figures(2025, date(2026, 5, 15))
    raw = {t["key"]: t for t in figures["tables"]}
    assert raw["responded"]["rows"][0][6] == 7 and raw["delay_notices"]["rows"][0][3:5] == [6, 1]
    shown = {t["key"]: t for t in suppress_figures(figures)["tables"]}
    missed = shown["responded"]["rows"][0][6]
    with_notice, without = shown["delay_notices"]["rows"][0][3:5]
    assert without == "[c]"
    assert "[c]" in (missed, with_notice)
