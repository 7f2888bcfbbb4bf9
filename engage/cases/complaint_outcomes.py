"""How a complaint ended (UK Central Government Complaint Standards): its outcome, its themes
from the list administrators keep, and what was learned (an action with an owner, tracked to
done).

- The outcome and themes are recorded once the complaint has had its full response, by whoever
  may work it (the CSO office or its assignee); recording again replaces them, with the change
  in the history.
- A lesson (what we learned, the action, its owner, an optional due date) is added by whoever
  may work the complaint; its owner or the CSO office marks it done. The owner must be someone
  who may see the complaint (`may_own`): the action and what was learned are shown on the
  case page, beside the complaint, so the owner is someone in the CSO office or the person the
  complaint is assigned to, never a producer of the output it is about (who may not learn that
  it exists). An owner who later stops seeing the case (reassigned) no longer sees the action;
  the CSO office still marks it done.
- Themes: administrators add, rename, retire and bring back themes; a retired theme stays on
  the outcomes that have it but is no longer offered.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from engage import audit
from engage.auth.models import User
from engage.auth.permissions import has_permission
from engage.calendar import london_date
from engage.cases.access import can_view, is_office
from engage.cases.desk_models import (
    COMPLAINT_OUTCOMES,
    ComplaintOutcome,
    ComplaintTheme,
    LessonAction,
)
from engage.cases.models import Case, CaseEvent
from engage.cases.workflow import CaseError, CaseForbidden
from engage.db_types import utcnow
from engage.extensions import db
from engage.filters import govuk_date as long_date
from engage.vocab import COMPLAINT_KINDS

THEME_MAX = 100
LESSON_MAX = 2000


def _works(case: Case, actor: Any) -> bool:
    return is_office(actor) or (
        has_permission(actor, "work_cases")
        and case.assigned_to_id is not None
        and case.assigned_to_id == actor.id
    )


def may_record_outcome(case: Case, actor: Any) -> bool:
    return (
        case.kind in COMPLAINT_KINDS
        and case.responded_on is not None
        and case.anonymised_at is None
        and can_view(actor, case)
        and _works(case, actor)
    )


def _require(case: Case, actor: Any, what: str) -> None:
    if not can_view(actor, case):
        raise CaseForbidden(f"case:{what}:not-visible")
    if not _works(case, actor):
        raise CaseForbidden(f"case:{what}:role")
    if case.kind not in COMPLAINT_KINDS:
        raise CaseError("Only a complaint has an outcome")
    if case.responded_on is None:
        raise CaseError("Record the full response first: the outcome comes with it")
    if case.anonymised_at is not None:
        raise CaseError("The personal data of this case has been removed")


def outcome_of(case: Case) -> ComplaintOutcome | None:
    return db.session.execute(
        db.select(ComplaintOutcome).where(ComplaintOutcome.case_id == case.id)
    ).scalar_one_or_none()


def active_themes() -> list[ComplaintTheme]:
    return list(
        db.session.execute(
            db.select(ComplaintTheme).where(ComplaintTheme.active).order_by(ComplaintTheme.name)
        ).scalars()
    )


def record_outcome(
    case: Case, actor: Any, *, outcome: str, theme_ids: list[int], now: datetime | None = None
) -> ComplaintOutcome:
    _require(case, actor, "outcome")
    if outcome not in COMPLAINT_OUTCOMES:
        raise CaseError("Select the outcome of the complaint", "outcome")
    wanted = set(theme_ids)
    current = outcome_of(case)
    kept = {t.id for t in current.themes} if current else set()
    themes = list(
        db.session.execute(
            db.select(ComplaintTheme).where(
                ComplaintTheme.id.in_(wanted),
                db.or_(ComplaintTheme.active, ComplaintTheme.id.in_(kept)),
            )
        ).scalars()
    )
    if not wanted or len(themes) != len(wanted):
        raise CaseError("Select at least one theme of the complaint", "themes")
    at = now or utcnow()
    words = COMPLAINT_OUTCOMES[outcome]
    names = ", ".join(sorted(t.name for t in themes))
    if current is None:
        current = ComplaintOutcome(case_id=case.id)
        db.session.add(current)
        note = f"Outcome: {words}\nThemes: {names}"
    else:
        before_names = ", ".join(sorted(t.name for t in current.themes))
        note = (
            f"Outcome: {COMPLAINT_OUTCOMES.get(current.outcome, current.outcome)} → {words}\n"
            f"Themes: {before_names} → {names}"
        )
    current.outcome = outcome
    current.themes = themes
    current.recorded_by_id = getattr(actor, "id", None)
    current.recorded_at = at
    db.session.add(
        CaseEvent(
            case=case,
            at=at,
            actor_id=getattr(actor, "id", None),
            action="outcome_recorded",
            from_state=case.state,
            to_state=case.state,
            note=note,
        )
    )
    db.session.commit()
    return current


# --- what we learned ---------------------------------------------------------------------------


def may_own(user: Any, case: Case) -> bool:
    """Whether `user` may own an action learned from `case`: an active account that may see
    the complaint and is not a producer of the output it is about."""
    if user is None or not getattr(user, "active", False) or not can_view(user, case):
        return False
    return not (case.output is not None and case.output.is_owned_by(user))


def lesson_owners(case: Case) -> list[User]:
    """The people who may own an action learned from `case`, by name: the active CSO office
    and the person the complaint is assigned to (`may_own`)."""
    from engage.auth.models import UserRole
    from engage.auth.permissions import PERMISSIONS

    office = db.select(UserRole.user_id).where(
        UserRole.role.in_(sorted(PERMISSIONS["triage_cases"]))
    )
    who = User.id.in_(office)
    if case.assigned_to_id is not None:
        who = db.or_(who, User.id == case.assigned_to_id)
    people = db.session.execute(
        db.select(User).where(User.active, who).order_by(User.name, User.id)
    ).scalars()
    return [u for u in people if may_own(u, case)]


def lessons_of(case: Case) -> list[LessonAction]:
    return list(
        db.session.execute(
            db.select(LessonAction)
            .options(joinedload(LessonAction.owner).load_only(User.name))
            .where(LessonAction.case_id == case.id)
            .order_by(LessonAction.created_at, LessonAction.id)
        ).scalars()
    )


def _text(value: str | None, field: str, missing: str, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise CaseError(missing, field)
    if len(text) > LESSON_MAX:
        raise CaseError(f"{what} must be {LESSON_MAX:,} characters or fewer", field)
    return text


def add_lesson(
    case: Case,
    actor: Any,
    *,
    learned: str,
    action: str,
    owner: User | None,
    due_on: date | None = None,
    now: datetime | None = None,
) -> LessonAction:
    _require(case, actor, "lesson")
    learned = _text(learned, "learned", "Enter what we learned", "What we learned")
    action = _text(action, "action", "Enter the action we will take", "The action")
    if owner is None:
        raise CaseError("Select who owns the action", "owner")
    if not may_own(owner, case):
        raise CaseError(
            f"{owner.name} may not see this complaint: select someone in the CSO office or "
            "the person it is assigned to",
            "owner",
        )
    at = now or utcnow()
    if due_on is not None and due_on < london_date(at):
        raise CaseError("The date it is due must be today or in the future", "due_on")
    lesson = LessonAction(
        case_id=case.id,
        learned=learned,
        action=action,
        owner_id=owner.id,
        due_on=due_on,
        created_by_id=getattr(actor, "id", None),
        created_at=at,
    )
    db.session.add(lesson)
    due = f" by {long_date(due_on)}" if due_on else ""
    db.session.add(
        CaseEvent(
            case=case,
            at=at,
            actor_id=getattr(actor, "id", None),
            action="lesson_added",
            from_state=case.state,
            to_state=case.state,
            note=f"What we learned: {learned}\nAction: {action} ({owner.name}{due})",
        )
    )
    db.session.commit()
    return lesson


def may_complete(lesson: LessonAction, case: Case, actor: Any) -> bool:
    return (
        lesson.done_on is None
        and can_view(actor, case)
        and (is_office(actor) or lesson.owner_id == getattr(actor, "id", None))
    )


def complete_lesson(
    lesson: LessonAction,
    case: Case,
    actor: Any,
    *,
    done_on: date,
    note: str = "",
    now: datetime | None = None,
) -> LessonAction:
    if lesson.case_id != case.id or not can_view(actor, case):
        raise CaseForbidden("lesson:not-visible")
    if lesson.done_on is not None:
        raise CaseError("This action is already done")
    if not may_complete(lesson, case, actor):
        raise CaseForbidden("lesson:not-owner")
    at = now or utcnow()
    if done_on > london_date(at):
        raise CaseError("The date it was done must be today or in the past", "done_on")
    if done_on < london_date(lesson.created_at):
        raise CaseError(
            f"The date it was done must be on or after {long_date(london_date(lesson.created_at))}",
            "done_on",
        )
    note = (note or "").strip()
    if len(note) > LESSON_MAX:
        raise CaseError(f"The note must be {LESSON_MAX:,} characters or fewer", "note")
    lesson.done_on = done_on
    lesson.done_note = note or None
    db.session.add(
        CaseEvent(
            case=case,
            at=at,
            actor_id=getattr(actor, "id", None),
            action="lesson_done",
            from_state=case.state,
            to_state=case.state,
            note="\n".join(filter(None, [f"Action done: {lesson.action}", note])),
        )
    )
    db.session.commit()
    return lesson


# --- themes (administrators) ---------------------------------------------------------------------


def _theme_name(name: str | None) -> str:
    text = " ".join((name or "").split())
    if not text:
        raise CaseError("Enter the name of the theme", "name")
    if len(text) > THEME_MAX:
        raise CaseError(f"The name must be {THEME_MAX} characters or fewer", "name")
    return text


def _require_admin(actor: Any) -> None:
    if not has_permission(actor, "manage_settings"):
        raise CaseForbidden("themes:manage_settings")


def add_theme(actor: Any, name: str) -> ComplaintTheme:
    _require_admin(actor)
    text = _theme_name(name)
    taken = db.session.execute(
        db.select(ComplaintTheme).where(db.func.lower(ComplaintTheme.name) == text.lower())
    ).scalar_one_or_none()
    if taken is not None:
        raise CaseError(f"There is already a theme called {taken.name}", "name")
    theme = ComplaintTheme(name=text, active=True)
    db.session.add(theme)
    try:
        db.session.flush()
    except IntegrityError:  # added at the same moment by someone else
        db.session.rollback()
        raise CaseError(f"There is already a theme called {text}", "name") from None
    audit.record(
        "complaint_theme.added",
        actor=actor,
        object_type="complaint_theme",
        object_id=theme.id,
        detail={"name": text},
    )
    db.session.commit()
    return theme


def set_theme_active(actor: Any, theme: ComplaintTheme, active: bool) -> ComplaintTheme:
    _require_admin(actor)
    theme.active = active
    audit.record(
        "complaint_theme.retired" if not active else "complaint_theme.restored",
        actor=actor,
        object_type="complaint_theme",
        object_id=theme.id,
        detail={"name": theme.name},
    )
    db.session.commit()
    return theme
