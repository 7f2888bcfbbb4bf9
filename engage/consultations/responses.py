"""Public responses to a consultation, and the counts staff analyse them by.

A response is only stored while the consultation is open (checked against the clock, not only
the state, so a response arriving after the closing date has ended is refused even before the
scheduler has closed the consultation).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, Any

from openpyxl import Workbook

from engage import audit
from engage.calendar import london_date
from engage.consultations import analysis, rules
from engage.consultations.analysis import response_summary
from engage.consultations.models import (
    Consultation,
    ConsultationAnswer,
    ConsultationQuestion,
    ConsultationResponse,
    ConsultationResponseDraft,
)
from engage.exports.streaming import read_in_batches
from engage.extensions import db
from engage.filters import govuk_datetime
from engage.outputs.userlog import join_log
from engage.textpolicy import spreadsheet_cell, xlsx_cell
from engage.vocab import USER_CATEGORIES

# The consultation response form's consent box, in the words the respondent sees.
JOIN_LOG_WORDING = (
    "Add me to the list of users of these statistics, so you can consult me in future"
)

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
DRAFT_LIFETIME = timedelta(hours=24)


class ConsultationClosed(Exception):
    """The consultation is not open for responses: nothing was stored."""


def is_accepting_responses(consultation: Consultation, now: datetime) -> bool:
    return consultation.state == "open" and rules.opens_at(
        consultation.opens_on
    ) <= now < rules.closes_at(consultation.closes_on)


def new_reference() -> str:
    while True:
        ref = "CR-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
        taken = db.session.execute(
            db.select(ConsultationResponse.id).where(ConsultationResponse.reference == ref)
        ).first()
        if taken is None:
            return ref


@dataclass
class ResponseData:
    category: str
    answers: dict[int, Any]  # question id -> text (free text) or list of chosen options
    name: str = ""
    organisation: str = ""
    email: str = ""
    publish_name: bool = False
    join_log: bool = False


def response_data(values: dict[str, Any], answers: dict[int, Any]) -> ResponseData:
    """A response from a draft's values (the respondent's details) and its answers."""
    return ResponseData(
        category=values.get("category") or "",
        answers=answers,
        name=values.get("name") or "",
        organisation=values.get("organisation") or "",
        email=values.get("email") or "",
        publish_name=bool(values.get("publish_name")),
        join_log=bool(values.get("join_log")),
    )


# Drafts: the answers between the form and sending ------------------------------------------


def purge_expired_drafts(now: datetime) -> int:
    """Delete drafts saved more than DRAFT_LIFETIME ago (they hold names and email addresses of
    people who never sent their response). Does not commit."""
    result = db.session.execute(
        db.delete(ConsultationResponseDraft)
        .where(ConsultationResponseDraft.created_at < now - DRAFT_LIFETIME)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _find_draft(
    consultation: Consultation, token: str | None, now: datetime
) -> ConsultationResponseDraft | None:
    if not token or not isinstance(token, str) or len(token) > 64:
        return None
    draft = db.session.execute(
        db.select(ConsultationResponseDraft).where(
            ConsultationResponseDraft.token == token,
            # A token is only good for the consultation it was made for.
            ConsultationResponseDraft.consultation_id == consultation.id,
            ConsultationResponseDraft.created_at >= now - DRAFT_LIFETIME,
        )
    ).scalar_one_or_none()
    return draft


def load_draft(consultation: Consultation, token: str | None, now: datetime) -> dict | None:
    """The answers saved under `token` for this consultation, or None when the token is
    unknown, expired, or belongs to another consultation."""
    draft = _find_draft(consultation, token, now)
    return dict(draft.data) if draft is not None else None


def save_draft(
    consultation: Consultation, values: dict[str, Any], now: datetime, token: str | None = None
) -> str:
    """Keep the answers server-side and return the token for the session. Saving again under a
    valid token replaces the answers (and restarts the day); otherwise a new draft is made and
    expired drafts are purged. Commits."""
    draft = _find_draft(consultation, token, now)
    if draft is None:
        purge_expired_drafts(now)
        draft = ConsultationResponseDraft(
            token=secrets.token_urlsafe(32), consultation_id=consultation.id
        )
        db.session.add(draft)
    draft.data = values
    draft.created_at = now
    db.session.commit()
    return draft.token


def discard_draft(token: str | None) -> None:
    """Delete a draft (for example when a bot was caught). Commits."""
    if token and isinstance(token, str):
        db.session.execute(
            db.delete(ConsultationResponseDraft).where(ConsultationResponseDraft.token == token)
        )
        db.session.commit()


def submit_response(
    consultation: Consultation,
    data: ResponseData,
    now: datetime,
    *,
    draft_token: str | None = None,
) -> ConsultationResponse:
    """Store a public response. Respondents who consent (and give an email address) join the
    affected outputs' logs at level consulted. The draft it was sent from (`draft_token`) is
    deleted in the same transaction."""
    if not is_accepting_responses(consultation, now):
        raise ConsultationClosed(consultation.slug)
    if data.category not in USER_CATEGORIES:
        raise ValueError("unknown respondent category")
    email = data.email.strip().lower() or None
    response = ConsultationResponse(
        consultation_id=consultation.id,
        reference=new_reference(),
        submitted_at=now,
        category=data.category,
        name=data.name.strip() or None,
        organisation=data.organisation.strip() or None,
        email=email,
        publish_name=bool(data.publish_name and data.name.strip()),
        join_log=bool(data.join_log and email),
    )
    for question in consultation.questions:
        value = data.answers.get(question.id)
        if question.kind == "free_text":
            if value and str(value).strip():
                response.answers.append(
                    ConsultationAnswer(question_id=question.id, text=str(value).strip())
                )
        else:
            chosen = [value] if isinstance(value, str) else list(value or [])
            chosen = [c for c in chosen if c in question.options]
            if chosen:
                response.answers.append(ConsultationAnswer(question_id=question.id, choices=chosen))
    db.session.add(response)
    db.session.flush()
    # Counts kept per process are keyed on this (engage.consultations.analysis): increased in
    # SQL (atomic, whatever other responses arrive at once), committed with the response.
    db.session.execute(
        db.update(Consultation)
        .where(Consultation.id == consultation.id)
        .values(responses_version=Consultation.responses_version + 1)
        .execution_options(synchronize_session=False)
    )
    if email:
        # A response from an address that already answered replaces the earlier one (both are
        # kept; counts read only the latest: analysis.COUNTED). After the update above, which
        # holds the consultation's row until commit, so two responses arriving at once from
        # one address are chained in the order they are stored.
        db.session.execute(
            db.update(ConsultationResponse)
            .where(
                ConsultationResponse.consultation_id == consultation.id,
                ConsultationResponse.email == email,
                ConsultationResponse.id != response.id,
                ConsultationResponse.superseded_by_id.is_(None),
            )
            .values(superseded_by_id=response.id)
            .execution_options(synchronize_session=False)
        )
    if response.join_log:
        for output in consultation.outputs:
            join_log(
                output=output,
                email=email,
                name=data.name,
                organisation=data.organisation,
                category=data.category,
                level="consulted",
                source="consultation_response",
                on=london_date(now),
                uses=f"Responded to the consultation ‘{consultation.title}’"[:500],
            )
        # Invitations to consultations, once they confirm their address (issue 21).
        from engage import consent

        consent.request(
            email,  # type: ignore[arg-type]
            purpose="consultations",
            source="consultation_response",
            source_detail=f"Response {response.reference} to ‘{consultation.title}’",
            wording=JOIN_LOG_WORDING,
            name=data.name,
            category=data.category,
        )
    audit.record(
        "consultation.response_received",
        object_type="consultation",
        object_id=consultation.id,
        detail={"reference": response.reference, "joined_log": response.join_log},
    )
    if draft_token:
        db.session.execute(
            db.delete(ConsultationResponseDraft).where(
                ConsultationResponseDraft.token == draft_token,
                ConsultationResponseDraft.consultation_id == consultation.id,
            )
        )
    db.session.commit()
    return response


# Analysis ------------------------------------------------------------------------------------


def response_count(consultation: Consultation) -> int:
    """The number of the consultation's responses counted (analysis.COUNTED: a person who
    answered twice once); kept per process until one arrives."""
    return response_summary(consultation).total


def counts_by_category(consultation: Consultation) -> dict[str, int]:
    """Counted responses per respondent category, every category present (zero when none);
    kept per process until a response arrives."""
    return dict(response_summary(consultation).by_category)


def question_tallies(consultation: Consultation) -> list[analysis.QuestionTally]:
    """Per question: how many of the counted responses (analysis.COUNTED) answered it, and for
    choice questions the count of each option (the analysis page's own figures)."""
    return analysis.question_tallies(consultation)


def summary_starting_text(consultation: Consultation) -> str:
    """A first draft of the summary of responses, from the computed counts."""
    total = response_count(consultation)
    lines = [f"We received {total} response{'s' if total != 1 else ''}."]
    by_category = counts_by_category(consultation)
    if total:
        lines.append("")
        lines.append("Responses by category:")
        lines += [f"- {USER_CATEGORIES[key]}: {n}" for key, n in by_category.items() if n]
    for tally in question_tallies(consultation):
        lines.append("")
        lines.append(f"{tally.question.text} ({tally.answered} answered)")
        lines += [f"- {option}: {n}" for option, n in tally.options]
    return "\n".join(lines)


# Exports -------------------------------------------------------------------------------------


RESPONSE_COLUMNS = (
    ConsultationResponse.id,
    ConsultationResponse.reference,
    ConsultationResponse.submitted_at,
    ConsultationResponse.category,
    ConsultationResponse.name,
    ConsultationResponse.organisation,
    ConsultationResponse.email,
    ConsultationResponse.publish_name,
    ConsultationResponse.join_log,
    ConsultationAnswer.question_id,
    ConsultationAnswer.text,
    ConsultationAnswer.choices,
)


def export_header(questions: list[ConsultationQuestion]) -> list[str]:
    return [
        "Reference",
        "Received",
        "Category",
        "Name",
        "Organisation",
        "Email",
        "Consents to publish name",
        "Joined user log",
    ] + [f"Q{q.position}. {q.text}" for q in questions]


def _answer_text(text_answer: str | None, choices: list[Any] | None) -> str:
    if choices is not None:
        return "; ".join(str(choice) for choice in choices)
    return text_answer or ""


def export_batches(
    consultation: Consultation, questions: list[ConsultationQuestion]
) -> Iterator[list[list[Any]]]:
    """The export's rows, one per response with its answers in question order, in batches as
    they are read: responses and answers in one query (a response's answers are adjacent), no
    objects per row, every text through the formula guard."""
    column = {q.id: n for n, q in enumerate(questions, start=8)}
    width = 8 + len(questions)
    query = (
        db.select(*RESPONSE_COLUMNS)
        .join_from(
            ConsultationResponse,
            ConsultationAnswer,
            ConsultationAnswer.response_id == ConsultationResponse.id,
            isouter=True,
        )
        .where(ConsultationResponse.consultation_id == consultation.id)
        .order_by(ConsultationResponse.submitted_at, ConsultationResponse.id)
    )
    current: list[Any] | None = None
    current_id = None
    for rows in read_in_batches(query):
        done: list[list[Any]] = []
        # Unpacked by position: a row's named attributes cost more than the rest of the export.
        for (
            response_id,
            reference,
            submitted_at,
            category,
            name,
            organisation,
            email,
            publish_name,
            joined_log,
            question_id,
            answer_text,
            choices,
        ) in rows:
            if response_id != current_id:
                if current is not None:
                    done.append(current)
                current_id = response_id
                current = [
                    spreadsheet_cell(reference),
                    govuk_datetime(submitted_at),
                    USER_CATEGORIES.get(category, category),
                    spreadsheet_cell(name or ""),
                    spreadsheet_cell(organisation or ""),
                    spreadsheet_cell(email or ""),
                    "Yes" if publish_name else "No",
                    "Yes" if joined_log else "No",
                ] + [""] * (width - 8)
            position = column.get(question_id)
            if position is not None and current is not None:
                current[position] = spreadsheet_cell(_answer_text(answer_text, choices))
        if done:
            yield done
    if current is not None:
        yield [current]


def export_rows(consultation: Consultation) -> tuple[list[str], list[list[Any]]]:
    """Header and every row (for tests and small callers; downloads stream export_batches)."""
    questions = list(consultation.questions)
    rows = [row for batch in export_batches(consultation, questions) for row in batch]
    return export_header(questions), rows


def write_responses_xlsx(consultation: Consultation, target: IO[bytes]) -> None:
    """Responses, counts by category and by question, in openpyxl's write-only mode."""
    questions = list(consultation.questions)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Responses")
    sheet.append([xlsx_cell(h) for h in export_header(questions)])
    for batch in export_batches(consultation, questions):
        for row in batch:
            sheet.append([xlsx_cell(value) for value in row])
    counts = book.create_sheet("By category")
    counts.append(["Category", "Responses"])
    for key, n in counts_by_category(consultation).items():
        counts.append([USER_CATEGORIES[key], n])
    tallies = book.create_sheet("By question")
    tallies.append(["Question", "Option", "Count"])
    for tally in question_tallies(consultation):
        question = xlsx_cell(tally.question.text)
        tallies.append([question, "(answered)", tally.answered])
        for option, n in tally.options:
            tallies.append([question, xlsx_cell(option), n])
    book.save(target)
