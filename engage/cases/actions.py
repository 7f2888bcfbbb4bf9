"""The case actions: one page per workflow rule (/staff/cases/<reference>/<slug>), keyed by the
rule's name in `workflow.RULES` (tests/cases/test_actions.py checks that every rule has its
action and no action lacks a rule). Each action names its page's title, form, the domain
function it calls, the message when done, a hint, and the form's values on a fresh page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_wtf import FlaskForm

from engage.auth.models import User
from engage.cases import forms, workflow
from engage.cases.models import Case
from engage.cases.rules import TRANSFER_FOR_KIND, CaseError
from engage.extensions import db


@dataclass(frozen=True)
class Action:
    slug: str  # the last part of the page's URL
    title: str
    form: type[FlaskForm]
    run: Callable[[Any, User, Any], Any]
    done: str
    hint: str = ""
    # The form's values when the page is first shown, from the case and today's date.
    defaults: Callable[[Case, date], dict[str, Any]] = field(default=lambda case, today: {})


def _assign(case, actor, form):  # type: ignore[no-untyped-def]
    assignee = db.session.get(User, int(form.assignee.data)) if form.assignee.data else None
    if assignee is None:
        raise CaseError("Select who to assign the case to", "assignee")
    return workflow.assign(case, actor, assignee=assignee, note=form.note.data or "")


def _by_the_usual_means(case: Case, today: date) -> dict[str, Any]:
    """Email when we have the requester's address, else post; today."""
    return {"method": "email" if case.requester_email else "post", "on": today}


ACTIONS: dict[str, Action] = {
    "triage": Action(
        "triage",
        "Set the kind of case",
        forms.TriageForm,
        lambda c, a, f: workflow.triage(c, a, kind=f.kind.data, note=f.note.data or ""),
        "Kind of case saved",
        defaults=lambda case, today: {"kind": case.kind},
    ),
    "assign": Action(
        "assign",
        "Assign the case",
        forms.AssignForm,
        _assign,
        "Case assigned",
        "The person you assign is emailed. A complaint about an output cannot go "
        "to a producer of that output.",
    ),
    "acknowledge": Action(
        "acknowledge",
        "Acknowledge the case",
        forms.AcknowledgeForm,
        lambda c, a, f: workflow.acknowledge(
            c, a, note=f.note.data or "", method=f.method.data, on=f.on.data
        ),
        "Acknowledgement recorded",
        "By email today, Engage sends the acknowledgement and it counts once the mail server "
        "accepts it. If it was sent by post, by phone or in person, or emailed from elsewhere, "
        "record the day it happened: not before the day of receipt, not in the future.",
        defaults=_by_the_usual_means,
    ),
    "request_clarification": Action(
        "request-clarification",
        "Ask the requester for clarification",
        forms.ClarificationForm,
        lambda c, a, f: workflow.request_clarification(c, a, question=f.question.data),
        "Clarification requested: the response clock is paused",
        "The response clock pauses until they reply. The request is emailed if we have their "
        "email address.",
    ),
    "clarification_received": Action(
        "clarification-received",
        "Record the requester's reply",
        forms.ReplyForm,
        lambda c, a, f: workflow.clarification_received(
            c, a, replied_on=f.replied_on.data, note=f.note.data or ""
        ),
        "Reply recorded: the response clock has restarted",
        "The respond-by date moves later by the working days the clock was paused.",
    ),
    "quote_charge": Action(
        "quote-charge",
        "Quote a charge",
        forms.ChargeForm,
        lambda c, a, f: workflow.quote_charge(
            c, a, amount=f.amount_value, explanation=f.explanation.data
        ),
        "Charge quoted: the response clock is paused until the requester answers",
        "The requester must agree to pay before work starts. The clock is paused meanwhile.",
    ),
    "record_charge_answer": Action(
        "charge-answer",
        "Record the answer to the charge",
        forms.ChargeAnswerForm,
        lambda c, a, f: workflow.record_charge_answer(
            c,
            a,
            accepted=f.accepted.data == "yes",
            replied_on=f.replied_on.data,
            note=f.note.data or "",
        ),
        "Answer recorded: the response clock has restarted",
    ),
    "send_delay_notice": Action(
        "delay-notice",
        "Send a delay notice",
        forms.DelayForm,
        lambda c, a, f: workflow.send_delay_notice(
            c,
            a,
            reason=f.reason.data,
            revised_target_on=f.revised_target_on.data,
            long_delay_reason=f.long_delay_reason.data or "",
        ),
        "Delay notice sent",
        "A delay notice must be sent before the respond-by date. A late response is still "
        "late, but reports show that the requester was told.",
    ),
    "respond": Action(
        "respond",
        "Record the full response",
        forms.RespondForm,
        lambda c, a, f: workflow.respond(
            c, a, text=f.text.data, method=f.method.data, on=f.on.data
        ),
        "Response recorded",
        "The text is kept on the case. By email today, Engage sends it to the requester. By "
        "post or phone, or emailed from elsewhere, record the day it was sent.",
        defaults=_by_the_usual_means,
    ),
    "close": Action(
        "close",
        "Close the case",
        forms.NoteForm,
        lambda c, a, f: workflow.close(c, a, note=f.note.data or ""),
        "Case closed",
    ),
    "withdraw": Action(
        "withdraw",
        "Record that the requester withdrew",
        forms.WithdrawForm,
        lambda c, a, f: workflow.withdraw(
            c, a, note=f.note.data or "", on=f.on.data, method=f.method.data
        ),
        "Case withdrawn",
        "The clocks stop.",
        defaults=lambda case, today: {"on": today},
    ),
    "reopen": Action(
        "reopen",
        "Reopen the case",
        forms.ReopenForm,
        lambda c, a, f: workflow.reopen(c, a, reason=f.reason.data),
        "Case reopened",
    ),
    "transfer": Action(
        "transfer",
        "Transfer the case",
        forms.TransferForm,
        lambda c, a, f: workflow.transfer(
            c, a, to=f.to.data, reference=f.reference.data or "", note=f.note.data or ""
        ),
        "Case transferred",
        "Requests for unpublished statistics go to the FoI team (with the FoI reference), "
        "complaints about FoI information to internal review, media enquiries to the press "
        "office. The clock here stops at transfer.",
        defaults=lambda case, today: {"to": TRANSFER_FOR_KIND.get(case.kind)},
    ),
    "refer_to_uksa": Action(
        "refer-to-uksa",
        "Record a referral to the UK Statistics Authority",
        forms.ReferralForm,
        lambda c, a, f: workflow.refer_to_uksa(
            c, a, referred_on=f.referred_on.data, note=f.note.data or ""
        ),
        "Referral recorded",
    ),
    "record_uksa_outcome": Action(
        "uksa-outcome",
        "Record the Authority's outcome",
        forms.UksaOutcomeForm,
        lambda c, a, f: workflow.record_uksa_outcome(
            c, a, outcome=f.outcome.data, outcome_on=f.outcome_on.data
        ),
        "Outcome recorded",
    ),
}
# The rule name of each action page, by the slug in its URL.
NAME_FOR_SLUG: dict[str, str] = {action.slug: name for name, action in ACTIONS.items()}
