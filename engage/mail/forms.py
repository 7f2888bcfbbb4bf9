"""Forms of the outbox."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea
from wtforms import SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from engage.forms import EngageForm


class CancelEmailForm(EngageForm):
    reason = TextAreaField(
        "Why must this email not be sent?",
        widget=GovTextArea(),
        validators=[
            DataRequired(message="Enter why this email must not be sent"),
            Length(max=500),
        ],
    )
    submit = SubmitField("Cancel this email", widget=GovSubmitInput())


class RetryAllForm(EngageForm):
    """Only the CSRF token: the button that sends every failed email again."""
