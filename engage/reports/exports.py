"""Exports of the annual report: XLSX (one sheet per table) and CSV (one long file).

XLSX: each table on its own sheet: its title in A1, its definition in A2, column headings in
row 4, the figures from row 5 (numbers as numbers; suppressed cells as the text ``[c]``). A first
sheet, "About", gives the year, the dates and whether small counts are suppressed.

CSV: one file in "long" form, one figure per line: ``section, table, row, column, value``. One
file is easier to load into a spreadsheet or a statistics package than a zip of differently
shaped files, and each line says which table, row and column it belongs to.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from engage.reports.figures import SECTIONS
from engage.reports.suppression import suppress_figures
from engage.textpolicy import spreadsheet_cell


def _shown(figures: dict[str, Any], publication: bool) -> dict[str, Any]:
    return suppress_figures(figures) if publication else figures


def sheet_name(key: str) -> str:
    return key.replace("_", " ").capitalize()[:31]


def _safe(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula is prefixed with an apostrophe; no
    character an XLSX file cannot hold (engage/textpolicy.py)."""
    return spreadsheet_cell(value)


def to_xlsx(figures: dict[str, Any], *, publication: bool = False, status: str = "") -> bytes:
    shown = _shown(figures, publication)
    book = Workbook()
    about = book.active
    about.title = "About"
    about.append(["Annual report to the National Statistician", shown["year_label"]])
    about.append(["Period start", shown["period_start"]])
    about.append(["Period end", shown["period_end"]])
    about.append(["Figures computed on", shown["as_of"]])
    about.append(["Status", status])
    about.append(
        [
            "Small counts",
            "Counts from 1 to 4 are shown as [c]; zero as 0" if publication else "Not suppressed",
        ]
    )
    about["A1"].font = Font(bold=True)
    for table in shown["tables"]:
        sheet = book.create_sheet(sheet_name(table["key"]))
        sheet.append([table["title"]])
        sheet["A1"].font = Font(bold=True)
        sheet.append([table["definition"]])
        sheet.append([])
        sheet.append(table["columns"])
        for cell in sheet[4]:
            cell.font = Font(bold=True)
        for row in table["rows"]:
            sheet.append([_safe(v) for v in row])
        sheet.column_dimensions["A"].width = 40
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_csv(figures: dict[str, Any], *, publication: bool = False) -> str:
    shown = _shown(figures, publication)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "table", "row", "column", "value"])
    for table in shown["tables"]:
        section = SECTIONS.get(table["section"], table["section"])
        for row in table["rows"]:
            for column, value in zip(table["columns"][1:], row[1:], strict=True):
                writer.writerow([section, table["title"], _safe(row[0]), column, _safe(value)])
    return out.getvalue()
