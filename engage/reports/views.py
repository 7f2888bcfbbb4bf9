"""Annual report, UKSA recommendations, and the public performance page."""

from __future__ import annotations

from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from engage.auth.permissions import public, requires
from engage.calendar import reporting_year_of, today_london
from engage.exports.pages import offer_export
from engage.extensions import db
from engage.reports import annual, bp
from engage.reports.annual import ReportError
from engage.reports.exports import export_report
from engage.reports.figures import last_complete_year_start, year_label
from engage.reports.forms import CommentaryForm, ConfirmForm, SignOffForm, StartReportForm
from engage.reports.models import AnnualReport
from engage.reports.performance import page_figures
from engage.reports.render import render_report_body, report_body


@bp.app_template_filter("iso_govuk_date")
def iso_govuk_date(value: str) -> str:
    if not value:
        return ""
    day = date.fromisoformat(value)
    return f"{day.day} {day:%B %Y}"


@bp.app_template_filter("year_label")
def year_label_filter(value: int) -> str:
    return year_label(value)


@bp.route("/performance")
@public
def performance():
    figures = page_figures(today_london())
    return render_template("reports/performance.html", figures=figures)


def _year_choices(today: date) -> list[tuple[int, str]]:
    current = reporting_year_of(today)
    return [
        (y, f"{year_label(y)} (April {y} to March {y + 1})")
        for y in range(current, current - 6, -1)
    ]


@bp.route("/staff/reports", methods=["GET", "POST"])
@requires("view_reports")
def report_index():
    today = today_london()
    form = StartReportForm()
    form.year_start.choices = _year_choices(today)
    if request.method == "GET":
        form.year_start.data = last_complete_year_start(today)
    if request.method == "POST":
        annual.check_may_prepare(current_user)
        if form.validate_on_submit():
            try:
                report = annual.start_draft(form.year_start.data, current_user)
            except ReportError as error:
                db.session.rollback()
                form.year_start.errors = [error.message]
            else:
                flash(f"Draft report for {year_label(report.year_start)} started", "success")
                return redirect(url_for("reports.report_detail", report_id=report.id))
    reports = annual.all_reports()
    return render_template(
        "reports/report-index.html",
        form=form,
        reports=reports,
        states=annual.STATE_LABELS,
        awaiting=[r for r in reports if r.state == "ready"],
    )


def _report_or_404(report_id: int) -> AnnualReport:
    report = db.session.get(AnnualReport, report_id)
    if report is None:
        abort(404)
    return report


@bp.route("/staff/reports/<int:report_id>")
@requires("view_reports")
def report_detail(report_id: int):
    report = _report_or_404(report_id)
    figures = annual.figures_for(report)
    body = report_body(report, figures)
    return render_template(
        "reports/report-detail.html",
        report=report,
        body=body,
        publication=False,
        states=annual.STATE_LABELS,
    )


@bp.route("/staff/reports/<int:report_id>/for-publication")
@requires("view_reports")
def report_publication(report_id: int):
    report = _report_or_404(report_id)
    figures = annual.figures_for(report)
    body = report_body(report, figures, publication=True)
    return render_template(
        "reports/report-detail.html",
        report=report,
        body=body,
        publication=True,
        states=annual.STATE_LABELS,
    )


@bp.route("/staff/reports/<int:report_id>/download/xlsx", methods=["GET", "POST"])
@requires("view_reports")
def report_download_xlsx(report_id: int):
    """The workbook is built in the background (engage.exports): at 100,000 cases its figures
    take longer than a web worker should wait."""
    report = _report_or_404(report_id)
    publication = request.args.get("publication") == "1"
    title = f"the annual report {year_label(report.year_start)} as a spreadsheet (XLSX)"
    return offer_export(
        "annual_report_xlsx",
        {"report_id": report.id, "publication": publication},
        title=title + (", for publication" if publication else ""),
        back_url=url_for("reports.report_detail", report_id=report.id),
    )


@bp.route("/staff/reports/<int:report_id>/download/<fmt>")
@requires("view_reports")
def report_download(report_id: int, fmt: str):
    report = _report_or_404(report_id)
    if fmt not in ("html", "csv"):
        abort(404)
    content, mimetype, name = export_report(
        report, fmt, publication=request.args.get("publication") == "1"
    )
    return Response(
        content,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/staff/reports/<int:report_id>/commentary", methods=["GET", "POST"])
@requires("prepare_reports")
def report_commentary(report_id: int):
    report = _report_or_404(report_id)
    if report.state == "signed_off":
        flash("A signed-off report cannot be changed")
        return redirect(url_for("reports.report_detail", report_id=report.id))
    form = CommentaryForm(data={"commentary": report.commentary})
    if form.validate_on_submit():
        annual.update_commentary(report, form.commentary.data or "", current_user)
        flash("Commentary saved", "success")
        return redirect(url_for("reports.report_detail", report_id=report.id))
    return render_template("reports/report-commentary.html", form=form, report=report)


@bp.route("/staff/reports/<int:report_id>/mark-ready", methods=["GET", "POST"])
@requires("prepare_reports")
def report_mark_ready(report_id: int):
    report = _report_or_404(report_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            sent = annual.mark_ready(report, current_user)
        except ReportError as error:
            db.session.rollback()
            flash(error.message)
        else:
            flash(
                f"Report marked ready for sign-off. {sent} Chief Statistician"
                + (" was" if sent == 1 else "s were")
                + " emailed.",
                "success",
            )
        return redirect(url_for("reports.report_detail", report_id=report.id))
    return render_template("reports/report-confirm.html", form=form, report=report, action="ready")


@bp.route("/staff/reports/<int:report_id>/sign-off", methods=["GET", "POST"])
@requires("sign_off_reports")
def report_sign_off(report_id: int):
    report = _report_or_404(report_id)
    form = SignOffForm()
    year_over = annual.year_is_over(report.year_start, today_london())
    if form.validate_on_submit():
        try:
            annual.sign_off(
                report,
                current_user,
                render_report_body,
                year_not_over_confirmed=bool(form.year_not_over.data),
            )
        except ReportError as error:
            db.session.rollback()
            if error.field != "year_not_over":
                flash(error.message)
                return redirect(url_for("reports.report_detail", report_id=report.id))
            form.year_not_over.errors = [error.message]
        else:
            flash(f"Annual report {year_label(report.year_start)} signed off", "success")
            return redirect(url_for("reports.report_detail", report_id=report.id))
    return render_template(
        "reports/report-confirm.html",
        form=form,
        report=report,
        action="sign_off",
        year_over=year_over,
    )


@bp.route("/staff/reports/<int:report_id>/return-to-draft", methods=["POST"])
@requires("sign_off_reports")
def report_return(report_id: int):
    report = _report_or_404(report_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            annual.return_to_draft(report, current_user)
        except ReportError as error:
            db.session.rollback()
            flash(error.message)
        else:
            flash("Report returned to draft", "success")
    return redirect(url_for("reports.report_detail", report_id=report.id))
