"""A member of the public makes a complaint through /contact with the keyboard alone (Tab,
typing, Space, arrow keys and Enter; no clicks), meeting the error states first. The form
also works with JavaScript turned off."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.helpers import Journey, expect_errors, heading

COMPLAINT = "Complain about our service"


def tab_to(page, target, limit: int = 60) -> None:  # type: ignore[no-untyped-def]
    """Press Tab until `target` (a locator) has focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{target} never received focus after {limit} presses of Tab")


def test_make_a_complaint_with_the_keyboard_alone(page):
    journey = Journey("public-complaint-keyboard", page)
    page.goto("/")
    # From the start page to the contact form: Tab to the link, Enter.
    tab_to(
        page,
        page.get_by_role("link", name="ask a question about our statistics or make a complaint"),
    )
    page.keyboard.press("Enter")
    heading(page, "Contact us")
    journey.check("form")

    # Send the empty form: Tab to the button, Enter.
    tab_to(page, page.get_by_role("button", name="Send"))
    page.keyboard.press("Enter")
    summary = expect_errors(
        page,
        "Select what you would like to do",
        "Enter your full name",
        "Enter an email address or a postal address",
        "Enter your message",
    )
    journey.check("errors")

    # The error summary has focus; Tab to its first link and follow it with Enter: focus
    # moves to the first radio of the question.
    expect(summary.locator("xpath=..")).to_be_focused()
    page.keyboard.press("Tab")
    expect(summary.get_by_role("link", name="Select what you would like to do")).to_be_focused()
    page.keyboard.press("Enter")
    first_kind = page.get_by_role("radio", name="Ask a question about statistics we have published")
    expect(first_kind).to_be_focused()
    # Arrow keys move through the radios and select; the complaint is the fifth choice.
    for _ in range(4):
        page.keyboard.press("ArrowDown")
    complaint = page.get_by_role("radio", name=COMPLAINT, exact=True)
    expect(complaint).to_be_focused()
    page.keyboard.press("Space")
    expect(complaint).to_be_checked()

    tab_to(page, page.get_by_label("Full name"))
    page.keyboard.type("Morgan Ellis")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Email address")).to_be_focused()
    page.keyboard.type("morgan.ellis@example.org")
    tab_to(page, page.get_by_label("Your message"))
    page.keyboard.type(
        "I asked for the prison population tables twice in March and have had no reply."
    )
    tab_to(page, page.get_by_role("button", name="Send"))
    page.keyboard.press("Enter")

    heading(page, "Message sent")
    expect(page.get_by_text(re.compile("Your reference number"))).to_be_visible()
    expect(page.get_by_text("We have sent you an email")).to_be_visible()
    journey.check("sent")


def test_contact_form_works_without_javascript(no_js_page):
    page = no_js_page
    page.goto("/contact")
    page.get_by_role("button", name="Send").click()
    expect_errors(page, "Select what you would like to do", "Enter your message")
    page.get_by_label("Ask a question about statistics we have published").check()
    page.get_by_label("Full name").fill("Jo Bloggs")
    page.get_by_label("Postal address").fill("1 High Street\nLeeds\nLS1 1AA")
    page.get_by_label("Your message").fill("Where are the regional figures for 2025?")
    page.get_by_role("button", name="Send").click()
    heading(page, "Message sent")
    # The confirmation names both dates (issue 17).
    expect(
        page.get_by_text(re.compile(r"We will acknowledge your message by \w+ \d+ \w+ \d{4}"))
    ).to_be_visible()
    expect(page.get_by_text(re.compile(r"full response by \w+ \d+ \w+ \d{4}"))).to_be_visible()
