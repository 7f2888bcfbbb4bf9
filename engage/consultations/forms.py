"""Forms for drafting, deciding on, and responding to consultations."""

from __future__ import annotations

from typing import Any

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
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
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError

from engage.consultations.responses import JOIN_LOG_WORDING
from engage.forms import DateRequired, EngageForm, GovDateField, clean_text, strip_filter
from engage.public.abuse import HoneypotForm
from engage.vocab import CONSULTATION_REASONS, QUESTION_KINDS, USER_CATEGORIES

EMAIL_MESSAGE = "Enter an email address in the correct format, like name@example.com"


class ConsultationForm(EngageForm):
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
        description="One or two sentences shown in lists of consultations.",
        validators=[InputRequired(message="Enter a summary"), Length(max=2000)],
    )
    proposal = TextAreaField(
        "The proposal",
        widget=GovTextArea(),
        filters=[clean_text],
        description="What you propose to change, and why. Separate paragraphs with a blank line.",
        validators=[InputRequired(message="Enter the proposal"), Length(max=50000)],
    )
    reason = RadioField(
        "Why are you consulting?",
        widget=GovRadioInput(),
        choices=list(CONSULTATION_REASONS.items()),
        validators=[InputRequired(message="Select why you are consulting")],
    )
    scope = RadioField(
        "What does it affect?",
        widget=GovRadioInput(),
        choices=[("outputs", "One or more statistical outputs"), ("ad_hoc", "Ad hoc")],
        default="outputs",
        validators=[InputRequired(message="Select what the consultation affects")],
    )
    output_ids = SelectMultipleField(
        "Affected outputs", widget=GovCheckboxesInput(), coerce=int, choices=[]
    )
    announced_where = StringField(
        "Where it is announced",
        widget=GovTextInput(),
        filters=[strip_filter],
        description="For example, the output's page on GOV.UK, or the ad hoc page.",
        validators=[InputRequired(message="Enter where it is announced"), Length(max=300)],
    )
    opens_on = GovDateField(
        "Opening date",
        what="Opening date",
        validators=[DateRequired("Enter the opening date")],
        description="For example, 3 3 2027",
    )
    closes_on = GovDateField(
        "Closing date",
        what="Closing date",
        validators=[DateRequired("Enter the closing date")],
        description="6 to 13 weeks after the opening date. It closes at the end of this day.",
    )
    contact_email = StringField(
        "Contact email address",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            InputRequired(message="Enter a contact email address"),
            Email(message=EMAIL_MESSAGE),
            Length(max=254),
        ],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())

    def data_for_domain(self) -> dict[str, Any]:
        return {
            "title": self.title.data,
            "summary": self.summary.data,
            "proposal": self.proposal.data,
            "reason": self.reason.data,
            "ad_hoc": self.scope.data == "ad_hoc",
            "announced_where": self.announced_where.data,
            "opens_on": self.opens_on.data,
            "closes_on": self.closes_on.data,
            "contact_email": self.contact_email.data,
        }


class QuestionForm(EngageForm):
    text = TextAreaField(
        "Question",
        widget=GovTextArea(),
        filters=[clean_text],
        validators=[InputRequired(message="Enter the question"), Length(max=2000)],
    )
    kind = RadioField(
        "Type of answer",
        widget=GovRadioInput(),
        choices=list(QUESTION_KINDS.items()),
        validators=[InputRequired(message="Select the type of answer")],
    )
    options = TextAreaField(
        "Options",
        widget=GovTextArea(),
        filters=[clean_text],
        description="For single or multiple choice: one option on each line.",
        validators=[Optional(), Length(max=5000)],
    )
    required = BooleanField("An answer is required", widget=GovCheckboxInput())
    submit = SubmitField("Save question", widget=GovSubmitInput())


class ReasonForm(EngageForm):
    reason = TextAreaField(
        "Reason",
        widget=GovTextArea(),
        filters=[clean_text],
        validators=[InputRequired(message="Enter the reason"), Length(max=5000)],
    )
    submit = SubmitField("Confirm", widget=GovSubmitInput())


class ExtendForm(EngageForm):
    closes_on = GovDateField(
        "New closing date",
        what="New closing date",
        validators=[DateRequired("Enter the new closing date")],
    )
    submit = SubmitField("Extend consultation", widget=GovSubmitInput())


class PublishedResponseForm(EngageForm):
    response_summary = TextAreaField(
        "Summary of responses",
        widget=GovTextArea(),
        filters=[clean_text],
        validators=[Optional(), Length(max=50000)],
    )
    response_way_forward = TextAreaField(
        "The way forward",
        widget=GovTextArea(),
        filters=[clean_text],
        validators=[Optional(), Length(max=50000)],
    )
    response_rationale = TextAreaField(
        "The rationale",
        widget=GovTextArea(),
        filters=[clean_text],
        validators=[Optional(), Length(max=50000)],
    )
    save = SubmitField("Save draft", widget=GovSubmitInput())
    publish = SubmitField("Publish response", widget=GovSubmitInput())


# The analysis page's respondent category filter: GOV.UK radios written out in
# templates/consultations/staff-responses.html, the first ("All categories") checked by default.
CATEGORY_CHOICES: list[tuple[str, str]] = [("", "All categories"), *USER_CATEGORIES.items()]


class RespondentForm(HoneypotForm):
    """The fixed part of a response; question fields are added per consultation."""

    category = RadioField(
        "Which of these best describes you?",
        widget=GovRadioInput(),
        choices=list(USER_CATEGORIES.items()),
        validators=[InputRequired(message="Select which of these best describes you")],
    )
    name = StringField(
        "Your name (optional)",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[Optional(), Length(max=200)],
    )
    organisation = StringField(
        "Organisation (optional)",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[Optional(), Length(max=200)],
    )
    email = StringField(
        "Email address (optional)",
        widget=GovTextInput(),
        filters=[strip_filter],
        description="We will only use this to contact you about this consultation, or to add "
        "you to the list of users if you ask us to. If you respond more than once with the same "
        "email address, we keep every response and treat your latest as replacing the earlier "
        "ones.",
        validators=[Optional(), Email(message=EMAIL_MESSAGE), Length(max=254)],
    )
    publish_name = BooleanField(
        "You may publish my name with my response", widget=GovCheckboxInput()
    )
    join_log = BooleanField(
        JOIN_LOG_WORDING,
        widget=GovCheckboxInput(),
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())

    def validate_publish_name(self, field: BooleanField) -> None:
        if field.data and not (self.name.data or "").strip():
            raise ValidationError("Enter your name, or do not ask us to publish it")

    def validate_join_log(self, field: BooleanField) -> None:
        if field.data and not (self.email.data or "").strip():
            raise ValidationError("Enter your email address so we can add you to the list")


def question_field_name(question_id: int) -> str:
    return f"q{question_id}"


def response_form_class(questions: list[Any]) -> type[RespondentForm]:
    """A form class with one field per question, in order, followed by the fixed fields."""

    class ResponseForm(RespondentForm):
        pass

    for question in questions:
        label = f"{question.position}. {question.text}"
        validators: list[Any] = []
        if question.required:
            # The error summary lists every problem together: name the question.
            number = question.position
            message = (
                f"Enter your answer to question {number}"
                if question.kind == "free_text"
                else f"Select an answer to question {number}"
                if question.kind == "single_choice"
                else f"Select at least one answer to question {number}"
            )
            validators.append(InputRequired(message=message))
        else:
            validators.append(Optional())
        choices = [(o, o) for o in question.options]
        field: Any
        if question.kind == "free_text":
            field = TextAreaField(
                label,
                widget=GovTextArea(),
                filters=[clean_text],
                validators=[*validators, Length(max=20000)],
            )
        elif question.kind == "single_choice":
            # The choice is checked by the domain function; here an unanswered optional
            # question must not read "Not a valid choice".
            field = RadioField(
                label,
                widget=GovRadioInput(),
                choices=choices,
                validators=validators,
                validate_choice=False,
            )
        else:
            field = SelectMultipleField(
                label, widget=GovCheckboxesInput(), choices=choices, validators=validators
            )
        # Questions come first in the error summary, in their order, as they do on the page.
        field.creation_counter = -100000 + question.position
        setattr(ResponseForm, question_field_name(question.id), field)
    return ResponseForm


class ConfirmForm(HoneypotForm):
    submit = SubmitField("Send response", widget=GovSubmitInput())
