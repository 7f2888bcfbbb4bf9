"""Consultations in the browser: a member of the public responds to an open consultation
through check-your-answers to confirmation (and without JavaScript), reads a published
response; the Chief Statistician approves a consultation awaiting approval."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.helpers import (
    Journey,
    expect_errors,
    expect_success,
    follow_error,
    heading,
    link_or_button,
)

OPEN = "Changing the criminal court statistics"
PUBLISHED = "New tables on legal aid"
AWAITING = "Changes to the reoffending measure"


def test_respond_to_an_open_consultation_through_check_your_answers(page):
    journey = Journey("public-consultation-respond", page)
    page.goto("/")
    page.get_by_role("link", name="Consultations").first.click()
    heading(page, "Consultations")
    journey.check("list")
    page.get_by_role("link", name=OPEN).click()
    heading(page, OPEN)
    journey.check("consultation")
    link_or_button(page, "Respond to this consultation").click()
    heading(page, f"Respond to {OPEN}")
    journey.check("questions")

    # Nothing answered, and asked to publish a name that is not given.
    page.get_by_label("You may publish my name with my response").check()
    page.get_by_role("button", name="Continue").click()
    expect_errors(
        page,
        "Select an answer",
        "Select which of these best describes you",
        "Enter your name, or do not ask us to publish it",
    )
    journey.check("errors")

    # Question 1 needs an answer: the error link takes focus to its first choice.
    focused = follow_error(page, "Select an answer")
    expect(focused).to_have_accessible_name("Yes")
    page.keyboard.press("Space")

    follow_error(page, "Select which of these best describes you")
    page.get_by_label("Expert external special interest and judicial reform organisations").check()
    focused = follow_error(page, "Enter your name, or do not ask us to publish it")
    expect(focused).to_have_accessible_name("You may publish my name with my response")
    page.get_by_label("Your name (optional)").fill("Dana Whitfield")
    page.get_by_label("Organisation (optional)").fill("Courts Research Trust")
    page.get_by_role("group", name="1. Do you agree with the proposal?").get_by_label("Yes").check()
    page.get_by_label("CSV data files").check()
    page.get_by_label("Tables in ODS").check()
    page.get_by_label("3. Tell us how the change would affect your work.").fill(
        "We would need to rebuild our court backlog model."
    )
    page.get_by_role("button", name="Continue").click()

    heading(page, "Check your answers before sending your response")
    answers = page.get_by_role("main")
    expect(answers).to_contain_text("Dana Whitfield")
    expect(answers).to_contain_text("CSV data files")
    journey.check("check-answers")

    # Change an answer, and come back to check again.
    page.get_by_role("link", name="Change organisation").click()
    expect(page.get_by_label("Organisation (optional)")).to_have_value("Courts Research Trust")
    page.get_by_label("Organisation (optional)").fill("Courts Research Trust (Wales)")
    page.get_by_role("button", name="Continue").click()
    heading(page, "Check your answers before sending your response")
    expect(page.get_by_role("main")).to_contain_text("Courts Research Trust (Wales)")

    page.get_by_role("button", name="Send response").click()
    heading(page, "Response sent")
    expect(page.get_by_text(re.compile("Your reference"))).to_be_visible()
    journey.check("confirmation")


def test_respond_to_a_consultation_without_javascript(no_js_page):
    page = no_js_page
    page.goto("/consultations")
    page.get_by_role("link", name=OPEN).click()
    link_or_button(page, "Respond to this consultation").click()
    page.get_by_role("button", name="Continue").click()
    expect_errors(page, "Select an answer", "Select which of these best describes you")
    page.get_by_role("group", name="1. Do you agree with the proposal?").get_by_label(
        "Not sure"
    ).check()
    page.get_by_label("The public").check()
    page.get_by_role("button", name="Continue").click()
    heading(page, "Check your answers before sending your response")
    page.get_by_role("button", name="Send response").click()
    heading(page, "Response sent")


def test_read_a_published_consultation_response(page):
    journey = Journey("public-consultation-published", page)
    page.goto("/consultations")
    page.get_by_role("link", name=PUBLISHED).click()
    heading(page, PUBLISHED)
    expect(page.get_by_role("heading", name="Our response")).to_be_visible()
    for part in ("Summary of responses", "The way forward", "Why"):
        expect(page.get_by_role("heading", name=part, exact=True)).to_be_visible()
    expect(page.get_by_text("This consultation is closed")).to_be_visible()
    expect(page.get_by_role("link", name="Respond to this consultation")).to_have_count(0)
    journey.check("response")


def test_chief_statistician_approves_a_consultation(staff_page):
    page = staff_page("chief")
    journey = Journey("staff-consultation-approve", page)
    page.goto("/staff")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Consultations").click()
    heading(page, "Consultations")
    journey.check("list")
    page.get_by_role("link", name=AWAITING).click()
    heading(page, AWAITING)
    journey.check("awaiting-approval")

    # Starting to reject it without a reason meets the error state; then back, and approve.
    page.get_by_role("link", name="Reject").click()
    page.get_by_role("button", name="Reject consultation").click()
    expect_errors(page, "Enter the reason")
    journey.check("reject-errors")
    page.get_by_role("link", name="Back", exact=True).click()
    heading(page, AWAITING)

    page.get_by_role("button", name="Approve").click()
    expect_success(page, "Consultation approved")
    expect(page.get_by_role("main")).to_contain_text("Approved")
    journey.check("approved")

    # The public now sees it as forthcoming.
    page.goto("/consultations")
    forthcoming = page.get_by_role("heading", name="Forthcoming consultations")
    expect(forthcoming).to_be_visible()
    expect(page.get_by_role("link", name=AWAITING)).to_be_visible()
