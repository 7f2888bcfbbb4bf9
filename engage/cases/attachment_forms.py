"""Forms for notes and attached files (engage.cases.attachments)."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import (
    GovFileInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from engage.cases.attachments import DESCRIPTION_MAX, NOTE_MAX
from engage.forms import EngageForm, clean_text, strip_filter


class CaseNoteForm(EngageForm):
    text = TextAreaField(
        "Note",
        widget=GovTextArea(),
        filters=[clean_text],
        description="Only people who may see this case read it. It is never emailed.",
        validators=[
            DataRequired(message="Enter the note"),
            Length(max=NOTE_MAX, message=f"The note must be {NOTE_MAX:,} characters or fewer"),
        ],
    )
    submit = SubmitField("Add note", widget=GovSubmitInput())


class AttachmentForm(EngageForm):
    file = FileField(
        "Upload a file",
        widget=GovFileInput(),
        validators=[FileRequired(message="Select a file")],
    )
    description = StringField(
        "What is it? (optional)",
        widget=GovTextInput(),
        filters=[strip_filter],
        description="For example, the requester's letter of 2 March",
        validators=[
            Optional(),
            Length(
                max=DESCRIPTION_MAX,
                message=f"The description must be {DESCRIPTION_MAX:,} characters or fewer",
            ),
        ],
    )
    submit = SubmitField("Attach file", widget=GovSubmitInput())
