"""Rendering the report body (stored at sign-off) and the standalone HTML export."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template

from engage.reports.charts import chart_for
from engage.reports.figures import SECTIONS
from engage.reports.models import AnnualReport
from engage.reports.suppression import suppress_figures


def render_report_body(
    report: AnnualReport, figures: dict[str, Any], *, publication: bool = False
) -> str:
    """The body of the report: commentary, every section's tables, charts and definitions."""
    shown = suppress_figures(figures) if publication else figures
    by_section: dict[str, list[dict[str, Any]]] = {key: [] for key in SECTIONS}
    for table in shown["tables"]:
        by_section.setdefault(table["section"], []).append(table)
    return render_template(
        "reports/_report-body.html",
        report=report,
        figures=shown,
        by_section=by_section,
        sections=SECTIONS,
        publication=publication,
        chart_for=chart_for,
    )


def report_body(report: AnnualReport, figures: dict[str, Any], *, publication: bool = False) -> str:
    """A signed report's stored body; otherwise rendered now. The publication version of a signed
    report is rendered from its stored (frozen) figures."""
    if report.state == "signed_off" and report.html is not None and not publication:
        return report.html
    return render_report_body(report, figures, publication=publication)


def html_document(report: AnnualReport, body: str, *, publication: bool = False) -> str:
    """A standalone, printable HTML file of the report."""
    return render_template(
        "reports/export.html",
        report=report,
        body=body,
        publication=publication,
        office_name=current_app.config["OFFICE_NAME"],
    )
