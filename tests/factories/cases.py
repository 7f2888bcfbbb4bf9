"""Cases for tests: made through the real intake function, then put in a state directly when a
test needs a state without walking every step to it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from engage.calendar import LONDON
from engage.cases.intake import create_case
from engage.cases.models import Case, CaseEvent
from engage.extensions import db

RECEIVED = date(2026, 3, 2)  # a Monday; respond-by 30 March 2026


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """An aware UTC datetime for `hour:minute` Europe/London on `day`."""
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON).astimezone(UTC)


def make_case(
    *,
    kind: str = "enquiry",
    channel: str = "email",
    received: date = RECEIVED,
    name: str = "Alex Requester",
    email: str | None = "alex@example.com",
    address: str | None = None,
    output=None,  # type: ignore[no-untyped-def]
    message: str = "How many cases were there in 2025?",
    assigned_to=None,  # type: ignore[no-untyped-def]
    actor=None,  # type: ignore[no-untyped-def]
) -> Case:
    when = at(received)
    case = create_case(
        kind=kind,
        channel=channel,
        requester_name=name,
        requester_email=email,
        requester_address=address,
        output=output,
        subject=None,
        message=message,
        received_at=when,
        actor=actor,
        now=when + timedelta(minutes=5),
    )
    if assigned_to is not None:
        case.assigned_to = assigned_to
        db.session.commit()
    return case


def put_in_state(case: Case, state: str, *, charge: bool = False) -> Case:
    """Set the fields a case has in `state` (as if it had got there by the workflow)."""
    day = case.received_on + timedelta(days=1)
    previous = case.state

    def acknowledged() -> None:
        case.acknowledged_at = at(day)
        case.acknowledged_on = day

    def responded() -> None:
        acknowledged()
        case.responded_at = at(day, 11)
        case.responded_on = day
        case.response_text = "Here is our answer."
        case.response_method = "email"

    if state == "acknowledged":
        acknowledged()
    elif state == "awaiting_clarification":
        acknowledged()
        case.paused_on = day
        if charge:
            case.charge_amount = Decimal("20.00")
    elif state == "responded":
        responded()
    elif state == "closed":
        responded()
        case.closed_at = at(day, 12)
        previous = "responded"
    elif state == "transferred":
        case.transferred_to = "foi"
        case.transfer_reference = "FOI-1"
        case.transferred_at = at(day)
        case.transferred_on = day
    elif state == "withdrawn":
        acknowledged()
        case.withdrawn_at = at(day, 12)
        case.withdrawn_on = day
        previous = "acknowledged"
    elif state == "referred_to_uksa":
        responded()
        case.uksa_referred_on = day
        previous = "responded"
    case.state = state
    if state != "received":
        db.session.add(
            CaseEvent(case=case, action="test_setup", from_state=previous, to_state=state)
        )
    db.session.commit()
    return case
