"""Correcting a case: /staff/cases/<reference>/correct/<what>. Rules in correction.py."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from engage import audit
from engage.auth.permissions import deny, requires
from engage.calendar import today_london
from engage.cases import bp, correction
from engage.cases import correction_forms as forms
from engage.cases.access import record_view
from engage.cases.pages import load_case, output_choices, output_from_form
from engage.cases.workflow import CaseError
from engage.extensions import db
from engage.forms import show_rule_error


@dataclass(frozen=True)
class Correction:
    title: str
    hint: str
    form: type
    run: Any
    fill: Any
    fields: tuple[str, ...] = ()  # what it corrects (a stale form is told apart by them)


STALE = (
    "Someone else has corrected this case since you opened this page. Check the details "
    "below against the case page, then save again"
)


def _held(case: Any, spec: Correction) -> str:
    """A fingerprint of what the case holds now, of the values this correction changes."""
    values = repr([getattr(case, name) for name in spec.fields])
    return hashlib.sha256(values.encode()).hexdigest()[:32]


def _fill_received(case: Any, form: Any) -> None:
    form.received_on.data, form.received_on.raw_data = case.received_on, None
    form.channel.data = case.channel


CORRECTIONS: dict[str, Correction] = {
    "received": Correction(
        "Correct the date received or how it arrived",
        "The acknowledge-by and respond-by dates are worked out again from the date received. "
        "The original deadlines are kept for reporting.",
        forms.CorrectReceivedForm,
        lambda c, a, f: correction.correct_received(
            c, a, received_on=f.received_on.data, channel=f.channel.data, reason=f.reason.data
        ),
        lambda c, f: _fill_received(c, f),
        ("received_on", "channel"),
    ),
    "requester": Correction(
        "Correct the requester's details",
        "Emails about the case go to the email address saved here.",
        forms.CorrectRequesterForm,
        lambda c, a, f: correction.correct_requester(
            c,
            a,
            name=f.requester_name.data,
            email=f.requester_email.data,
            address=f.requester_address.data,
            phone=f.requester_phone.data,
            reason=f.reason.data,
        ),
        lambda c, f: [
            getattr(f, name).process_data(getattr(c, name))
            for name in (
                "requester_name",
                "requester_email",
                "requester_address",
                "requester_phone",
            )
        ],
        ("requester_name", "requester_email", "requester_address", "requester_phone"),
    ),
    "output": Correction(
        "Correct the output",
        "A complaint about an output cannot stay with a producer of that output.",
        forms.CorrectOutputForm,
        lambda c, a, f: correction.correct_output(
            c, a, output=output_from_form(f.output_id.data), reason=f.reason.data
        ),
        lambda c, f: f.output_id.process_data(str(c.output_id or "")),
        ("output_id",),
    ),
    "kind": Correction(
        "Correct the kind of case",
        "The routes and the independence rule are checked again for the new kind.",
        forms.CorrectKindForm,
        lambda c, a, f: correction.correct_kind(c, a, kind=f.kind.data, reason=f.reason.data),
        lambda c, f: f.kind.process_data(c.kind),
        ("kind",),
    ),
}


def _correction_form(case: Any, spec: Correction, held: str) -> Any:
    """The correction's form, filled in from the case when first shown (`held`: what the case
    holds now, to find a stale form when it comes back)."""
    form = spec.form()
    form.today = today_london()
    if hasattr(form, "output_id"):
        choices = output_choices()
        if case.output is not None and str(case.output_id) not in dict(choices):
            choices.append((str(case.output_id), case.output.title))  # discontinued since
        form.output_id.choices = choices
    if not form.is_submitted():
        spec.fill(case, form)
        form.was.data = held
    return form


@bp.route("/staff/cases/<reference>/correct/<what>", methods=["GET", "POST"])
@requires("view_cases")
def case_correct(reference: str, what: str):
    spec = CORRECTIONS.get(what)
    if spec is None:
        abort(404)
    case = load_case(reference)
    actor = current_user._get_current_object()
    if not correction.may_correct(case, actor, what):
        deny(f"case:correct-{what}")
    held = _held(case, spec)
    form = _correction_form(case, spec, held)
    if form.validate_on_submit() and form.was.data and form.was.data != held:
        # Saving would put back what the other person corrected: say so, keep what was typed.
        field = getattr(form, spec.fields[0])
        field.errors = [*field.errors, STALE]
        form.was.data = held
    elif form.is_submitted() and not form.errors:
        try:
            spec.run(case, actor, form)
        except CaseError as error:
            db.session.rollback()
            show_rule_error(form, error)
        else:
            flash("Correction saved", "success")
            return redirect(url_for("cases.case_page", reference=case.reference))
    record_view(actor, case, how=f"action:correct-{what}")  # as on the action pages
    page = render_template("cases/case-action.html", case=case, form=form, spec=spec)
    audit.commit_views()
    return page
