"""Forms for correcting a case (engage.cases.correction)."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import HiddenField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from engage.cases.correction import REASON_MAX
from engage.cases.forms import EMAIL_MESSAGE
from engage.forms import (
    DateRequired,
    EngageForm,
    GovDateField,
    NotBeforeRecords,
    NotFuture,
    clean_text,
    strip_filter,
)
from engage.vocab import CASE_CHANNELS, CASE_KINDS


def _reason() -> TextAreaField:
    return TextAreaField(
        "Reason for the correction",
        widget=GovTextArea(),
        filters=[clean_text],
        description="Kept in the case history with the old and new values",
        validators=[
            DataRequired(message="Enter the reason for the correction"),
            Length(
                max=REASON_MAX, message=f"The reason must be {REASON_MAX:,} characters or fewer"
            ),
        ],
    )


class CorrectReceivedForm(EngageForm):
    received_on = GovDateField(
        "Date received",
        what="Date received",
        validators=[
            DateRequired("Enter the date it was received"),
            NotFuture(),
            NotBeforeRecords(),
        ],
        description="The deadlines are worked out again from this date. For example, 27 3 2026",
    )
    channel = RadioField(
        "How it arrived",
        widget=GovRadioInput(),
        choices=list(CASE_CHANNELS.items()),
        validators=[DataRequired(message="Select how it arrived")],
    )
    reason = _reason()
    was = HiddenField()  # what the case held when the form was shown (a stale form)
    submit = SubmitField("Save correction", widget=GovSubmitInput())


class CorrectRequesterForm(EngageForm):
    requester_name = StringField(
        "Requester's full name",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            DataRequired(message="Enter the requester's full name"),
            Length(max=200, message="Requester's full name must be 200 characters or fewer"),
        ],
    )
    requester_email = StringField(
        "Email address",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            Optional(),
            Email(message=EMAIL_MESSAGE),
            Length(max=254, message="Email address must be 254 characters or fewer"),
        ],
    )
    requester_address = TextAreaField(
        "Postal address",
        widget=GovTextArea(),
        filters=[clean_text],
        validators=[
            Optional(),
            Length(max=500, message="Postal address must be 500 characters or fewer"),
        ],
    )
    requester_phone = StringField(
        "Phone number (optional)",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            Optional(),
            Length(max=40, message="Phone number must be 40 characters or fewer"),
        ],
    )
    reason = _reason()
    was = HiddenField()  # what the case held when the form was shown (a stale form)
    submit = SubmitField("Save correction", widget=GovSubmitInput())


class CorrectOutputForm(EngageForm):
    output_id = SelectField(
        "Which statistics is it about?", widget=GovSelect(), choices=[], default=""
    )
    reason = _reason()
    was = HiddenField()  # what the case held when the form was shown (a stale form)
    submit = SubmitField("Save correction", widget=GovSubmitInput())


class CorrectKindForm(EngageForm):
    kind = RadioField(
        "Kind of case",
        widget=GovRadioInput(),
        choices=list(CASE_KINDS.items()),
        validators=[DataRequired(message="Select the kind of case")],
    )
    reason = _reason()
    was = HiddenField()  # what the case held when the form was shown (a stale form)
    submit = SubmitField("Save correction", widget=GovSubmitInput())
