"""Small-count suppression for published figures (the ``--publication`` exports, the
publication view and signed snapshots, ``/performance``).

* **Primary suppression**: a count from 1 to 4 is shown as ``[c]`` (the statistical convention
  for "confidential"); zero is shown as 0.
* **Secondary suppression**: a hidden count must not be recoverable from anything shown. The
  identities between the counts are taken from the tables themselves
  (``engage.reports.tables.make_table``): each column adds up to a total row, each row to a
  total column, a column that is the sum of others in every row (``row_sums``: "cases
  measured" = met + missed + ...), and a count shown again in another table (``links``: the
  cases received by kind appear in several tables). While any identity has exactly one hidden
  cell, or any hidden cell can be worked out at all (``engage.reports.disclosure``: linear
  algebra over every identity at once, and the bounds that every hidden count is at least 1), the
  next smallest non-zero count in one of its identities is hidden too. Several tables published
  together are suppressed together, so a count hidden in one is hidden wherever it appears.
* **Shares** (percentages): a share is ``[c]`` when its count in time or its total is hidden,
  or when the count in time, the total or the count not in time is from 1 to 4.

Tables are the plain dicts of ``engage.reports.tables``; ``suppress_tables`` returns copies with
display values and never changes the stored figures.
"""

from __future__ import annotations

import copy
from typing import Any

from engage.reports.disclosure import determined

SUPPRESSED = "[c]"
THRESHOLD = 5  # counts below this (and above zero) are suppressed

Cell = tuple[int, int, int]  # (table, row, column)


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


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def identities(tables: list[dict[str, Any]]) -> list[list[tuple[int, Cell]]]:
    """Every identity between the count cells of `tables`, as equations sum(coef * cell) = 0."""
    index = {t["key"]: i for i, t in enumerate(tables)}
    out: list[list[tuple[int, Cell]]] = []
    for t, table in enumerate(tables):
        rows = table["rows"]
        counts = [c for c in table.get("count_columns", []) if c != table.get("total_column")]
        body = range(len(rows) - 1) if table.get("total_row") else range(len(rows))
        for r in range(len(rows)):
            total_column = table.get("total_column")
            if total_column is not None:
                out.append([*((1, (t, r, c)) for c in counts), (-1, (t, r, total_column))])
            for rule in table.get("row_sums", []):
                out.append([*((1, (t, r, c)) for c in rule["parts"]), (-1, (t, r, rule["total"]))])
        if table.get("total_row") and rows:
            last = len(rows) - 1
            for c in table.get("count_columns", []):
                out.append([*((1, (t, r, c)) for r in body), (-1, (t, last, c))])
        for r, c, other, r2, c2 in table.get("links", []):
            if other in index:
                out.append([(1, (t, r, c)), (-1, (index[other], r2, c2))])
    return [eq for eq in out if all(_is_count(tables[t]["rows"][r][c]) for _, (t, r, c) in eq)]


def _values(tables: list[dict[str, Any]]) -> dict[Cell, int]:
    return {
        (t, r, c): row[c]
        for t, table in enumerate(tables)
        for r, row in enumerate(table["rows"])
        for c in table.get("count_columns", [])
        if _is_count(row[c])
    }


def _hide_next(
    equation: list[tuple[int, Cell]], hidden: set[Cell], values: dict[Cell, int]
) -> bool:
    """Hide the smallest non-zero shown part of `equation` (its total only when no part is
    left); False when there is none."""
    shown = [(coef, cell) for coef, cell in equation if cell not in hidden and values[cell] > 0]
    candidates = [cell for coef, cell in shown if coef > 0] or [cell for _, cell in shown]
    if not candidates:
        return False
    hidden.add(min(candidates, key=lambda cell: (values[cell], cell)))
    return True


def suppressed_cells(tables: list[dict[str, Any]]) -> set[Cell]:
    """The (table, row, column) cells to hide: primary plus secondary suppression."""
    values = _values(tables)
    equations = identities(tables)
    hidden = {cell for cell, v in values.items() if is_small(v)}
    for _ in range(10 * len(values) + 10):
        changed = False
        for eq in equations:  # the quick rule: no identity with a single hidden cell
            if sum(cell in hidden for _, cell in eq) == 1:
                changed |= _hide_next(eq, hidden, values)
        if changed:
            continue
        found = determined(equations, values, hidden)  # anything else an attacker could solve
        if not found:
            break
        choice = next(
            (
                cell
                for target in sorted(found, key=repr)
                if (cell := _best_cell(target, equations, values, hidden)) is not None
            ),
            None,
        )
        if choice is None:
            break
        hidden.add(choice)
    return hidden


def _best_cell(
    target: Cell,
    equations: list[list[tuple[int, Cell]]],
    values: dict[Cell, int],
    hidden: set[Cell],
) -> Cell | None:
    """The shown cell to hide so that `target` can no longer be worked out: the smallest
    non-zero cell sharing an identity with it whose hiding is enough, else the smallest."""
    # The shown cells of its identities; if none, those of the identities of the hidden cells
    # it is tied to, and so on outwards.
    reached, frontier, near = {target}, {target}, []
    for _ in range(6):
        linked = [eq for eq in equations if any(c in frontier for _, c in eq)]
        cells = {cell for eq in linked for _, cell in eq}
        near = sorted(
            (c for c in cells if c not in hidden and values[c] > 0),
            key=lambda cell: (values[cell], cell),
        )
        if near:
            break
        frontier = {c for c in cells if c in hidden} - reached
        reached |= frontier
        if not frontier:
            break
    for cell in near:
        if target not in determined(equations, values, hidden | {cell}):
            return cell
    return near[0] if near else None


def _shown(table: dict[str, Any], t: int, hidden: set[Cell]) -> dict[str, Any]:
    out = copy.deepcopy(table)
    for tt, r, c in hidden:
        if tt == t:
            out["rows"][r][c] = SUPPRESSED
    for share in table.get("shares", []):
        col, num, den = share["column"], share["in_time"], share["total"]
        for r, row in enumerate(table["rows"]):
            if (t, r, num) in hidden or (t, r, den) in hidden:
                out["rows"][r][col] = SUPPRESSED
            else:
                out["rows"][r][col] = suppress_share(row[num], row[den])
    out["suppressed"] = True
    return out


def suppress_tables(tables: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copies of tables published together, suppressed together."""
    hidden = suppressed_cells(tables)
    return [_shown(table, t, hidden) for t, table in enumerate(tables)]


def suppress_table(table: dict[str, Any]) -> dict[str, Any]:
    """A copy of one table with suppressed cells shown as '[c]' and shares recomputed."""
    return suppress_tables([table])[0]


def suppress_figures(figures: dict[str, Any]) -> dict[str, Any]:
    """The publication version of a whole report: suppressed tables, internal tables left out."""
    out = {k: v for k, v in figures.items() if k != "tables"}
    published = [t for t in figures["tables"] if not t.get("internal")]
    counted = [t for t in published if t.get("count_columns")]
    shown = iter(suppress_tables(counted))
    out["tables"] = [next(shown) if t.get("count_columns") else copy.deepcopy(t) for t in published]
    out["publication"] = True
    return out
