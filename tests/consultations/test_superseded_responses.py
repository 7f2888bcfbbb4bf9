"""The same email address answering a consultation twice: both responses are kept and listed,
the later one marked as superseding the earlier, and every figure counts that person once with
their latest answers (engage.consultations.analysis.COUNTED), on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook

from engage import caching
from engage.consultations import analysis, responses
from engage.consultations.models import ConsultationResponse
from engage.extensions import db
from engage.reports.figures import consultations_table
from tests.consultations.helpers import at, consultation_with_questions
from tests.factories.auth import cso


def _open():  # type: ignore[no-untyped-def]
    return consultation_with_questions(
        ad_hoc=True, state="open", opens_on=date(2027, 3, 1), closes_on=date(2027, 4, 12)
    )


def _respond(consultation, email, category, single, day):  # type: ignore[no-untyped-def]
    q1 = consultation.questions[0]
    return responses.submit_response(
        consultation,
        responses.ResponseData(category=category, answers={q1.id: single}, email=email),
        at(2027, 3, day),
    )


def _three(consultation):  # type: ignore[no-untyped-def]
    """Sam answers twice (changing category and answer), Kim once."""
    first = _respond(consultation, "Sam@Example.org", "public", "No", 5)
    second = _respond(consultation, "sam@example.org", "academic", "Yes", 9)
    other = _respond(consultation, "kim@example.org", "public", "Yes", 10)
    return first, second, other


def test_the_later_response_supersedes_the_earlier_and_both_are_kept(app):
    consultation = _open()
    first, second, other = _three(consultation)
    db.session.expire_all()
    assert db.session.get(ConsultationResponse, first.id).superseded_by_id == second.id
    assert db.session.get(ConsultationResponse, second.id).superseded_by_id is None
    assert db.session.get(ConsultationResponse, other.id).superseded_by_id is None
    third = _respond(consultation, "sam@example.org", "media", "Not sure", 11)
    db.session.expire_all()
    # a chain: each earlier response points at the next one; only the latest is counted
    assert db.session.get(ConsultationResponse, first.id).superseded_by_id == second.id
    assert db.session.get(ConsultationResponse, second.id).superseded_by_id == third.id
    summary = analysis.response_summary(consultation)
    assert (summary.total, summary.received, summary.superseded) == (2, 4, 2)


def test_every_figure_counts_a_person_who_answered_twice_once_with_their_latest_answers(app):
    consultation = _open()
    q1 = consultation.questions[0]
    _three(consultation)
    summary = analysis.response_summary(consultation)
    assert (summary.total, summary.received) == (2, 3)
    assert summary.by_category["academic"] == 1 and summary.by_category["public"] == 1
    assert summary.received_by_category["public"] == 2
    tally = {t.question.id: t for t in analysis.question_tallies(consultation)}[q1.id]
    assert tally.answered == 2
    assert tally.options == [("Yes", 2), ("No", 0), ("Not sure", 0)]
    # the same numbers through the responses module (summary text, XLSX) ...
    assert responses.response_count(consultation) == 2
    assert responses.counts_by_category(consultation) == summary.by_category
    assert [t.options for t in responses.question_tallies(consultation)][0] == tally.options
    assert responses.summary_starting_text(consultation).startswith("We received 2 responses.")
    book = io.BytesIO()
    responses.write_responses_xlsx(consultation, book)
    sheets = load_workbook(io.BytesIO(book.getvalue()))
    assert sheets["Responses"].max_row == 4  # every response is kept and exported
    by_category = list(sheets["By category"].iter_rows(values_only=True))[1:]
    assert sum(n for _, n in by_category) == 2
    by_question = list(sheets["By question"].iter_rows(values_only=True))
    assert [r[2] for r in by_question if r[1] == "Yes"] == [2]
    # ... and in the annual report's consultation table
    table = consultations_table(date(2027, 1, 1), date(2027, 12, 31))
    (row,) = table["rows"]
    assert row[4] == 2


def test_the_responses_page_lists_both_marks_them_and_counts_once(app, login):
    consultation = _open()
    first, second, other = _three(consultation)
    db.session.commit()
    page = (
        login(cso())
        .get(f"/staff/consultations/{consultation.slug}/responses")
        .get_data(as_text=True)
    )
    for response in (first, second, other):
        assert response.reference in page
    assert "2 responses counted (1 more kept and listed below but not counted" in page
    assert f"by {second.reference}, a later response from the same email address" in page
    assert f"</strong> {first.reference}, an earlier response from the same email address" in page
    # the public consultation page and the staff page give the counted number too
    assert responses.response_count(consultation) == 2


def test_anonymising_the_address_keeps_the_count(app):
    """Retention blanks the email address; the link made when the later response arrived
    stays, so figures do not change years later."""
    consultation = _open()
    first, second, _ = _three(consultation)
    db.session.execute(
        db.update(ConsultationResponse).values(email=None, name=None, organisation=None)
    )
    db.session.execute(
        db.update(type(consultation))
        .where(type(consultation).id == consultation.id)
        .values(responses_version=type(consultation).responses_version + 1)
    )
    db.session.commit()
    caching.clear()
    db.session.refresh(consultation)
    assert analysis.response_summary(consultation).total == 2
    rows = db.session.execute(
        db.select(*analysis.RESPONSE_COLUMNS).where(ConsultationResponse.id == first.id)
    ).all()
    assert analysis.repeat_responses(consultation.id, rows) == {first.id: (None, second.reference)}
