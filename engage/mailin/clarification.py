"""A requester's emailed reply to a clarification request resumes the respond clock from the
day the office received it (through the workflow's own resume), recorded in the history; the
CSO office or the assignee can undo it with a reason (the pause is restored)."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

from engage.calendar import london_date
from engage.cases import clock
from engage.cases.models import Case
from engage.cases.sla.deadlines import recalculate
from engage.cases.workflow import CaseError, check, record_event, resume_clock
from engage.filters import govuk_date as long_date
from engage.mailin.models import InboundMessage

UNDO_ACTION = "clarification_resumed_by_email"


def resume_from_reply(case: Case, row: InboundMessage, now: datetime) -> None:
    replied_on = london_date(row.received_at)
    if case.paused_on is not None and replied_on < case.paused_on:
        replied_on = case.paused_on
    old = case.respond_by
    paused = resume_clock(case, replied_on, clock.current_calendar())
    text = (
        f"Reply to the clarification request received by email on {long_date(replied_on)} "
        f"(message {row.id}): clock paused for {paused} working day"
        f"{'s' if paused != 1 else ''}; respond by moved from {long_date(old)} to "
        f"{long_date(case.respond_by)}"
    )
    record_event(case, None, UNDO_ACTION, text, from_state="awaiting_clarification", at=now)


def undo_resume(case: Case, actor: Any, *, reason: str, now: datetime) -> None:
    """The emailed message was not the clarification after all: the clock is paused again
    from the original request, as if the reply had not come. Does not commit."""
    # Who may pause this case's clock, before anything about the case is said (its state is
    # explained below).
    with contextlib.suppress(CaseError):
        check(case, actor, "request_clarification")
    reason = (reason or "").strip()
    if not reason:
        raise CaseError("Enter why the clock should be paused again", "reason")
    if len(reason) > 2000:
        raise CaseError("The reason must be 2,000 characters or fewer", "reason")
    last = next((e for e in sorted(case.history, key=lambda e: e.id, reverse=True)), None)
    if last is None or last.action != UNDO_ACTION:
        raise CaseError("The clock was not last resumed by an emailed reply")
    check(case, actor, "request_clarification")
    pause = max((p for p in case.pauses if p.resumed_on is not None), key=lambda p: p.id)
    pause.resumed_on = None
    case.paused_working_days -= pause.working_days  # counted again when it really ends
    pause.working_days = 0
    case.paused_on = pause.paused_on
    before = case.state
    case.state = "awaiting_clarification"
    recalculate(case, clock.current_calendar())
    record_event(case, actor, "clarification_resume_undone", reason, from_state=before, at=now)
