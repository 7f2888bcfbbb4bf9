"""Success stories: "share success stories of innovative and successful user engagement" — a
short internal register, read by the annual report."""

from __future__ import annotations

from datetime import date
from typing import Any

from engage import audit
from engage.errors import RuleError
from engage.extensions import db
from engage.outputs.models import Output, SuccessStory


class StoryError(RuleError):
    """A rule refused the change (engage/errors.py)."""


def _apply(
    story: SuccessStory,
    title: str,
    description: str,
    happened_on: date,
    output_ids: list[int],
    today: date,
) -> None:
    if happened_on > today:
        raise StoryError("Date must be today or in the past", "happened_on")
    outputs = (
        list(db.session.execute(db.select(Output).where(Output.id.in_(output_ids))).scalars())
        if output_ids
        else []
    )
    if len(outputs) != len(set(output_ids)):
        raise StoryError("Select outputs from the list", "output_ids")
    story.title = title.strip()
    story.description = description.strip()
    story.happened_on = happened_on
    story.outputs = outputs


def create_story(
    *,
    title: str,
    description: str,
    happened_on: date,
    output_ids: list[int],
    actor: Any,
    today: date,
) -> SuccessStory:
    story = SuccessStory(created_by_id=getattr(actor, "id", None))
    _apply(story, title, description, happened_on, output_ids, today)
    db.session.add(story)
    db.session.flush()
    audit.record(
        "success_story.created", actor=actor, object_type="success_story", object_id=story.id
    )
    db.session.commit()
    return story


def update_story(
    story: SuccessStory,
    *,
    title: str,
    description: str,
    happened_on: date,
    output_ids: list[int],
    actor: Any,
    today: date,
) -> None:
    _apply(story, title, description, happened_on, output_ids, today)
    audit.record(
        "success_story.updated", actor=actor, object_type="success_story", object_id=story.id
    )
    db.session.commit()
