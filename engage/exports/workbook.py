"""The one XLSX writer of tables (engage.reports.tables.make_table): the annual report's
workbook and an output's engagement evidence. An "About" sheet of (label, value) lines, the
first label in bold, then one sheet per table: its title in A1, its definition in A2, column
headings in row 4, the figures from row 5 (numbers as numbers). Every cell goes through the one
XLSX cell guard (engage.textpolicy.xlsx_cell: no formulas, no characters XLSX cannot store, cut
to what a cell holds). Written in openpyxl's write-only mode, so memory stays flat."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from engage.textpolicy import xlsx_cell


def sheet_name(key: str) -> str:
    return key.replace("_", " ").capitalize()[:31]


def _bold(sheet: Any, value: Any) -> WriteOnlyCell:
    out = WriteOnlyCell(sheet, value=xlsx_cell(value))
    out.font = Font(bold=True)
    return out


def write_tables_xlsx(
    target: IO[bytes],
    about: Iterable[tuple[str, Any]],
    tables: Iterable[dict[str, Any]],
    *,
    say_when_empty: bool = True,
) -> None:
    """The workbook, to `target` (a file or a path). A table without rows has its `empty`
    sentence in A5 unless `say_when_empty` is false (the annual report leaves the sheet
    empty)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("About")
    for i, (label, value) in enumerate(about):
        sheet.append([_bold(sheet, label) if i == 0 else xlsx_cell(label), xlsx_cell(value)])
    for table in tables:
        sheet = book.create_sheet(sheet_name(table["key"]))
        sheet.column_dimensions["A"].width = 40
        sheet.append([_bold(sheet, table["title"])])
        sheet.append([xlsx_cell(table["definition"])])
        sheet.append([])
        sheet.append([_bold(sheet, column) for column in table["columns"]])
        if not table["rows"] and table.get("empty") and say_when_empty:
            sheet.append([xlsx_cell(table["empty"])])
        for row in table["rows"]:
            sheet.append([xlsx_cell(v) for v in row])
    book.save(target)
