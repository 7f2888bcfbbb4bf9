"""What the case pages share: every view module of engage/cases may use these (and none
imports another view module).

- `load_case(reference, with_history=False)`: the case or 404; 403 and an audit row when the
  signed-in person may not see it.
- `output_choices()`, `output_from_form(raw)`: a form's output question and its answer.
- `case_from_form(form, ...)`: a new case from a form of the requester fields (the contact
  form, staff intake).
- `assignees()`: the people a case can be assigned to (`access.assignable`), by name.
- `assignee_choices(case, submitted)`: the assign form's choices for one case.
"""

from __future__ import annotations

from typing import Any

from flask import abort
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from engage.auth.models import User
from engage.auth.permissions import deny
from engage.cases.access import assignable, can_view
from engage.cases.intake import create_case
from engage.cases.models import Case, CaseEvent
from engage.extensions import db
from engage.outputs.models import Output


def load_case(reference: str, *, with_history: bool = False) -> Case:
    from engage.cases.search import normalise_reference

    # A NUL cannot reach PostgreSQL (psycopg refuses it: a 500): no reference has one, nor
    # any other character that is not printable, nor is one this long.
    if len(reference) > 60 or not reference.isprintable():
        abort(404)
    # References are case-insensitive, with or without the "C-" (c-2026-00021 is C-2026-00021).
    reference = normalise_reference(reference) or reference
    query = db.select(Case).where(Case.reference == reference)
    if with_history:  # the case page shows every event and who did it: two queries in all
        query = query.options(
            joinedload(Case.output).lazyload(Output.producers),
            joinedload(Case.assigned_to).lazyload(User.role_rows),
            selectinload(Case.history)
            .joinedload(CaseEvent.actor)
            .load_only(User.name)
            .lazyload(User.role_rows),
        )
    case = db.session.execute(query).scalar_one_or_none()
    if case is None:
        abort(404)
    if not can_view(current_user, case):
        deny("case:not-visible")
    return case


def output_choices() -> list[tuple[str, str]]:
    """Active outputs for a form's output question, after "Not about a particular output"."""
    query = db.select(Output.id, Output.title).where(Output.status == "active")
    return [("", "Not about a particular output")] + [
        (str(i), title) for i, title in db.session.execute(query.order_by(Output.title))
    ]


def output_from_form(raw: str | None) -> Output | None:
    try:
        return db.session.get(Output, int(raw)) if raw else None
    except ValueError:
        return None


def case_from_form(form: Any, **details: Any) -> Case:
    """A new case (intake.create_case) from a form of the requester fields (the contact form,
    staff intake): its kind, requester, output and message; `details` gives the rest."""
    return create_case(
        kind=form.kind.data,
        requester_name=form.requester_name.data,
        requester_email=form.requester_email.data,
        requester_address=form.requester_address.data,
        output=output_from_form(form.output_id.data),
        message=form.message.data,
        **details,
    )


def assignees() -> list[Any]:
    """(id, name) rows of the people a case can be assigned to, by name."""
    return list(
        db.session.execute(db.select(User.id, User.name).where(assignable()).order_by(User.name))
    )


def assignee_choices(case: Case, submitted: bool) -> list[tuple[str, str]]:
    """Only people who may take this case: not a producer of the output a complaint is about.
    (A posted choice of one of them is let through to the rule, which says why not.)"""
    barred = {p.id for p in case.output.producers} if case.is_complaint and case.output else set()
    offered = [u for u in assignees() if u.id not in barred or submitted]
    return [("", "Select a person")] + [(str(u.id), u.name) for u in offered]
