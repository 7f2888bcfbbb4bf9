"""The accessibility check must be able to fail: fed a page with known WCAG violations, it
raises and names each rule and element."""

from __future__ import annotations

import pytest

from tests.browser.axe import AccessibilityViolations, check_accessibility

BROKEN = """<!doctype html>
<html lang="en"><head><title>Broken page</title></head>
<body><main>
  <h1>Broken page</h1>
  <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" id="chart">
  <form><input type="text" name="surname" id="surname"></form>
</main></body></html>"""

CLEAN = """<!doctype html>
<html lang="en"><head><title>Clean page</title></head>
<body><main>
  <h1>Clean page</h1>
  <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="Chart of complaints by month">
  <form><label for="surname">Surname</label><input type="text" name="surname" id="surname"></form>
</main></body></html>"""


def test_axe_fails_a_page_with_an_unlabelled_input_and_an_image_without_alt(page):
    page.set_content(BROKEN)
    with pytest.raises(AccessibilityViolations) as raised:
        check_accessibility(page, where="the broken page")
    assert {"image-alt", "label"} <= set(raised.value.rule_ids)
    report = str(raised.value)
    assert "on the broken page" in report
    assert "#chart" in report and "#surname" in report


def test_axe_passes_the_same_page_once_it_is_fixed(page):
    page.set_content(CLEAN)
    check_accessibility(page, where="the fixed page")
