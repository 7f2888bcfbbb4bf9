"""Drafting consultations and deciding on them: one function per state change.

Each function checks who may do it and the rules, records history (engage.audit), queues any
email in the same transaction, and commits once. A refused rule raises ConsultationError (shown as
a GOV.UK error on the named field); a refused actor raises NotAllowed (the view answers 403).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, or_
from sqlalchemy.orm import lazyload

from engage import audit, slugs
from engage.auth.models import User
from engage.auth.permissions import is_office
from engage.calendar import london_date
from engage.consultations import lifecycle, rules
from engage.consultations.models import Consultation, ConsultationQuestion, consultation_outputs
from engage.consultations.rules import ConsultationError
from engage.errors import Refusal
from engage.extensions import db
from engage.outputs.models import Output, output_producers
from engage.vocab import CONSULTATION_REASONS, QUESTION_KINDS

EDITABLE_STATES = frozenset({"draft", "awaiting_approval", "approved"})
WITHDRAWABLE_STATES = frozenset({"draft", "awaiting_approval", "approved", "open", "closed"})
PUBLIC_STATES = frozenset({"approved", "open", "closed", "response_published"})
CONSULTATION_FIELDS = (
    "title",
    "summary",
    "proposal",
    "reason",
    "ad_hoc",
    "announced_where",
    "opens_on",
    "closes_on",
    "contact_email",
)


class NotAllowed(Refusal):
    """The actor may not do this to this consultation (engage/errors.py)."""


def can_manage(user: User, consultation: Consultation) -> bool:
    """CSO and Chief Statistician: any consultation. A producer: the ones they drafted or that
    affect an output they own (one query, without loading the consultation's outputs)."""
    if is_office(user):
        return True
    if not user.has_role("producer"):
        return False
    if consultation.created_by_id == user.id:
        return True
    shared = (
        db.select(consultation_outputs.c.output_id)
        .join(output_producers, output_producers.c.output_id == consultation_outputs.c.output_id)
        .where(
            consultation_outputs.c.consultation_id == consultation.id,
            output_producers.c.user_id == user.id,
        )
        .limit(1)
    )
    return db.session.execute(shared).first() is not None


def require_manager(user: User, consultation: Consultation) -> None:
    if not can_manage(user, consultation):
        raise NotAllowed("consultation:not-yours")


def managed_by(user_id: Any) -> ColumnElement[bool]:
    """The condition on `Consultation` for the ones a producer may manage: drafted by them or
    affecting an output they own. `user_id` is an id or a bound parameter."""
    owned = db.select(output_producers.c.output_id).where(output_producers.c.user_id == user_id)
    mine = db.select(consultation_outputs.c.consultation_id).where(
        consultation_outputs.c.output_id.in_(owned)
    )
    return or_(Consultation.created_by_id == user_id, Consultation.id.in_(mine))


def manageable_clause(user: User) -> ColumnElement[bool] | None:
    """The condition on `Consultation` for the ones this user may see and manage, or None when
    they may see every one (the office)."""
    return None if is_office(user) else managed_by(user.id)


def managed_list_query(user: User, today: date, *, responses_due: bool = False):  # type: ignore[no-untyped-def]
    """The consultations this user manages, newest first: rows of the columns the staff list
    shows. `responses_due`: only the closed ones whose response is due within two weeks or
    overdue, longest waiting first."""
    query = db.select(
        Consultation.slug,
        Consultation.title,
        Consultation.state,
        Consultation.opens_on,
        Consultation.closes_on,
    )
    clause = manageable_clause(user)
    if clause is not None:
        query = query.where(clause)
    if responses_due:
        return query.where(
            Consultation.state == "closed",
            Consultation.closes_on <= rules.latest_closing_to_publish(today),
        ).order_by(Consultation.closes_on, Consultation.id)
    return query.order_by(Consultation.opens_on.desc(), Consultation.id.desc())


def output_choices(user: User) -> list[Output]:
    """Outputs this user may name as affected: their own, or every active one for the office."""
    query = db.select(Output).where(Output.status == "active").order_by(Output.title)
    if not is_office(user):
        query = query.join(output_producers).where(output_producers.c.user_id == user.id)
    return list(db.session.execute(query).scalars())


def consultation_by_slug(slug: str) -> Consultation | None:
    """The consultation; its outputs (and their producers) are loaded only if used."""
    return db.session.execute(
        db.select(Consultation)
        .where(Consultation.slug == slug)
        .options(lazyload(Consultation.outputs))
    ).scalar_one_or_none()


def output_titles(consultation: Consultation) -> list[str]:
    """The titles of the outputs the consultation affects (one query, without loading the
    outputs and their producers)."""
    return list(
        db.session.execute(
            db.select(Output.title)
            .join(consultation_outputs, consultation_outputs.c.output_id == Output.id)
            .where(consultation_outputs.c.consultation_id == consultation.id)
            .order_by(Output.id)
        ).scalars()
    )


def unique_slug(title: str) -> str:
    return slugs.unique_slug(Consultation, title, "consultation")


def _history(action: str, consultation: Consultation, actor: Any, **detail: Any) -> None:
    audit.record(
        action,
        actor=actor,
        object_type="consultation",
        object_id=consultation.id,
        detail=detail or None,
    )


def _check_opening_not_past(opens_on: date, today: date) -> None:
    if opens_on < today:
        raise ConsultationError("The opening date must be today or in the future", "opens_on")


def _apply(
    consultation: Consultation,
    data: dict[str, Any],
    output_ids: list[int],
    actor: User,
    today: date,
) -> None:
    if data["reason"] not in CONSULTATION_REASONS:
        raise ConsultationError("Select the reason for consulting", "reason")
    ad_hoc = bool(data["ad_hoc"])
    # Outputs already named (perhaps by the CSO) may stay; new ones must be the actor's own.
    allowed = {o.id for o in output_choices(actor)} | {o.id for o in consultation.outputs}
    chosen = sorted(set(output_ids))
    if not ad_hoc and not chosen:
        raise ConsultationError(
            "Select the outputs this consultation affects, or choose ad hoc", "output_ids"
        )
    if ad_hoc:
        chosen = []
    if any(i not in allowed for i in chosen):
        raise ConsultationError("Select only outputs you produce", "output_ids")
    dates_changed = (
        consultation.id is None
        or data["opens_on"] != consultation.opens_on
        or data["closes_on"] != consultation.closes_on
    )
    if dates_changed:
        _check_opening_not_past(data["opens_on"], today)
    rules.check_length(data["opens_on"], data["closes_on"])
    for name in CONSULTATION_FIELDS:
        setattr(consultation, name, data[name])
    consultation.outputs = (
        list(db.session.execute(db.select(Output).where(Output.id.in_(chosen))).scalars())
        if chosen
        else []
    )


def create_consultation(
    data: dict[str, Any], output_ids: list[int], actor: User, today: date
) -> Consultation:
    consultation = Consultation(state="draft", created_by_id=actor.id)
    _apply(consultation, data, output_ids, actor, today)
    consultation.slug = unique_slug(data["title"])
    db.session.add(consultation)
    db.session.flush()
    _history("consultation.created", consultation, actor)
    db.session.commit()
    return consultation


def update_consultation(
    consultation: Consultation,
    data: dict[str, Any],
    output_ids: list[int],
    actor: User,
    today: date,
) -> None:
    require_manager(actor, consultation)
    if consultation.state not in EDITABLE_STATES:
        raise ConsultationError("This consultation can no longer be changed", "title")
    before = {name: str(getattr(consultation, name)) for name in CONSULTATION_FIELDS}
    _apply(consultation, data, output_ids, actor, today)
    changed = sorted(n for n in CONSULTATION_FIELDS if str(getattr(consultation, n)) != before[n])
    _history("consultation.updated", consultation, actor, changed=changed)
    db.session.commit()


# Questions -----------------------------------------------------------------------------------


def _clean_question(data: dict[str, Any]) -> dict[str, Any]:
    kind = data["kind"]
    if kind not in QUESTION_KINDS:
        raise ConsultationError("Select the type of answer", "kind")
    options: list[str] = []
    if kind != "free_text":
        seen: set[str] = set()
        for line in (data.get("options") or "").splitlines():
            option = line.strip()
            if option and option.lower() not in seen:
                seen.add(option.lower())
                options.append(option[:200])
        if len(options) < 2:
            raise ConsultationError("Enter at least 2 options, one on each line", "options")
    return {
        "text": data["text"],
        "kind": kind,
        "options": options,
        "required": bool(data.get("required")),
    }


def _require_questions_editable(actor: User, consultation: Consultation) -> None:
    require_manager(actor, consultation)
    if consultation.state not in EDITABLE_STATES:
        raise ConsultationError("Questions cannot be changed once a consultation opens", "text")


def add_question(
    consultation: Consultation, data: dict[str, Any], actor: User
) -> ConsultationQuestion:
    _require_questions_editable(actor, consultation)
    values = _clean_question(data)
    position = max((q.position for q in consultation.questions), default=0) + 1
    question = ConsultationQuestion(position=position, **values)
    consultation.questions.append(question)
    db.session.flush()
    _history("consultation.question_added", consultation, actor, question=question.text[:80])
    db.session.commit()
    return question


def update_question(question: ConsultationQuestion, data: dict[str, Any], actor: User) -> None:
    consultation = question.consultation
    _require_questions_editable(actor, consultation)
    for name, value in _clean_question(data).items():
        setattr(question, name, value)
    _history("consultation.question_changed", consultation, actor, question=question.text[:80])
    db.session.commit()


def remove_question(question: ConsultationQuestion, actor: User) -> None:
    consultation = question.consultation
    _require_questions_editable(actor, consultation)
    consultation.questions.remove(question)
    for n, remaining in enumerate(consultation.questions, start=1):
        remaining.position = n
    _history("consultation.question_removed", consultation, actor, question=question.text[:80])
    db.session.commit()


def move_question(question: ConsultationQuestion, direction: str, actor: User) -> None:
    consultation = question.consultation
    _require_questions_editable(actor, consultation)
    ordered = list(consultation.questions)
    index = ordered.index(question)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
        for n, q in enumerate(ordered, start=1):
            q.position = n
        _history("consultation.questions_reordered", consultation, actor)
        db.session.commit()


# Decisions -----------------------------------------------------------------------------------


def submit_for_approval(consultation: Consultation, actor: User, now: datetime) -> None:
    """Ask the Chief Statistician to decide. Emails every Chief Statistician."""
    require_manager(actor, consultation)
    if consultation.state != "draft":
        raise ConsultationError("Only a draft can be sent for approval", "state")
    if not consultation.questions:
        raise ConsultationError("Add at least one question before sending for approval", "state")
    _check_opening_not_past(consultation.opens_on, london_date(now))
    rules.check_length(consultation.opens_on, consultation.closes_on)
    consultation.state = "awaiting_approval"
    consultation.submitted_at = now
    _history("consultation.submitted", consultation, actor)
    for chief in lifecycle.users_with_role("chief_statistician"):
        lifecycle.queue_once(
            chief.email,
            "consultation_awaiting_approval",
            f"consultation:{consultation.id}:awaiting-approval:user:{chief.id}",
            consultation=consultation,
            user=chief,
            submitted_by=actor,
        )
    db.session.commit()


def _require_chief(actor: User) -> None:
    # "The decision to consult with users is solely on the authority of the Chief Statistician."
    if not actor.has_role("chief_statistician"):
        raise NotAllowed("consultation:decision-reserved-to-chief-statistician")


def approve(consultation: Consultation, actor: User, now: datetime) -> None:
    """Approve a consultation awaiting approval. When its opening date has already come it opens
    at once; if that date has passed, the consultation opens today and the length rule is checked
    against today, so the recorded dates are the real ones."""
    _require_chief(actor)
    if consultation.state != "awaiting_approval":
        raise ConsultationError("Only a consultation awaiting approval can be approved", "state")
    today = london_date(now)
    moved_from = None
    if consultation.opens_on < today:
        message = rules.length_error(today, consultation.closes_on)
        if message is not None:
            raise ConsultationError(
                f"The opening date has passed, so it would open today. {message}. "
                "Change the dates first",
                "state",
            )
        moved_from = consultation.opens_on.isoformat()
        consultation.opens_on = today
    rules.check_length(consultation.opens_on, consultation.closes_on)
    consultation.state = "approved"
    consultation.decided_by_id = actor.id
    consultation.decided_at = now
    consultation.decision_reason = None
    detail = {"opening_date_moved_from": moved_from} if moved_from else {}
    _history("consultation.approved", consultation, actor, **detail)
    _tell_creator(consultation, "approved")
    if consultation.opens_on <= today:
        lifecycle.open_consultation(consultation, now, actor=actor)
    db.session.commit()


def reject(consultation: Consultation, actor: User, reason: str, now: datetime) -> None:
    _require_chief(actor)
    if consultation.state != "awaiting_approval":
        raise ConsultationError("Only a consultation awaiting approval can be rejected", "reason")
    if not reason.strip():
        raise ConsultationError("Enter why you are rejecting this consultation", "reason")
    consultation.state = "rejected"
    consultation.decided_by_id = actor.id
    consultation.decided_at = now
    consultation.decision_reason = reason.strip()
    _history("consultation.rejected", consultation, actor, reason=reason.strip())
    _tell_creator(consultation, "rejected")
    db.session.commit()


def _tell_creator(consultation: Consultation, decision: str) -> None:
    creator = consultation.created_by
    if creator is None or not creator.active:
        return
    lifecycle.queue_once(
        creator.email,
        "consultation_decision",
        f"consultation:{consultation.id}:{decision}:user:{creator.id}",
        consultation=consultation,
        decision=decision,
        user=creator,
    )


def withdraw(consultation: Consultation, actor: User, reason: str, now: datetime) -> None:
    require_manager(actor, consultation)
    if consultation.state not in WITHDRAWABLE_STATES:
        raise ConsultationError("This consultation can no longer be withdrawn", "reason")
    if not reason.strip():
        raise ConsultationError("Enter why you are withdrawing this consultation", "reason")
    previous = consultation.state
    consultation.state = "withdrawn"
    consultation.withdrawn_at = now
    consultation.withdrawal_reason = reason.strip()
    _history("consultation.withdrawn", consultation, actor, reason=reason.strip(), was=previous)
    db.session.commit()


def extend(consultation: Consultation, closes_on: date, actor: User, now: datetime) -> None:
    """Move the closing date of an open consultation later, within 13 weeks of opening."""
    require_manager(actor, consultation)
    if consultation.state != "open":
        raise ConsultationError("Only an open consultation can be extended", "closes_on")
    if closes_on <= consultation.closes_on:
        raise ConsultationError(
            "The new closing date must be after the current closing date", "closes_on"
        )
    rules.check_length(consultation.opens_on, closes_on)
    previous = consultation.closes_on
    consultation.closes_on = closes_on
    _history(
        "consultation.extended",
        consultation,
        actor,
        closes_on_was=previous.isoformat(),
        closes_on=closes_on.isoformat(),
    )
    db.session.commit()


# The published response ----------------------------------------------------------------------

RESPONSE_PARTS = {
    "response_summary": "Enter a summary of the responses",
    "response_way_forward": "Enter the way forward",
    "response_rationale": "Enter the rationale for the way forward",
}


class ResponseIncomplete(Exception):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def _require_response_editable(actor: User, consultation: Consultation) -> None:
    require_manager(actor, consultation)
    if consultation.state != "closed":
        raise ConsultationError(
            "A response can only be written once the consultation has closed", "response_summary"
        )


def save_response(consultation: Consultation, parts: dict[str, str], actor: User) -> None:
    """Save the response text without publishing it."""
    _require_response_editable(actor, consultation)
    for name in RESPONSE_PARTS:
        setattr(consultation, name, (parts.get(name) or "").strip() or None)
    _history("consultation.response_saved", consultation, actor)
    db.session.commit()


def publish_response(
    consultation: Consultation, parts: dict[str, str], actor: User, now: datetime
) -> None:
    """Publish the response: refused until the summary, way forward and rationale are written."""
    _require_response_editable(actor, consultation)
    cleaned = {name: (parts.get(name) or "").strip() for name in RESPONSE_PARTS}
    missing = {name: message for name, message in RESPONSE_PARTS.items() if not cleaned[name]}
    if missing:
        raise ResponseIncomplete(missing)
    for name, value in cleaned.items():
        setattr(consultation, name, value)
    consultation.state = "response_published"
    consultation.response_published_at = now
    consultation.response_published_by_id = actor.id
    _history("consultation.response_published", consultation, actor)
    db.session.commit()


def history(consultation: Consultation) -> list[audit.AuditEvent]:
    return list(
        db.session.execute(
            db.select(audit.AuditEvent)
            .where(
                audit.AuditEvent.object_type == "consultation",
                audit.AuditEvent.object_id == str(consultation.id),
            )
            .order_by(audit.AuditEvent.at, audit.AuditEvent.id)
        ).scalars()
    )
