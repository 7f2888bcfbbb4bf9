from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    IntegerField,
    RadioField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    URL,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from engage.forms import EMAIL_MESSAGE, EngageForm, clean_text, strip_filter
from engage.outputs.catalogue import is_web_address


def _web_address(form, field) -> None:  # type: ignore[no-untyped-def]
    if field.data and not is_web_address(field.data):
        raise ValidationError("Enter a web address starting with https://")


class OutputForm(EngageForm):
    title = StringField(
        "Title",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[InputRequired(message="Enter a title"), Length(max=300)],
    )
    summary = TextAreaField(
        "Summary",
        widget=GovTextArea(),
        filters=[clean_text],
        validators=[Optional(), Length(max=2000)],
        description="One or two sentences that say what the statistics cover.",
    )
    producing_body = StringField(
        "Producing body",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[InputRequired(message="Enter the producing body"), Length(max=200)],
    )
    area = StringField(
        "Topic",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[InputRequired(message="Enter the topic"), Length(max=200)],
    )
    frequency = StringField(
        "How often it is published",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[InputRequired(message="Enter how often it is published"), Length(max=100)],
    )
    lead_statistician = StringField(
        "Lead statistician",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[InputRequired(message="Enter the lead statistician's name"), Length(max=200)],
    )
    lead_contact = StringField(
        "Contact email",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            InputRequired(message="Enter a contact email address"),
            Email(message=EMAIL_MESSAGE),
            Length(max=254),
        ],
    )
    page_url = StringField(
        "Page on the publishing site",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            Optional(),
            URL(require_tld=True, message="Enter a web address starting with https://"),
            _web_address,
            Length(max=500),
        ],
    )
    status = RadioField(
        "Status",
        choices=[("active", "Active"), ("discontinued", "Discontinued")],
        default="active",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select a status")],
    )
    review_interval_months = IntegerField(
        "Review interval in months",
        widget=GovTextInput(),
        default=12,
        validators=[
            InputRequired(message="Enter the review interval in months, like 12"),
            NumberRange(min=1, max=60, message="Review interval must be between 1 and 60 months"),
        ],
    )
    producer_ids = SelectMultipleField(
        "Producers who own this output",
        coerce=int,
        widget=GovCheckboxesInput(),
        validators=[Optional()],
    )
    submit = SubmitField("Save output", widget=GovSubmitInput())
