"""Tables (engage.reports.tables.make_table) as an XLSX workbook: an "About" sheet of
(label, value) lines, then one sheet per table: its title in A1, its definition in A2, column
headings in row 4, the figures from row 5 (numbers as numbers). Every text cell goes through the
one spreadsheet guard (engage.textpolicy.spreadsheet_cell) and is cut to what a cell holds.
Written in openpyxl's write-only mode, so memory stays flat."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from engage.textpolicy import spreadsheet_cell

XLSX_MAX_CELL = 32767


def cell(value: Any) -> Any:
    """A value for the workbook: text guarded against formulas and cut to a cell's size."""
    value = spreadsheet_cell(value)
    return value[:XLSX_MAX_CELL] if isinstance(value, str) else value


def sheet_name(key: str) -> str:
    return key.replace("_", " ").capitalize()[:31]


def _bold(sheet: Any, value: Any) -> WriteOnlyCell:
    out = WriteOnlyCell(sheet, value=cell(value))
    out.font = Font(bold=True)
    return out


def write_tables_xlsx(
    target: IO[bytes], about: Iterable[tuple[str, Any]], tables: Iterable[dict[str, Any]]
) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("About")
    for i, (label, value) in enumerate(about):
        sheet.append([_bold(sheet, label) if i == 0 else cell(label), cell(value)])
    for table in tables:
        sheet = book.create_sheet(sheet_name(table["key"]))
        sheet.column_dimensions["A"].width = 40
        sheet.append([_bold(sheet, table["title"])])
        sheet.append([cell(table["definition"])])
        sheet.append([])
        sheet.append([_bold(sheet, column) for column in table["columns"]])
        if not table["rows"] and table.get("empty"):
            sheet.append([cell(table["empty"])])
        for row in table["rows"]:
            sheet.append([cell(v) for v in row])
    book.save(target)
