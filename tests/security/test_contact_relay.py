"""The contact form is not a relay (ASVS V2.4 anti-automation, V1.2 injection): a name is one
short line without a link; the automatic acknowledgement quotes nothing the sender wrote; and
one address gets at most a few acknowledgements a day."""

from __future__ import annotations

import pytest

from engage.cases.models import Case
from engage.extensions import db
from engage.mail.models import OutboxEmail

VICTIM = "victim@example.org"
FORM = {
    "kind": "enquiry",
    "requester_name": "Jo Bloggs",
    "requester_email": VICTIM,
    "requester_address": "",
    "message": "Cheap pills at http://spam.example/buy now!",
    "website": "",
}


def _acks() -> list[OutboxEmail]:
    return list(
        db.session.scalars(
            db.select(OutboxEmail).where(OutboxEmail.template == "case_acknowledged")
        )
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Jo\nVisit http://spam.example for prizes", "Full name must be on one line"),
        ("Jo\r\nBloggs", "Full name must be on one line"),
        ("Jo\u2028Bloggs", "Full name must be on one line"),
        ("Jo\x00Bloggs", "Full name must be on one line"),
        ("Win at https://spam.example", "Full name must not contain a web address"),
        ("Jo www.spam.example", "Full name must not contain a web address"),
        ("<b>Jo</b>", "Full name must not contain a web address"),
        ("J" * 71, "Full name must be 70 characters or fewer"),
    ],
)
def test_a_name_is_one_short_line_without_a_link(client, name, message):
    page = client.post("/contact", data={**FORM, "requester_name": name}).get_data(as_text=True)
    assert message in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Case)) == 0
    assert _acks() == []


def test_the_acknowledgement_quotes_nothing_the_sender_wrote(client):
    client.post("/contact", data={**FORM, "requester_name": "Prize Winner Claim Now"})
    (ack,) = _acks()
    text = f"{ack.subject}\n{ack.body_text}\n{ack.body_html}"
    assert "Prize Winner" not in text and "spam.example" not in text and "pills" not in text
    (case,) = db.session.scalars(db.select(Case))
    assert case.reference in ack.subject


def test_one_address_gets_at_most_three_acknowledgements_a_day(client, app):
    for n in range(5):
        assert (
            client.post(
                "/contact", data={**FORM, "requester_email": VICTIM.upper() if n % 2 else VICTIM}
            ).status_code
            == 302
        )
    assert len(_acks()) == 3
    cases = list(db.session.scalars(db.select(Case).order_by(Case.id)))
    assert len(cases) == 5  # every message is kept
    assert [c.state for c in cases] == ["acknowledged"] * 3 + ["received"] * 2
