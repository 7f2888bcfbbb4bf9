"""Counts for the staff analysis of a consultation's responses, in a fixed number of queries
whatever the number of responses or questions, and kept per process while no response arrives.

- `response_summary`: one grouped `count(*)` gives the responses per category and the total.

What is counted (`COUNTED`, the one place the rule is written): every response is kept, and a
later response from the same email address supersedes the earlier one (the rule the response
form shows respondents), so a person who answered twice is counted once, with their latest
answers. Every figure of a consultation's responses (the responses page, the analysis, the
starting text of the summary, the XLSX's count sheets and the annual report's consultation
table) counts `COUNTED` responses; the lists and the CSV/XLSX of responses show them all, each
superseded one marked.
- `question_tallies`: one grouped query over the answers gives, per question, how many answered
  and how many chose each combination of options (a handful of groups per question); the
  options are counted from those groups in Python.

Responses are only ever added: never deleted, and their category and choices never changed
once sent (anonymisation blanks free text only). Each is stored in the same transaction as an
increase of its consultation's `responses_version` (`responses.submit_response`), so the
counts depend only on that version: both are cached per process (`engage.caching`) under the
consultation and its version, and recomputed as soon as a response arrives. A page showing the
counts then reads no response at all, however many there are.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, Text, bindparam, case, cast, func, literal, union_all
from sqlalchemy.orm import aliased

from engage import caching
from engage.consultations.models import (
    Consultation,
    ConsultationAnswer,
    ConsultationQuestion,
    ConsultationResponse,
)
from engage.extensions import db
from engage.vocab import USER_CATEGORIES

# A response counts unless a later one from the same email address superseded it
# (`responses.submit_response` sets the link when the later one is stored).
COUNTED = ConsultationResponse.superseded_by_id.is_(None)


@dataclass(frozen=True)
class ResponseSummary:
    total: int  # responses counted (COUNTED): one per person who answered more than once
    by_category: dict[str, int]  # every category, zero when none (counted)
    received: int = 0  # every response kept, superseded ones too (what the list shows)
    received_by_category: dict[str, int] | None = None

    @property
    def superseded(self) -> int:
        return self.received - self.total

    def received_in(self, category: str) -> int:
        """The responses kept of one category (every category when "")."""
        if not category:
            return self.received
        return (self.received_by_category or {}).get(category, 0)


@dataclass
class QuestionTally:
    question: Any  # a ConsultationQuestion, or a row of QUESTION_COLUMNS
    answered: int
    options: list[tuple[str, int]]  # for choice questions, every option in order


QUESTION_COLUMNS = (
    ConsultationQuestion.id,
    ConsultationQuestion.position,
    ConsultationQuestion.text,
    ConsultationQuestion.options,
)


def questions_of(consultation: Consultation) -> list[Any]:
    """The consultation's questions in order, as rows of QUESTION_COLUMNS (what the analysis
    shows), lighter than loading `consultation.questions`."""
    return list(
        db.session.execute(
            db.select(*QUESTION_COLUMNS)
            .where(ConsultationQuestion.consultation_id == consultation.id)
            .order_by(ConsultationQuestion.position)
        )
    )


def _count_responses(consultation_id: int) -> ResponseSummary:
    rows = db.session.execute(
        db.select(
            ConsultationResponse.category,
            func.count(),
            func.coalesce(func.sum(cast(case((COUNTED, 1), else_=0), Integer)), 0),
        )
        .where(ConsultationResponse.consultation_id == consultation_id)
        .group_by(ConsultationResponse.category)
    ).all()
    received = {str(category): int(n) for category, n, _ in rows}
    counted = {str(category): int(n) for category, _, n in rows}
    return ResponseSummary(
        total=sum(counted.values()),
        by_category={key: counted.get(key, 0) for key in USER_CATEGORIES},
        received=sum(received.values()),
        received_by_category={key: received.get(key, 0) for key in USER_CATEGORIES},
    )


def _key(kind: str, consultation: Consultation) -> tuple[str, int, int]:
    return (kind, consultation.id, consultation.responses_version)


def response_summary(consultation: Consultation) -> ResponseSummary:
    """The consultation's responses per category and in all."""
    summary, _ = caching.for_seconds(
        _key("consultation-responses", consultation),
        lambda: _count_responses(consultation.id),
    )
    return summary


def _answer_groups(consultation_id: int) -> list[tuple[int, str | None, int]]:
    """(question id, choices as JSON text or None, count) for every answer of the consultation."""
    choices = cast(ConsultationAnswer.choices, Text)
    rows = db.session.execute(
        db.select(ConsultationAnswer.question_id, choices, func.count())
        .join(ConsultationResponse, ConsultationResponse.id == ConsultationAnswer.response_id)
        .where(ConsultationResponse.consultation_id == consultation_id, COUNTED)
        .group_by(ConsultationAnswer.question_id, choices)
    ).all()
    return [(int(qid), text, int(n)) for qid, text, n in rows]


def question_tallies(
    consultation: Consultation, questions: list[Any] | None = None
) -> list[QuestionTally]:
    """Per question (`questions`, by default `consultation.questions`): how many answered it,
    and for choice questions the count of each option."""
    if questions is None:
        questions = list(consultation.questions)
    groups, _ = caching.for_seconds(
        _key("consultation-tallies", consultation), lambda: _answer_groups(consultation.id)
    )
    answered: dict[int, int] = {}
    chosen: dict[tuple[int, str], int] = {}
    for qid, text, n in groups:
        answered[qid] = answered.get(qid, 0) + n
        picked: Any = json.loads(text) if text else None
        if isinstance(picked, list):
            for option in set(map(str, picked)):
                chosen[(qid, option)] = chosen.get((qid, option), 0) + n
    return [
        QuestionTally(
            question,
            answered.get(question.id, 0),
            [(option, chosen.get((question.id, option), 0)) for option in question.options],
        )
        for question in questions
    ]


# The list of responses on the analysis page: plain rows, not ORM objects.
RESPONSE_COLUMNS = (
    ConsultationResponse.id,
    ConsultationResponse.reference,
    ConsultationResponse.category,
    ConsultationResponse.submitted_at,
    ConsultationResponse.name,
    ConsultationResponse.organisation,
    ConsultationResponse.email,
    ConsultationResponse.publish_name,
    ConsultationResponse.join_log,
)


def responses_query(consultation_id: int, category: str = ""):  # type: ignore[no-untyped-def]
    """The analysis page's list of responses, newest first; of one category when given."""
    query = (
        db.select(*RESPONSE_COLUMNS)
        .where(ConsultationResponse.consultation_id == consultation_id)
        .order_by(ConsultationResponse.submitted_at.desc(), ConsultationResponse.id.desc())
    )
    if category:
        query = query.where(ConsultationResponse.category == category)
    return query


@dataclass(frozen=True)
class ListedResponse:
    response: Any  # a row of RESPONSE_COLUMNS
    answers: list[tuple[str, str]]  # (question label, answer), in question order


# The answers of a page of responses (built once: the statement is the same for every page).
_PAGE_ANSWERS = (
    db.select(
        ConsultationAnswer.response_id,
        ConsultationAnswer.question_id,
        ConsultationAnswer.text,
        ConsultationAnswer.choices,
    )
    .where(ConsultationAnswer.response_id.in_(bindparam("response_ids", expanding=True)))
    .order_by(ConsultationAnswer.response_id, ConsultationAnswer.question_id, ConsultationAnswer.id)
)


def with_answers(rows: list[Any], questions: list[Any]) -> list[ListedResponse]:
    """The responses of a page with their answers, read in one query: each answer labelled
    with its question ("1. Text", or "Question" if the question is gone) and given as its text
    or its choices joined by commas (as the page showed them)."""
    labels = {q.id: f"{q.position}. {q.text}" for q in questions}
    answers: dict[int, list[tuple[str, str]]] = {row.id: [] for row in rows}
    if rows:
        found = db.session.execute(_PAGE_ANSWERS, {"response_ids": list(answers)})
        for response_id, question_id, text, choices in found:
            value = ", ".join(map(str, choices)) if choices is not None else text
            answers[response_id].append((labels.get(question_id, "Question"), value))
    return [ListedResponse(row, answers[row.id]) for row in rows]


def repeat_responses(
    consultation_id: int, rows: list[Any]
) -> dict[int, tuple[str | None, str | None]]:
    """For each row of a page (RESPONSE_COLUMNS) whose email also sent another response to this
    consultation: (the reference it supersedes, the reference superseding it), from the links
    stored when the later one arrived (so they hold after anonymisation). The rule shown to
    respondents: every response is kept; a later one from the same email address replaces the
    earlier ones (see COUNTED)."""
    ids = [row.id for row in rows]
    if not ids:
        return {}
    later = aliased(ConsultationResponse)
    superseded = (  # page rows a later response replaced (primary key lookups)
        db.select(literal("later"), ConsultationResponse.id, later.reference)
        .join(later, later.id == ConsultationResponse.superseded_by_id)
        .where(ConsultationResponse.id.in_(ids))
    )
    superseding = (  # page rows that replaced an earlier one (ix_..._superseding, partial)
        db.select(
            literal("earlier"),
            ConsultationResponse.superseded_by_id,
            ConsultationResponse.reference,
        ).where(
            ConsultationResponse.superseded_by_id.is_not(None),  # the partial index's condition
            ConsultationResponse.superseded_by_id.in_(ids),
        )
    )
    marks: dict[int, dict[str, str]] = {}
    for kind, response_id, reference in db.session.execute(union_all(superseded, superseding)):
        marks.setdefault(int(response_id), {})[kind] = reference
    return {
        row.id: (marks[row.id].get("earlier"), marks[row.id].get("later"))
        for row in rows
        if row.id in marks
    }
