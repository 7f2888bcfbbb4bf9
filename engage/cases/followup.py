"""After a case: a requester who writes again, and a transfer made by mistake.

- ``open_follow_up``: a requester writes again after the full response. It is recorded as a
  new case linked to the first (``linked_case_id``), with the same requester, kind and output,
  and its own 5 and 20 working-day clocks from the day the new letter or email arrived. A note
  on the first case points to it. The CSO office only.
- ``undo_transfer``: the CSO office undoes a transfer made by mistake, with a reason. The case
  goes back to the state it was in (a pause for clarification ended at the transfer, so it
  does not come back), the transfer fields are cleared, and the clocks that run again do so
  against deadlines worked out with the calendar in force (engage.cases.sla.deadlines).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from engage.cases import clock
from engage.cases.access import can_view, is_office
from engage.cases.intake import create_case, received_at_for
from engage.cases.models import Case, CaseEvent
from engage.cases.sla.deadlines import deadline_moves, recalculate
from engage.cases.workflow import CaseError, CaseForbidden
from engage.db_types import utcnow
from engage.extensions import db
from engage.vocab import TRANSFER_TARGETS

FOLLOW_UP_FROM = frozenset({"responded", "closed", "referred_to_uksa"})
REASON_MAX = 2000


def _require_office(case: Case, actor: Any, what: str) -> None:
    if not can_view(actor, case):
        raise CaseForbidden(f"case:{what}:not-visible")
    if not is_office(actor):
        raise CaseForbidden(f"case:{what}:role")


def may_undo_transfer(case: Case, actor: Any) -> bool:
    return case.state == "transferred" and is_office(actor) and can_view(actor, case)


def may_follow_up(case: Case, actor: Any) -> bool:
    return (
        case.state in FOLLOW_UP_FROM
        and case.anonymised_at is None
        and is_office(actor)
        and can_view(actor, case)
    )


def undo_transfer(case: Case, actor: Any, *, reason: str, now: datetime | None = None) -> Case:
    _require_office(case, actor, "undo-transfer")
    if case.state != "transferred":
        raise CaseError("Only a transferred case can have its transfer undone")
    reason = (reason or "").strip()
    if not reason:
        raise CaseError("Enter why the transfer was a mistake", "reason")
    if len(reason) > REASON_MAX:
        raise CaseError(f"The reason must be {REASON_MAX:,} characters or fewer", "reason")
    at = now or utcnow()
    previous = next(
        (e.from_state for e in reversed(case.history) if e.to_state == "transferred"), None
    )
    if previous not in ("received", "acknowledged"):  # a pause ended at the transfer
        previous = "acknowledged" if case.acknowledged_on or case.acknowledged_at else "received"
    target = TRANSFER_TARGETS.get(case.transferred_to or "", "another team")
    was = f"Transfer to {target} undone" + (
        f" (reference {case.transfer_reference})" if case.transfer_reference else ""
    )
    case.transferred_to = None
    case.transfer_reference = None
    case.transferred_at = None
    case.transferred_on = None
    case.closed_at = None  # a redirect to the press office closed the case
    case.state = previous
    moves = deadline_moves(case, recalculate(case, clock.current_calendar()))
    db.session.add(
        CaseEvent(
            case=case,
            at=at,
            actor_id=getattr(actor, "id", None),
            action="transfer_undone",
            from_state="transferred",
            to_state=previous,
            note="\n".join([was, f"Reason: {reason}", *(f"Deadline moved: {m}" for m in moves)]),
        )
    )
    db.session.commit()
    return case


def open_follow_up(
    case: Case,
    actor: Any,
    *,
    received_on: date,
    channel: str,
    message: str,
    now: datetime | None = None,
) -> Case:
    """A new case for the requester's new letter or email, linked to `case`."""
    _require_office(case, actor, "follow-up")
    if not may_follow_up(case, actor):
        raise CaseError("Only a case that has had its full response can be followed up")
    now = now or utcnow()
    if case.responded_on is not None and received_on < case.responded_on:
        raise CaseError(
            "The follow-up must have arrived on or after the day of the full response",
            "received_on",
        )
    received_at = received_at_for(received_on, now)
    follow_up = create_case(
        kind=case.kind,
        channel=channel,
        requester_name=case.requester_name,
        requester_email=case.requester_email,
        requester_address=case.requester_address,
        requester_phone=case.requester_phone,
        output=case.output,
        subject=f"Follow-up to {case.reference}: {case.subject}"[:300],
        message=message,
        received_at=received_at,
        actor=actor,
        now=now,
        commit=False,
    )
    follow_up.linked_case_id = case.id
    db.session.add(
        CaseEvent(
            case=case,
            at=now,
            actor_id=getattr(actor, "id", None),
            action="follow_up_received",
            from_state=case.state,
            to_state=case.state,
            note=f"The requester wrote again: follow-up case {follow_up.reference}",
        )
    )
    db.session.commit()
    return follow_up


def linked_cases(case: Case) -> tuple[Case | None, list[Case]]:
    """(the case this one follows up, the follow-ups of this one)."""
    earlier = db.session.get(Case, case.linked_case_id) if case.linked_case_id else None
    later = list(
        db.session.execute(
            db.select(Case).where(Case.linked_case_id == case.id).order_by(Case.id)
        ).scalars()
    )
    return earlier, later
