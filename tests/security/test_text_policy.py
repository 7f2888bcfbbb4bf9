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
from engage.outputs.models import Feedback
from engage.textpolicy import (
    clean_line,
    clean_multiline,
    header_text,
    spreadsheet_cell,
    xml_text,
)
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
# Embeddings, overrides and isolates: they turn the text after them around ("Trojan Source").
BIDI_CONTROLS = {chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]}
ZERO_WIDTH_ONLY = [
    "\u200b",
    "\u200b\u200c\u200d\u2060\ufeff",
    " \u200b\t\u3000\u00a0\u2060 ",
    "\u00ad\u200e\u200f\u061c",  # soft hyphen and the direction marks: format characters
    "\u202e\u200b\u202c",  # an override around nothing
    "\u3164\u2800\ufe0f\u034f",  # Hangul filler, blank Braille, a variation selector alone
]
# Text that needs an invisible character inside it, and must come through unchanged.
KEPT = [
    "\U0001f468\u200d\U0001f469\u200d\U0001f467",  # a family emoji: joined by ZWJ
    "\u2764\ufe0f",  # a red heart: the variation selector asks for colour
    "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",  # England's flag
    "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # Persian: a ZWNJ inside a word
    "\u0634\u0644\u0648\u0645 \u05e2\u05d5\u05dc\u05dd",  # Arabic and Hebrew letters
    "Report \u200f\u05d0\u200f 2026",  # a right-to-left mark inside text stays
]


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


VISIBLE = "aZ9\u05d0\u0645\U0001f600"
INVISIBLE = [*BIDI_CONTROLS, *"\u200b\u200c\u200d\u2060\ufeff \n\t\u00ad\u200f\ufe0f\u3164"]


@given(st.text(alphabet=st.sampled_from([*VISIBLE, *INVISIBLE])))
def test_invisible_and_bidi_characters_in_any_mix(value):
    shown = [ch for ch in value if ch in VISIBLE]
    for cleaned in (clean_line(value), clean_multiline(value), header_text(value)):
        assert not set(cleaned) & BIDI_CONTROLS
        assert [ch for ch in cleaned if ch in VISIBLE] == shown  # every visible letter, in order
        if not shown:
            assert cleaned == ""
        assert not cleaned.startswith(("\u200b", "\u200d", "\ufeff", " ")), repr(cleaned)
        assert not cleaned.endswith(("\u200b", "\u200d", "\ufeff", " ")), repr(cleaned)


@pytest.mark.parametrize("value", ZERO_WIDTH_ONLY)
def test_a_value_of_only_invisible_characters_is_empty(value):
    assert clean_line(value) == clean_multiline(value) == header_text(value) == ""
    assert clean_multiline(f"{value}\n{value}") == ""


@pytest.mark.parametrize("value", KEPT)
def test_joiners_selectors_and_right_to_left_text_are_kept(value):
    assert clean_line(value) == clean_multiline(value) == header_text(value) == value
    assert spreadsheet_cell(value) == xml_text(value) == value


def test_zero_width_characters_at_either_end_go_and_those_inside_stay():
    assert clean_line("\ufeff\u200bJo Bloggs\u200b\u2060") == "Jo Bloggs"
    assert clean_multiline("\u200b\nLine one\nLine\u200btwo\n\u200d") == "Line one\nLine\u200btwo"


def test_bidirectional_overrides_are_removed_on_the_way_in_and_on_the_way_out():
    spoof = "Invoice for \u202egpj.exe\u202c and \u2067\u05d0\u2069"
    assert clean_line(spoof) == "Invoice for gpj.exe and \u05d0"
    assert clean_multiline(f"{spoof}\n\u202dsecond\u202c") == (
        "Invoice for gpj.exe and \u05d0\nsecond"
    )
    # text stored before the policy cannot turn an email subject, a feed or a cell around
    assert header_text(spoof) == xml_text(spoof) == spreadsheet_cell(spoof) == clean_line(spoof)
    # nor hide a formula behind an override
    assert spreadsheet_cell("\u202e=HYPERLINK(1)") == "'=HYPERLINK(1)"


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


def test_feedback_made_only_of_zero_width_characters_is_refused_as_empty(app, client):
    page = client.post("/feedback", data={"comments": "\u200b\u200b\u2060\ufeff\n\u200d"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "There is a problem" in html and 'href="#comments">Enter your feedback</a>' in html
    assert db.session.execute(db.select(Feedback)).first() is None
    # an optional field of zero-width characters is blank, not an email address to check
    data = {"comments": "Useful \u202efigures", "email": "\u200b\u2060"}
    assert client.post("/feedback", data=data).status_code == 302
    item = db.session.execute(db.select(Feedback)).scalar_one()
    assert (item.comments, item.email) == ("Useful figures", None)


def test_an_override_in_a_public_name_is_removed_and_a_blank_name_refused(app, client):
    blank = client.post("/contact", data={**CONTACT, "requester_name": "\u200b\u3164 \u200d"})
    assert blank.status_code == 200
    assert 'href="#requester_name">Enter your full name</a>' in blank.get_data(as_text=True)
    assert db.session.execute(db.select(Case)).first() is None

    data = {**CONTACT, "requester_name": "Jo \u202eBloggs\u202c", "message": "Hi \u2066there"}
    assert client.post("/contact", data=data).status_code == 302
    case = db.session.execute(db.select(Case)).scalar_one()
    assert (case.requester_name, case.message) == ("Jo Bloggs", "Hi there")


def test_a_staff_form_shows_an_invisible_name_as_missing_and_keeps_what_else_was_typed(app, login):
    staff = login(cso())
    data = {**STAFF, "requester_name": "\ufeff\u200b", "subject": "\u202eyad ynnus a\u202c"}
    page = staff.post("/staff/cases/new", data=data)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "There is a problem" in html
    assert 'href="#requester_name">Enter the requester&#39;s full name</a>' in html
    assert "3 Park Road" in html  # nothing else typed is lost
    assert db.session.execute(db.select(Case)).first() is None

    assert staff.post("/staff/cases/new", data={**data, "requester_name": "Mo"}).status_code == 302
    case = db.session.execute(db.select(Case)).scalar_one()
    assert (case.requester_name, case.subject) == ("Mo", "yad ynnus a")


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
