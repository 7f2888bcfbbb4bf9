"""`flask report annual --year 2025-26 --format xlsx|csv|html --output FILE [--publication]`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from engage.reports import annual
from engage.reports.exports import to_csv, to_xlsx
from engage.reports.figures import parse_year, year_label
from engage.reports.models import AnnualReport
from engage.reports.render import html_document, report_body


def export_report(
    report: AnnualReport, fmt: str, *, publication: bool = False
) -> tuple[bytes, str, str]:
    """(content, mimetype, file name) of one export of a report."""
    figures = annual.figures_for(report)
    name = f"annual-report-{year_label(report.year_start)}"
    if publication:
        name += "-for-publication"
    if report.state != "signed_off":
        name += "-draft"
    if fmt == "xlsx":
        data = to_xlsx(
            figures,
            publication=publication,
            status=annual.STATE_LABELS.get(report.state, report.state),
        )
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return data, mimetype, f"{name}.xlsx"
    if fmt == "csv":
        return to_csv(figures, publication=publication).encode("utf-8"), "text/csv", f"{name}.csv"
    if fmt == "html":
        body = report_body(report, figures, publication=publication)
        document = html_document(report, body, publication=publication)
        return document.encode("utf-8"), "text/html", f"{name}.html"
    raise ValueError(f"unknown format {fmt!r}")


def register(app: Flask) -> None:
    report = click.Group("report", help="Reports.")

    @report.command("annual")
    @click.option("--year", "year_text", required=True, help="Financial year, for example 2025-26.")
    @click.option(
        "--format",
        "fmt",
        type=click.Choice(["xlsx", "csv", "html"]),
        default="xlsx",
        show_default=True,
    )
    @click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
    @click.option("--publication", is_flag=True, help="Suppress small counts (for publication).")
    def annual_command(year_text: str, fmt: str, output: Path, publication: bool) -> None:
        """Export the annual report for a year: the signed-off snapshot when there is one,
        otherwise the live figures of the current draft."""
        try:
            year_start = parse_year(year_text)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--year") from error
        chosen = annual.latest_signed(year_start) or annual.unsigned_report_for(year_start)
        if chosen is None:
            chosen = AnnualReport(year_start=year_start, state="draft", commentary="")
        content, _mimetype, _name = export_report(chosen, fmt, publication=publication)
        output.write_bytes(content)
        kind = "signed-off snapshot" if chosen.state == "signed_off" else "live draft figures"
        click.echo(f"Wrote {output} ({fmt}, {kind}, {year_label(year_start)})")

    app.cli.add_command(report)
