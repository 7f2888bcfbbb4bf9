"""One page per workflow action: /staff/cases/<reference>/<action>. GET shows the form, POST
calls the domain function in workflow.py; refusals by role go through deny()."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from engage.auth.models import User
from engage.auth.permissions import deny, requires
from engage.cases import forms, workflow
from engage.cases.access import record_view
from engage.cases.views import _apply_case_error, _assignees, bp, load_case
from engage.cases.workflow import TRANSFER_FOR_KIND, CaseError, CaseForbidden
from engage.extensions import db


@dataclass(frozen=True)
class Action:
    name: str  # key of workflow.RULES
    title: str
    form: type[FlaskForm]
    run: Callable[[Any, User, Any], Any]
    done: str
    hint: str = ""


def _assign(case, actor, form):  # type: ignore[no-untyped-def]
    assignee = db.session.get(User, int(form.assignee.data)) if form.assignee.data else None
    if assignee is None:
        raise CaseError("Select who to assign the case to", "assignee")
    return workflow.assign(case, actor, assignee=assignee, note=form.note.data or "")


ACTIONS: dict[str, Action] = {
    "triage": Action(
        "triage",
        "Set the kind of case",
        forms.TriageForm,
        lambda c, a, f: workflow.triage(c, a, kind=f.kind.data, note=f.note.data or ""),
        "Kind of case saved",
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
    ),
    "request-clarification": Action(
        "request_clarification",
        "Ask the requester for clarification",
        forms.ClarificationForm,
        lambda c, a, f: workflow.request_clarification(c, a, question=f.question.data),
        "Clarification requested: the response clock is paused",
        "The response clock pauses until they reply. The request is emailed if we have their "
        "email address.",
    ),
    "clarification-received": Action(
        "clarification_received",
        "Record the requester's reply",
        forms.ReplyForm,
        lambda c, a, f: workflow.clarification_received(
            c, a, replied_on=f.replied_on.data, note=f.note.data or ""
        ),
        "Reply recorded: the response clock has restarted",
        "The respond-by date moves later by the working days the clock was paused.",
    ),
    "quote-charge": Action(
        "quote_charge",
        "Quote a charge",
        forms.ChargeForm,
        lambda c, a, f: workflow.quote_charge(
            c, a, amount=f.amount_value, explanation=f.explanation.data
        ),
        "Charge quoted: the response clock is paused until the requester answers",
        "The requester must agree to pay before work starts. The clock is paused meanwhile.",
    ),
    "charge-answer": Action(
        "record_charge_answer",
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
    "delay-notice": Action(
        "send_delay_notice",
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
    ),
    "refer-to-uksa": Action(
        "refer_to_uksa",
        "Record a referral to the UK Statistics Authority",
        forms.ReferralForm,
        lambda c, a, f: workflow.refer_to_uksa(
            c, a, referred_on=f.referred_on.data, note=f.note.data or ""
        ),
        "Referral recorded",
    ),
    "uksa-outcome": Action(
        "record_uksa_outcome",
        "Record the Authority's outcome",
        forms.UksaOutcomeForm,
        lambda c, a, f: workflow.record_uksa_outcome(
            c, a, outcome=f.outcome.data, outcome_on=f.outcome_on.data
        ),
        "Outcome recorded",
    ),
}
SLUG_FOR = {action.name: slug for slug, action in ACTIONS.items()}


@bp.route("/staff/cases/<reference>/<action>", methods=["GET", "POST"])
@requires("view_cases")
def case_action(reference: str, action: str):
    spec = ACTIONS.get(action)
    if spec is None:
        abort(404)
    case = load_case(reference)
    actor = current_user._get_current_object()
    try:
        workflow.check(case, actor, spec.name)
    except CaseForbidden as refused:
        deny(refused.reason)
    except CaseError as error:
        flash(error.message, "error")
        return redirect(url_for("cases.case_page", reference=case.reference))
    form = spec.form()
    form.today = workflow.london_date(workflow.utcnow())  # type: ignore[attr-defined]
    if isinstance(form, forms.AssignForm):
        # Only people who may take this case: not a producer of the output a complaint is about.
        barred = (
            {p.id for p in case.output.producers} if case.is_complaint and case.output else set()
        )
        # (A posted choice of one of them is let through to the rule, which says why not.)
        offered = [u for u in _assignees() if u.id not in barred or form.is_submitted()]
        form.assignee.choices = [("", "Select a person")] + [(str(u.id), u.name) for u in offered]
    if not form.is_submitted():
        if isinstance(form, forms.TriageForm):
            form.kind.data = case.kind
        elif isinstance(form, forms.TransferForm):
            form.to.data = TRANSFER_FOR_KIND.get(case.kind)
        elif isinstance(form, forms.AcknowledgeForm | forms.RespondForm):
            form.method.data = "email" if case.requester_email else "post"
            form.on.data = form.today  # type: ignore[attr-defined]
        elif isinstance(form, forms.WithdrawForm):
            form.on.data = form.today  # type: ignore[attr-defined]
    if form.validate_on_submit():
        try:
            spec.run(case, actor, form)
        except CaseForbidden as refused:
            db.session.rollback()
            deny(refused.reason)
        except CaseError as error:
            db.session.rollback()
            _apply_case_error(form, error)
        else:
            flash(spec.done, "success")
            return redirect(url_for("cases.case_page", reference=case.reference))
    # The action page shows the case: a complaint's view is recorded, as on the case page.
    record_view(actor, case, how=f"action:{action}")
    page = render_template("cases/case-action.html", case=case, form=form, spec=spec)
    db.session.commit()
    return page
