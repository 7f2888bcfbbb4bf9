"""Public responses: only while open, consent respected, counts computed by the database."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from engage.consultations import analysis, responses
from engage.consultations.models import ConsultationResponse
from engage.extensions import db
from engage.outputs.models import LogEntry, Stakeholder
from tests.consultations.helpers import at, consultation_with_questions, follower
from tests.factories.outputs import OutputFactory


def _open(**kw):  # type: ignore[no-untyped-def]
    kw.setdefault("ad_hoc", True)
    return consultation_with_questions(
        state="open", opens_on=date(2027, 3, 1), closes_on=date(2027, 4, 12), **kw
    )


def _answer(consultation, category="academic", **kw):  # type: ignore[no-untyped-def]
    q1, q2, q3 = consultation.questions
    data = responses.ResponseData(
        category=category,
        answers={q1.id: "Yes", q2.id: ["CSV", "PDF"], q3.id: '=HYPERLINK("x")'},
        **kw,
    )
    return data


@pytest.mark.parametrize(
    "when",
    [at(2027, 2, 28, 23, 59), at(2027, 4, 12, 23, 0), at(2027, 5, 1)],
    ids=["before-opening", "end-of-closing-date-bst", "weeks-later"],
)
def test_responses_are_refused_outside_the_open_period_and_nothing_is_stored(app, when):
    consultation = _open()
    with pytest.raises(responses.ConsultationClosed):
        responses.submit_response(consultation, _answer(consultation), when)
    db.session.rollback()
    assert db.session.execute(db.select(ConsultationResponse)).first() is None


@pytest.mark.parametrize("state", ["approved", "closed", "withdrawn", "response_published"])
def test_responses_are_refused_unless_the_consultation_is_open(app, state):
    consultation = _open()
    consultation.state = state
    db.session.commit()
    with pytest.raises(responses.ConsultationClosed):
        responses.submit_response(consultation, _answer(consultation), at(2027, 3, 10))
    assert db.session.execute(db.select(ConsultationResponse)).first() is None


def test_a_response_is_stored_with_a_reference(app):
    consultation = _open()
    response = responses.submit_response(
        consultation, _answer(consultation, name="Ann"), at(2027, 4, 12, 22, 59)
    )
    assert response.reference.startswith("CR-") and len(response.reference) == 11
    assert {a.question_id for a in response.answers} == {q.id for q in consultation.questions}
    assert response.publish_name is False


def test_respondents_who_consent_join_the_affected_logs_at_consulted(app):
    first, second = OutputFactory(), OutputFactory()
    existing = follower(first, "known@example.com", "involved")
    consultation = _open(ad_hoc=False, outputs=[first, second])
    responses.submit_response(
        consultation,
        _answer(consultation, email="Known@Example.com", name="Kim", join_log=True),
        at(2027, 3, 10),
    )
    responses.submit_response(
        consultation,
        _answer(consultation, email="new@example.com", name="Nia", join_log=True),
        at(2027, 3, 10),
    )
    # One stakeholder per email, in both outputs' logs; joining never lowers a level.
    assert db.session.execute(
        db.select(Stakeholder.email).order_by(Stakeholder.email)
    ).scalars().all() == [
        "known@example.com",
        "new@example.com",
    ]
    levels = {
        (e.stakeholder.email, e.output_id): (e.engagement_level, e.source)
        for e in db.session.execute(db.select(LogEntry)).scalars()
    }
    assert levels[("known@example.com", first.id)][0] == "involved"
    assert levels[("known@example.com", second.id)] == ("consulted", "consultation_response")
    assert levels[("new@example.com", first.id)] == ("consulted", "consultation_response")
    assert levels[("new@example.com", second.id)] == ("consulted", "consultation_response")
    assert existing.consent_to_contact


def test_no_one_joins_a_log_without_consent(app):
    output = OutputFactory()
    consultation = _open(ad_hoc=False, outputs=[output])
    responses.submit_response(
        consultation, _answer(consultation, email="quiet@example.com"), at(2027, 3, 10)
    )
    assert db.session.execute(db.select(Stakeholder)).first() is None
    assert db.session.execute(db.select(LogEntry)).first() is None


def test_counts_by_category_and_per_question_are_computed(app):
    consultation = _open()
    q1, q2, q3 = consultation.questions
    for category, single, multi in [
        ("academic", "Yes", ["CSV"]),
        ("academic", "No", ["CSV", "PDF"]),
        ("media", "Yes", []),
    ]:
        responses.submit_response(
            consultation,
            responses.ResponseData(category=category, answers={q1.id: single, q2.id: multi}),
            at(2027, 3, 10),
        )
    by_category = responses.counts_by_category(consultation)
    assert by_category["academic"] == 2 and by_category["media"] == 1
    assert by_category["public"] == 0 and len(by_category) == 7
    tallies = {t.question.id: t for t in analysis.question_tallies(consultation)}
    assert tallies[q1.id].options == [("Yes", 2), ("No", 1), ("Not sure", 0)]
    assert tallies[q2.id].options == [("CSV", 2), ("ODS", 0), ("PDF", 1)]
    assert tallies[q2.id].answered == 2
    assert tallies[q3.id].answered == 0
    summary = responses.summary_starting_text(consultation)
    assert "We received 3 responses." in summary
    assert "- Yes: 2" in summary


def test_exports_hold_every_response_and_defuse_formulas(app):
    consultation = _open()
    responses.submit_response(
        consultation, _answer(consultation, name="Ann", organisation="Uni"), at(2027, 3, 10)
    )
    header, rows = responses.export_rows(consultation)
    assert header[:3] == ["Reference", "Received", "Category"]
    assert rows[0][3] == "Ann"
    assert rows[0][-2] == "CSV; PDF"
    assert rows[0][-1] == '\'=HYPERLINK("x")'
    assert len(rows) == 1
    workbook = io.BytesIO()
    responses.write_responses_xlsx(consultation, workbook)
    book = load_workbook(workbook)
    assert book.sheetnames == ["Responses", "By category", "By question"]
    assert book["Responses"].max_row == 2


def test_the_same_email_responding_twice_is_flagged_and_both_are_kept(app, login):
    from datetime import UTC, datetime, timedelta

    from engage.consultations import responses as domain
    from tests.factories.auth import cso as _cso
    from tests.security.publicforms import make_world

    make_world()
    from engage.consultations.models import Consultation

    consultation = db.session.execute(
        db.select(Consultation).where(Consultation.slug == "target")
    ).scalar_one()
    now = datetime.now(UTC)
    first = domain.submit_response(
        consultation,
        domain.ResponseData(category="public", answers={}, email="Sam@Example.org"),
        now - timedelta(hours=1),
    )
    second = domain.submit_response(
        consultation,
        domain.ResponseData(category="public", answers={}, email="sam@example.org"),
        now,
    )
    domain.submit_response(
        consultation,
        domain.ResponseData(category="public", answers={}, email="other@example.org"),
        now,
    )
    db.session.commit()
    page = login(_cso()).get("/staff/consultations/target/responses").get_data(as_text=True)
    assert f"by {second.reference}, a later response from the same email address" in page
    assert f"</strong> {first.reference}, an earlier response from the same email address" in page
    assert page.count("a later response from the same email address") == 1
    assert page.count("an earlier response from the same email address") == 1
    assert "2 responses counted (1 more kept and listed below but not counted" in page
