"""`flask report annual --year 2025-26 --format xlsx|csv|html --output FILE [--publication]`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from engage.reports import annual
from engage.reports.exports import export_report
from engage.reports.figures import parse_year, year_label
from engage.reports.models import AnnualReport


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
