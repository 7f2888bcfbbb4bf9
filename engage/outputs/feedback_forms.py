"""The public feedback form (GOV.UK question pages on one page; works without JavaScript)."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, Optional

from engage.forms import EMAIL_MESSAGE, clean_text, strip_filter
from engage.outputs.feedback import JOIN_CHOICES, JOIN_HINT, JOIN_QUESTION
from engage.public.abuse import HoneypotForm
from engage.vocab import USER_CATEGORIES

COMMENTS_MAX = 2000
USES_MAX = 1000


class FeedbackForm(HoneypotForm):
    useful = RadioField(
        "Were these statistics useful to you?",
        choices=[("yes", "Yes"), ("partly", "Partly"), ("no", "No")],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select whether these statistics were useful to you")],
    )
    uses = TextAreaField(
        "What do you use them for? (optional)",
        widget=GovTextArea(),
        filters=[clean_text],
        description="For example, research, policy work, reporting, or a local campaign.",
        validators=[
            Optional(),
            Length(
                max=USES_MAX,
                message=f"What you use them for must be {USES_MAX:,} characters or fewer",
            ),
        ],
    )
    category = RadioField(
        "Which of these describes you best?",
        choices=list(USER_CATEGORIES.items()),
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select the description that fits you best")],
    )
    comments = TextAreaField(
        "Comments (optional)",
        widget=GovCharacterCount(),
        filters=[clean_text],
        description="Do not include personal or financial information.",
        validators=[
            Optional(),
            Length(
                max=COMMENTS_MAX, message=f"Comments must be {COMMENTS_MAX:,} characters or fewer"
            ),
        ],
    )
    join_level = RadioField(
        JOIN_QUESTION,
        choices=JOIN_CHOICES,
        default="no",
        widget=GovRadioInput(),
        description=JOIN_HINT,
        validators=[InputRequired(message="Select whether you would like us to keep in touch")],
    )
    email = StringField(
        "Email address (optional)",
        widget=GovTextInput(),
        filters=[strip_filter],
        description="We only use it to keep in touch if you asked us to, or to reply to you.",
        validators=[
            Optional(),
            Email(message=EMAIL_MESSAGE),
            Length(max=254, message="Email address must be 254 characters or fewer"),
        ],
    )
    submit = SubmitField("Send feedback", widget=GovSubmitInput())

    def validate(self, extra_validators=None):  # type: ignore[no-untyped-def]
        valid = super().validate(extra_validators)
        # The email is optional, unless the person asked us to keep in touch.
        if self.join_level.data in ("informed", "consulted") and not self.email.data:
            self.email.errors = [
                *self.email.errors,
                "Enter your email address so we can keep in touch",
            ]
            return False
        return valid


class GeneralFeedbackForm(HoneypotForm):
    category = RadioField(
        "Which of these describes you best? (optional)",
        choices=list(USER_CATEGORIES.items()),
        widget=GovRadioInput(),
        validators=[Optional()],
    )
    comments = TextAreaField(
        "Your feedback",
        widget=GovCharacterCount(),
        filters=[clean_text],
        description="Do not include personal or financial information.",
        validators=[
            InputRequired(message="Enter your feedback"),
            Length(
                max=COMMENTS_MAX,
                message=f"Your feedback must be {COMMENTS_MAX:,} characters or fewer",
            ),
        ],
    )
    email = StringField(
        "Email address (optional)",
        widget=GovTextInput(),
        filters=[strip_filter],
        description="Only if you would like a reply.",
        validators=[
            Optional(),
            Email(message=EMAIL_MESSAGE),
            Length(max=254, message="Email address must be 254 characters or fewer"),
        ],
    )
    submit = SubmitField("Send feedback", widget=GovSubmitInput())
