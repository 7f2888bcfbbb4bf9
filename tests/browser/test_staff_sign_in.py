"""A member of staff signs in (getting the password wrong first), reaches the dashboard and
signs out; the sign-in form works without JavaScript too."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import STAFF
from tests.browser.helpers import Journey, expect_errors, follow_error, heading


def test_sign_in_with_a_wrong_password_then_the_right_one_then_sign_out(page):
    email, password = STAFF["producer2"]
    journey = Journey("staff-sign-in", page)
    page.goto("/")
    page.get_by_role("link", name="Staff sign in").click()
    heading(page, "Sign in")
    journey.check("form")

    page.get_by_role("button", name="Sign in").click()
    expect_errors(page, "Enter your email address", "Enter your password")
    journey.check("empty")

    focused = follow_error(page, "Enter your email address")
    expect(focused).to_have_accessible_name("Email address")
    page.keyboard.type(email)
    page.get_by_label("Password", exact=True).fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect_errors(page, "Enter a correct email address and password")
    # The address stays filled in; the password does not.
    expect(page.get_by_label("Email address")).to_have_value(email)
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    journey.check("wrong-password")

    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    heading(page, "Dashboard")
    expect(page.get_by_text("Tom Producer")).to_be_visible()
    journey.check("dashboard")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    journey.check("signed-out")
    # The staff area now asks for sign-in again.
    page.goto("/staff")
    heading(page, "Sign in")


def test_the_staff_area_sends_a_visitor_to_sign_in_and_back(page):
    email, password = STAFF["cso"]
    page.goto("/staff/admin")
    heading(page, "Sign in")
    page.get_by_label("Email address").fill(STAFF["admin"][0])
    page.get_by_label("Password", exact=True).fill(STAFF["admin"][1])
    page.get_by_role("button", name="Sign in").click()
    heading(page, "Admin")
