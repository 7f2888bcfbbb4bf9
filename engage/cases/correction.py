"""Correcting a case entered wrongly: the date received and channel, the requester's contact
details, the output, the kind. One function each; each needs a reason, writes one "corrected"
history entry with every old and new value and the reason, and commits once.

- The date received and the channel: the CSO office only. The deadlines are worked out again
  from the new date (respond-by keeps the working days already paused); the *original*
  deadlines stay as first set, for reporting. The date cannot be in the future, nor after
  anything already done on the case (acknowledged, paused, delay notice, responded, ...).
- The requester's contact details: the CSO office or the case's assignee.
- The output and the kind: the CSO office only, with the independence rule checked again (a
  complaint about an output may not be with a producer of that output) and, for a transferred
  case, the kind must still be one that goes where it went.

An anonymised case (personal data removed by the retention job) cannot be corrected.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import current_app

from engage.auth.permissions import has_permission
from engage.calendar import london_date, london_noon
from engage.cases import clock
from engage.cases.access import can_view, is_office
from engage.cases.models import Case, CaseEvent
from engage.cases.sla.deadlines import deadline_moves, recalculate
from engage.cases.workflow import (
    TRANSFER_FOR_KIND,
    CaseError,
    CaseForbidden,
    check_independent,
)
from engage.db_types import utcnow
from engage.extensions import db
from engage.filters import govuk_date as long_date
from engage.outputs.models import Output
from engage.vocab import CASE_CHANNELS, CASE_KINDS, TRANSFER_TARGETS

REASON_MAX = 2000
NOT_GIVEN = "not given"


# What can be corrected, as the case page lists it.
CORRECTABLE = {
    "received": "Date received or how it arrived",
    "requester": "Requester's details",
    "output": "Output",
    "kind": "Kind of case",
}


def corrections_allowed(case: Case, actor: Any) -> dict[str, str]:
    return {what: text for what, text in CORRECTABLE.items() if may_correct(case, actor, what)}


def may_correct(case: Case, actor: Any, what: str) -> bool:
    """`what`: "received", "requester", "output" or "kind"."""
    if not can_view(actor, case) or case.anonymised_at is not None:
        return False
    if is_office(actor):
        return True
    return (
        what == "requester"
        and has_permission(actor, "work_cases")
        and case.assigned_to_id is not None
        and case.assigned_to_id == actor.id
    )


def _require(case: Case, actor: Any, what: str) -> None:
    if not can_view(actor, case):
        raise CaseForbidden(f"case:correct-{what}:not-visible")
    if case.anonymised_at is not None:
        raise CaseError("The personal data of this case has been removed: it cannot be corrected")
    if not may_correct(case, actor, what):
        raise CaseForbidden(f"case:correct-{what}:role")


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise CaseError("Enter the reason for the correction", "reason")
    if len(text) > REASON_MAX:
        raise CaseError(f"The reason must be {REASON_MAX:,} characters or fewer", "reason")
    return text


def _record(case: Case, actor: Any, changes: list[str], reason: str, at: datetime) -> Case:
    if not changes:
        raise CaseError("Nothing has changed: enter the corrected details", None)
    db.session.add(
        CaseEvent(
            case=case,
            at=at,
            actor_id=getattr(actor, "id", None),
            action="corrected",
            from_state=case.state,
            to_state=case.state,
            note="\n".join([*changes, f"Reason: {reason}"]),
        )
    )
    db.session.commit()
    return case


def _change(what: str, old: Any, new: Any) -> str:
    return f"{what}: {old if old not in (None, '') else NOT_GIVEN} → {new or NOT_GIVEN}"


def _done_dates(case: Case) -> list[tuple[date, str]]:
    """What has been done on the case, by date: the date received may not come after any."""
    found = [
        (case.acknowledged_on, "the case was acknowledged"),
        # an acknowledgement email is sent when it is queued, though it counts once delivered
        (
            london_date(case.acknowledged_at)
            if case.acknowledged_at and case.acknowledged_on is None
            else None,
            "the case was acknowledged",
        ),
        (case.paused_on, "the clock was paused"),
        *((pause.paused_on, "the clock was paused") for pause in case.pauses),
        (case.delay_notice_on, "the delay notice was sent"),
        (case.responded_on, "the case was responded to"),
        (case.transferred_on, "the case was transferred"),
        (case.withdrawn_on, "the case was withdrawn"),
        (london_date(case.triaged_at) if case.triaged_at else None, "the case was triaged"),
    ]
    return sorted((d, what) for d, what in found if d is not None)


def correct_received(
    case: Case,
    actor: Any,
    *,
    received_on: date,
    channel: str,
    reason: str,
    now: datetime | None = None,
) -> Case:
    """Correct the date received and the channel; the deadlines follow the date."""
    _require(case, actor, "received")
    reason = _reason(reason)
    now = now or utcnow()
    if channel not in CASE_CHANNELS:
        raise CaseError("Select how the case arrived", "channel")
    if received_on > london_date(now):
        raise CaseError("The date received must be today or in the past", "received_on")
    earliest = date.fromisoformat(current_app.config["RECORDS_BEGIN"])
    if received_on < earliest:
        raise CaseError(
            f"The date received must be on or after {long_date(earliest)}, when the office's "
            "records begin",
            "received_on",
        )
    done = _done_dates(case)
    if done and received_on > done[0][0]:
        first, what = done[0]
        raise CaseError(
            f"The date received must be on or before {long_date(first)}, when {what}",
            "received_on",
        )
    cal = clock.current_calendar()
    changes = []
    if received_on != case.received_on:
        old_received = case.received_on
        case.received_on = received_on
        try:
            before = recalculate(case, cal, stopped_too=True)
        except ValueError:
            case.received_on = old_received
            raise CaseError(
                "The date received is outside the calendar Engage knows", "received_on"
            ) from None
        changes.append(_change("Date received", long_date(old_received), long_date(received_on)))
        changes += [m[0].upper() + m[1:] for m in deadline_moves(case, before)]
        case.received_at = london_noon(received_on)
    if channel != case.channel:
        changes.append(
            _change(
                "Channel", CASE_CHANNELS.get(case.channel, case.channel), CASE_CHANNELS[channel]
            )
        )
        case.channel = channel
    return _record(case, actor, changes, reason, now)


def correct_requester(
    case: Case,
    actor: Any,
    *,
    name: str,
    email: str | None,
    address: str | None,
    phone: str | None,
    reason: str,
    now: datetime | None = None,
) -> Case:
    """Correct the requester's name and contact details (formats are the form's to check)."""
    _require(case, actor, "requester")
    reason = _reason(reason)
    name = (name or "").strip()
    if not name:
        raise CaseError("Enter the requester's full name", "requester_name")
    email = (email or "").strip() or None
    address = (address or "").strip() or None
    phone = (phone or "").strip() or None
    if not email and not address:
        raise CaseError("Enter the requester's email address or postal address", "requester_email")
    changes = []
    for label, field, new in (
        ("Name", "requester_name", name[:200]),
        ("Email address", "requester_email", email),
        ("Postal address", "requester_address", address),
        ("Phone number", "requester_phone", phone),
    ):
        old = getattr(case, field)
        if old != new:
            changes.append(_change(label, old, new))
            setattr(case, field, new)
    return _record(case, actor, changes, reason, now or utcnow())


def correct_output(
    case: Case, actor: Any, *, output: Output | None, reason: str, now: datetime | None = None
) -> Case:
    """Correct which output the case is about (or none)."""
    _require(case, actor, "output")
    reason = _reason(reason)
    if output == case.output:
        raise CaseError("Nothing has changed: select the output the case is about", "output_id")
    old = case.output
    case.output = output
    if case.assigned_to is not None:
        try:
            check_independent(case, case.assigned_to)
        except CaseError as error:
            case.output = old
            raise CaseError(
                error.message + ". Assign it to someone else first", "output_id"
            ) from None
    changes = [
        _change(
            "Output",
            old.title if old else "not about a particular output",
            output.title if output else "not about a particular output",
        )
    ]
    return _record(case, actor, changes, reason, now or utcnow())


def correct_kind(
    case: Case, actor: Any, *, kind: str, reason: str, now: datetime | None = None
) -> Case:
    """Correct the kind of case, in any state, with its route and independence re-checked."""
    _require(case, actor, "kind")
    reason = _reason(reason)
    if kind not in CASE_KINDS:
        raise CaseError("Select the kind of case", "kind")
    if kind == case.kind:
        raise CaseError("Nothing has changed: select the correct kind", "kind")
    if case.transferred_to and TRANSFER_FOR_KIND.get(kind) != case.transferred_to:
        raise CaseError(
            f"This case was transferred to {TRANSFER_TARGETS[case.transferred_to]}: it can only "
            "be a kind of case that goes there",
            "kind",
        )
    if case.assigned_to is not None:
        try:
            check_independent(case, case.assigned_to, kind=kind)
        except CaseError as error:
            raise CaseError(error.message + ". Assign it to someone else first", "kind") from None
    changes = [_change("Kind", CASE_KINDS[case.kind], CASE_KINDS[kind])]
    case.kind = kind
    return _record(case, actor, changes, reason, now or utcnow())
