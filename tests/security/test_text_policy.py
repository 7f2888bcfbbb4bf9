"""The one text policy at the edge (engage/textpolicy.py, engage/forms.py) and bounded input
from URLs: what people paste from Word, spreadsheets and phones is stored clean, and no typed
number or date is a server error."""

from __future__ import annotations

import inspect
import unicodedata

import pytest
from flask_wtf import FlaskForm
from hypothesis import given
from hypothesis import strategies as st

import engage
from engage.cases.models import Case
from engage.extensions import db
from engage.forms import EngageForm
from engage.textpolicy import clean_line, clean_multiline, header_text, spreadsheet_cell
from tests.factories.auth import cso
from tests.factories.cases import make_case

CONTACT = {
    "kind": "enquiry",
    "requester_name": "Jo Bloggs",
    "requester_email": "jo@example.com",
    "requester_address": "",
    "message": "How many prisons are there?",
    "website": "",
}
STAFF = {
    "channel": "letter",
    "received_on": ["2", "3", "2026"],
    "kind": "enquiry",
    "requester_name": "Mrs Letter Writer",
    "requester_email": "",
    "requester_address": "3 Park Road\nBath",
    "requester_phone": "",
    "subject": "",
    "message": "Please send me the figures.",
}
FORBIDDEN = {chr(c) for c in range(0x20) if chr(c) not in "\t\n"} | {
    chr(c) for c in range(0x7F, 0xA0)
}


def _all_subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _all_subclasses(sub)
    return found


def test_every_form_in_engage_uses_the_text_policy(app):
    forms = {
        f
        for f in _all_subclasses(FlaskForm)
        if f.__module__.startswith("engage.") and inspect.isclass(f)
    }
    assert len(forms) > 30
    outside = sorted(f"{f.__module__}.{f.__name__}" for f in forms if not issubclass(f, EngageForm))
    assert outside == []
    assert engage  # imported so every form module is loaded by create_app


@given(st.text())
def test_clean_text_has_no_control_characters_and_is_nfc(value):
    line = clean_line(value)
    assert not (set(line) & (FORBIDDEN | {"\n", "\t", "\u2028", "\u2029"}))
    assert unicodedata.is_normalized("NFC", line)
    text = clean_multiline(value)
    assert not (set(text) & (FORBIDDEN | {"\u2028", "\u2029"}))
    assert unicodedata.is_normalized("NFC", text)
    # both encode: no lone surrogates reach the database or an email
    line.encode("utf-8") and text.encode("utf-8")
    header = header_text(value)
    assert len(header) <= 900 and "\n" not in header and "\r" not in header


def test_spreadsheet_cells_never_start_a_formula():
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert spreadsheet_cell(f"{start}HYPERLINK(1)") == f"'{start}HYPERLINK(1)"
    assert spreadsheet_cell("a\x0bb\x00") == "a b"
    assert spreadsheet_cell(5) == 5 and spreadsheet_cell(None) is None


def test_nul_and_control_characters_typed_in_the_contact_form_are_removed(app, client):
    data = {
        **CONTACT,
        "requester_name": "Jo\x00 \x0bBlo\x85ggs\u2028",
        "message": "Line one\r\nLine\x00 two\x0c\x1b[31m",
    }
    response = client.post("/contact", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    case = db.session.execute(db.select(Case)).scalar_one()
    assert case.requester_name == "Jo  Blo ggs"
    assert case.message == "Line one\nLine two\n[31m"


def test_decomposed_text_is_stored_composed(app, client):
    client.post("/contact", data={**CONTACT, "requester_name": "Zoe\u0301"})
    case = db.session.execute(db.select(Case)).scalar_one()
    assert case.requester_name == "Zo\u00e9"


def test_a_length_message_names_the_field(app, login):
    page = login(cso()).post("/staff/cases/new", data={**STAFF, "requester_name": "x" * 201})
    assert page.status_code == 200
    assert "Requester&#39;s full name must be 200 characters or fewer" in page.get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (["1" * 19, "3", "2026"], "Date received must be a real date"),
        (["2", "9" * 25, "2026"], "Date received must be a real date"),
        (["2", "3", "1899"], "Year must be between 1900 and 2199"),
        (["2", "3", "1989"], "Date received must be on or after 1 January 2000"),
        (["２", "3", "2026"], "Date received must be a real date"),
        (["2", "3", "99999"], "Year must include 4 numbers"),
    ],
)
def test_impossible_received_dates_are_refused_with_a_message(app, login, parts, message):
    page = login(cso()).post("/staff/cases/new", data={**STAFF, "received_on": parts})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert message in html and "There is a problem" in html
    assert 'value="Mrs Letter Writer"' in html  # nothing typed is lost
    assert db.session.execute(db.select(Case)).first() is None


@pytest.mark.parametrize(
    "url",
    [
        "/staff/stakeholders/99999999999999999999",
        "/staff/feedback/9223372036854775808",
        "/staff/reports/2147483648",
        "/staff/reports/recommendations/" + "9" * 5000,
        "/staff/cases?page=" + "9" * 50,
        "/staff/cases?output=99999999999999999999999&assignee=99999999999999999999",
    ],
)
def test_huge_numbers_in_urls_are_never_a_server_error(app, login, url):
    client = login(cso())
    response = client.get(url)
    assert response.status_code in (200, 404), (url, response.status_code)


def test_a_trailing_slash_reaches_the_page(app, client, login):
    response = client.get("/statistics/?x=1")
    assert response.status_code == 308 and response.headers["Location"].endswith("/statistics?x=1")
    assert client.get("/statistics/", follow_redirects=True).status_code == 200
    staff = login(cso())
    assert staff.get("/staff/", follow_redirects=True).status_code == 200
    # a path that is no page with or without its slash is a 404 at once, not a redirect to one
    assert client.get("/no-such-page/").status_code == 404
    assert staff.get("/staff/no-such-page/").status_code == 404
    # never a redirect to another site
    response = client.get("//evil.example/")
    assert response.headers.get("Location", "/").startswith("/") and not response.headers.get(
        "Location", "/"
    ).startswith("//")


def test_a_reference_typed_in_lower_case_finds_its_case(app, login):
    case = make_case()
    db.session.commit()
    # Issue 17: it redirects to the case's one address (C-2026-00001), which shows it.
    page = login(cso()).get(f"/staff/cases/{case.reference.lower()}", follow_redirects=True)
    assert page.status_code == 200
    assert case.reference in page.get_data(as_text=True)
