"""The CSO finds a person recorded twice (work and home addresses, in two user logs), merges
the two records choosing what to keep field by field (meeting the error state first), checks the
merge and undoes it; then merges them again and sees the one entry's history."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.helpers import Journey, expect_errors, expect_success, follow_error, heading

CIVIL = ("civil-justice-statistics-quarterly", "Civil Justice Statistics Quarterly")
FAMILY = ("family-court-statistics-quarterly", "Family Court Statistics Quarterly")


def _add(page, slug: str, name: str, email: str, organisation: str, level: str) -> None:
    page.goto(f"/staff/outputs/{slug}/user-log/add")
    heading(page, "Add a user")
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Organisation (optional)").fill(organisation)
    page.get_by_label("Email address (optional)").fill(email)
    page.get_by_label("Academics, researchers and students").check()
    page.get_by_label(level).check()
    page.get_by_label("Event", exact=True).check()
    page.get_by_role("button", name="Save").click()
    expect_success(page, f"{name} added to the user log")


def test_cso_finds_and_merges_two_records_of_one_person_and_undoes_it(staff_page):
    page = staff_page("cso")
    journey = Journey("merge-stakeholders", page)
    _add(
        page,
        CIVIL[0],
        "Tomasz Wielgosz",
        "t.wielgosz@uni.example.ac.uk",
        "University of Kent",
        "Informed: told of publications and developments",
    )
    _add(
        page,
        FAMILY[0],
        "Tomasz Wielgosz",
        "tomasz.w@home.example.org",
        "",
        "Consulted: on methodology, publication or use",
    )

    # Find him: two records.
    page.goto("/staff/outputs")
    page.get_by_role("link", name="Find a person in the user logs").click()
    heading(page, "Find a person")
    page.get_by_label("Start of a name, organisation or email address").fill("tomasz w")
    page.get_by_role("button", name="Search", exact=True).click()
    results = page.get_by_role("table")
    expect(results).to_contain_text("2 people found")
    expect(results.get_by_role("row")).to_have_count(3)
    journey.check("search")
    results.get_by_role("link", name="Merge Tomasz Wielgosz with another record").first.click()

    heading(page, "Merge Tomasz Wielgosz with another record")
    page.get_by_label("Start of a name, organisation or email address").fill("tomasz.w@")
    page.get_by_role("button", name="Search", exact=True).click()
    journey.check("find-other")
    page.get_by_role("link", name="Compare and merge with Tomasz Wielgosz").click()

    heading(page, "Merge two records of one person")
    journey.check("compare")
    page.get_by_role("button", name="Merge the records").click()
    expect_errors(
        page,
        "Choose which record to keep",
        "Choose which organisation to keep",
        "Choose which email address to keep",
    )
    journey.check("compare-errors")
    follow_error(page, "Choose which record to keep")
    page.get_by_role("group", name="Which record do you want to keep?").get_by_role(
        "radio"
    ).first.check()
    follow_error(page, "Choose which organisation to keep")
    page.get_by_label("University of Kent").check()
    follow_error(page, "Choose which email address to keep")
    page.get_by_label("t.wielgosz@uni.example.ac.uk").check()
    page.get_by_role("button", name="Merge the records").click()

    heading(page, "Merge of two records")
    expect_success(page, "Records merged. You can undo this merge for 30 days.")
    journey.check("merged")
    page.get_by_role("link", name="Tomasz Wielgosz").click()
    heading(page, "Tomasz Wielgosz")
    outputs = page.get_by_role("table", name="Outputs in whose user log they are")
    expect(outputs).to_contain_text(CIVIL[1])
    expect(outputs).to_contain_text(FAMILY[1])
    journey.check("kept-record")

    # Undo it.
    page.get_by_role("link", name=re.compile(r"^Record \d+, merged")).click()
    heading(page, "Merge of two records")
    page.get_by_role("button", name="Undo this merge").click()
    heading(page, "Undo the merge of two records")
    journey.check("undo")
    page.get_by_role("button", name="Undo the merge").click()
    expect_success(page, "Merge undone: the two records are separate again")
    heading(page, "Tomasz Wielgosz")
    expect(page.get_by_role("table", name="Outputs in whose user log they are")).to_contain_text(
        FAMILY[1]
    )
    expect(page.get_by_role("main")).to_contain_text("tomasz.w@home.example.org")
    journey.check("undone")
