"""Forms of the Mail in pages (rules in engage.mailin.inbox)."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from engage.forms import EngageForm, clean_text, strip_filter
from engage.mailin.inbox import NOTE_MAX
from engage.mailin.models import NOT_A_CASE_REASONS
from engage.vocab import CASE_KINDS


class ToCaseForm(EngageForm):
    kind = RadioField(
        "What kind of case is it?",
        widget=GovRadioInput(),
        choices=list(CASE_KINDS.items()),
        validators=[DataRequired(message="Select what kind of case it is")],
    )
    requester_name = StringField(
        "Requester's name",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            DataRequired(message="Enter the requester's name"),
            Length(max=200, message="The name must be 200 characters or fewer"),
        ],
    )
    acknowledge = BooleanField(
        "Email an acknowledgement to the sender", widget=GovCheckboxInput(), default=True
    )
    submit = SubmitField("Create the case", widget=GovSubmitInput())


class AddToCaseForm(EngageForm):
    reference = StringField(
        "Case reference",
        widget=GovTextInput(),
        filters=[strip_filter],
        description="For example, C-2026-00021",
        validators=[
            DataRequired(message="Enter the case reference"),
            Length(max=30, message="Enter a case reference like C-2026-00021"),
        ],
    )
    submit = SubmitField("Add to the case", widget=GovSubmitInput())


class NotACaseForm(EngageForm):
    reason = RadioField(
        "Why is it not a case?",
        widget=GovRadioInput(),
        choices=list(NOT_A_CASE_REASONS.items()),
        validators=[DataRequired(message="Select why this is not a case")],
    )
    note = TextAreaField(
        "Note (optional unless Other)",
        widget=GovTextArea(),
        filters=[clean_text],
        validators=[
            Optional(),
            Length(max=NOTE_MAX, message=f"The note must be {NOTE_MAX:,} characters or fewer"),
        ],
    )
    submit = SubmitField("Mark as not a case", widget=GovSubmitInput())


class UndoResumeForm(EngageForm):
    reason = TextAreaField(
        "Why should the clock be paused again?",
        widget=GovTextArea(),
        filters=[clean_text],
        validators=[
            DataRequired(message="Enter why the clock should be paused again"),
            Length(max=2000, message="The reason must be 2,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Pause the clock again", widget=GovSubmitInput())
