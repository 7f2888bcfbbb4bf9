"""Counts for the staff analysis of a consultation's responses, in a fixed number of queries
whatever the number of responses or questions.

- `response_summary`: one grouped query gives the responses per category, the total and the
  largest response id.
- `question_tallies`: one grouped query over the answers gives, per question, how many answered
  and how many chose each combination of options (a handful of groups per question); the
  options are counted from those groups in Python. Responses and their choices are never
  changed once sent (anonymisation blanks free text only), so the tallies depend only on which
  responses exist: they are cached per process (`engage.perfcache`) under the consultation, the
  number of responses and the largest response id, and recomputed as soon as a response arrives.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Text, cast, func

from engage import perfcache
from engage.consultations.models import (
    Consultation,
    ConsultationAnswer,
    ConsultationQuestion,
    ConsultationResponse,
)
from engage.extensions import db
from engage.vocab import USER_CATEGORIES


@dataclass(frozen=True)
class ResponseSummary:
    total: int
    by_category: dict[str, int]  # every category, zero when none
    last_id: int  # the largest response id (0 when none): changes whenever a response arrives


@dataclass
class QuestionTally:
    question: ConsultationQuestion
    answered: int
    options: list[tuple[str, int]]  # for choice questions, every option in order


def response_summary(consultation: Consultation) -> ResponseSummary:
    rows = db.session.execute(
        db.select(
            ConsultationResponse.category,
            func.count(ConsultationResponse.id),
            func.max(ConsultationResponse.id),
        )
        .where(ConsultationResponse.consultation_id == consultation.id)
        .group_by(ConsultationResponse.category)
    ).all()
    found = {str(category): int(count) for category, count, _ in rows}
    return ResponseSummary(
        total=sum(found.values()),
        by_category={key: found.get(key, 0) for key in USER_CATEGORIES},
        last_id=max((int(last) for _, _, last in rows), default=0),
    )


def _answer_groups(consultation_id: int) -> list[tuple[int, str | None, int]]:
    """(question id, choices as JSON text or None, count) for every answer of the consultation."""
    choices = cast(ConsultationAnswer.choices, Text)
    rows = db.session.execute(
        db.select(ConsultationAnswer.question_id, choices, func.count())
        .join(ConsultationResponse, ConsultationResponse.id == ConsultationAnswer.response_id)
        .where(ConsultationResponse.consultation_id == consultation_id)
        .group_by(ConsultationAnswer.question_id, choices)
    ).all()
    return [(int(qid), text, int(n)) for qid, text, n in rows]


def question_tallies(
    consultation: Consultation, summary: ResponseSummary | None = None
) -> list[QuestionTally]:
    """Per question: how many answered it, and for choice questions the count of each option."""
    summary = summary or response_summary(consultation)
    key = (
        "consultation-tallies",
        str(db.engine.url),
        consultation.id,
        summary.total,
        summary.last_id,
    )
    groups, _ = perfcache.cached(key, lambda: _answer_groups(consultation.id))
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
        for question in consultation.questions
    ]
