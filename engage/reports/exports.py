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
from typing import IO, Any

from engage.exports.streaming import XLSX_TYPE
from engage.exports.workbook import write_tables_xlsx
from engage.reports import annual
from engage.reports.figures import SECTIONS, year_label
from engage.reports.models import AnnualReport
from engage.reports.render import html_document, report_body
from engage.reports.suppression import suppress_figures
from engage.textpolicy import spreadsheet_cell


def _shown(figures: dict[str, Any], publication: bool) -> dict[str, Any]:
    return suppress_figures(figures) if publication else figures


def _about(shown: dict[str, Any], publication: bool, status: str) -> list[tuple[str, Any]]:
    """The About sheet of the report's workbook: the year, the dates, its state, suppression."""
    return [
        ("Annual report to the National Statistician", shown["year_label"]),
        ("Period start", shown["period_start"]),
        ("Period end", shown["period_end"]),
        ("Figures computed on", shown["as_of"]),
        ("Status", status),
        (
            "Small counts",
            "Counts from 1 to 4 are shown as [c]; zero as 0" if publication else "Not suppressed",
        ),
    ]


def write_report_figures_xlsx(
    figures: dict[str, Any], target: IO[bytes], *, publication: bool = False, status: str = ""
) -> None:
    """The report's workbook (engage.exports.workbook), to `target` (a file or a path)."""
    shown = _shown(figures, publication)
    write_tables_xlsx(
        target, _about(shown, publication, status), shown["tables"], say_when_empty=False
    )


def to_xlsx(figures: dict[str, Any], *, publication: bool = False, status: str = "") -> bytes:
    out = io.BytesIO()
    write_report_figures_xlsx(figures, out, publication=publication, status=status)
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
                writer.writerow(
                    [
                        section,
                        table["title"],
                        spreadsheet_cell(row[0]),
                        column,
                        spreadsheet_cell(value),
                    ]
                )
    return out.getvalue()


def report_file_name(report: AnnualReport, publication: bool) -> str:
    """The file name of a report's download, without its extension."""
    name = f"annual-report-{year_label(report.year_start)}"
    if publication:
        name += "-for-publication"
    if report.state != "signed_off":
        name += "-draft"
    return name


def write_report_xlsx(report: AnnualReport, target: IO[bytes], *, publication: bool) -> None:
    write_report_figures_xlsx(
        annual.figures_for(report),
        target,
        publication=publication,
        status=annual.STATE_LABELS.get(report.state, report.state),
    )


def export_report(
    report: AnnualReport, fmt: str, *, publication: bool = False
) -> tuple[bytes, str, str]:
    """(content, mimetype, file name) of one export of a report (for `flask report annual`)."""
    name = report_file_name(report, publication)
    if fmt == "xlsx":
        out = io.BytesIO()
        write_report_xlsx(report, out, publication=publication)
        return out.getvalue(), XLSX_TYPE, f"{name}.xlsx"
    figures = annual.figures_for(report)
    if fmt == "csv":
        return to_csv(figures, publication=publication).encode("utf-8"), "text/csv", f"{name}.csv"
    if fmt == "html":
        body = report_body(report, figures, publication=publication)
        document = html_document(report, body, publication=publication)
        return document.encode("utf-8"), "text/html", f"{name}.html"
    raise ValueError(f"unknown format {fmt!r}")
