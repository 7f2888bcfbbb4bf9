"""Forms for correcting a case (engage.cases.correction)."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
)
from wtforms import HiddenField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from engage.cases.correction import REASON_MAX
from engage.cases.forms import (
    STAFF_NAME_MAX,
    STAFF_WORDING,
    RequesterContactFields,
    requester_phone_field,
)
from engage.forms import (
    DateRequired,
    EngageForm,
    GovDateField,
    NotBeforeRecords,
    NotFuture,
    clean_text,
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


class CorrectRequesterForm(RequesterContactFields, EngageForm):
    WORDING = STAFF_WORDING
    NAME_MAX = STAFF_NAME_MAX

    requester_phone = requester_phone_field()
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
