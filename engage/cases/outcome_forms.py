"""Forms for complaint outcomes, what we learned, and the list of themes."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from engage.cases.complaint_outcomes import LESSON_MAX, THEME_MAX
from engage.cases.desk_models import COMPLAINT_OUTCOMES
from engage.forms import DateRequired, EngageForm, GovDateField, NotFuture, clean_text, strip_filter


def _text(label: str, missing: str, *, required: bool = True) -> TextAreaField:
    return TextAreaField(
        label,
        widget=GovTextArea(),
        filters=[clean_text],
        validators=[
            DataRequired(message=missing) if required else Optional(),
            Length(max=LESSON_MAX, message=f"{label} must be {LESSON_MAX:,} characters or fewer"),
        ],
    )


class OutcomeForm(EngageForm):
    outcome = RadioField(
        "How did the complaint end?",
        widget=GovRadioInput(),
        choices=list(COMPLAINT_OUTCOMES.items()),
        validators=[DataRequired(message="Select the outcome of the complaint")],
    )
    themes = SelectMultipleField(
        "What was the complaint about?",
        widget=GovCheckboxesInput(),
        choices=[],
        coerce=str,
        description="Select all that apply",
        validators=[DataRequired(message="Select at least one theme of the complaint")],
    )
    submit = SubmitField("Save outcome", widget=GovSubmitInput())


class LessonForm(EngageForm):
    learned = _text("What we learned", "Enter what we learned")
    action = _text("The action we will take", "Enter the action we will take")
    owner = SelectField(
        "Who owns the action",
        widget=GovSelect(),
        choices=[],
        validators=[DataRequired(message="Select who owns the action")],
    )
    due_on = GovDateField("Due by (optional)", what="Due by", description="For example, 30 6 2027")
    submit = SubmitField("Add action", widget=GovSubmitInput())


class LessonDoneForm(EngageForm):
    done_on = GovDateField(
        "Date it was done",
        what="Date it was done",
        validators=[DateRequired("Enter the date it was done"), NotFuture()],
    )
    note = _text("What was done (optional)", "", required=False)
    submit = SubmitField("Mark as done", widget=GovSubmitInput())


class ThemeForm(EngageForm):
    name = StringField(
        "Name of the theme",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            DataRequired(message="Enter the name of the theme"),
            Length(max=THEME_MAX, message=f"The name must be {THEME_MAX} characters or fewer"),
        ],
    )
    submit = SubmitField("Add theme", widget=GovSubmitInput())
