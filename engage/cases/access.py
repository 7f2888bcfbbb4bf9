"""Who may see which case ("treat it in confidence").

- The CSO office (CSO officers and the Chief Statistician) see every case.
- Anyone else sees only the cases assigned to them: a producer sees the enquiries assigned to
  them, and a complaint only while it is assigned to them.
- Every view of a complaint is recorded in the audit log (`record_view`).

`visible_cases(user)` is the same rule as a SQL where-clause, so lists, counts and exports
never load a case the user may not see.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, false, true
from sqlalchemy.sql.elements import ColumnElement

from engage import audit
from engage.auth.permissions import has_permission, is_office
from engage.cases.models import Case
from engage.vocab import COMPLAINT_KINDS


def assignable() -> ColumnElement[bool]:
    """SQL on `User`: the people a case can be assigned to, active accounts whose roles hold
    the `work_cases` permission (workflow.assign checks the same permission)."""
    from engage.auth.models import User, UserRole
    from engage.auth.permissions import PERMISSIONS
    from engage.extensions import db

    return and_(
        User.active,
        User.id.in_(
            db.select(UserRole.user_id).where(UserRole.role.in_(sorted(PERMISSIONS["work_cases"])))
        ),
    )


def can_view(user: Any, case: Case) -> bool:
    if not has_permission(user, "view_cases"):
        return False
    if is_office(user):
        return True
    return case.assigned_to_id is not None and case.assigned_to_id == user.id


def visible_cases(user: Any) -> ColumnElement[bool]:
    if not has_permission(user, "view_cases"):
        return false()
    if is_office(user):
        return true()
    return Case.assigned_to_id == user.id


def record_view(user: Any, case: Case, *, how: str = "page") -> None:
    """Record that `user` saw a complaint (the caller commits)."""
    if case.is_complaint:
        audit.record(
            "case.viewed",
            actor=user,
            object_type="case",
            object_id=case.reference,
            detail={"kind": case.kind, "how": how},
        )


def record_views(user: Any, cases: list[Any], *, how: str) -> None:
    """`record_view` for many cases at once (an export), in one INSERT; the caller commits."""
    audit.record_many(
        "case.viewed",
        actor=user,
        object_type="case",
        items=[
            (c.reference, {"kind": c.kind, "how": how}) for c in cases if c.kind in COMPLAINT_KINDS
        ],
    )


VIEWS_SHOWN = 50


def complaint_viewers(case: Case, viewer: Any) -> list[tuple[Any, str, str]] | None:
    """Who viewed this complaint, newest first (at most VIEWS_SHOWN): (when, who, how). For the
    CSO office only (the Chief Statistician and CSO officers); None for anyone else or for a
    case that is not a complaint."""
    from engage.auth.models import User
    from engage.extensions import db

    if not case.is_complaint or not is_office(viewer):
        return None
    rows = db.session.execute(
        db.select(audit.AuditEvent.at, User.name, audit.AuditEvent.detail)
        .join(User, User.id == audit.AuditEvent.actor_id, isouter=True)
        .where(
            audit.AuditEvent.object_type == "case",
            audit.AuditEvent.object_id == case.reference,
            audit.AuditEvent.action == "case.viewed",
        )
        .order_by(audit.AuditEvent.at.desc(), audit.AuditEvent.id.desc())
        .limit(VIEWS_SHOWN)
    ).all()
    return [(at, name or "Unknown", (detail or {}).get("how", "page")) for at, name, detail in rows]


def record_exported_complaints(user: Any, cases: Select) -> None:
    """Record that `user` exported the complaints among the cases `cases` selects, one audit
    event each, in one INSERT ... SELECT per kind of complaint; the caller commits."""
    for kind in sorted(COMPLAINT_KINDS):
        audit.record_select(
            "case.viewed",
            actor=user,
            object_type="case",
            object_ids=cases.with_only_columns(Case.reference)
            .where(Case.kind == kind)
            .order_by(None),
            detail={"kind": kind, "how": "export"},
        )
