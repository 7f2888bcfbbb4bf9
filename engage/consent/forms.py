"""Forms of the consent pages (the public confirm and unsubscribe buttons; messages to a log)."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    HiddenField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from engage.consent.messages import BODY_MAX, SUBJECT_MAX
from engage.forms import EngageForm
from engage.submissions import new_token
from engage.vocab import ENGAGEMENT_LEVELS, USER_CATEGORIES


class ConfirmEmailForm(EngageForm):
    submit = SubmitField("Confirm my email address", widget=GovSubmitInput())


class UnsubscribeForm(EngageForm):
    """The unsubscribe page's button. The endpoint is token-authenticated and CSRF-exempt (a
    mail program's RFC 8058 POST carries no CSRF token), so this form checks none."""

    class Meta:
        csrf = False

    submit = SubmitField("Unsubscribe", widget=GovSubmitInput())


class LogMessageForm(EngageForm):
    """Write a message to the consenting people of one or more user logs."""

    output_ids = SelectMultipleField(
        "Which user logs?",
        widget=GovCheckboxesInput(),
        choices=[],
        coerce=int,
        description="Select every output whose users should get the message",
        validators=[DataRequired(message="Select at least one user log")],
    )
    categories = SelectMultipleField(
        "Which categories of user? (optional)",
        widget=GovCheckboxesInput(),
        choices=list(USER_CATEGORIES.items()),
        coerce=str,
        description="Select none for every category",
        validators=[Optional()],
    )
    levels = SelectMultipleField(
        "Which engagement levels? (optional)",
        widget=GovCheckboxesInput(),
        choices=list(ENGAGEMENT_LEVELS.items()),
        coerce=str,
        description="Select none for every level",
        validators=[Optional()],
    )
    subject = StringField(
        "Subject",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter a subject"),
            Length(max=SUBJECT_MAX, message=f"Subject must be {SUBJECT_MAX} characters or fewer"),
        ],
    )
    body = TextAreaField(
        "Message",
        widget=GovCharacterCount(),
        description="Each person also gets a line saying why they receive it and a link to "
        "unsubscribe.",
        validators=[
            InputRequired(message="Enter the message"),
            Length(max=BODY_MAX, message=f"The message must be {BODY_MAX:,} characters or fewer"),
        ],
    )
    # The count the sender saw in the preview: sending refuses (and previews again) if it changed.
    previewed_count = HiddenField()
    submission_token = HiddenField(default=new_token)  # one message however often it is sent
    preview = SubmitField("Preview", widget=GovSubmitInput())
    send = SubmitField("Send", widget=GovSubmitInput())
    change = SubmitField("Change the message", widget=GovSubmitInput())
