"""The release calendar in a browser, checked with axe: the public calendar, a release page
with its history, and subscribing to an output's release notices then confirming the email
address (the link read from the outbox the server wrote)."""

from __future__ import annotations

import re

import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.helpers import Journey, expect_errors, follow_error, heading

OUTPUT = "Prison Population Projections"


def test_the_release_calendar_and_a_release_page(page):
    journey = Journey("public-release-calendar", page)
    page.goto("/")
    page.get_by_role("link", name="Release calendar").first.click()
    heading(page, "Release calendar")
    expect(page.get_by_role("heading", name="Upcoming releases")).to_be_visible()
    expect(page.get_by_text("Published on time").first).to_be_visible()
    journey.check("calendar")
    # The latest past release: its page says what happened, with its history.
    page.get_by_role("region", name="Past releases").get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="Changes to this release")).to_be_visible()
    expect(page.get_by_text("What happened")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Date confirmed: 9:30am on "))).to_be_visible()
    journey.check("release")
    page.get_by_role("link", name="Release calendar").first.click()
    page.get_by_role("link", name="list of missed commitments").click()
    heading(page, re.compile(r"^Missed release commitments"))
    journey.check("missed-commitments")


def test_subscribe_to_release_notices_and_confirm(page, engage_server):
    journey = Journey("public-release-notices", page)
    page.goto("/statistics")
    page.get_by_role("link", name=OUTPUT).click()
    page.get_by_role("link", name=f"Get emails about {OUTPUT} releases").click()
    heading(page, f"Get emails about {OUTPUT} releases")
    journey.check("form")
    page.get_by_role("button", name="Subscribe").click()
    expect_errors(page, "Enter your email address")
    journey.check("errors")
    focused = follow_error(page, "Enter your email address")
    expect(focused).to_have_accessible_name(re.compile(r"^Email address"))
    page.keyboard.type("reader@example.org")
    page.get_by_role("button", name="Subscribe").click()
    heading(page, "Check your email")
    journey.check("check-your-email")

    engine = sa.create_engine(engage_server.database_url)
    try:
        with engine.connect() as connection:
            body = connection.execute(
                sa.text(
                    "SELECT body_text FROM outbox_emails WHERE to_address = :a "
                    "AND template = 'consent_confirm'"
                ),
                {"a": "reader@example.org"},
            ).scalar_one()
    finally:
        engine.dispose()
    link = re.search(r"https?://\S+(/confirm-email/\S+)", body)
    assert link, body
    page.goto(link.group(1))
    heading(page, "Confirm your email address")
    expect(page.get_by_text(re.compile(rf"Release notices.*{OUTPUT}"))).to_be_visible()
    journey.check("confirm")
    page.get_by_role("button").filter(has_text="Confirm").click()
    expect(page.get_by_role("heading", name="Your email address is confirmed")).to_be_visible()
    journey.check("confirmed")
