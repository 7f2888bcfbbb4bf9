"""The main pages on a phone-sized screen (375 px wide): still no WCAG A/AA violations, for
example wide tables whose scrolling wrapper keyboard users cannot reach."""

from __future__ import annotations

import pytest

from tests.browser.helpers import Journey

PUBLIC = [
    ("start", "/"),
    ("statistics", "/statistics"),
    ("consultations", "/consultations"),
    ("performance", "/performance"),
    ("contact", "/contact"),
]
STAFF = [
    ("cases", "/staff/cases"),
    ("outputs", "/staff/outputs"),
    ("user-log", "/staff/outputs/criminal-court-statistics-quarterly/user-log"),
    ("consultations", "/staff/consultations"),
    ("reports", "/staff/reports"),
    ("feedback", "/staff/feedback"),
    ("user-log-import", "/staff/outputs/criminal-court-statistics-quarterly/user-log/import"),
]


def test_public_pages_on_a_small_screen(page):
    page.set_viewport_size({"width": 375, "height": 800})
    journey = Journey("small-screen-public", page)
    for step, path in PUBLIC:
        page.goto(path)
        journey.check(step)


@pytest.mark.parametrize("role", ["cso"])
def test_staff_pages_on_a_small_screen(staff_page, role):
    page = staff_page(role)
    page.set_viewport_size({"width": 375, "height": 800})
    journey = Journey("small-screen-staff", page)
    for step, path in STAFF:
        page.goto(path)
        journey.check(step)
