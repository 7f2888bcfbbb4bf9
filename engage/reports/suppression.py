"""Small-count suppression for published figures.

Rules (applied to anything public or marked for publication):

* **Primary suppression**: a count from 1 to 4 is shown as ``[c]`` (the statistical convention
  for "confidential"); zero is shown as 0.
* **Secondary suppression** (so a total cannot reveal a suppressed cell): within every group of
  cells that adds up to a shown total -- each row of a table with a total column, and each
  column of a table with a total row -- if exactly one cell is suppressed, the next smallest
  non-zero cell of that group is suppressed as well; if the group has no other non-zero cell to
  hide, the total itself is suppressed. Rows and columns are re-checked until nothing changes,
  because a cell hidden for a row can leave a column with a single suppressed cell.
* **Shares** (percentages): a share is shown as ``[c]`` when its count of cases in time, its count
  not in time, or its total is suppressed or from 1 to 4 -- otherwise the share and its total
  would reveal the small complementary count.

Tables are the plain dicts of ``engage.reports.figures`` (``columns``, ``rows``, ``count_columns``,
``total_row``, ``total_column``, ``shares``); ``suppress_table`` returns a copy with display
values and never changes the stored figures.
"""

from __future__ import annotations

import copy
from typing import Any

SUPPRESSED = "[c]"
THRESHOLD = 5  # counts below this (and above zero) are suppressed


def is_small(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < THRESHOLD


def suppress_count(value: Any) -> Any:
    """One count on its own: 1-4 -> '[c]', anything else unchanged."""
    return SUPPRESSED if is_small(value) else value


def share_text(in_time: int, total: int) -> str:
    """A share as a whole-number percentage ('85%'), or an en dash when there is nothing to
    measure."""
    if not total:
        return "–"
    return f"{round(100 * in_time / total)}%"


def suppress_share(in_time: int, total: int) -> str:
    if is_small(in_time) or is_small(total) or is_small(total - in_time):
        return SUPPRESSED
    return share_text(in_time, total)


def _secondary(hidden: set[tuple[int, int]], values: list[list[Any]], groups) -> None:  # type: ignore[no-untyped-def]
    """Hide cells until no group (cells, total cell) has exactly one hidden member cell."""
    changed = True
    while changed:
        changed = False
        for cells, total_cell in groups:
            hidden_cells = [c for c in cells if c in hidden]
            if len(hidden_cells) != 1 or (total_cell is not None and total_cell in hidden):
                continue
            candidates = [
                c
                for c in cells
                if c not in hidden
                and isinstance(values[c[0]][c[1]], int)
                and values[c[0]][c[1]] > 0
            ]
            if candidates:
                smallest = min(candidates, key=lambda c: (values[c[0]][c[1]], c))
                hidden.add(smallest)
            elif total_cell is not None:
                hidden.add(total_cell)
            else:
                continue
            changed = True


def suppressed_cells(table: dict[str, Any]) -> set[tuple[int, int]]:
    """The (row, column) positions to hide in a table: primary plus secondary suppression."""
    rows: list[list[Any]] = table["rows"]
    count_columns: list[int] = table.get("count_columns", [])
    total_row: bool = table.get("total_row", False)
    total_column: int | None = table.get("total_column")
    hidden = {(r, c) for r, row in enumerate(rows) for c in count_columns if is_small(row[c])}
    if not total_row and total_column is None:
        return hidden
    body_rows = range(len(rows) - 1) if total_row else range(len(rows))
    member_columns = [c for c in count_columns if c != total_column]
    groups: list[tuple[list[tuple[int, int]], tuple[int, int] | None]] = []
    if total_column is not None:
        for r in range(len(rows)):
            groups.append(([(r, c) for c in member_columns], (r, total_column)))
    if total_row and rows:
        last = len(rows) - 1
        for c in count_columns:
            groups.append(([(r, c) for r in body_rows], (last, c)))
    _secondary(hidden, rows, groups)
    return hidden


def suppress_table(table: dict[str, Any]) -> dict[str, Any]:
    """A copy of the table with suppressed cells shown as '[c]' and shares recomputed."""
    out = copy.deepcopy(table)
    hidden = suppressed_cells(table)
    for r, c in hidden:
        out["rows"][r][c] = SUPPRESSED
    for share in table.get("shares", []):
        col, num, den = share["column"], share["in_time"], share["total"]
        for r, row in enumerate(table["rows"]):
            if (r, num) in hidden or (r, den) in hidden:
                out["rows"][r][col] = SUPPRESSED
            else:
                out["rows"][r][col] = suppress_share(row[num], row[den])
    out["suppressed"] = True
    return out


def suppress_figures(figures: dict[str, Any]) -> dict[str, Any]:
    """The publication version of a whole report: suppressed tables, internal tables left out."""
    out = {k: v for k, v in figures.items() if k != "tables"}
    out["tables"] = [
        suppress_table(t) if t.get("count_columns") else copy.deepcopy(t)
        for t in figures["tables"]
        if not t.get("internal")
    ]
    out["publication"] = True
    return out
