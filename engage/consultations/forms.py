"""Forms for drafting, deciding on, and responding to consultations."""

from __future__ import annotations

from typing import Any

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovTextArea,
)
from wtforms import (
    BooleanField,
    RadioField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from engage.consultations.responses import JOIN_LOG_WORDING
from engage.forms import (
    EngageForm,
    clean_text,
    date_field,
    email_field,
    line_field,
    paragraphs_field,
    submit_button,
)
from engage.public.abuse import HoneypotForm
from engage.vocab import CONSULTATION_REASONS, QUESTION_KINDS, USER_CATEGORIES


class ConsultationForm(EngageForm):
    title = line_field("Title", required="Enter a title", max_length=300)
    summary = paragraphs_field(
        "Summary",
        required="Enter a summary",
        description="One or two sentences shown in lists of consultations.",
    )
    proposal = paragraphs_field(
        "The proposal",
        required="Enter the proposal",
        max_length=50000,
        description="What you propose to change, and why. Separate paragraphs with a blank line.",
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
    announced_where = line_field(
        "Where it is announced",
        required="Enter where it is announced",
        max_length=300,
        description="For example, the output's page on GOV.UK, or the ad hoc page.",
    )
    opens_on = date_field(
        "Opening date", required="Enter the opening date", description="For example, 3 3 2027"
    )
    closes_on = date_field(
        "Closing date",
        required="Enter the closing date",
        description="6 to 13 weeks after the opening date. It closes at the end of this day.",
    )
    contact_email = email_field("Contact email address", required="Enter a contact email address")
    submit = submit_button("Save")

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
    text = paragraphs_field("Question", required="Enter the question")
    kind = RadioField(
        "Type of answer",
        widget=GovRadioInput(),
        choices=list(QUESTION_KINDS.items()),
        validators=[InputRequired(message="Select the type of answer")],
    )
    options = paragraphs_field(
        "Options",
        max_length=5000,
        description="For single or multiple choice: one option on each line.",
    )
    required = BooleanField("An answer is required", widget=GovCheckboxInput())
    submit = submit_button("Save question")


class ReasonForm(EngageForm):
    reason = paragraphs_field("Reason", required="Enter the reason", max_length=5000)
    submit = submit_button("Confirm")


class ExtendForm(EngageForm):
    closes_on = date_field("New closing date", required="Enter the new closing date")
    submit = submit_button("Extend consultation")


class PublishedResponseForm(EngageForm):
    response_summary = paragraphs_field("Summary of responses", max_length=50000)
    response_way_forward = paragraphs_field("The way forward", max_length=50000)
    response_rationale = paragraphs_field("The rationale", max_length=50000)
    save = submit_button("Save draft")
    publish = submit_button("Publish response")


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
    name = line_field("Your name (optional)")
    organisation = line_field("Organisation (optional)")
    email = email_field(
        "Email address (optional)",
        description="We will only use this to contact you about this consultation, or to add "
        "you to the list of users if you ask us to. If you respond more than once with the same "
        "email address, we keep every response and treat your latest as replacing the earlier "
        "ones.",
    )
    publish_name = BooleanField(
        "You may publish my name with my response", widget=GovCheckboxInput()
    )
    join_log = BooleanField(
        JOIN_LOG_WORDING,
        widget=GovCheckboxInput(),
    )
    submit = submit_button("Continue")

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
    submit = submit_button("Send response")
