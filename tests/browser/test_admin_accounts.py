"""An administrator adds a staff account: an empty form shows every error, the error summary
takes them to each field, and the corrected form creates the account."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.helpers import Journey, expect_errors, expect_success, follow_error, heading


def test_admin_creates_a_staff_account_after_correcting_errors(staff_page):
    page = staff_page("admin")
    journey = Journey("admin-new-account", page)
    page.goto("/staff")
    page.get_by_role("link", name="Admin", exact=True).click()
    heading(page, "Admin")
    journey.check("admin")
    page.get_by_role("link", name="Staff accounts and roles").click()
    heading(page, "Staff accounts")
    journey.check("accounts")
    page.get_by_role("button", name="Add a staff account").click()
    heading(page, "Add a staff account")
    journey.check("form")

    page.get_by_role("button", name="Save").click()
    expect_errors(page, "Enter a name", "Enter an email address", "Select at least one role")
    journey.check("empty")

    focused = follow_error(page, "Enter a name")
    expect(focused).to_have_accessible_name("Full name")
    page.keyboard.type("Rosa Analyst")
    focused = follow_error(page, "Enter an email address")
    expect(focused).to_have_accessible_name("Email address")
    page.keyboard.type("not-an-email")
    follow_error(page, "Select at least one role")
    page.get_by_label("Chief Statistician's office officer").check()
    page.get_by_label("Temporary password", exact=True).fill("long-enough-password-2026")
    page.get_by_role("button", name="Save").click()

    expect_errors(page, "Enter an email address in the correct format, like name@example.com")
    journey.check("bad-email")
    focused = follow_error(
        page, "Enter an email address in the correct format, like name@example.com"
    )
    focused.fill("rosa.analyst@justice.example.gov.uk")
    page.get_by_label("Temporary password", exact=True).fill("long-enough-password-2026")
    page.get_by_role("button", name="Save").click()

    heading(page, "Staff accounts")
    expect_success(page, "Account created for Rosa Analyst")
    row = page.get_by_role("row").filter(has_text="rosa.analyst@justice.example.gov.uk")
    expect(row).to_contain_text("Chief Statistician's office officer")
    journey.check("created")
