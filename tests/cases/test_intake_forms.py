"""The public contact form and the staff intake form: who the error messages speak to, and a
request that leaves out the optional output field."""

from __future__ import annotations

import pytest

from engage.cases.models import Case
from engage.extensions import db
from tests.factories.auth import cso


def _cases() -> list[Case]:
    return list(db.session.execute(db.select(Case)).scalars())


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


def test_a_contact_form_post_without_the_output_field_means_no_output(app, client):
    assert "output_id" not in CONTACT
    response = client.post("/contact", data=CONTACT)
    assert response.status_code == 302, response.get_data(as_text=True)
    (case,) = _cases()
    assert case.output_id is None
    assert "Not a valid choice" not in client.get("/contact").get_data(as_text=True)


def test_a_staff_intake_post_without_the_output_field_means_no_output(app, login):
    response = login(cso()).post("/staff/cases/new", data=STAFF)
    assert response.status_code == 302, response.get_data(as_text=True)
    (case,) = _cases()
    assert case.output_id is None


def test_an_unknown_output_is_still_refused(app, client):
    page = client.post("/contact", data={**CONTACT, "output_id": "999999"})
    assert page.status_code == 200 and "Not a valid choice" in page.get_data(as_text=True)
    assert _cases() == []


STAFF_CASES = [
    ({"requester_name": " "}, "Enter the requester&#39;s full name", "Enter your full name"),
    (
        {"requester_name": "x" * 201},
        "Requester&#39;s full name must be 200 characters or fewer",
        "Full name must be 200",
    ),
    (
        {"requester_email": "", "requester_address": ""},
        "Enter the requester&#39;s email address or postal address",
        "Enter an email address or a postal address",
    ),
    ({"message": ""}, "Enter the message", "Enter your message"),
    ({"message": "x" * 5001}, "Message must be 5,000 characters or fewer", "Your message"),
]


@pytest.mark.parametrize(("change", "staff_message", "public_message"), STAFF_CASES)
def test_staff_intake_errors_name_the_requester(app, login, change, staff_message, public_message):
    page = login(cso()).post("/staff/cases/new", data={**STAFF, **change})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    # In the error summary and beside the field.
    assert text.count(staff_message) == 2, text
    assert public_message not in text
    assert _cases() == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"requester_name": " "}, "Enter your full name"),
        ({"requester_name": "x" * 71}, "Full name must be 70 characters or fewer"),
        (
            {"requester_email": "", "requester_address": ""},
            "Enter an email address or a postal address",
        ),
        ({"message": ""}, "Enter your message"),
        ({"message": "x" * 5001}, "Your message must be 5,000 characters or fewer"),
    ],
)
def test_the_public_contact_form_keeps_speaking_to_the_person(app, client, change, message):
    page = client.post("/contact", data={**CONTACT, **change})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert text.count(message) == 2, text
    assert "requester" not in text.lower().replace("requester_", "")
    assert _cases() == []


@pytest.mark.parametrize(
    ("url", "data", "who"),
    [("/staff/cases/new", {"received_on": ["", "", ""]}, "cso"), ("/contact", {}, None)],
)
def test_the_error_summary_lists_the_problems_in_the_order_of_the_page(
    app, client, login, url, data, who
):
    """GOV.UK: the summary's links follow the fields down the page, whatever order the form's
    shared fields were declared in."""
    import re

    page = (login(cso()) if who else client).post(url, data=data)
    html = page.get_data(as_text=True)
    summary, body = html.split("govuk-error-summary__list", 1)[1].split("</ul>", 1)
    anchors = re.findall(r'href="#([\w-]+)"', summary)
    assert len(anchors) >= 3, anchors
    positions = [body.index(f'id="{anchor}"') for anchor in anchors]
    assert positions == sorted(positions), anchors
