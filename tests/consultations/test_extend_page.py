"""The extend page of an open consultation: unique ids, even with several messages shown."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from tests.consultations.helpers import at, consultation_with_questions
from tests.factories.auth import cso


@pytest.fixture(autouse=True)
def _february_2027():
    with time_machine.travel(at(2027, 2, 1, 10), tick=True):
        yield


def test_the_extend_page_has_unique_ids_with_messages_and_errors(app, login):
    consultation = consultation_with_questions(
        ad_hoc=True,
        state="open",
        opens_on=date(2027, 1, 25),
        closes_on=date(2027, 3, 8),
        opened_at=at(2027, 1, 25, 0),
    )
    client = login(cso())
    url = f"/staff/consultations/{consultation.slug}/extend"
    # The page checker (in the client) fails on a duplicate id, such as two notification
    # banners both titled govuk-notification-banner-title.
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "First message"), ("success", "Second message")]
    page = client.get(url)
    assert page.status_code == 200
    assert page.text.count('id="govuk-notification-banner-title"') == 1
    assert "First message" in page.text and "Second message" in page.text
    error = client.post(url, data={"closes_on": ["", "", ""]})
    assert error.status_code == 200 and "Enter the new closing date" in error.text
