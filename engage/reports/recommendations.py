"""UK Statistics Authority recommendations: record them, track progress, flag the overdue."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, and_, select
from sqlalchemy.sql.elements import ColumnElement

from engage import audit
from engage.auth.models import User
from engage.auth.permissions import has_permission
from engage.calendar import today_london
from engage.errors import Refusal, RuleError
from engage.extensions import db
from engage.outputs.models import Output
from engage.reports.models import RecommendationNote, UksaRecommendation
from engage.vocab import RECOMMENDATION_STATUSES

OPEN_STATUSES = ("not_started", "in_progress")
FIELDS = ("reference", "text", "source_report", "source_date", "owner_id", "target_on", "status")


class RecommendationError(RuleError):
    """A rule about recommendations refused the change (engage/errors.py)."""


def overdue_clause(today: date) -> ColumnElement[bool]:
    """Target date passed (before today) and neither implemented nor declined."""
    return and_(
        UksaRecommendation.target_on.is_not(None),
        UksaRecommendation.target_on < today,
        UksaRecommendation.status.in_(OPEN_STATUSES),
    )


def is_overdue(rec: UksaRecommendation, today: date) -> bool:
    return rec.target_on is not None and rec.target_on < today and rec.status in OPEN_STATUSES


def recommendation_list_query() -> Select[Any]:
    return select(UksaRecommendation).order_by(
        UksaRecommendation.target_on.is_(None),
        UksaRecommendation.target_on,
        UksaRecommendation.reference,
    )


def owner_choices() -> list[User]:
    """Staff who can own a recommendation: anyone active in the CSO's office or a producer."""
    users = db.session.execute(select(User).where(User.active.is_(True)).order_by(User.name))
    return [u for u in users.scalars() if u.roles & {"cso", "chief_statistician", "producer"}]


def _check(actor: Any, data: dict[str, Any]) -> None:
    if not has_permission(actor, "manage_recommendations"):
        raise Refusal("manage_recommendations")
    if data["status"] not in RECOMMENDATION_STATUSES:
        raise RecommendationError("Select the status", "status")
    reason = (data.get("will_not_reason") or "").strip()
    if data["status"] == "will_not_implement" and not reason:
        raise RecommendationError(
            "Enter the reason the recommendation will not be implemented", "will_not_reason"
        )
    owner_id = data.get("owner_id")
    if owner_id and owner_id not in {u.id for u in owner_choices()}:
        raise RecommendationError("Select an owner from the list", "owner_id")


def _apply(rec: UksaRecommendation, data: dict[str, Any], output_ids: list[int]) -> None:
    for name in FIELDS:
        optional = name in ("owner_id", "target_on")
        setattr(rec, name, (data.get(name) or None) if optional else data[name])
    rec.will_not_reason = (
        (data.get("will_not_reason") or "").strip() or None
        if rec.status == "will_not_implement"
        else None
    )
    rec.outputs = (
        list(db.session.execute(select(Output).where(Output.id.in_(output_ids))).scalars())
        if output_ids
        else []
    )


def create_recommendation(
    data: dict[str, Any], output_ids: list[int], actor: Any
) -> UksaRecommendation:
    _check(actor, data)
    rec = UksaRecommendation()
    _apply(rec, data, output_ids)
    db.session.add(rec)
    db.session.flush()
    audit.record(
        "recommendation.created",
        actor=actor,
        object_type="uksa_recommendation",
        object_id=rec.id,
        detail={"reference": rec.reference, "status": rec.status},
    )
    db.session.commit()
    return rec


def update_recommendation(
    rec: UksaRecommendation, data: dict[str, Any], output_ids: list[int], actor: Any
) -> UksaRecommendation:
    _check(actor, data)
    before = rec.status
    _apply(rec, data, output_ids)
    audit.record(
        "recommendation.updated",
        actor=actor,
        object_type="uksa_recommendation",
        object_id=rec.id,
        detail={"reference": rec.reference, "status_from": before, "status_to": rec.status},
    )
    db.session.commit()
    return rec


def add_note(rec: UksaRecommendation, noted_on: date, text: str, actor: Any) -> RecommendationNote:
    if not has_permission(actor, "manage_recommendations"):
        raise Refusal("manage_recommendations")
    text = (text or "").strip()
    if not text:
        raise RecommendationError("Enter the progress made", "note")
    if noted_on > today_london():
        raise RecommendationError(
            "The date of the progress note must be today or in the past", "noted_on"
        )
    note = RecommendationNote(
        recommendation_id=rec.id, noted_on=noted_on, note=text, author_id=getattr(actor, "id", None)
    )
    db.session.add(note)
    db.session.flush()
    audit.record(
        "recommendation.note_added",
        actor=actor,
        object_type="uksa_recommendation",
        object_id=rec.id,
        detail={"note_id": note.id},
    )
    db.session.commit()
    return note
