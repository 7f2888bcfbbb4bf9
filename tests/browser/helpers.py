"""What the journeys share: check a page (axe + screenshot), sign in through the form, and
work through a GOV.UK error summary the way a person does."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.browser.axe import check_accessibility
from tests.browser.report import SCREENSHOTS


class Journey:
    """A person's path through Engage: `journey.check("step")` runs axe-core on the page as it
    is now and saves test-artifacts/screenshots/<journey>-<step>.png."""

    def __init__(self, name: str, page: Any) -> None:
        self.name = name
        self.page = page

    def check(self, step: str, *, screenshot: bool = True) -> None:
        check_accessibility(self.page, where=f"{self.name} / {step} ({self.page.url})")
        if screenshot:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(SCREENSHOTS / f"{self.name}-{step}.png"), full_page=True)


def heading(page: Any, text: str | re.Pattern[str]) -> None:
    """The page's <h1> says `text`."""
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def sign_in(page: Any, email: str, password: str) -> None:
    page.goto("/staff/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def error_summary(page: Any) -> Any:
    """The GOV.UK error summary: a role=alert region titled 'There is a problem'."""
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_visible()
    return summary


def expect_errors(page: Any, *messages: str) -> Any:
    """The error summary lists each message as a link, the title starts 'Error:', and each
    message is also shown beside its field."""
    summary = error_summary(page)
    for message in messages:
        expect(summary.get_by_role("link", name=message).first).to_be_visible()
        expect(page.locator(".govuk-error-message", has_text=message).first).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error: "))
    return summary


def follow_error(page: Any, message: str) -> Any:
    """Click an error summary link; return the element that then has focus (the field)."""
    error_summary(page).get_by_role("link", name=message).first.click()
    focused = page.locator("*:focus")
    expect(focused).to_have_count(1)
    return focused


def expect_success(page: Any, text: str) -> None:
    """A GOV.UK success notification banner (role=alert) that says `text`."""
    banner = page.get_by_role("alert").filter(has_text="Success").filter(has_text=text)
    expect(banner).to_be_visible()


def link_or_button(page: Any, name: str) -> Any:
    """A call to action that may be a link styled as a button (role=button) or a link."""
    return page.get_by_role("button", name=name, exact=True).or_(
        page.get_by_role("link", name=name, exact=True)
    )
