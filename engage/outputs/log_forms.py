"""Staff forms for user logs, contacts, imports, reviews and success stories."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovFileInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    RadioField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Email, InputRequired, Length, Optional, Regexp

from engage.forms import (
    EMAIL_MESSAGE,
    DateRequired,
    EngageForm,
    GovDateField,
    clean_text,
    strip_filter,
)
from engage.vocab import CONTACT_CHANNELS, ENGAGEMENT_LEVELS, LOG_SOURCES, USER_CATEGORIES


def _choices(vocab: dict[str, str]) -> list[tuple[str, str]]:
    return list(vocab.items())


class LogEntryForm(EngageForm):
    name = StringField(
        "Name",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            InputRequired(message="Enter the person's name"),
            Length(max=200, message="Name must be 200 characters or fewer"),
        ],
    )
    organisation = StringField(
        "Organisation (optional)",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            Optional(),
            Length(max=200, message="Organisation must be 200 characters or fewer"),
        ],
    )
    email = StringField(
        "Email address (optional)",
        widget=GovTextInput(),
        filters=[strip_filter],
        description="The same email address is the same person in every user log.",
        validators=[Optional(), Email(message=EMAIL_MESSAGE), Length(max=254)],
    )
    phone = StringField(
        "Phone number (optional)",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            Optional(),
            Regexp(r"^[0-9+()\-. ]{3,40}$", message="Enter a phone number, like 020 7946 0000"),
        ],
    )
    category = RadioField(
        "Which category describes this user?",
        choices=_choices(USER_CATEGORIES),
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select the category that describes this user")],
    )
    engagement_level = RadioField(
        "Engagement level",
        choices=_choices(ENGAGEMENT_LEVELS),
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select an engagement level")],
    )
    uses = TextAreaField(
        "What do they use the statistics for? (optional)",
        widget=GovTextArea(),
        filters=[clean_text],
        validators=[Optional(), Length(max=2000, message="Uses must be 2,000 characters or fewer")],
    )
    source = RadioField(
        "How did they come to us?",
        choices=_choices(LOG_SOURCES),
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select how this user came to us")],
    )
    first_contact_on = GovDateField(
        "First contact (optional)",
        what="Date of first contact",
        description="For example, 27 3 2025. Leave empty for today.",
    )
    consent_to_contact = BooleanField(
        "They agree to be contacted about these statistics", widget=GovCheckboxInput()
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


class ConfirmForm(EngageForm):
    submit = SubmitField("Confirm", widget=GovSubmitInput())


class ContactForm(EngageForm):
    contacted_on = GovDateField(
        "Date of the contact",
        what="Date of the contact",
        validators=[DateRequired("Enter the date of the contact")],
        description="For example, 27 3 2025",
    )
    channel = RadioField(
        "How were you in contact?",
        choices=_choices(CONTACT_CHANNELS),
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select how you were in contact")],
    )
    summary = TextAreaField(
        "Summary",
        widget=GovTextArea(),
        filters=[clean_text],
        validators=[
            InputRequired(message="Enter a summary of the contact"),
            Length(max=2000, message="Summary must be 2,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Record contact", widget=GovSubmitInput())


class ImportForm(EngageForm):
    file = FileField(
        "Upload a CSV or XLSX file",
        widget=GovFileInput(),
        validators=[FileRequired(message="Select a CSV or XLSX file")],
    )
    submit = SubmitField("Check the file", widget=GovSubmitInput())


class ReviewForm(EngageForm):
    reviewed_on = GovDateField(
        "Date of the review",
        what="Date of the review",
        validators=[DateRequired("Enter the date of the review")],
        description="For example, 27 3 2025",
    )
    findings = TextAreaField(
        "What the log and feedback showed",
        widget=GovTextArea(),
        filters=[clean_text],
        validators=[
            InputRequired(message="Enter what the log and feedback showed"),
            Length(max=10000, message="Findings must be 10,000 characters or fewer"),
        ],
    )
    actions = TextAreaField(
        "Actions (optional)",
        widget=GovTextArea(),
        filters=[clean_text],
        validators=[
            Optional(),
            Length(max=10000, message="Actions must be 10,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Record review", widget=GovSubmitInput())


class StoryForm(EngageForm):
    title = StringField(
        "Title",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            InputRequired(message="Enter a title"),
            Length(max=300, message="Title must be 300 characters or fewer"),
        ],
    )
    description = TextAreaField(
        "What was done",
        widget=GovTextArea(),
        filters=[clean_text],
        validators=[
            InputRequired(message="Enter what was done"),
            Length(max=10000, message="What was done must be 10,000 characters or fewer"),
        ],
    )
    happened_on = GovDateField(
        "Date",
        what="Date",
        validators=[DateRequired("Enter the date")],
        description="For example, 27 3 2025",
    )
    output_ids = SelectMultipleField(
        "Outputs (optional)", coerce=int, widget=GovCheckboxesInput(), validators=[Optional()]
    )
    submit = SubmitField("Save success story", widget=GovSubmitInput())


class FeedbackCaseForm(EngageForm):
    kind = RadioField(
        "What kind of case is it?",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select what kind of case it is")],
    )
    requester_name = StringField(
        "Requester's name",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[InputRequired(message="Enter the requester's name"), Length(max=200)],
    )
    subject = StringField(
        "Subject",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[InputRequired(message="Enter a subject"), Length(max=300)],
    )
    submit = SubmitField("Create case", widget=GovSubmitInput())
