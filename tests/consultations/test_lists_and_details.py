"""What the public list, and the public and staff pages of a consultation, show (they read rows
of the columns they show, and names and output titles in single queries)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine

from engage.consultations.models import ConsultationResponse
from engage.extensions import db
from tests.consultations.helpers import at
from tests.factories.auth import chief, cso
from tests.factories.consultations import ConsultationFactory
from tests.factories.outputs import OutputFactory


@pytest.fixture(autouse=True)
def _february_2027():
    with time_machine.travel(at(2027, 2, 1, 10), tick=True):
        yield


def _in_order(page: str, *titles: str) -> bool:
    places = [page.index(title) for title in titles]
    return places == sorted(places)


def test_the_public_list_orders_each_section(app, client):
    base = date(2027, 3, 1)
    for n, days in enumerate([20, 5, 12]):
        ConsultationFactory(
            title=f"Open {n}",
            state="open",
            ad_hoc=True,
            opens_on=base - timedelta(days=60),
            closes_on=base + timedelta(days=days),
        )
        ConsultationFactory(
            title=f"Forthcoming {n}",
            state="approved",
            ad_hoc=True,
            opens_on=base + timedelta(days=days),
        )
        ConsultationFactory(
            title=f"Closed {n}",
            state="closed",
            ad_hoc=True,
            opens_on=base - timedelta(days=120),
            closes_on=base - timedelta(days=days),
        )
    for n in range(21):
        ConsultationFactory(
            title=f"Published {n:02d}",
            state="response_published",
            ad_hoc=True,
            response_published_at=at(2026, 1, 1) + timedelta(days=n),
        )
    page = client.get("/consultations").text
    assert _in_order(page, "Open 1", "Open 2", "Open 0")  # closing first
    assert _in_order(page, "Forthcoming 1", "Forthcoming 2", "Forthcoming 0")  # opening first
    assert _in_order(page, "Closed 1", "Closed 2", "Closed 0")  # latest closed first
    assert _in_order(page, "Open 0", "Forthcoming 1", "Closed 1", "Published 20")
    assert "Closes at the end of Saturday 6 March 2027" in page  # Open 1
    assert "Opens on Saturday 6 March 2027" in page  # Forthcoming 1
    assert "Closed on 24 February 2027. We are analysing the responses." in page  # Closed 1
    assert "Response published on 21 January 2026" in page  # Published 20
    # Latest published first, 20 a page.
    assert _in_order(page, "Published 20", "Published 19", "Published 01")
    assert "Published 00" not in page
    second = client.get("/consultations?page=2").text
    assert "Published 00" in second and "Published 01" not in second


def test_the_staff_page_names_who_drafted_and_decided_and_the_outputs(app, login):
    officer, the_chief = cso(name="Olive Officer"), chief(name="Charles Chief")
    first, second = OutputFactory(title="Prison population"), OutputFactory(title="Court data")
    consultation = ConsultationFactory(
        title="Named people",
        state="approved",
        outputs=[first, second],
        created_by_id=officer.id,
        decided_by_id=the_chief.id,
        decided_at=at(2027, 1, 20, 9),
    )
    ad_hoc = ConsultationFactory(title="Nobody known", state="draft", ad_hoc=True)
    client = login(officer)
    page = client.get(f"/staff/consultations/{consultation.slug}").text
    assert "Olive Officer" in page
    assert "Approved by Charles Chief on" in page
    assert '<ul class="govuk-list"><li>Prison population</li><li>Court data</li></ul>' in page
    other = client.get(f"/staff/consultations/{ad_hoc.slug}").text
    assert "Unknown" in other and "Ad hoc" in other and "Prison population" not in other


def test_the_public_page_lists_the_outputs_and_counts_the_responses(app, client):
    output = OutputFactory(title="Prison population")
    published = ConsultationFactory(
        title="Published one",
        state="response_published",
        outputs=[output],
        response_published_at=at(2027, 1, 5),
        response_summary="Summary",
        response_way_forward="Forward",
        response_rationale="Because",
    )
    for n in range(3):
        db.session.add(
            ConsultationResponse(
                consultation_id=published.id, reference=f"CR-PUB{n}", category="public"
            )
        )
    db.session.commit()
    page = client.get(f"/consultations/{published.slug}").text
    assert '<ul class="govuk-list"><li>Prison population</li></ul>' in page
    assert "We received 3 responses." in page
    ad_hoc = ConsultationFactory(title="Ad hoc one", state="open", ad_hoc=True)
    other = client.get(f"/consultations/{ad_hoc.slug}").text
    assert "Not tied to one publication" in other and "Prison population" not in other
