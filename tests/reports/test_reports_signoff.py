"""Preparing and signing off the annual report; a signed report is a frozen snapshot."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from engage.cases.models import Case
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
        with pytest.raises(PermissionError):
            annual.sign_off(report, not_allowed, render_report_body)
    assert db.session.get(AnnualReport, report.id).state == "ready"
    with pytest.raises(PermissionError):
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
