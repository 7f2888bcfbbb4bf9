"""A member of the public gives feedback on an output (meeting the error states first) and
gives general feedback; both forms also work with JavaScript turned off."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.helpers import Journey, expect_errors, follow_error, heading

OUTPUT = "Prison Population Projections"


def test_give_feedback_on_an_output_after_correcting_errors(page):
    journey = Journey("public-output-feedback", page)
    page.goto("/statistics")
    page.get_by_role("link", name=OUTPUT).click()
    page.get_by_role("button", name=f"Give feedback on {OUTPUT}").click()
    heading(page, f"Give feedback on {OUTPUT}")
    journey.check("form")

    # "No" is chosen for keeping in touch: say yes without giving an address, and leave the
    # required questions unanswered.
    page.get_by_label("Yes, tell me about new publications and developments").check()
    page.get_by_role("button", name="Send feedback").click()
    expect_errors(
        page,
        "Select whether these statistics were useful to you",
        "Select the description that fits you best",
        "Enter your email address so we can keep in touch",
    )
    journey.check("errors")

    follow_error(page, "Select whether these statistics were useful to you")
    page.get_by_label("Partly").check()
    follow_error(page, "Select the description that fits you best")
    page.get_by_label("Academics, researchers and students").check()
    focused = follow_error(page, "Enter your email address so we can keep in touch")
    expect(focused).to_have_accessible_name("Email address (optional)")
    page.keyboard.type("r.okoro@university.example.ac.uk")
    page.get_by_label("What do you use them for? (optional)").fill(
        "Teaching a course on penal policy"
    )
    page.get_by_label("Comments (optional)").fill("A regional breakdown would help.")
    page.get_by_role("button", name="Send feedback").click()

    heading(page, "Thank you for your feedback")
    expect(page.get_by_text(re.compile(r"Your reference"))).to_be_visible()
    journey.check("thank-you")


def test_give_general_feedback(page):
    journey = Journey("public-general-feedback", page)
    page.goto("/")
    page.get_by_role("link", name="feedback form").click()
    heading(page, "Give feedback")
    page.get_by_role("button", name="Send feedback").click()
    expect_errors(page, "Enter your feedback")
    journey.check("errors")
    focused = follow_error(page, "Enter your feedback")
    expect(focused).to_have_accessible_name("Your feedback")
    page.keyboard.type("The new service is easy to use.")
    page.get_by_label("The public").check()
    page.get_by_role("button", name="Send feedback").click()
    heading(page, "Thank you for your feedback")
    journey.check("thank-you")


def test_feedback_forms_work_without_javascript(no_js_page):
    page = no_js_page
    page.goto("/statistics")
    page.get_by_role("link", name=OUTPUT).click()
    page.get_by_role("button", name=f"Give feedback on {OUTPUT}").click()
    page.get_by_role("button", name="Send feedback").click()
    expect_errors(page, "Select whether these statistics were useful to you")
    page.get_by_label("Yes", exact=True).check()
    page.get_by_label("The public").check()
    page.get_by_role("button", name="Send feedback").click()
    heading(page, "Thank you for your feedback")

    page.goto("/feedback")
    page.get_by_label("Your feedback").fill("Works without scripts too.")
    page.get_by_role("button", name="Send feedback").click()
    heading(page, "Thank you for your feedback")
