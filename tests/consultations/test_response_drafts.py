"""Responding: the answers wait server-side between the form and sending, never in the cookie."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine

from engage.consultations import responses
from engage.consultations.models import (
    ConsultationAnswer,
    ConsultationResponse,
    ConsultationResponseDraft,
)
from engage.extensions import db
from tests.consultations.helpers import at, consultation_with_questions
from tests.factories.consultations import ConsultationFactory, QuestionFactory

COOKIE = "engage_session"


@pytest.fixture(autouse=True)
def _february_2027():
    with time_machine.travel(at(2027, 2, 1, 10), tick=True):
        yield


def _open_consultation_with_three_free_text_questions():  # type: ignore[no-untyped-def]
    consultation = ConsultationFactory(
        ad_hoc=True, state="open", opens_on=date(2027, 1, 25), closes_on=date(2027, 3, 8)
    )
    for position in (1, 2, 3):
        QuestionFactory(
            consultation=consultation,
            position=position,
            text=f"Tell us about your use, part {position}",
            kind="free_text",
            options=[],
            required=True,
        )
    db.session.refresh(consultation)
    return consultation


def _long_answer(letter: str) -> str:
    # 5,000 characters of prose-like text (words, spaces) that a cookie could never hold.
    words = (f"{letter}word " * 1000).strip()
    return (words + " end")[:5000]


def _cookie_size(client) -> int:  # type: ignore[no-untyped-def]
    cookie = client.get_cookie(COOKIE)
    return len(cookie.value) if cookie else 0


def test_three_long_answers_go_through_check_your_answers_and_are_stored_in_full(app, client):
    consultation = _open_consultation_with_three_free_text_questions()
    q1, q2, q3 = consultation.questions
    answers = {q1.id: _long_answer("a"), q2.id: _long_answer("b"), q3.id: _long_answer("c")}
    assert all(len(a) == 5000 for a in answers.values())
    url = f"/consultations/{consultation.slug}/respond"
    posted = client.post(
        url, data={**{f"q{qid}": text for qid, text in answers.items()}, "category": "academic"}
    )
    assert posted.status_code == 302 and posted.headers["Location"].endswith("/check-your-answers")
    # The cookie holds a token, not 15,000 characters of answers.
    assert _cookie_size(client) < 1000
    draft = db.session.execute(db.select(ConsultationResponseDraft)).scalar_one()
    assert len(draft.token) >= 32 and draft.consultation_id == consultation.id

    check = client.get(url + "/check-your-answers")
    assert check.status_code == 200
    assert all(text in check.text for text in answers.values())
    # Going back to change an answer shows the saved answers, and saving again keeps one draft.
    assert answers[q2.id] in client.get(url).text
    client.post(
        url, data={**{f"q{qid}": text for qid, text in answers.items()}, "category": "academic"}
    )
    assert len(db.session.execute(db.select(ConsultationResponseDraft)).all()) == 1

    done = client.post(url + "/check-your-answers", data={})
    assert done.headers["Location"].endswith("/respond/confirmation")
    stored = db.session.execute(db.select(ConsultationResponse)).scalar_one()
    assert stored.reference in client.get(url + "/confirmation").text
    texts = {
        a.question_id: a.text
        for a in db.session.execute(
            db.select(ConsultationAnswer).where(ConsultationAnswer.response_id == stored.id)
        ).scalars()
    }
    assert texts == answers
    # The draft is deleted with the sending, and the cookie stayed small throughout.
    assert db.session.execute(db.select(ConsultationResponseDraft)).first() is None
    assert _cookie_size(client) < 1000
    assert client.get(url + "/check-your-answers").status_code == 302


@pytest.mark.parametrize("token", ["made-up-token-" + "x" * 30, "x" * 500, ""])
def test_an_unknown_or_tampered_token_shows_the_form_again_with_a_message(app, client, token):
    consultation = consultation_with_questions(
        ad_hoc=True, state="open", opens_on=date(2027, 1, 25), closes_on=date(2027, 3, 8)
    )
    url = f"/consultations/{consultation.slug}/respond"
    with client.session_transaction() as session:
        session[f"consultation-response-{consultation.id}"] = token
    check = client.get(url + "/check-your-answers")
    assert check.status_code == 302 and check.headers["Location"].endswith("/respond")
    sending = client.post(url + "/check-your-answers", data={})
    assert sending.status_code == 302
    form = client.get(url)
    assert form.status_code == 200
    if token:
        assert "We could not find the answers you entered" in form.text
    # The message is shown once; the bad token is gone from the session.
    assert "We could not find the answers you entered" not in client.get(url).text
    assert db.session.execute(db.select(ConsultationResponse)).first() is None


def test_a_draft_cannot_be_used_for_another_consultation(app, client):
    first = consultation_with_questions(
        ad_hoc=True, state="open", opens_on=date(2027, 1, 25), closes_on=date(2027, 3, 8)
    )
    second = consultation_with_questions(
        ad_hoc=True, state="open", opens_on=date(2027, 1, 25), closes_on=date(2027, 3, 8)
    )
    q1 = first.questions[0]
    client.post(
        f"/consultations/{first.slug}/respond", data={f"q{q1.id}": "Yes", "category": "public"}
    )
    with client.session_transaction() as session:
        token = session[f"consultation-response-{first.id}"]
        session[f"consultation-response-{second.id}"] = token
    other = f"/consultations/{second.slug}/respond"
    assert client.post(other + "/check-your-answers", data={}).status_code == 302
    assert "We could not find the answers you entered" in client.get(other).text
    assert db.session.execute(db.select(ConsultationResponse)).first() is None
    # The draft still serves the consultation it was made for.
    assert client.get(f"/consultations/{first.slug}/respond/check-your-answers").status_code == 200
    assert responses.load_draft(second, token, at(2027, 2, 1, 10)) is None


def test_drafts_expire_after_a_day_and_are_purged_when_a_new_one_is_made(app):
    consultation = consultation_with_questions(
        ad_hoc=True, state="open", opens_on=date(2027, 1, 25), closes_on=date(2027, 3, 8)
    )
    saved_at = at(2027, 2, 1, 10)
    old = responses.save_draft(consultation, {"category": "public"}, saved_at)
    later = saved_at + timedelta(hours=23)
    assert responses.load_draft(consultation, old, later) == {"category": "public"}
    next_day = saved_at + timedelta(hours=24, minutes=1)
    assert responses.load_draft(consultation, old, next_day) is None
    fresh = responses.save_draft(consultation, {"category": "media"}, next_day)
    tokens = db.session.execute(db.select(ConsultationResponseDraft.token)).scalars().all()
    assert tokens == [fresh]


def test_an_unanswered_required_question_is_named_in_the_error(app, client):
    consultation = ConsultationFactory(
        ad_hoc=True, state="open", opens_on=date(2027, 1, 25), closes_on=date(2027, 3, 8)
    )
    QuestionFactory(consultation=consultation, position=1, required=True)
    QuestionFactory(
        consultation=consultation,
        position=2,
        text="Which formats do you use?",
        kind="multiple_choice",
        options=["CSV", "PDF"],
        required=True,
    )
    QuestionFactory(
        consultation=consultation,
        position=3,
        text="Anything else?",
        kind="free_text",
        options=[],
        required=True,
    )
    page = client.post(f"/consultations/{consultation.slug}/respond", data={"category": "public"})
    assert page.status_code == 200
    for message in (
        "Select an answer to question 1",
        "Select at least one answer to question 2",
        "Enter your answer to question 3",
    ):
        # In the error summary and by the question.
        assert page.text.count(message) == 2, message
    assert db.session.execute(db.select(ConsultationResponseDraft)).first() is None
