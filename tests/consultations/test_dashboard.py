"""The consultations panel of the staff dashboard: which consultations it selects (in SQL), how
many it shows, and the full list of responses to publish it links to."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from flask_login import login_user

from engage.consultations import dashboard
from engage.extensions import db
from tests.conftest import count_queries
from tests.consultations.helpers import at
from tests.factories.auth import chief, cso, producer
from tests.factories.consultations import ConsultationFactory
from tests.factories.outputs import OutputFactory

TODAY = date(2027, 2, 1)


@pytest.fixture(autouse=True)
def _today():
    # 10:00 UTC on 1 February 2027 is 1 February in London.
    with time_machine.travel(at(2027, 2, 1, 10), tick=True):
        yield


def closed(title: str, days_ago: int, state: str = "closed", **kw):  # type: ignore[no-untyped-def]
    closes_on = TODAY - timedelta(days=days_ago)
    return ConsultationFactory(
        title=title,
        state=state,
        ad_hoc=kw.pop("ad_hoc", True),
        opens_on=closes_on - timedelta(days=56),
        closes_on=closes_on,
        **kw,
    )


def panel_for(app, user):  # type: ignore[no-untyped-def]
    with app.test_request_context("/staff"):
        login_user(user)
        result = dashboard.dashboard_panel(user)
    assert result is not None
    return result[1]


def test_responses_to_publish_are_selected_by_closing_date(app, login):
    officer = cso()
    closed("In time by a day", 69)  # response due in 15 days
    closed("Due in exactly two weeks", 70)
    closed("Due today", 84)
    closed("Overdue by a day", 85)
    closed("Published long ago", 200, state="response_published")
    ConsultationFactory(title="Open now", state="open", ad_hoc=True, closes_on=TODAY)

    context = panel_for(app, officer)
    shown = [(c.title, status, due_on) for c, status, due_on in context["due"]]
    assert shown == [
        ("Overdue by a day", "overdue", TODAY - timedelta(days=1)),
        ("Due today", "due_soon", TODAY),
        ("Due in exactly two weeks", "due_soon", TODAY + timedelta(days=14)),
    ]
    assert context["due_total"] == 3
    assert [c.title for c in context["open_now"]] == ["Open now"]
    assert context["awaiting"] == []

    page = login(officer).get("/staff").text
    assert "Responses to publish" in page
    assert "Overdue by a day" in page and "Due in exactly two weeks" in page
    assert "In time by a day" not in page and "Published long ago" not in page
    assert page.count("govuk-tag--red") >= 1 and "Due soon" in page
    assert "responses to publish</a>" not in page  # all shown: no link to more


def test_at_most_ten_responses_are_listed_with_the_total_and_a_link_to_all(app, login):
    officer = cso()
    for n in range(11):
        closed(f"Waiting consultation {n:02d}", 85 + n)  # overdue
    closed("Due soon 1", 70)
    closed("Due soon 2", 75)
    context = panel_for(app, officer)
    assert len(context["due"]) == dashboard.DUE_SHOWN == 10
    assert (context["due_total"], context["overdue_total"]) == (13, 11)
    # Those that closed first (waiting longest) first.
    assert [c.title for c, _, _ in context["due"]] == [
        f"Waiting consultation {n:02d}" for n in range(10, 0, -1)
    ]

    client = login(officer)
    page = client.get("/staff").text
    assert "Showing the 10 that closed first, of 13 (11 overdue, 2 due soon)." in page
    assert 'href="/staff/consultations?response=due">All 13 responses to publish</a>' in page
    assert "Waiting consultation 10" in page and "Waiting consultation 00" not in page
    assert "Due soon 1" not in page

    listed = client.get("/staff/consultations?response=due").text
    assert "Responses to publish" in listed
    for title in [f"Waiting consultation {n:02d}" for n in range(11)] + [
        "Due soon 1",
        "Due soon 2",
    ]:
        assert title in listed
    assert listed.index("Waiting consultation 10") < listed.index("Waiting consultation 00")
    assert listed.index("Waiting consultation 00") < listed.index("Due soon 2")
    assert listed.index("Due soon 2") < listed.index("Due soon 1")
    assert listed.count("govuk-tag--red") == 11 and listed.count("govuk-tag--yellow") == 2


def test_the_full_list_of_responses_to_publish_leaves_out_the_others(app, login):
    officer = cso()
    closed("Due in exactly two weeks", 70)
    closed("In time by a day", 69)
    closed("Published long ago", 200, state="response_published")
    ConsultationFactory(title="Open now", state="open", ad_hoc=True, closes_on=TODAY)
    client = login(officer)
    listed = client.get("/staff/consultations?response=due").text
    assert "Due in exactly two weeks" in listed and "Due soon" in listed
    assert "In time by a day" not in listed
    assert "Published long ago" not in listed and "Open now" not in listed
    everything = client.get("/staff/consultations").text
    for title in ("Due in exactly two weeks", "In time by a day", "Published long ago", "Open now"):
        assert title in everything


def test_the_full_list_says_when_no_response_is_due(app, login):
    closed("In time by a day", 69)
    listed = login(cso()).get("/staff/consultations?response=due").text
    assert "No response is due within 2 weeks or overdue." in listed
    assert "In time by a day" not in listed


def test_a_producer_sees_only_the_consultations_they_manage(app, login):
    author = producer()
    output = OutputFactory(producers=[author])
    closed("On my output", 100, ad_hoc=False, outputs=[output])
    closed("Drafted by me", 101, created_by_id=author.id)
    closed("Someone else's", 102)
    ConsultationFactory(title="Open on my output", state="open", outputs=[output], closes_on=TODAY)
    ConsultationFactory(title="Open elsewhere", state="open", ad_hoc=True, closes_on=TODAY)

    context = panel_for(app, author)
    assert [c.title for c, _, _ in context["due"]] == ["Drafted by me", "On my output"]
    assert context["due_total"] == 2
    assert [c.title for c in context["open_now"]] == ["Open on my output"]

    listed = login(author).get("/staff/consultations?response=due").text
    assert "On my output" in listed and "Drafted by me" in listed
    assert "Someone else&#39;s" not in listed and "Someone else's" not in listed


def test_the_chief_statistician_sees_what_awaits_approval_by_opening_date(app):
    the_chief = chief()
    later = ConsultationFactory(
        title="Opens later", state="awaiting_approval", ad_hoc=True, opens_on=date(2027, 4, 1)
    )
    sooner = ConsultationFactory(
        title="Opens sooner", state="awaiting_approval", ad_hoc=True, opens_on=date(2027, 3, 1)
    )
    context = panel_for(app, the_chief)
    assert [c.title for c in context["awaiting"]] == [sooner.title, later.title]
    assert panel_for(app, cso())["awaiting"] == []  # only the Chief Statistician approves


def test_the_panel_is_one_query_however_many_consultations(app):
    officer = cso()
    for n in range(15):
        closed(f"Waiting {n}", 90 + n)
        ConsultationFactory(state="open", ad_hoc=True, closes_on=TODAY + timedelta(days=n))
    db.session.expire_all()
    with app.test_request_context("/staff"):
        login_user(officer)
        officer.has_role("cso")  # roles loaded before counting
        with count_queries() as statements:
            dashboard.dashboard_panel(officer)
    assert len(statements) == 1
