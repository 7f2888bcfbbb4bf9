"""Table plumbing of the report and the performance page: a table is a plain,
JSON-serialisable dict that the HTML page, the XLSX and CSV exports and the suppression rules
all read."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from engage.calendar import LONDON
from engage.extensions import db
from engage.reports.suppression import share_text


def grouped(query: Any) -> dict[Any, int]:
    """{group value: count} from a two-column grouped query."""
    return {key: int(count) for key, count in db.session.execute(query)}


def make_table(
    key: str,
    section: str,
    title: str,
    columns: list[str],
    rows: list[list[Any]],
    *,
    definition: str = "",
    count_columns: list[int] | None = None,
    total_row: bool = False,
    total_column: int | None = None,
    shares: list[dict[str, int]] | None = None,
    internal: bool = False,
    empty: str = "None in this year.",
    row_sums: list[dict[str, Any]] | None = None,
    links: list[tuple[int, int, str, int, int]] | None = None,
) -> dict[str, Any]:
    """A table. Besides the columns and rows: which columns hold counts, whether the last row
    is the total of the others (`total_row`), which column is the total of the other count
    columns (`total_column`), further identities within each row (`row_sums`: a column that is
    the sum of other columns), and cells that hold the same count as a cell of another table
    (`links`: (row, column, other table's key, row, column)). Suppression
    (engage.reports.suppression) reads all of them, so that no hidden count can be worked out
    from the others."""
    return {
        "key": key,
        "section": section,
        "title": title,
        "definition": definition,
        "columns": columns,
        "rows": rows,
        "count_columns": count_columns or [],
        "total_row": total_row,
        "total_column": total_column,
        "shares": shares or [],
        "internal": internal,
        "empty": empty,
        "row_sums": row_sums or [],
        "links": [list(link) for link in links or []],
    }


def with_total_row(rows: list[list[Any]], count_columns: list[int], label: str = "Total"):  # type: ignore[no-untyped-def]
    total: list[Any] = [label] + [""] * (len(rows[0]) - 1 if rows else 0)
    for c in count_columns:
        total[c] = sum(int(r[c]) for r in rows)
    return [*rows, total]


def fill_shares(rows: list[list[Any]], shares: list[dict[str, int]]) -> None:
    for share in shares:
        for row in rows:
            row[share["column"]] = share_text(row[share["in_time"]], row[share["total"]])


def iso(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LONDON).date()
    return value.isoformat()
