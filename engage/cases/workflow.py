"""Case workflow: one function per state change.

Each function checks who may do it (`RULES`: the CSO office, or the case's assignee for the
day-to-day work) and in which state, changes the case, writes one `CaseEvent` (the append-only
history), queues any email to the requester in the same transaction and commits once. A refused
change raises `CaseForbidden` (the actor may not: a Refusal, answered 403 with an audit row) or
`CaseError` (not in this state, or invalid input; views show it as a form error) and changes
nothing. Who may do what in which state is `RULES`, in rules.py.

States: received -> acknowledged -> responded -> closed, with awaiting_clarification (the
respond clock paused), transferred (FoI, internal review, press office: the clock stops),
withdrawn and referred_to_uksa. Dates are Europe/London; `now` may be passed for tests.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from engage.auth.models import User
from engage.auth.permissions import has_permission
from engage.calendar import SPAN_END, WorkingCalendar, london_date
from engage.cases import clock
from engage.cases.models import Case, CaseEvent, CasePause

# The rules (who may make which change in which state) and the two errors are in rules.py;
# they are named here too, where every caller has always found them.
from engage.cases.rules import (  # noqa: F401
    RULES,
    TRANSFER_FOR_KIND,
    CaseError,
    CaseForbidden,
    allowed_actions,
    check,
    unavailable_actions,
)
from engage.cases.sla.deadlines import deadline_moves, recalculate
from engage.cases.sla.delivered import (
    ACKNOWLEDGEMENT_METHODS,
    acknowledgement_pending,
    check_done_on,
    mark_done_another_way,
    mark_emailed,
)
from engage.db_types import utcnow
from engage.extensions import db
from engage.filters import govuk_date as long_date
from engage.mail.outbox import queue_email
from engage.vocab import CASE_KINDS, COMPLAINT_KINDS, TRANSFER_TARGETS, method_choices

RESPONSE_METHODS = method_choices("email", "post", "phone")
# How a requester told us something (a withdrawal, a reply).
CONTACT_METHODS = method_choices("email", "post", "phone")


def _now(now: datetime | None) -> datetime:
    return now or utcnow()


def record_event(
    case: Case, actor: Any, action: str, note: str | None, *, from_state: str, at: datetime
) -> CaseEvent:
    event = CaseEvent(
        case=case,
        at=at,
        actor_id=getattr(actor, "id", None),
        action=action,
        from_state=from_state,
        to_state=case.state,
        note=note or None,
    )
    db.session.add(event)
    return event


def _email_requester(case: Case, template: str, **context: Any) -> None:
    if case.requester_email:
        queue_email(case.requester_email, template, case=case, **context)


def _not_future(value: date, today: date, field: str, what: str) -> None:
    if value > today:
        raise CaseError(f"{what} must be today or in the past", field)


def _finish(case: Case) -> Case:
    db.session.commit()
    return case


# --- triage and assignment --------------------------------------------------------------------


def triage(case: Case, actor: User, *, kind: str, note: str = "", now: datetime | None = None):
    """Set the kind of case (the route it takes). CSO office only."""
    check(case, actor, "triage")
    if kind not in CASE_KINDS:
        raise CaseError("Select what kind of case this is", "kind")
    if kind in COMPLAINT_KINDS and case.assigned_to is not None:
        _check_independent(case, case.assigned_to, kind=kind)
    at = _now(now)
    before = case.kind
    case.kind = kind
    case.triaged_at = at
    text = (
        f"Kind: {CASE_KINDS[before]} → {CASE_KINDS[kind]}" if before != kind else CASE_KINDS[kind]
    )
    record_event(
        case, actor, "triaged", "\n".join(filter(None, [text, note])), from_state=case.state, at=at
    )
    return _finish(case)


def _check_independent(case: Case, assignee: User, *, kind: str | None = None) -> None:
    """A complaint about an output may not go to a producer of that output."""
    complaint = (kind or case.kind) in COMPLAINT_KINDS
    if complaint and case.output is not None and case.output.is_owned_by(assignee):
        raise CaseError(
            f"{assignee.name} produces {case.output.title}: a complaint about an output must "
            "be handled by someone independent of it",
            "assignee",
        )


# For other modules of the area (correction re-checks it when the output or kind changes).
check_independent = _check_independent


def assign(case: Case, actor: User, *, assignee: User, note: str = "", now=None) -> Case:
    """Assign the case to a member of staff who works cases; they are emailed."""
    check(case, actor, "assign")
    if not assignee.active or not has_permission(assignee, "work_cases"):
        raise CaseError("Select someone who works on cases", "assignee")
    _check_independent(case, assignee)
    at = _now(now)
    previous = case.assigned_to
    case.assigned_to = assignee
    case.assigned_to_id = assignee.id
    what = f"Assigned to {assignee.name}" + (f" (was {previous.name})" if previous else "")
    record_event(
        case, actor, "assigned", "\n".join(filter(None, [what, note])), from_state=case.state, at=at
    )
    queue_email(assignee.email, "case_assigned", case=case, assignee=assignee, note=note)
    return _finish(case)


# --- acknowledgement, clarification and charges -----------------------------------------------


def _acknowledge_fields(case: Case, at: datetime) -> None:
    """A full response also acknowledges: on the day it is recorded, by its own method."""
    case.acknowledged_at = at
    case.acknowledged_on = london_date(at)
    case.acknowledgement_method = case.acknowledgement_method or "response"


def acknowledge(
    case: Case,
    actor: User,
    *,
    note: str = "",
    method: str | None = None,
    on: date | None = None,
    now=None,
) -> Case:
    """Acknowledge receipt, by `method` (default: email when we have their address, else
    post) on `on` (default today; earlier when recorded after the event, never before receipt
    nor in the future). By email today, Engage sends it and it counts once delivered
    (engage.cases.sla.delivered); by email on an earlier day, it was sent from elsewhere and
    counts on that day; by post, phone or in person it counts on `on`."""
    check(case, actor, "acknowledge")
    at = _now(now)
    today = london_date(at)
    method = method or ("email" if case.requester_email else "post")
    on = on or today
    if method not in ACKNOWLEDGEMENT_METHODS:
        raise CaseError("Select how the requester was acknowledged", "method")
    problem = check_done_on(case, on, today)
    if problem:
        raise CaseError(problem, "on")
    send_now = method == "email" and on == today
    if send_now and not case.requester_email:
        raise CaseError("There is no email address for this requester", "method")
    before = case.state
    if send_now:
        mark_emailed(case, at)
    else:
        mark_done_another_way(case, on=on, method=method, at=at)
    if case.state == "received":  # a paused case stays paused
        case.state = "acknowledged"
    how = ACKNOWLEDGEMENT_METHODS[method].lower()
    what = (
        "Acknowledgement emailed: it counts once delivered"
        if send_now
        else f"Acknowledged {how} on {long_date(on)}"
    )
    record_event(
        case, actor, "acknowledged", "\n".join(filter(None, [what, note])), from_state=before, at=at
    )
    if send_now:
        _email_requester(case, "case_acknowledged")
    return _finish(case)


def _pause(case: Case, at: datetime) -> None:
    case.paused_on = london_date(at)
    case.pauses.append(CasePause(paused_on=case.paused_on, working_days=0))
    case.state = "awaiting_clarification"


def _end_pause(case: Case, on: date) -> CasePause | None:
    """Close the open pause (if any) on `on`; the respond clock is no longer paused."""
    pause = next((p for p in case.pauses if p.resumed_on is None), None)
    if pause is None and case.paused_on is not None:  # paused before pauses were recorded
        pause = CasePause(paused_on=case.paused_on, working_days=0)
        case.pauses.append(pause)
    if pause is not None:
        pause.resumed_on = max(on, pause.paused_on)
    case.paused_on = None
    return pause


def resume_clock(case: Case, replied_on: date, cal: WorkingCalendar) -> int:
    """End the pause: respond-by moves later by the working days paused. Returns that number.

    The days paused are the working days after the pause began up to and including the day of
    the reply (the clock restarts the working day after the reply); respond-by is worked out
    again with the calendar in force (engage.cases.sla.deadlines.recalculate).
    """
    assert case.paused_on is not None  # nosec B101 - guarded by the rules
    if replied_on < case.paused_on:
        raise CaseError("The reply cannot be before the request was sent", "replied_on")
    pause = _end_pause(case, replied_on)
    case.state = "acknowledged" if case.acknowledged_on else "received"
    recalculate(case, cal)
    return pause.working_days if pause is not None else 0


def request_clarification(case: Case, actor: User, *, question: str, now=None) -> Case:
    """Ask the requester for clarification; the response clock pauses until they reply."""
    check(case, actor, "request_clarification")
    if not question.strip():
        raise CaseError("Enter what you need the requester to clarify", "question")
    at = _now(now)
    before = case.state
    case.clarification_request = question.strip()
    _pause(case, at)
    record_event(case, actor, "clarification_requested", question, from_state=before, at=at)
    _email_requester(case, "case_clarification", question=question.strip())
    return _finish(case)


def clarification_received(
    case: Case, actor: User, *, replied_on: date, note: str = "", now=None
) -> Case:
    """Record the requester's reply; respond-by moves later by the working days paused."""
    check(case, actor, "clarification_received")
    at = _now(now)
    _not_future(replied_on, london_date(at), "replied_on", "The date of the reply")
    if case.paused_on is not None and replied_on < case.paused_on:
        raise CaseError(
            f"The date of the reply cannot be before {long_date(case.paused_on)}, when we asked",
            "replied_on",
        )
    before = case.state
    old = case.respond_by
    paused = resume_clock(case, replied_on, clock.current_calendar())
    text = f"Clock paused for {paused} working day{'s' if paused != 1 else ''}; respond by moved "
    text += f"from {long_date(old)} to {long_date(case.respond_by)}"
    record_event(
        case,
        actor,
        "clarification_received",
        "\n".join(filter(None, [text, note])),
        from_state=before,
        at=at,
    )
    return _finish(case)


def quote_charge(case: Case, actor: User, *, amount: Decimal, explanation: str, now=None) -> Case:
    """Tell the requester the charge for a different format; the clock pauses for their answer."""
    check(case, actor, "quote_charge")
    if amount is None or amount <= 0:
        raise CaseError("Enter a charge more than £0", "amount")
    if amount >= Decimal("100000"):
        raise CaseError("Enter a charge less than £100,000", "amount")
    if not explanation.strip():
        raise CaseError("Enter what the charge is for", "explanation")
    at = _now(now)
    before = case.state
    case.charge_amount = amount.quantize(Decimal("0.01"))
    case.charge_accepted = None
    case.clarification_request = explanation.strip()
    _pause(case, at)
    record_event(
        case,
        actor,
        "charge_quoted",
        f"£{case.charge_amount:,.2f}: {explanation.strip()}",
        from_state=before,
        at=at,
    )
    _email_requester(case, "case_charge_quote", explanation=explanation.strip())
    return _finish(case)


def record_charge_answer(
    case: Case, actor: User, *, accepted: bool, replied_on: date, note: str = "", now=None
) -> Case:
    """Record whether the requester agreed to pay; the clock restarts either way."""
    check(case, actor, "record_charge_answer")
    at = _now(now)
    _not_future(replied_on, london_date(at), "replied_on", "The date of the answer")
    before = case.state
    paused = resume_clock(case, replied_on, clock.current_calendar())
    case.charge_accepted = accepted
    answer = "agreed to pay the charge" if accepted else "refused the charge"
    text = f"Requester {answer}; clock paused for {paused} working day{'s' if paused != 1 else ''}"
    record_event(
        case,
        actor,
        "charge_accepted" if accepted else "charge_refused",
        "\n".join(filter(None, [text, note])),
        from_state=before,
        at=at,
    )
    return _finish(case)


# --- delay, response, closing -----------------------------------------------------------------


LONG_DELAY_WORKING_DAYS = 20


def send_delay_notice(
    case: Case,
    actor: User,
    *,
    reason: str,
    revised_target_on: date,
    long_delay_reason: str = "",
    now=None,
) -> Case:
    """Tell the requester, before respond-by, why we are late and when to expect a response.
    The revised date is a working day after respond-by, and no more than 20 working days
    after it unless `long_delay_reason` says why."""
    check(case, actor, "send_delay_notice")
    at = _now(now)
    today = london_date(at)
    if today > case.respond_by:
        raise CaseError(
            f"A delay notice must be sent by the respond-by date, {long_date(case.respond_by)}"
        )
    if not reason.strip():
        raise CaseError("Enter the reason for the delay", "reason")
    if revised_target_on <= case.respond_by:
        raise CaseError(
            f"The revised date must be after the respond-by date, {long_date(case.respond_by)}",
            "revised_target_on",
        )
    cal = clock.current_calendar()
    if revised_target_on > SPAN_END:  # a typed year like 2199: beyond the working-day calendar
        raise CaseError(
            f"The revised date must be on or before {long_date(SPAN_END)}", "revised_target_on"
        )
    if not cal.is_working_day(revised_target_on):
        raise CaseError("The revised date must be a working day", "revised_target_on")
    latest = cal.add_working_days(case.respond_by, LONG_DELAY_WORKING_DAYS)
    long_delay_reason = (long_delay_reason or "").strip()
    if revised_target_on > latest and not long_delay_reason:
        raise CaseError(
            f"The revised date is more than {LONG_DELAY_WORKING_DAYS} working days after the "
            f"respond-by date (the latest is {long_date(latest)}): say why it needs longer",
            "long_delay_reason",
        )
    if revised_target_on > latest:
        reason = f"{reason.strip()}\n{long_delay_reason}"
    before = case.state
    case.delay_notice_sent_at = at
    case.delay_notice_on = today
    case.delay_reason = reason.strip()
    case.revised_target_on = revised_target_on
    record_event(
        case,
        actor,
        "delay_notice_sent",
        f"Revised target {long_date(revised_target_on)}: {reason.strip()}",
        from_state=before,
        at=at,
    )
    _email_requester(case, "case_delay")
    return _finish(case)


def respond(
    case: Case, actor: User, *, text: str, method: str, on: date | None = None, now=None
) -> Case:
    """Record the full response (its text is kept): by email today, Engage sends it; by email
    on an earlier day (sent from elsewhere), by post or by phone, it is recorded as done on
    `on` (not before receipt, not in the future)."""
    check(case, actor, "respond")
    if not text.strip():
        raise CaseError("Enter the response", "text")
    if method not in RESPONSE_METHODS:
        raise CaseError("Select how the response is sent", "method")
    at = _now(now)
    today = london_date(at)
    on = on or today
    problem = check_done_on(case, on, today)
    if problem:
        raise CaseError(problem, "on")
    replied = max((p.resumed_on for p in case.pauses if p.resumed_on), default=None)
    if replied is not None and on < replied:  # no full response while we waited for an answer
        raise CaseError(
            f"The date cannot be before {long_date(replied)}, when the clock started again",
            "on",
        )
    send_now = method == "email" and on == today
    if send_now and not case.requester_email:
        raise CaseError("There is no email address for this requester: send it by post", "method")
    if method == "post" and not case.requester_address:
        raise CaseError("There is no postal address for this requester: send it by email", "method")
    before = case.state
    # A full response is also the acknowledgement, unless an acknowledgement email is still on
    # its way (the rule reads the response date meanwhile: engage.cases.sla.rules).
    if case.acknowledged_on is None and not acknowledgement_pending(case):
        _acknowledge_fields(case, at)
        case.acknowledged_on = on
    case.responded_at = at
    case.responded_on = on
    case.response_text = text.strip()
    case.response_method = method
    case.state = "responded"
    how = RESPONSE_METHODS[method].lower()
    record_event(
        case,
        actor,
        "responded",
        f"Full response sent {how}" + ("" if on == today else f" on {long_date(on)}"),
        from_state=before,
        at=at,
    )
    if send_now:
        _email_requester(case, "case_response")
    return _finish(case)


def close(case: Case, actor: User, *, note: str = "", now=None) -> Case:
    check(case, actor, "close")
    at = _now(now)
    before = case.state
    case.state = "closed"
    case.closed_at = at
    record_event(case, actor, "closed", note, from_state=before, at=at)
    return _finish(case)


def withdraw(
    case: Case,
    actor: User,
    *,
    note: str = "",
    on: date | None = None,
    method: str | None = None,
    now=None,
) -> Case:
    """The requester withdrew (told us by `method`, on `on`: not before receipt, not in the
    future): the clocks stop on that day."""
    check(case, actor, "withdraw")
    at = _now(now)
    today = london_date(at)
    on = on or today
    problem = check_done_on(case, on, today)
    if problem:
        raise CaseError(problem, "on")
    if method is not None and method not in CONTACT_METHODS:
        raise CaseError("Select how the requester told us", "method")
    before = case.state
    case.state = "withdrawn"
    case.withdrawn_at = at
    case.withdrawn_on = on
    _end_pause(case, case.withdrawn_on)
    told = f"Told us {CONTACT_METHODS[method].lower()}" if method else ""
    when = "" if on == today else f"Withdrawn on {long_date(on)}"
    record_event(
        case,
        actor,
        "withdrawn",
        "\n".join(filter(None, [when, told, note])),
        from_state=before,
        at=at,
    )
    return _finish(case)


def reopen(case: Case, actor: User, *, reason: str, now=None) -> Case:
    """Return a closed or withdrawn case to the state it was in before."""
    check(case, actor, "reopen")
    if not reason.strip():
        raise CaseError("Enter why the case is being reopened", "reason")
    at = _now(now)
    before = case.state
    previous = next(
        (e.from_state for e in reversed(case.history) if e.to_state == before and e.from_state),
        None,
    )
    if before == "withdrawn":
        case.withdrawn_at = None
        case.withdrawn_on = None
        if previous == "awaiting_clarification":  # the pause ended when it was withdrawn
            previous = None
        target = previous or ("acknowledged" if case.acknowledged_on else "received")
    else:
        case.closed_at = None
        target = previous if previous in ("responded", "referred_to_uksa") else "responded"
    case.state = target
    # The clocks that run again do so against deadlines from the calendar as it is now.
    moves = deadline_moves(case, recalculate(case, clock.current_calendar()))
    note = "\n".join([reason.strip(), *(f"Deadline moved: {m}" for m in moves)])
    record_event(case, actor, "reopened", note, from_state=before, at=at)
    return _finish(case)


# --- routes out: transfers and the UK Statistics Authority ------------------------------------


def transfer(case: Case, actor: User, *, to: str, reference: str = "", note: str = "", now=None):
    """Transfer to FoI (with its reference), the FoI internal review, or the press office.

    The clock here stops at transfer. A media enquiry redirected to the press office is
    recorded and closed as redirected.
    """
    check(case, actor, "transfer")
    expected = TRANSFER_FOR_KIND[case.kind]
    if to != expected:
        raise CaseError(
            f"A {CASE_KINDS[case.kind].lower()} goes to {TRANSFER_TARGETS[expected]}", "to"
        )
    reference = reference.strip()
    if to == "foi" and not reference:
        raise CaseError("Enter the FoI reference", "reference")
    at = _now(now)
    before = case.state
    case.state = "transferred"
    case.transferred_to = to
    case.transfer_reference = reference or None
    case.transferred_at = at
    case.transferred_on = london_date(at)
    _end_pause(case, case.transferred_on)
    text = f"Transferred to {TRANSFER_TARGETS[to]}" + (
        f" (reference {reference})" if reference else ""
    )
    if to == "press_office":
        case.closed_at = at
        text += "; closed as redirected"
    record_event(
        case, actor, "transferred", "\n".join(filter(None, [text, note])), from_state=before, at=at
    )
    _email_requester(case, "case_transferred", target=TRANSFER_TARGETS[to])
    return _finish(case)


def refer_to_uksa(case: Case, actor: User, *, referred_on: date, note: str = "", now=None) -> Case:
    """The complainant referred the complaint to the UK Statistics Authority."""
    check(case, actor, "refer_to_uksa")
    at = _now(now)
    _not_future(referred_on, london_date(at), "referred_on", "The referral date")
    assert case.responded_on is not None  # nosec B101 - guarded by the rule
    if referred_on < case.responded_on:
        raise CaseError(
            "The referral date must be on or after the date of our full response", "referred_on"
        )
    before = case.state
    case.uksa_referred_on = referred_on
    case.state = "referred_to_uksa"
    case.closed_at = None
    record_event(
        case,
        actor,
        "referred_to_uksa",
        "\n".join(
            filter(
                None, [f"Referred to the UK Statistics Authority on {long_date(referred_on)}", note]
            )
        ),
        from_state=before,
        at=at,
    )
    return _finish(case)


def record_uksa_outcome(
    case: Case, actor: User, *, outcome: str, outcome_on: date, now=None
) -> Case:
    check(case, actor, "record_uksa_outcome")
    at = _now(now)
    if not outcome.strip():
        raise CaseError("Enter the Authority's outcome", "outcome")
    _not_future(outcome_on, london_date(at), "outcome_on", "The date of the outcome")
    assert case.uksa_referred_on is not None  # nosec B101 - state implies it
    if outcome_on < case.uksa_referred_on:
        raise CaseError("The outcome date must be on or after the referral date", "outcome_on")
    case.uksa_outcome = outcome.strip()
    case.uksa_outcome_on = outcome_on
    record_event(
        case, actor, "uksa_outcome_recorded", outcome.strip(), from_state=case.state, at=at
    )
    return _finish(case)
