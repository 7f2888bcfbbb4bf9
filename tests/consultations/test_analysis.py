"""The staff analysis counts: one grouped query for every question, cached only as long as no
response arrives."""

from __future__ import annotations

import re
from datetime import date

from engage import caching
from engage.consultations import analysis, responses, service
from engage.extensions import db
from tests.conftest import count_queries
from tests.consultations.helpers import at, consultation_with_questions
from tests.factories.auth import cso, producer
from tests.factories.outputs import OutputFactory


def _open():  # type: ignore[no-untyped-def]
    return consultation_with_questions(
        ad_hoc=True, state="open", opens_on=date(2027, 3, 1), closes_on=date(2027, 4, 12)
    )


def _respond(consultation, category, single, multi):  # type: ignore[no-untyped-def]
    q1, q2, _ = consultation.questions
    responses.submit_response(
        consultation,
        responses.ResponseData(category=category, answers={q1.id: single, q2.id: multi}),
        at(2027, 3, 10),
    )


def test_summary_and_tallies_count_every_category_question_and_option(app):
    consultation = _open()
    q1, q2, q3 = consultation.questions
    _respond(consultation, "academic", "Yes", ["CSV"])
    _respond(consultation, "academic", "No", ["PDF", "CSV"])
    _respond(consultation, "media", "Yes", [])
    summary = analysis.response_summary(consultation)
    assert summary.total == 3
    assert summary.by_category["academic"] == 2 and summary.by_category["media"] == 1
    assert summary.by_category["public"] == 0 and len(summary.by_category) == 7
    tallies = {t.question.id: t for t in analysis.question_tallies(consultation)}
    assert tallies[q1.id].answered == 3
    assert tallies[q1.id].options == [("Yes", 2), ("No", 1), ("Not sure", 0)]
    assert tallies[q2.id].answered == 2
    assert tallies[q2.id].options == [("CSV", 2), ("ODS", 0), ("PDF", 1)]
    assert tallies[q3.id].answered == 0 and tallies[q3.id].options == []


def test_a_new_response_shows_at_once_even_with_the_cache_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "PERFORMANCE_CACHE_SECONDS", 600)
    caching.clear()
    consultation = _open()
    q1 = consultation.questions[0]
    _respond(consultation, "academic", "Yes", ["CSV"])
    first = analysis.question_tallies(consultation)
    assert first[0].options[0] == ("Yes", 1)
    _respond(consultation, "public", "Yes", ["ODS"])
    again = {t.question.id: t for t in analysis.question_tallies(consultation)}
    assert again[q1.id].options[0] == ("Yes", 2) and again[q1.id].answered == 2
    summary = analysis.response_summary(consultation)
    assert (summary.total, summary.by_category["public"]) == (2, 1)
    caching.clear()


def test_each_response_increases_the_consultations_responses_version(app):
    consultation = _open()
    other = _open()
    assert (consultation.responses_version, other.responses_version) == (0, 0)
    _respond(consultation, "academic", "Yes", ["CSV"])
    _respond(consultation, "media", "No", [])
    db.session.refresh(consultation)
    db.session.refresh(other)
    assert (consultation.responses_version, other.responses_version) == (2, 0)


def test_with_the_cache_on_the_analysis_page_counts_responses_only_when_one_arrives(
    app, login, monkeypatch
):
    monkeypatch.setitem(app.config, "PERFORMANCE_CACHE_SECONDS", 600)
    caching.clear()
    consultation = _open()
    _respond(consultation, "academic", "Yes", ["CSV"])
    client = login(cso())
    url = f"/staff/consultations/{consultation.slug}/responses"

    def counting_queries() -> tuple[str, list[str]]:
        with count_queries() as statements:
            page = client.get(url).text
        return page, [s for s in statements if "count(" in s.lower() and "GROUP BY" in s]

    first, counted = counting_queries()
    assert "1 response counted" in first and len(counted) == 2  # by category, and the tallies
    again, counted = counting_queries()
    assert "1 response counted" in again and counted == []  # kept: nothing arrived
    _respond(consultation, "public", "No", ["ODS"])
    after, counted = counting_queries()
    assert "2 responses counted" in after and len(counted) == 2  # counted again at once
    assert "2 answered" in after
    caching.clear()


def test_the_analysis_page_shows_the_tallies_and_each_response_with_its_answers(app, login):
    consultation = _open()
    _respond(consultation, "academic", "Not sure", ["ODS", "PDF"])
    client = login(cso())
    page = client.get(f"/staff/consultations/{consultation.slug}/responses")
    assert page.status_code == 200
    assert "1 response counted" in page.text
    assert "ODS, PDF" in page.text  # the answer, listed under the response
    assert "1 answered" in page.text


def _checked(page: str) -> list[tuple[str, str]]:
    """(id, value) of every checked radio of the category filter."""
    assert '<input class="govuk-radios__input" id="category" name="category"' in page
    return re.findall(
        r'<input class="govuk-radios__input" id="([^"]+)" name="category" type="radio" '
        r'value="([^"]*)" checked>',
        page,
    )


def test_the_category_filter_is_govuk_radios_with_the_asked_category_checked(app, login):
    consultation = _open()
    _respond(consultation, "academic", "Yes", ["CSV"])
    _respond(consultation, "media", "No", ["PDF"])
    client = login(cso())
    url = f"/staff/consultations/{consultation.slug}/responses"

    page = client.get(url).text
    assert _checked(page) == [("category", "")]  # All categories, by default
    ids = re.findall(r'id="(category(?:-\d+)?)" name="category"', page)
    assert ids == ["category"] + [f"category-{n}" for n in range(2, 9)]
    for radio_id in ids:
        assert f'<label class="govuk-label govuk-radios__label" for="{radio_id}">' in page
    assert '<fieldset class="govuk-fieldset" aria-describedby="category-hint">' in page
    assert "Respondent category" in page and "All categories" in page

    media = client.get(url + "?category=media").text
    assert _checked(media) == [("category-7", "media")]
    assert media.count('class="govuk-summary-card"') == 1

    unknown = client.get(url + "?category=nonsense").text
    assert _checked(unknown) == []  # as the form field did: nothing matches, nothing checked
    assert unknown.count('class="govuk-summary-card"') == 2  # and every response is listed


def test_each_response_lists_its_answers_in_question_order(app, login):
    consultation = _open()
    q1, q2, q3 = consultation.questions
    responses.submit_response(
        consultation,
        responses.ResponseData(
            category="public",
            name="Ada <Lovelace>",
            answers={q3.id: "Tables <b>please</b>", q2.id: ["PDF", "CSV"], q1.id: "No"},
        ),
        at(2027, 3, 10),
    )
    page = login(cso()).get(f"/staff/consultations/{consultation.slug}/responses").text
    card = page[page.index('class="govuk-summary-card"') :]
    labels = re.findall(r'<dt class="govuk-summary-list__key">([^<]*)</dt>', card)
    assert labels == [
        "From",
        f"1. {q1.text}",
        "2. Which formats do you use?",
        "3. Anything else?",
    ]
    values = re.findall(r'<dd class="govuk-summary-list__value app-pre-line">([^<]*)</dd>', card)
    assert values == ["No", "PDF, CSV", "Tables &lt;b&gt;please&lt;/b&gt;"]  # choices as chosen
    assert "Ada &lt;Lovelace&gt;" in card


def test_a_producer_reaches_the_analysis_of_a_consultation_on_their_output(app, login):
    owner, other = producer(), producer()
    output = OutputFactory(producers=[owner])
    consultation = consultation_with_questions(
        outputs=[output], state="open", opens_on=date(2027, 3, 1), closes_on=date(2027, 4, 12)
    )
    url = f"/staff/consultations/{consultation.slug}/responses"
    assert login(owner).get(url).status_code == 200
    assert login(other).get(url).status_code == 403
    assert service.can_manage(owner, consultation)
    assert not service.can_manage(other, consultation)
