"""Who may do what. Views name the permission they need with `@requires("...")`; record-level
rules (whose output, which complaint) live in each area's domain functions."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, NoReturn, TypeVar

from flask import redirect, request, url_for
from flask_login import current_user

from engage.errors import Refusal

F = TypeVar("F", bound=Callable[..., Any])

STAFF = {"admin", "chief_statistician", "cso", "producer"}
CSO_OFFICE = {"chief_statistician", "cso"}

# permission -> roles that hold it. The Chief Statistician holds everything the CSO does.
PERMISSIONS: dict[str, set[str]] = {
    "view_dashboard": STAFF,
    "view_outputs": STAFF,
    "manage_outputs": {"admin"},
    "edit_user_logs": {"producer", "cso", "chief_statistician", "admin"},
    "view_all_user_logs": {"cso", "chief_statistician", "admin"},
    # Messages to the people in a log (issue 21): producers their outputs', the CSO office any.
    "message_user_logs": {"producer", "cso", "chief_statistician"},
    "view_feedback": STAFF,
    "manage_success_stories": {"producer", "cso", "chief_statistician"},
    "view_cases": {"producer", "cso", "chief_statistician"},
    "triage_cases": CSO_OFFICE,
    "work_cases": {"producer", "cso", "chief_statistician"},
    "use_deadline_calculator": STAFF,
    "draft_consultations": {"producer", "cso", "chief_statistician"},
    "decide_consultations": {"chief_statistician"},
    "manage_releases": {"producer", "cso", "chief_statistician"},
    "decide_release_changes": {"chief_statistician"},
    "view_reports": CSO_OFFICE,
    "prepare_reports": CSO_OFFICE,
    "sign_off_reports": {"chief_statistician"},
    "manage_recommendations": CSO_OFFICE,
    "manage_users": {"admin"},
    "manage_calendar": {"admin"},
    "manage_settings": {"admin"},
    "view_outbox": {"admin"},
    "subject_access": {"admin"},
    "manage_own_account": STAFF,
}


def has_permission(user: Any, permission: str) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.roles & PERMISSIONS[permission])


def is_office(user: Any) -> bool:
    """The CSO office (CSO officers and the Chief Statistician): they triage and see every case,
    manage every consultation and fetch anyone's export."""
    return has_permission(user, "triage_cases")


def requires(permission: str) -> Callable[[F], F]:
    """Require sign-in and a named permission. The permission is kept on the view so a test
    can walk the URL map and check that every staff route names one."""
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
            if not has_permission(current_user, permission):
                deny(f"permission:{permission}")
            return view(*args, **kwargs)

        wrapped.engage_permission = permission  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def deny(reason: str) -> NoReturn:
    """Refuse the request: the app's Refusal handler rolls back, records the refused access in
    the audit log and answers 403 (engage/errors.py)."""
    raise Refusal(reason)


def record_refusal(reason: str) -> None:
    """The audit row of a refused request (the Refusal handler's, after its rollback)."""
    from engage import audit
    from engage.extensions import db

    audit.record(
        "access.denied",
        object_type="url",
        object_id=request.path[:64],
        detail={"reason": reason, "method": request.method},
    )
    db.session.commit()


def public(view: F) -> F:
    """Marks a view as deliberately open to everyone (the URL-map test checks for a marker)."""
    view.engage_public = True  # type: ignore[attr-defined]
    return view
