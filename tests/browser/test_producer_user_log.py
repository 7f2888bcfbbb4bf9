"""A producer keeps the user log of their output: adds a stakeholder, records a contact with
them, and imports a CSV (checking the row-by-row report first), meeting each error state."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from tests.browser.helpers import (
    Journey,
    expect_errors,
    expect_success,
    follow_error,
    heading,
    link_or_button,
)

OUTPUT = "Civil Justice Statistics Quarterly"  # produced by producer@demo.engage.test

IMPORT_CSV = (
    "Name,Organisation,Email,Phone,Category,Engagement level,Uses,Source,First contact,"
    "Latest contact,Consent to contact\n"
    "Imogen Price,Law Society,imogen.price@lawsociety.example.org,,5,consulted,"
    "Policy briefings,Event,2025-03-04,2025-09-10,yes\n"
    "Omar Haddad,,omar.haddad@example.ac.uk,,4,informed,PhD research,User request,"
    "2024-11-01,2025-01-15,no\n"
    ",Nameless Ltd,nobody@example.org,,9,access,,Other,,,no\n"
)


def test_producer_adds_a_stakeholder_records_a_contact_and_imports_a_csv(
    staff_page, tmp_path: Path
):
    page = staff_page("producer")
    journey = Journey("producer-user-log", page)
    page.goto("/staff")
    page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name="Outputs and user logs"
    ).click()
    heading(page, "Outputs and user logs")
    page.get_by_role("link", name=OUTPUT, exact=True).click()
    page.get_by_role("link", name="User log", exact=True).click()
    heading(page, f"User log: {OUTPUT}")
    journey.check("log")

    # Add a stakeholder.
    link_or_button(page, "Add a user").click()
    heading(page, "Add a user")
    page.get_by_role("button", name="Save").click()
    expect_errors(
        page,
        "Enter the person's name",
        "Select the category that describes this user",
        "Select an engagement level",
        "Select how this user came to us",
    )
    journey.check("add-errors")
    focused = follow_error(page, "Enter the person's name")
    expect(focused).to_have_accessible_name("Name")
    page.keyboard.type("Ruth Ansah")
    page.get_by_label("Organisation (optional)").fill("Citizens Advice")
    page.get_by_label("Email address (optional)").fill("ruth.ansah@citizensadvice.example.org")
    follow_error(page, "Select the category that describes this user")
    page.get_by_label("Expert external special interest and judicial reform organisations").check()
    follow_error(page, "Select an engagement level")
    page.get_by_label("Informed: told of publications and developments").check()
    follow_error(page, "Select how this user came to us")
    page.get_by_label("Correspondence").check()
    page.get_by_label("They agree to be contacted about these statistics").check()
    page.get_by_role("button", name="Save").click()
    expect_success(page, "Ruth Ansah added to the user log")
    journey.check("added")

    # Record a contact with her (the date is filled in with today).
    page.get_by_role("link", name="Record contact with Ruth Ansah").click()
    heading(page, "Record a contact with Ruth Ansah")
    page.get_by_role("button", name="Record contact").click()
    expect_errors(page, "Select how you were in contact", "Enter a summary of the contact")
    journey.check("contact-errors")
    follow_error(page, "Select how you were in contact")
    page.get_by_label("Phone", exact=True).check()
    focused = follow_error(page, "Enter a summary of the contact")
    expect(focused).to_have_accessible_name("Summary")
    page.keyboard.type("Asked for a county court breakdown of possession claims.")
    page.get_by_role("button", name="Record contact").click()
    expect_success(page, "Contact recorded")
    # The stakeholder's page lists the contact, and leads back to the output's log.
    heading(page, "Ruth Ansah")
    expect(page.get_by_role("main")).to_contain_text("county court breakdown")
    journey.check("stakeholder")
    page.get_by_role("link", name=OUTPUT, exact=True).click()
    heading(page, f"User log: {OUTPUT}")

    # Import a spreadsheet: no file first, then a CSV with one bad row.
    link_or_button(page, "Import a spreadsheet").click()
    heading(page, "Import a user log")
    journey.check("import")
    page.get_by_role("button", name="Check the file").click()
    expect_errors(page, "Select a CSV or XLSX file")
    journey.check("import-errors")
    csv_file = tmp_path / "civil-justice-users.csv"
    csv_file.write_text(IMPORT_CSV, encoding="utf-8")
    follow_error(page, "Select a CSV or XLSX file")
    page.get_by_label("Upload a CSV or XLSX file").set_input_files(str(csv_file))
    page.get_by_role("button", name="Check the file").click()

    heading(page, "Check the import")
    report = page.get_by_role("table", name="What will happen to each row")
    expect(report.get_by_role("row").filter(has_text="Imogen Price")).to_contain_text("Add")
    expect(report.get_by_role("row").filter(has_text="Omar Haddad")).to_contain_text("Add")
    expect(report.get_by_role("row").filter(has_text="nobody@example.org")).to_contain_text(
        "Refused"
    )
    journey.check("import-check")
    page.get_by_role("button", name="Import 2 rows").click()

    heading(page, f"User log: {OUTPUT}")
    expect_success(page, "Import complete: 2 added, 0 updated, 0 unchanged, 1 refused")
    for name in ("Imogen Price", "Omar Haddad", "Ruth Ansah"):
        expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()
    journey.check("imported")
