"""Checks every HTML page fetched in tests against DESIGN.md's page-quality rules."""

from __future__ import annotations

from collections import Counter

from bs4 import BeautifulSoup

LABELLED_EXEMPT_TYPES = {"hidden", "submit", "button", "reset", "image"}


class PageProblem(AssertionError):
    pass


def check_page(html: str, path: str = "") -> None:
    soup = BeautifulSoup(html, "html.parser")
    where = f" on {path}" if path else ""
    h1s = soup.find_all("h1")
    if len(h1s) != 1:
        raise PageProblem(f"expected exactly one <h1>{where}, found {len(h1s)}")
    h1_text = " ".join(h1s[0].get_text(" ").split())
    title = soup.find("title")
    if title is None:
        raise PageProblem(f"no <title>{where}")
    title_text = " ".join(title.get_text(" ").split())
    if title_text.startswith("Error: "):
        title_text = title_text[len("Error: ") :]
    if not title_text.startswith(h1_text):
        raise PageProblem(f"<title> {title_text!r} does not start with <h1> {h1_text!r}{where}")
    ids = Counter(tag["id"] for tag in soup.find_all(id=True))
    duplicates = [i for i, n in ids.items() if n > 1]
    if duplicates:
        raise PageProblem(f"duplicate ids {duplicates}{where}")
    labels_for = {label.get("for") for label in soup.find_all("label") if label.get("for")}
    for field in soup.find_all(["input", "select", "textarea"]):
        if field.name == "input" and field.get("type", "text") in LABELLED_EXEMPT_TYPES:
            continue
        if field.get("aria-label") or field.get("aria-labelledby"):
            continue
        if field.find_parent("label") is not None:
            continue
        if field.get("id") and field["id"] in labels_for:
            continue
        raise PageProblem(f"input {field.get('name')!r} has no label{where}")
    has_field_errors = soup.select(".govuk-form-group--error, .govuk-error-message")
    if has_field_errors and not soup.select(".govuk-error-summary"):
        raise PageProblem(f"form has errors but no GOV.UK error summary{where}")
    if has_field_errors and not title.get_text().strip().startswith("Error: "):
        raise PageProblem(f"page with errors must have a title starting 'Error: '{where}")
    for link in soup.select(".govuk-error-summary a[href^='#']"):
        target = link["href"][1:]
        if target and not soup.find(id=target):
            raise PageProblem(f"error summary links to missing #{target}{where}")
