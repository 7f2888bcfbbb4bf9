"""Layout that holds: one unbroken 5,000-character word sent through the public contact form
wraps on the staff case list and case page at 320, 1280 and 1920 px; the page itself never
scrolls sideways, and a table too wide for the screen scrolls inside its wrapper."""

from __future__ import annotations

import pytest

from tests.browser.helpers import Journey, heading

WORD = "Unbroken" + "x" * 4992  # 5,000 characters, no space
NAME = "Longname" + "y" * 192  # the name field's 200 characters


def _send_case(page) -> str:  # type: ignore[no-untyped-def]
    page.goto("/contact")
    page.get_by_label("Ask a question about statistics we have published").check()
    page.get_by_label("Full name").fill(NAME)
    page.get_by_label("Email address").fill("long.word@example.com")
    page.get_by_label("Your message").fill(WORD)
    page.get_by_role("button", name="Send").click()
    heading(page, "Message sent")
    reference = page.locator(".govuk-panel__body strong").inner_text().strip()
    assert reference.startswith("C-"), reference
    return reference


def _no_sideways_page(page, width: int, where: str) -> None:  # type: ignore[no-untyped-def]
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= width, f"{where} at {width}px is {overflow}px wide"
    for wrapper in page.locator(".app-table-wrapper").all():
        box = wrapper.bounding_box()
        assert box is not None and box["x"] + box["width"] <= width + 1, where


@pytest.fixture
def reference(page) -> str:
    return _send_case(page)


@pytest.mark.parametrize("width", [320, 1280, 1920])
def test_a_5000_character_word_wraps_on_staff_pages(staff_page, reference, width):
    page = staff_page("cso")
    page.set_viewport_size({"width": width, "height": 900})
    journey = Journey(f"long-word-{width}", page)
    page.goto("/staff/cases")
    _no_sideways_page(page, width, "case list")
    row = page.locator("tr", has_text=reference)
    assert row.count() == 1
    journey.check("case-list")
    page.goto(f"/staff/cases/{reference}")
    _no_sideways_page(page, width, "case page")
    # the word is all there, wrapped: its element is no wider than the screen
    message = page.get_by_text(WORD[:40], exact=False).first
    box = message.bounding_box()
    assert box is not None and box["width"] <= width
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 60_000, f"case page is {height}px high at {width}px"
    journey.check("case-page")
