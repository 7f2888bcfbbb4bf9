"""Forms of the administration pages."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import HiddenField, StringField, SubmitField
from wtforms.validators import Email, InputRequired, Length

from engage.forms import EMAIL_MESSAGE, EngageForm, strip_filter


class SubjectAccessForm(EngageForm):
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            InputRequired(message="Enter an email address"),
            Email(message=EMAIL_MESSAGE),
            Length(max=254, message="Email address must be 254 characters or fewer"),
        ],
    )
    submit = SubmitField("Find records", widget=GovSubmitInput())


class DownloadForm(EngageForm):
    email = HiddenField()
