"""A member of the public finds a statistical output from the start page."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.helpers import Journey, heading


def test_start_page_to_an_output_page(page):
    journey = Journey("public-start", page)
    page.goto("/")
    heading(page, "Tell us how you use our statistics")
    journey.check("start")

    page.get_by_role("button", name="Start now").click()
    heading(page, "Our statistics")
    journey.check("statistics")

    page.get_by_role("link", name="Criminal Court Statistics Quarterly").first.click()
    heading(page, "Criminal Court Statistics Quarterly")
    expect(
        page.get_by_role("button", name="Give feedback on Criminal Court Statistics Quarterly")
    ).to_be_visible()
    # The lead statistician's address is a working mailto link, not escaped HTML.
    contact = page.get_by_role("link", name="aisha.khan@justice.example.gov.uk")
    expect(contact).to_have_attribute("href", "mailto:aisha.khan@justice.example.gov.uk")
    journey.check("output")


def test_footer_pages_and_a_missing_page(page):
    journey = Journey("public-footer", page)
    page.goto("/")
    page.get_by_role("link", name="Accessibility statement").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Accessibility")
    journey.check("accessibility-statement")
    page.get_by_role("link", name="Privacy").click()
    journey.check("privacy")
    response = page.goto("/statistics/no-such-output")
    assert response is not None and response.status == 404
    journey.check("not-found")
