"""A follow-up from the requester (a new linked case) and undoing a mistaken transfer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextArea
from wtforms import RadioField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from engage.auth.permissions import requires
from engage.calendar import today_london
from engage.cases import bp, followup
from engage.cases.forms import STAFF_CHANNELS
from engage.cases.intake import MESSAGE_MAX
from engage.cases.pages import load_case
from engage.cases.workflow import CaseError
from engage.extensions import db
from engage.forms import (
    DateRequired,
    EngageForm,
    GovDateField,
    NotFuture,
    clean_text,
    show_rule_error,
)


class UndoTransferForm(EngageForm):
    reason = TextAreaField(
        "Why was the transfer a mistake?",
        widget=GovTextArea(),
        filters=[clean_text],
        validators=[
            DataRequired(message="Enter why the transfer was a mistake"),
            Length(max=followup.REASON_MAX, message="The reason must be 2,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Undo the transfer", widget=GovSubmitInput())


class FollowUpForm(EngageForm):
    received_on = GovDateField(
        "Date it was received",
        what="Date it was received",
        validators=[DateRequired("Enter the date it was received"), NotFuture()],
        description="The new case's clocks start from this day. For example, 27 3 2026",
    )
    channel = RadioField(
        "How it arrived",
        widget=GovRadioInput(),
        choices=list(STAFF_CHANNELS.items()),
        validators=[DataRequired(message="Select how it arrived")],
    )
    message = TextAreaField(
        "What the requester wrote",
        widget=GovTextArea(),
        filters=[clean_text],
        validators=[
            DataRequired(message="Enter what the requester wrote"),
            Length(
                max=MESSAGE_MAX, message=f"The message must be {MESSAGE_MAX:,} characters or fewer"
            ),
        ],
    )
    submit = SubmitField("Record the follow-up", widget=GovSubmitInput())


@dataclass(frozen=True)
class _Page:
    title: str
    hint: str = ""


@bp.route("/staff/cases/<reference>/undo-transfer", methods=["GET", "POST"])
@requires("triage_cases")
def case_undo_transfer(reference: str):
    case = load_case(reference)
    actor = current_user._get_current_object()
    if not followup.may_undo_transfer(case, actor):
        flash("Only a transferred case can have its transfer undone", "error")
        return redirect(url_for("cases.case_page", reference=case.reference))
    form = UndoTransferForm()
    if form.validate_on_submit():
        try:
            followup.undo_transfer(case, actor, reason=form.reason.data)
        except CaseError as error:
            db.session.rollback()
            show_rule_error(form, error)
        else:
            flash("Transfer undone: the case is back with us", "success")
            return redirect(url_for("cases.case_page", reference=case.reference))
    spec = _Page(
        "Undo the transfer",
        "For a transfer made by mistake. The case comes back to us and its clocks run again; "
        "the reason is kept in the history. The requester is not emailed: tell them if the "
        "transfer email reached them.",
    )
    return render_template("cases/case-action.html", case=case, form=form, spec=spec)


@bp.route("/staff/cases/<reference>/follow-up", methods=["GET", "POST"])
@requires("triage_cases")
def case_follow_up(reference: str):
    case = load_case(reference)
    actor = current_user._get_current_object()
    if not followup.may_follow_up(case, actor):
        flash("Only a case that has had its full response can be followed up", "error")
        return redirect(url_for("cases.case_page", reference=case.reference))
    form = FollowUpForm()
    form.today = today_london()
    if form.validate_on_submit():
        received_on: date = form.received_on.data  # type: ignore[assignment]
        try:
            new = followup.open_follow_up(
                case,
                actor,
                received_on=received_on,
                channel=form.channel.data,
                message=form.message.data,
            )
        except CaseError as error:
            db.session.rollback()
            show_rule_error(form, error)
        else:
            return redirect(url_for("cases.case_page", reference=new.reference, created=1))
    spec = _Page(
        "Record a follow-up from the requester",
        "The requester wrote again after the full response. It becomes a new case linked to "
        "this one, with its own 5 and 20 working-day clocks.",
    )
    return render_template("cases/case-action.html", case=case, form=form, spec=spec)
