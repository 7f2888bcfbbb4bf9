from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovPasswordInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import BooleanField, PasswordField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import Email, InputRequired, Length

from engage.auth.models import ROLES
from engage.forms import EngageForm, strip_filter


class SignInForm(EngageForm):
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[InputRequired(message="Enter your email address"), Length(max=254)],
    )
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your password"), Length(max=256)],
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class UserForm(EngageForm):
    name = StringField(
        "Full name",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[InputRequired(message="Enter a name"), Length(max=200)],
    )
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            InputRequired(message="Enter an email address"),
            Email(message="Enter an email address in the correct format, like name@example.com"),
            Length(max=254),
        ],
    )
    roles = SelectMultipleField(
        "Roles",
        choices=list(ROLES.items()),
        widget=GovCheckboxesInput(),
        validators=[InputRequired(message="Select at least one role")],
    )
    password = PasswordField(
        "Temporary password",
        widget=GovPasswordInput(),
        description="8 characters or more. Common passwords are refused.",
    )
    active = BooleanField("Account is active", widget=GovCheckboxInput(), default=True)
    submit = SubmitField("Save", widget=GovSubmitInput())
