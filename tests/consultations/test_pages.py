"""The consultation pages, staff and public, through HTTP (every page is page-checked)."""

from __future__ import annotations

import io
from datetime import date
from xml.etree import ElementTree as ET  # nosec B405 - parsing our own feed in a test

import pytest
import time_machine
from openpyxl import load_workbook

from engage.consultations.models import Consultation, ConsultationResponse
from engage.extensions import db
from engage.mail.models import OutboxEmail
from tests.consultations.helpers import at, consultation_with_questions
from tests.exports.helpers import prepare_and_download
from tests.factories.auth import admin, chief, cso, producer
from tests.factories.outputs import OutputFactory


@pytest.fixture(autouse=True)
def _february_2027():
    with time_machine.travel(at(2027, 2, 1, 10), tick=True):
        yield


def _dates(name: str, d: date) -> dict[str, list[str]]:
    return {name: [str(d.day), str(d.month), str(d.year)]}


def _draft_form(**overrides):  # type: ignore[no-untyped-def]
    data = {
        "title": "Publishing court statistics annually",
        "summary": "We propose to publish once a year.",
        "proposal": "Publish annually.",
        "reason": "method_of_publication",
        "scope": "ad_hoc",
        "announced_where": "The ad hoc consultations page",
        "contact_email": "courts@justice.example.gov.uk",
        **_dates("opens_on", date(2027, 3, 1)),
        **_dates("closes_on", date(2027, 5, 3)),
    }
    data.update(overrides)
    return data


def test_drafting_adding_questions_and_submitting(app, login):
    chief()
    author = producer()
    output = OutputFactory(producers=[author])
    client = login(author)
    assert "There are no consultations yet" in client.get("/staff/consultations").text
    assert client.get("/staff/consultations/new").status_code == 200
    response = client.post(
        "/staff/consultations/new",
        data=_draft_form(scope="outputs", output_ids=[str(output.id)]),
    )
    assert response.status_code == 302
    slug = "publishing-court-statistics-annually"
    page = client.get(f"/staff/consultations/{slug}")
    assert "No questions yet" in page.text
    assert client.get(f"/staff/consultations/{slug}/questions/new").status_code == 200
    for text, kind, options in [
        ("Do you agree?", "single_choice", "Yes\nNo"),
        ("Why?", "free_text", ""),
    ]:
        assert (
            client.post(
                f"/staff/consultations/{slug}/questions/new",
                data={"text": text, "kind": kind, "options": options},
                follow_redirects=True,
            ).status_code
            == 200
        )
    consultation = db.session.execute(db.select(Consultation)).scalar_one()
    second = consultation.questions[1]
    client.post(f"/staff/consultations/{slug}/questions/{second.id}/move", data={"direction": "up"})
    db.session.refresh(consultation)
    assert [q.text for q in consultation.questions] == ["Why?", "Do you agree?"]
    assert client.get(f"/staff/consultations/{slug}/questions/{second.id}").status_code == 200
    assert client.get(f"/staff/consultations/{slug}/edit").status_code == 200
    assert client.post(f"/staff/consultations/{slug}/submit").status_code == 302
    db.session.refresh(consultation)
    assert consultation.state == "awaiting_approval"
    page = client.get(f"/staff/consultations/{slug}")
    assert "Waiting for the Chief Statistician" in page.text
    assert "Submitted" in page.text  # history shown
    assert (
        db.session.execute(
            db.select(OutboxEmail.template).where(OutboxEmail.template.like("consultation_%"))
        ).scalar_one()
        == "consultation_awaiting_approval"
    )


def test_the_form_shows_the_length_rule_as_a_govuk_error(app, login):
    client = login(cso())
    response = client.post(
        "/staff/consultations/new",
        data=_draft_form(**_dates("closes_on", date(2027, 4, 11))),
    )
    assert response.status_code == 200
    assert "The closing date must be between 12 April 2027 and 31 May 2027" in response.text
    assert 'href="#closes_on-day"' in response.text
    missing = client.post("/staff/consultations/new", data={"title": ""})
    for message in ["Enter a title", "Enter the opening date", "Select why you are consulting"]:
        assert message in missing.text
    assert db.session.execute(db.select(Consultation)).first() is None


def test_question_form_errors(app, login):
    consultation = consultation_with_questions(ad_hoc=True)
    client = login(cso())
    response = client.post(
        f"/staff/consultations/{consultation.slug}/questions/new",
        data={"text": "Pick one", "kind": "single_choice", "options": "Only one"},
    )
    assert "Enter at least 2 options, one on each line" in response.text


@pytest.mark.parametrize("make_user", [producer, cso, admin], ids=["producer", "cso", "admin"])
def test_only_the_chief_statistician_can_approve_by_url(app, login, make_user):
    user = make_user()
    output = OutputFactory(producers=[user] if user.has_role("producer") else [])
    consultation = consultation_with_questions(
        outputs=[output], state="awaiting_approval", created_by_id=user.id
    )
    client = login(user)
    assert client.post(f"/staff/consultations/{consultation.slug}/approve").status_code == 403
    assert client.get(f"/staff/consultations/{consultation.slug}/reject").status_code == 403
    db.session.refresh(consultation)
    assert consultation.state == "awaiting_approval"


def test_the_chief_statistician_approves_and_rejects(app, login):
    the_chief = chief()
    first = consultation_with_questions(ad_hoc=True, state="awaiting_approval")
    second = consultation_with_questions(ad_hoc=True, state="awaiting_approval")
    client = login(the_chief)
    dashboard = client.get("/staff")
    assert "Awaiting your approval" in dashboard.text and first.title in dashboard.text
    assert client.post(f"/staff/consultations/{first.slug}/approve").status_code == 302
    assert client.get(f"/staff/consultations/{second.slug}/reject").status_code == 200
    empty = client.post(f"/staff/consultations/{second.slug}/reject", data={"reason": ""})
    assert "Enter the reason" in empty.text
    client.post(f"/staff/consultations/{second.slug}/reject", data={"reason": "Not now"})
    db.session.refresh(first)
    db.session.refresh(second)
    assert (first.state, second.state) == ("approved", "rejected")
    page = client.get(f"/staff/consultations/{second.slug}")
    assert "Rejected by" in page.text and "Not now" in page.text


def test_a_producer_cannot_reach_another_producers_consultation(app, login):
    theirs = producer()
    output = OutputFactory(producers=[theirs])
    consultation = consultation_with_questions(outputs=[output], created_by_id=theirs.id)
    client = login(producer())
    assert client.get(f"/staff/consultations/{consultation.slug}").status_code == 403
    assert client.get(f"/staff/consultations/{consultation.slug}/responses").status_code == 403
    assert consultation.title not in client.get("/staff/consultations").text


def test_withdraw_and_extend_pages(app, login):
    consultation = consultation_with_questions(
        ad_hoc=True,
        state="open",
        opens_on=date(2027, 1, 25),
        closes_on=date(2027, 3, 8),
        opened_at=at(2027, 1, 25, 0),
    )
    client = login(cso())
    url = f"/staff/consultations/{consultation.slug}"
    assert client.get(f"{url}/extend").status_code == 200
    too_long = client.post(f"{url}/extend", data=_dates("closes_on", date(2027, 4, 27)))
    assert "between 8 March 2027 and 26 April 2027" in too_long.text
    client.post(f"{url}/extend", data=_dates("closes_on", date(2027, 4, 26)), follow_redirects=True)
    db.session.refresh(consultation)
    assert consultation.closes_on == date(2027, 4, 26)
    assert client.get(f"{url}/withdraw").status_code == 200
    client.post(f"{url}/withdraw", data={"reason": "Superseded"}, follow_redirects=True)
    db.session.refresh(consultation)
    assert consultation.state == "withdrawn"
    # It had opened, so the public page stays, with a withdrawn notice.
    public_page = client.get(f"/consultations/{consultation.slug}")
    assert "This consultation was withdrawn" in public_page.text


def test_analysis_filter_and_exports(app, login):
    consultation = consultation_with_questions(ad_hoc=True, state="closed")
    q1 = consultation.questions[0]
    for n, category in enumerate(["academic", "academic", "media"]):
        response = ConsultationResponse(
            consultation_id=consultation.id, reference=f"CR-TEST000{n}", category=category
        )
        db.session.add(response)
        db.session.flush()
        from engage.consultations.models import ConsultationAnswer

        db.session.add(
            ConsultationAnswer(response_id=response.id, question_id=q1.id, choices=["Yes"])
        )
    db.session.commit()
    client = login(cso())
    url = f"/staff/consultations/{consultation.slug}/responses"
    page = client.get(url)
    assert "3 responses counted" in page.text and "CR-TEST0002" in page.text
    filtered = client.get(url + "?category=media")
    assert "CR-TEST0002" in filtered.text and "CR-TEST0000" not in filtered.text
    assert "No responses from this category" in client.get(url + "?category=public").text
    csv_response = client.get(url + ".csv")
    assert csv_response.mimetype == "text/csv"
    assert csv_response.text.count("CR-TEST") == 3
    xlsx = prepare_and_download(client, url + ".xlsx")
    assert load_workbook(io.BytesIO(xlsx.data))["Responses"].max_row == 4


def test_publishing_needs_all_three_parts_then_shows_publicly(app, login):
    consultation = consultation_with_questions(ad_hoc=True, state="closed")
    db.session.add(
        ConsultationResponse(
            consultation_id=consultation.id, reference="CR-AAAAAAAA", category="public"
        )
    )
    db.session.commit()
    client = login(cso())
    url = f"/staff/consultations/{consultation.slug}/published-response"
    form = client.get(url)
    assert "We received 1 response." in form.text  # prefilled from the counts
    refused = client.post(url, data={"response_summary": "", "publish": "Publish response"})
    for message in ["Enter a summary", "Enter the way forward", "Enter the rationale"]:
        assert message in refused.text
    db.session.refresh(consultation)
    assert consultation.state == "closed"
    saved = client.post(
        url, data={"response_summary": "Draft", "save": "Save draft"}, follow_redirects=True
    )
    assert "It is not published yet" in saved.text
    client.post(
        url,
        data={
            "response_summary": "One person replied.",
            "response_way_forward": "We will go ahead.",
            "response_rationale": "No objections.",
            "publish": "Publish response",
        },
        follow_redirects=True,
    )
    db.session.refresh(consultation)
    assert consultation.state == "response_published"
    public_page = client.get(f"/consultations/{consultation.slug}")
    assert "We received 1 response." in public_page.text
    assert "We will go ahead." in public_page.text


def test_public_list_sections_and_empty_states(app, client):
    page = client.get("/consultations")
    for text in [
        "There are no open consultations",
        "No consultations are planned",
        "No consultations are waiting",
        "We have not published a response",
    ]:
        assert text in page.text
    shown = {
        state: consultation_with_questions(ad_hoc=True, state=state, title=f"Shown {state}")
        for state in ("approved", "open", "closed", "response_published")
    }
    hidden = {
        state: consultation_with_questions(ad_hoc=True, state=state, title=f"Hidden {state}")
        for state in ("draft", "awaiting_approval", "rejected", "withdrawn")
    }
    page = client.get("/consultations")
    for c in shown.values():
        assert c.title in page.text
        assert client.get(f"/consultations/{c.slug}").status_code == 200
    for c in hidden.values():
        assert c.title not in page.text
        assert client.get(f"/consultations/{c.slug}").status_code == 404
        assert client.get(f"/consultations/{c.slug}/respond").status_code == 404


def _open_consultation(**kw):  # type: ignore[no-untyped-def]
    return consultation_with_questions(
        state="open", opens_on=date(2027, 1, 25), closes_on=date(2027, 3, 8), **kw
    )


def test_responding_with_check_your_answers(app, client):
    output = OutputFactory()
    consultation = _open_consultation(outputs=[output])
    q1, q2, q3 = consultation.questions
    url = f"/consultations/{consultation.slug}/respond"
    detail = client.get(f"/consultations/{consultation.slug}")
    assert "Respond to this consultation" in detail.text
    assert "Monday 8 March 2027" in detail.text
    assert client.get(url).status_code == 200
    invalid = client.post(url, data={"join_log": "y"})
    assert "Select which of these best describes you" in invalid.text
    assert "Enter your email address so we can add you" in invalid.text
    answers = {
        f"q{q1.id}": "Yes",
        f"q{q2.id}": ["CSV", "PDF"],
        f"q{q3.id}": "Please keep the quarterly tables.",
        "category": "academic",
        "name": "Dr Rao",
        "email": "rao@example.ac.uk",
        "join_log": "y",
    }
    assert client.post(url, data=answers).headers["Location"].endswith("/check-your-answers")
    check = client.get(url + "/check-your-answers")
    assert "CSV, PDF" in check.text and "Please keep the quarterly tables." in check.text
    assert db.session.execute(db.select(ConsultationResponse)).first() is None
    # Changing an answer keeps the others.
    assert "Please keep the quarterly tables." in client.get(url).text
    done = client.post(url + "/check-your-answers", data={})
    assert done.headers["Location"].endswith("/respond/confirmation")
    confirmation = client.get(url + "/confirmation")
    stored = db.session.execute(db.select(ConsultationResponse)).scalar_one()
    assert stored.reference in confirmation.text
    assert stored.join_log and stored.email == "rao@example.ac.uk"
    # The answers are gone from the session: check-your-answers sends you back to the form.
    assert client.get(url + "/check-your-answers").status_code == 302


def test_a_response_arriving_after_closing_stores_nothing(app, client):
    consultation = _open_consultation(ad_hoc=True)
    q1 = consultation.questions[0]
    url = f"/consultations/{consultation.slug}/respond"
    client.post(url, data={f"q{q1.id}": "Yes", "category": "public"})
    # The consultation closes at the end of 8 March (midnight GMT) while the person dithers.
    with time_machine.travel(at(2027, 3, 9, 0, 1), tick=False):
        late = client.post(url + "/check-your-answers", data={})
        assert "This consultation is closed" in late.text
        assert "This consultation is closed" in client.get(url).text
        assert "This consultation is closed" in client.post(url, data={"category": "public"}).text
    assert db.session.execute(db.select(ConsultationResponse)).first() is None


def test_a_forthcoming_consultation_is_not_open_for_responses(app, client):
    consultation = consultation_with_questions(ad_hoc=True, state="approved")
    page = client.get(f"/consultations/{consultation.slug}/respond")
    assert "This consultation has not opened yet" in page.text


def test_the_honeypot_stores_nothing(app, client):
    consultation = _open_consultation(ad_hoc=True)
    url = f"/consultations/{consultation.slug}/respond"
    page = client.post(url, data={"category": "public", "website": "http://spam.example"})
    assert "Response sent" in page.text
    assert db.session.execute(db.select(ConsultationResponse)).first() is None


def test_responding_needs_the_csrf_token(csrf_app):
    with time_machine.travel(at(2027, 2, 1, 10), tick=True):
        consultation = _open_consultation(ad_hoc=True)
        client = csrf_app.test_client()
        response = client.post(
            f"/consultations/{consultation.slug}/respond", data={"category": "public"}
        )
        assert response.status_code == 400
        assert db.session.execute(db.select(ConsultationResponse)).first() is None


def test_the_atom_feed_is_valid_and_escaped(app, client):
    consultation_with_questions(
        ad_hoc=True, state="open", title='Prisons & probation <draft> "review"'
    )
    consultation_with_questions(ad_hoc=True, state="draft", title="Secret draft")
    published = consultation_with_questions(ad_hoc=True, state="response_published")
    published.response_published_at = at(2027, 1, 20)
    db.session.commit()
    response = client.get("/consultations.atom")
    assert response.headers["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.data)  # noqa: S314  # nosec B314 - our own output
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [e.find("a:title", ns).text for e in root.findall("a:entry", ns)]
    assert 'Open consultation: Prisons & probation <draft> "review"' in titles
    assert f"Response published: {published.title}" in titles
    assert not any("Secret draft" in t for t in titles)
    assert b"&lt;draft&gt;" in response.data


def test_dashboard_panel_flags_responses_due(app, login):
    officer = cso()
    consultation_with_questions(
        ad_hoc=True,
        state="closed",
        opens_on=date(2026, 9, 1),
        closes_on=date(2026, 11, 1),
        title="Overdue one",
    )
    page = login(officer).get("/staff")
    assert "Overdue one" in page.text and "Overdue" in page.text


def test_a_title_of_only_spaces_is_refused_as_missing(app, login):
    client = login(cso())
    response = client.post(
        "/staff/consultations/new",
        data=_draft_form(
            title="   \t ", summary="\u00a0 ", **_dates("closes_on", date(2027, 5, 1))
        ),
    )
    assert response.status_code == 200
    assert "Enter a title" in response.text and "Enter a summary" in response.text
    assert db.session.execute(db.select(Consultation)).first() is None
