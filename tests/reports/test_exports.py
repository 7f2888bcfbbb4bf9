"""Exports: XLSX holds the same figures as the HTML; CSV in long form; the CLI."""

from __future__ import annotations

import csv
import io

from bs4 import BeautifulSoup
from openpyxl import load_workbook

from engage.exports.workbook import sheet_name
from engage.reports import annual
from engage.reports.exports import to_csv, to_xlsx
from engage.reports.figures import compute_figures
from engage.reports.render import render_report_body
from tests.exports.helpers import prepare_and_download
from tests.factories.auth import chief, cso
from tests.factories.reports import AS_OF, build_year


def html_tables(html: str) -> dict[str, list[list[str]]]:
    soup = BeautifulSoup(html, "html.parser")
    out = {}
    for table in soup.select("table[data-table]"):
        out[table["data-table"]] = [
            [cell.get_text(" ", strip=True) for cell in row.find_all(["th", "td"])]
            for row in table.select("tbody tr")
        ]
    return out


def test_xlsx_has_one_sheet_per_table_with_the_same_figures_as_the_html(app):
    build_year()
    figures = compute_figures(2025, AS_OF)
    book = load_workbook(io.BytesIO(to_xlsx(figures, status="Draft")))
    assert book.sheetnames[0] == "About"
    assert len(book.sheetnames) == 1 + len(figures["tables"])
    html = html_tables(
        render_report_body(
            annual.AnnualReport(year_start=2025, state="draft", commentary=""), figures
        )
    )
    for table in figures["tables"]:
        sheet = book[sheet_name(table["key"])]
        assert sheet["A1"].value == table["title"]
        assert [c.value for c in sheet[4]] == table["columns"]
        sheet_rows = [
            ["" if v is None else str(v) for v in row]
            for row in sheet.iter_rows(min_row=5, values_only=True)
        ]
        if table["rows"]:
            assert sheet_rows == html[table["key"]], table["key"]
        else:
            assert sheet_rows == [] and table["key"] not in html
    # Numbers stay numbers in the spreadsheet.
    assert book["Cases received"]["B11"].value == 15


def test_publication_exports_are_suppressed(app):
    build_year()
    figures = compute_figures(2025, AS_OF)
    book = load_workbook(io.BytesIO(to_xlsx(figures, publication=True)))
    assert "Uksa referral outcomes" not in book.sheetnames  # describes individual complaints
    received = list(book["Cases received"].iter_rows(min_row=5, values_only=True))
    assert received[0][0] == "Enquiry about published statistics"
    assert received[0][4] == received[0][7] == "[c]"  # one withdrawn in time, not measured
    lines = list(csv.reader(io.StringIO(to_csv(figures, publication=True))))
    assert lines[0] == ["section", "table", "row", "column", "value"]
    assert [
        "Enquiries and complaints",
        "Enquiries and complaints received, by kind and outcome",
        "Media enquiry",
        "Received",
        "[c]",
    ] in lines


def test_csv_has_one_figure_per_line(app):
    build_year()
    figures = compute_figures(2025, AS_OF)
    lines = list(csv.DictReader(io.StringIO(to_csv(figures))))
    total = [
        line
        for line in lines
        if line["table"] == "Responded within 20 working days of receipt" and line["row"] == "Total"
    ]
    assert {line["column"]: line["value"] for line in total}[
        "Share responded within 20 working days"
    ] == "82%"


def test_flask_report_annual_exports_the_signed_snapshot(app, tmp_path):
    build_year()
    officer, boss = cso(), chief()
    report = annual.start_draft(2025, officer)
    annual.mark_ready(report, officer)
    annual.sign_off(report, boss, render_report_body)
    runner = app.test_cli_runner()
    out = tmp_path / "report.xlsx"
    result = runner.invoke(
        args=["report", "annual", "--year", "2025-26", "--format", "xlsx", "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "signed-off snapshot" in result.output
    book = load_workbook(out)
    assert book["Cases received"]["B11"].value == 15

    html_out = tmp_path / "report.html"
    result = runner.invoke(
        args=[
            "report",
            "annual",
            "--year",
            "2025-26",
            "--format",
            "html",
            "--output",
            str(html_out),
        ]
    )
    assert result.exit_code == 0, result.output
    assert report.html in html_out.read_text(encoding="utf-8")

    csv_out = tmp_path / "report.csv"
    result = runner.invoke(
        args=[
            "report",
            "annual",
            "--year",
            "2024-25",
            "--format",
            "csv",
            "--output",
            str(csv_out),
            "--publication",
        ]
    )
    assert result.exit_code == 0 and "live draft figures" in result.output
    assert csv_out.read_text(encoding="utf-8").startswith("section,table,row,column,value")

    bad = runner.invoke(args=["report", "annual", "--year", "2025-27", "--output", str(out)])
    assert bad.exit_code != 0 and "2025-26" in bad.output


def test_downloads_from_the_report_page(app, login):
    build_year()
    report = annual.start_draft(2025, cso())
    client = login(cso())
    for fmt, kind in (("csv", "text/csv"), ("html", "text/html")):
        response = client.get(f"/staff/reports/{report.id}/download/{fmt}")
        assert response.status_code == 200 and kind in response.content_type
        assert "attachment" in response.headers["Content-Disposition"]
    # The workbook is prepared in the background (engage.exports), as the publication version too
    for query, name in (
        ("", "annual-report-2025-26-draft.xlsx"),
        ("?publication=1", "annual-report-2025-26-for-publication-draft.xlsx"),
    ):
        url = f"/staff/reports/{report.id}/download/xlsx{query}"
        response = prepare_and_download(client, url)
        assert "spreadsheetml" in response.content_type
        assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'
        book = load_workbook(io.BytesIO(response.data))
        assert book.sheetnames[0] == "About"
    published = client.get(f"/staff/reports/{report.id}/download/html?publication=1")
    assert b"for publication" in published.data and b"[c]" in published.data
    assert client.get(f"/staff/reports/{report.id}/download/pdf").status_code == 404
