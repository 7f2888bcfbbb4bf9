"""Which change to a case is allowed, to whom and in which state: the workflow's rules as data.

`RULES[name]` names the states a change may start from, who may make it ("office": the CSO
office; "worker": the office or the case's assignee) and any further condition with the reason
it fails. `check(case, actor, name)` raises `CaseForbidden` (the actor may not: 403 and an
audit row) or `CaseError` (not now; shown on the form). `allowed_actions` and
`unavailable_actions` give the case page what to offer. The functions that make each change
are in workflow.py; the page of each is in actions.py (keyed by the same names).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from engage.auth.permissions import has_permission
from engage.calendar import today_london
from engage.cases.access import can_view, is_office
from engage.cases.models import Case
from engage.errors import Refusal, RuleError
from engage.vocab import CASE_STATES, COMPLAINT_KINDS, OPEN_STATES

# Which kind of case goes where (DOMAIN.md "Kinds and routes").
TRANSFER_FOR_KIND: dict[str, str] = {
    "unpublished_statistics": "foi",
    "foi_complaint": "internal_review",
    "media": "press_office",
}


class CaseError(RuleError):
    """A case rule refused the change (engage/errors.py)."""


class CaseForbidden(Refusal):
    """The actor may not do this to this case (engage/errors.py)."""


def _charge_pending(case: Case) -> bool:
    return case.state == "awaiting_clarification" and (
        case.charge_amount is not None and case.charge_accepted is None
    )


@dataclass(frozen=True)
class Rule:
    states: frozenset[str]
    who: str  # "office" (CSO office) or "worker" (CSO office or the case's assignee)
    when: Callable[[Case], bool] = lambda case: True
    why_not: str = ""


RULES: dict[str, Rule] = {
    "triage": Rule(OPEN_STATES, "office"),
    "assign": Rule(OPEN_STATES, "office"),
    # A pause stops only the respond clock: a case waiting for clarification or for consent to
    # a charge can still be acknowledged. So can an "acknowledged" case whose acknowledgement
    # email has not been delivered (it may have bounced): staff then record another way
    # (engage.cases.sla.delivered).
    "acknowledge": Rule(
        OPEN_STATES,
        "worker",
        lambda c: c.acknowledged_on is None,
        "The case is already acknowledged",
    ),
    "request_clarification": Rule(frozenset({"received", "acknowledged"}), "worker"),
    "clarification_received": Rule(
        frozenset({"awaiting_clarification"}),
        "worker",
        lambda c: not _charge_pending(c),
        "The case is waiting for an answer to a charge, not for clarification",
    ),
    "quote_charge": Rule(
        frozenset({"received", "acknowledged"}),
        "worker",
        lambda c: c.kind == "different_format",
        "Only a request for a different format can carry a charge",
    ),
    "record_charge_answer": Rule(
        frozenset({"awaiting_clarification"}),
        "worker",
        _charge_pending,
        "No charge is waiting for the requester's answer",
    ),
    "send_delay_notice": Rule(OPEN_STATES, "worker"),
    "respond": Rule(frozenset({"received", "acknowledged"}), "worker"),
    "close": Rule(frozenset({"responded", "referred_to_uksa"}), "office"),
    "withdraw": Rule(OPEN_STATES, "office"),
    "reopen": Rule(frozenset({"closed", "withdrawn"}), "office"),
    "transfer": Rule(
        OPEN_STATES,
        "office",
        lambda c: c.kind in TRANSFER_FOR_KIND,
        "Only requests for unpublished statistics, complaints about FoI information and media "
        "enquiries are transferred",
    ),
    "refer_to_uksa": Rule(
        frozenset({"responded", "closed"}),
        "office",
        lambda c: c.kind in COMPLAINT_KINDS and c.responded_on is not None,
        "Only a complaint that has had a full response can be referred",
    ),
    "record_uksa_outcome": Rule(
        frozenset({"referred_to_uksa"}),
        "office",
        lambda c: c.uksa_outcome is None,
        "The Authority's outcome is already recorded",
    ),
}


def _may_act(actor: Any, case: Case, who: str) -> bool:
    if is_office(actor):
        return True
    return (
        who == "worker"
        and has_permission(actor, "work_cases")
        and case.assigned_to_id is not None
        and case.assigned_to_id == actor.id
    )


def check(case: Case, actor: Any, action: str) -> None:
    """Raise CaseForbidden or CaseError unless `actor` may do `action` to `case` now."""
    rule = RULES[action]
    if not can_view(actor, case):
        raise CaseForbidden(f"case:{action}:not-visible")
    if not _may_act(actor, case, rule.who):
        raise CaseForbidden(f"case:{action}:role")
    if case.state not in rule.states:
        state = CASE_STATES.get(case.state, case.state).lower()
        raise CaseError(f"You cannot do this while the case is {state}")
    if not rule.when(case):
        raise CaseError(rule.why_not)


# Actions that also depend on the day (checked again, with the day of the change, by their
# functions): the case page does not offer them, and says why.
NOT_TODAY: dict[str, tuple[Callable[[Case, date], bool], str]] = {
    "send_delay_notice": (
        lambda c, today: today <= c.respond_by,
        "The respond-by date has passed: a delay notice can only be sent before it",
    ),
}


def unavailable_actions(case: Case, actor: Any, today: date | None = None) -> dict[str, str]:
    """Actions this actor could take in this state but not today, with the reason (the case
    page shows the reason instead of offering something that would be refused)."""
    today = today or today_london()
    found = {}
    for action, (possible, why) in NOT_TODAY.items():
        try:
            check(case, actor, action)
        except (CaseError, CaseForbidden):
            continue
        if not possible(case, today):
            found[action] = why
    return found


def allowed_actions(case: Case, actor: Any, today: date | None = None) -> list[str]:
    """What `actor` may do to `case` on `today` (default: today in London)."""
    allowed = []
    for action in RULES:
        try:
            check(case, actor, action)
        except (CaseError, CaseForbidden):
            continue
        allowed.append(action)
    refused_today = unavailable_actions(case, actor, today)
    return [a for a in allowed if a not in refused_today]
