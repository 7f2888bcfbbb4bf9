"""Reporting in the browser: the public performance page; the CSO prepares an annual report
and the Chief Statistician signs it off, meeting the error states on the way."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.helpers import (
    Journey,
    error_summary,
    expect_errors,
    expect_success,
    follow_error,
    heading,
    link_or_button,
)

YEAR = "2024-25"


def test_the_performance_page(page):
    journey = Journey("public-performance", page)
    page.goto("/")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Performance").click()
    heading(page, "How we are doing against our commitments")
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", name="Enquiries and complaints")).to_be_visible()
    expect(main.get_by_role("heading", name="Consultations", exact=True)).to_be_visible()
    table = main.get_by_role("table").first
    expect(
        table.get_by_role("columnheader", name="Share acknowledged within 5 working days")
    ).to_be_visible()
    journey.check("performance")


def test_cso_prepares_and_chief_signs_off_an_annual_report(staff_page):
    page = staff_page("cso")
    journey = Journey("staff-annual-report", page)
    page.goto("/staff")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Reports").click()
    heading(page, "Reports")
    journey.check("reports")

    # A draft already exists for 2026-27 (demo data): starting another is refused.
    page.get_by_label("Reporting year").select_option(label="2026-27 (April 2026 to March 2027)")
    page.get_by_role("button", name="Start a draft report").click()
    error_summary(page)
    expect(page).to_have_title(re.compile(r"^Error: "))
    journey.check("start-errors")

    page.get_by_label("Reporting year").select_option(label="2024-25 (April 2024 to March 2025)")
    page.get_by_role("button", name="Start a draft report").click()
    expect_success(page, f"Draft report for {YEAR} started")
    heading(page, f"Annual report {YEAR}")
    journey.check("draft")

    # Commentary: too long first, then corrected.
    link_or_button(page, "Edit commentary").click()
    page.get_by_label("Commentary").fill("x" * 20001)
    page.get_by_role("button", name="Save commentary").click()
    expect_errors(page, "Commentary must be 20,000 characters or fewer")
    journey.check("commentary-errors")
    focused = follow_error(page, "Commentary must be 20,000 characters or fewer")
    focused.fill(
        "Complaints were answered faster this year. We will publish more of our user logs."
    )
    page.get_by_role("button", name="Save commentary").click()
    expect_success(page, "Commentary saved")
    expect(page.get_by_role("main")).to_contain_text("Complaints were answered faster")

    link_or_button(page, "Mark ready for sign-off").click()
    heading(page, f"Mark the annual report ready for sign-off: {YEAR}")
    journey.check("mark-ready")
    page.get_by_role("button", name="Mark ready for sign-off").click()
    expect(page.get_by_role("main")).to_contain_text("Report marked ready for sign-off")
    report_url = page.url

    # The Chief Statistician signs it off.
    chief = staff_page("chief")
    journey = Journey("staff-annual-report-sign-off", chief)
    chief.goto("/staff")
    chief.get_by_role("navigation", name="Menu").get_by_role("link", name="Reports").click()
    chief.get_by_role("link", name=re.compile(rf"^{YEAR}")).first.click()
    expect(chief).to_have_url(report_url)
    heading(chief, f"Annual report {YEAR}")
    journey.check("ready")
    link_or_button(chief, "Sign off this report").click()
    heading(chief, f"Sign off the annual report {YEAR}")
    journey.check("confirm")
    chief.get_by_role("button", name="Sign off the report").click()
    expect_success(chief, f"Annual report {YEAR} signed off")
    expect(chief.get_by_role("main")).to_contain_text("Signed off")
    expect(link_or_button(chief, "Edit commentary")).to_have_count(0)
    journey.check("signed-off")
