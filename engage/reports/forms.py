from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from engage.forms import DateRequired, EngageForm, GovDateField, clean_text, strip_filter
from engage.vocab import RECOMMENDATION_STATUSES


class StartReportForm(EngageForm):
    year_start = SelectField(
        "Reporting year",
        widget=GovSelect(),
        coerce=int,
        validators=[InputRequired(message="Select the reporting year")],
        description="Financial years run from 1 April to 31 March.",
    )
    submit = SubmitField("Start a draft report", widget=GovSubmitInput())


class CommentaryForm(EngageForm):
    commentary = TextAreaField(
        "Commentary",
        widget=GovTextArea(),
        filters=[clean_text],
        validators=[
            Optional(),
            Length(max=20000, message="Commentary must be 20,000 characters or fewer"),
        ],
        description="Shown at the top of the report: what the figures mean and what we will do "
        "next. Write for a reader outside the office.",
    )
    submit = SubmitField("Save commentary", widget=GovSubmitInput())


class ConfirmForm(EngageForm):
    submit = SubmitField("Confirm", widget=GovSubmitInput())


class SignOffForm(EngageForm):
    year_not_over = BooleanField(
        "I confirm that the reporting year is not over, and that the signed report will not "
        "count what happens before it ends",
        widget=GovCheckboxInput(),
    )
    submit = SubmitField("Sign off the report", widget=GovSubmitInput())


class RecommendationForm(EngageForm):
    reference = StringField(
        "Reference",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            InputRequired(message="Enter the reference of the recommendation"),
            Length(max=40, message="Reference must be 40 characters or fewer"),
        ],
        description="As numbered in the assessment report, for example R3.",
    )
    text = TextAreaField(
        "Recommendation",
        widget=GovTextArea(),
        filters=[clean_text],
        validators=[
            InputRequired(message="Enter the recommendation"),
            Length(max=5000, message="Recommendation must be 5,000 characters or fewer"),
        ],
    )
    source_report = StringField(
        "Source assessment report",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            InputRequired(message="Enter the assessment report the recommendation comes from"),
            Length(max=300, message="Source assessment report must be 300 characters or fewer"),
        ],
    )
    source_date = GovDateField(
        "Date of the assessment report",
        what="Date of the assessment report",
        validators=[DateRequired("Enter the date of the assessment report")],
        description="For example, 27 3 2025",
    )
    output_ids = SelectMultipleField(
        "Outputs affected", widget=GovCheckboxesInput(), coerce=int, validators=[Optional()]
    )
    owner_id = SelectField(
        "Owner",
        widget=GovSelect(),
        coerce=int,
        validators=[Optional()],
        description="The member of staff responsible for implementing it.",
    )
    target_on = GovDateField(
        "Target date",
        what="Target date",
        validators=[Optional()],
        description="For example, 31 3 2026",
    )
    status = RadioField(
        "Status",
        widget=GovRadioInput(),
        choices=list(RECOMMENDATION_STATUSES.items()),
        validators=[InputRequired(message="Select the status")],
        default="not_started",
    )
    will_not_reason = TextAreaField(
        "Reason it will not be implemented",
        widget=GovTextArea(),
        filters=[clean_text],
        validators=[
            Optional(),
            Length(max=5000, message="Reason must be 5,000 characters or fewer"),
        ],
        description="Required when the status is ‘Will not implement’.",
    )
    submit = SubmitField("Save recommendation", widget=GovSubmitInput())


class NoteForm(EngageForm):
    noted_on = GovDateField(
        "Date of progress",
        what="Date of progress",
        validators=[DateRequired("Enter the date of the progress")],
        description="For example, 14 11 2026",
    )
    note = TextAreaField(
        "Progress made",
        widget=GovTextArea(),
        filters=[clean_text],
        validators=[
            InputRequired(message="Enter the progress made"),
            Length(max=5000, message="Progress must be 5,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Add progress note", widget=GovSubmitInput())
