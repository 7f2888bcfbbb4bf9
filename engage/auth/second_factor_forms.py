from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.validators import InputRequired, Length

from engage.forms import EngageForm, strip_filter


class SignInCodeForm(EngageForm):
    code = StringField(
        "Code",
        widget=GovTextInput(),
        filters=[strip_filter],
        description="The 6-digit code from your authenticator app, or one of your recovery codes",
        validators=[
            InputRequired(message="Enter the code from your authenticator app or a recovery code"),
            Length(max=40, message="Code must be 40 characters or fewer"),
        ],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class ConfirmCodeForm(EngageForm):
    code = StringField(
        "Code from your authenticator app",
        widget=GovTextInput(),
        filters=[strip_filter],
        description="Enter the 6-digit code the app shows now",
        validators=[
            InputRequired(message="Enter the 6-digit code from your authenticator app"),
            Length(max=20, message="Code must be 6 digits"),
        ],
    )
    submit = SubmitField("Confirm", widget=GovSubmitInput())


class ButtonForm(EngageForm):
    submit = SubmitField("Continue", widget=GovSubmitInput())
