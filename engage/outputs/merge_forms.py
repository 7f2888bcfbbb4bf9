"""Staff forms for merging two records of one person and for changing several log entries."""

from __future__ import annotations

from typing import Any

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextArea
from wtforms import HiddenField, RadioField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from engage.forms import EngageForm, clean_text
from engage.outputs.bulk import MAX_REASON
from engage.vocab import ENGAGEMENT_LEVELS


class BulkForm(EngageForm):
    action = RadioField(
        "What do you want to do with the selected users?",
        choices=[
            ("level", "Change their engagement level"),
            ("remove", "Remove them from this user log"),
        ],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select what to do with the selected users")],
    )
    level = RadioField(
        "New engagement level",
        choices=list(ENGAGEMENT_LEVELS.items()),
        widget=GovRadioInput(),
        validate_choice=False,  # checked in the view, only when changing the level
    )
    reason = TextAreaField(
        "Reason for the change",
        description="It is kept in each entry's history.",
        widget=GovTextArea(),
        filters=[clean_text],
        validators=[
            InputRequired(message="Enter the reason for the change"),
            Length(max=MAX_REASON, message=f"Reason must be {MAX_REASON} characters or fewer"),
        ],
    )
    step = HiddenField(default="apply")
    submit = SubmitField("Apply to the selected users", widget=GovSubmitInput())

    def validate_level(self, field):  # type: ignore[no-untyped-def]
        if self.action.data == "level" and field.data not in ENGAGEMENT_LEVELS:
            raise ValidationError("Select the new engagement level")


def merge_form(labels: dict[str, tuple[str, str, str, str]], kept_choices: list[tuple[str, str]]):  # type: ignore[no-untyped-def]
    """A form for one merge: which record to keep, then, for each field whose values differ
    (`labels`: field -> (question, error message, value of record a, value of record b)),
    which value."""
    attrs: dict[str, Any] = {
        "keep": RadioField(
            "Which record do you want to keep?",
            description="The other record's log entries, contacts, feedback and consultation "
            "responses move to it.",
            choices=kept_choices,
            widget=GovRadioInput(),
            validators=[InputRequired(message="Choose which record to keep")],
        )
    }
    for field, (question, message, value_a, value_b) in labels.items():
        attrs[f"value_{field}"] = RadioField(
            question,
            choices=[("a", value_a), ("b", value_b)],
            widget=GovRadioInput(),
            validators=[InputRequired(message=message)],
        )
    attrs["version"] = HiddenField()
    attrs["submit"] = SubmitField("Merge the records", widget=GovSubmitInput())
    return type("MergeForm", (EngageForm,), attrs)


class UndoMergeForm(EngageForm):
    submit = SubmitField("Undo the merge", widget=GovSubmitInput())
