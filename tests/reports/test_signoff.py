"""Preparing and signing off the annual report; a signed report is a frozen snapshot."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from engage.audit import AuditEvent
from engage.calendar import reporting_year_of, today_london
from engage.cases.models import Case
from engage.errors import Refusal
from engage.extensions import db
from engage.mail.models import OutboxEmail
from engage.reports import annual
from engage.reports.annual import ReportError
from engage.reports.models import AnnualReport
from engage.reports.render import render_report_body
from tests.exports.helpers import prepare_and_download
from tests.factories.auth import chief, cso, producer
from tests.factories.reports import build_year, make_case


def signed_report(app):  # type: ignore[no-untyped-def]
    officer, boss = cso(), chief()
    report = annual.start_draft(2025, officer)
    annual.mark_ready(report, officer)
    annual.sign_off(report, boss, render_report_body)
    return report, officer, boss


def test_mark_ready_emails_every_chief_statistician(app):
    officer = cso()
    chief(email="chief1@example.gov.uk")
    chief(email="chief2@example.gov.uk")
    chief(email="gone@example.gov.uk", active=False)
    report = annual.start_draft(2025, officer)
    assert annual.mark_ready(report, officer) == 2
    emails = (
        db.session.execute(db.select(OutboxEmail).order_by(OutboxEmail.to_address)).scalars().all()
    )
    assert [e.to_address for e in emails] == ["chief1@example.gov.uk", "chief2@example.gov.uk"]
    assert emails[0].subject == "Annual report 2025-26 ready for sign-off"
    assert f"/staff/reports/{report.id}" in emails[0].body_text
    assert report.state == "ready" and report.prepared_by_id == officer.id
    with pytest.raises(ReportError):
        annual.mark_ready(report, officer)


def test_only_the_chief_statistician_signs_off(app):
    officer = cso()
    report = annual.start_draft(2025, officer)
    with pytest.raises(ReportError):  # not ready yet
        annual.sign_off(report, chief(), render_report_body)
    annual.mark_ready(report, officer)
    for not_allowed in (officer, producer()):
        with pytest.raises(Refusal):
            annual.sign_off(report, not_allowed, render_report_body)
    assert db.session.get(AnnualReport, report.id).state == "ready"
    with pytest.raises(Refusal):
        annual.start_draft(2024, producer())


def test_sign_off_freezes_figures_and_html(app):
    build_year()
    report, officer, boss = signed_report(app)
    assert report.state == "signed_off" and report.signed_off_by_id == boss.id
    assert report.signed_off_at is not None
    frozen_figures, frozen_html = report.figures, report.html
    assert "Chief Statistician" in frozen_html and boss.name in frozen_html

    # The data changes afterwards: a new complaint in the year, an old one answered late.
    make_case("service_complaint", date(2025, 5, 5), state="received")
    case = db.session.execute(db.select(Case).where(Case.kind == "enquiry")).scalars().first()
    case.responded_on = date(2026, 1, 1)
    db.session.commit()
    db.session.expire_all()

    again = db.session.get(AnnualReport, report.id)
    assert annual.figures_for(again) == frozen_figures
    assert again.html == frozen_html
    # The live figures did change: the snapshot is not the live data.
    live = annual.figures_for(AnnualReport(year_start=2025, state="draft"))
    assert live["tables"] != frozen_figures["tables"]
    with pytest.raises(ReportError):
        annual.update_commentary(again, "Changed", officer)

    # A new draft can be started beside the signed report; only one unsigned at a time.
    draft = annual.start_draft(2025, officer)
    assert draft.id != report.id
    with pytest.raises(ReportError):
        annual.start_draft(2025, officer)


def test_signed_page_and_exports_come_from_the_snapshot(app, login):
    build_year()
    report, officer, boss = signed_report(app)
    client = login(officer)
    first = client.get(f"/staff/reports/{report.id}").get_data(as_text=True)
    assert report.html in first
    make_case("service_complaint", date(2025, 5, 5), state="received")
    second = client.get(f"/staff/reports/{report.id}").get_data(as_text=True)
    assert report.html in second
    xlsx = prepare_and_download(client, f"/staff/reports/{report.id}/download/xlsx")
    book = load_workbook(io.BytesIO(xlsx.data))
    assert book["Cases received"]["B11"].value == 15  # total received, as signed


def test_the_chief_sees_reports_awaiting_sign_off_on_the_dashboard(app, login):
    officer, boss = cso(), chief()
    report = annual.start_draft(2025, officer)
    annual.mark_ready(report, officer)
    html = login(boss).get("/staff").get_data(as_text=True)
    assert "Annual reports awaiting your sign-off" in html
    assert f"/staff/reports/{report.id}" in html
    assert "awaiting your sign-off" not in login(officer).get("/staff").get_data(as_text=True)


def test_a_year_that_is_not_over_is_signed_off_only_with_an_explicit_recorded_confirmation(app):
    officer, boss = cso(), chief()
    report = annual.start_draft(2026, officer)  # April 2026 to March 2027
    annual.mark_ready(report, officer)
    with pytest.raises(ReportError, match="ends on 31 March 2027") as refused:
        annual.sign_off(report, boss, render_report_body, today=date(2027, 3, 31))
    assert refused.value.field == "year_not_over"
    assert db.session.get(AnnualReport, report.id).state == "ready"
    annual.sign_off(
        report, boss, render_report_body, year_not_over_confirmed=True, today=date(2026, 11, 28)
    )
    assert report.state == "signed_off" and report.figures["signed_before_year_end"] is True
    assert "Signed off before the end of the reporting year" in report.html
    event = db.session.execute(
        db.select(AuditEvent).where(AuditEvent.action == "report.signed_off")
    ).scalar_one()
    assert event.detail["year_not_over_confirmed"] is True
    # A finished year needs no confirmation, and records none.
    done = annual.start_draft(2025, officer)
    annual.mark_ready(done, officer)
    annual.sign_off(done, boss, render_report_body, today=date(2026, 4, 1))
    assert "signed_before_year_end" not in done.figures


def test_the_sign_off_page_asks_for_the_confirmation_when_the_year_is_not_over(app, login):
    officer, boss = cso(), chief()
    year = reporting_year_of(today_london())
    report = annual.start_draft(year, officer)
    annual.mark_ready(report, officer)
    client = login(boss)
    page = client.get(f"/staff/reports/{report.id}/sign-off").get_data(as_text=True)
    assert "is not over" in page and 'name="year_not_over"' in page
    refused = client.post(f"/staff/reports/{report.id}/sign-off", data={})
    assert refused.status_code == 200
    assert "govuk-error-summary" in refused.get_data(as_text=True)
    assert db.session.get(AnnualReport, report.id).state == "ready"
    done = client.post(f"/staff/reports/{report.id}/sign-off", data={"year_not_over": "y"})
    assert done.status_code == 302
    assert db.session.get(AnnualReport, report.id).state == "signed_off"


def test_a_double_submitted_sign_off_signs_once_and_the_second_is_refused_politely(app, login):
    officer, boss = cso(), chief()
    report = annual.start_draft(2025, officer)
    annual.mark_ready(report, officer)
    client = login(boss)
    first = client.post(f"/staff/reports/{report.id}/sign-off", data={"year_not_over": "\x00"})
    second = client.post(f"/staff/reports/{report.id}/sign-off", data={})
    assert (first.status_code, second.status_code) == (302, 302)
    events = db.session.execute(
        db.select(AuditEvent).where(AuditEvent.action == "report.signed_off")
    ).scalars()
    assert len(list(events)) == 1
    assert "signed_before_year_end" not in db.session.get(AnnualReport, report.id).figures
