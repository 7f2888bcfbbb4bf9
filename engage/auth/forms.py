from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovPasswordInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import BooleanField, PasswordField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import Email, EqualTo, InputRequired, Length

from engage.auth.models import ROLES
from engage.forms import EMAIL_MESSAGE, EngageForm, strip_filter


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
            Email(message=EMAIL_MESSAGE),
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
        description="8 characters or more. Common passwords are refused. The person must "
        "choose a new password when they first sign in.",
    )
    active = BooleanField("Account is active", widget=GovCheckboxInput(), default=True)
    submit = SubmitField("Save", widget=GovSubmitInput())


def _new_password_field(label: str = "New password") -> PasswordField:
    return PasswordField(
        label,
        widget=GovPasswordInput(),
        description="8 characters or more. Common passwords, your name and your email address "
        "are refused.",
        validators=[
            InputRequired(message="Enter a new password"),
            Length(max=256, message="Password must be 256 characters or fewer"),
        ],
    )


def _confirm_field() -> PasswordField:
    return PasswordField(
        "Confirm new password",
        widget=GovPasswordInput(),
        validators=[
            InputRequired(message="Confirm your new password"),
            EqualTo("new_password", message="Passwords must match"),
        ],
    )


class ChangePasswordForm(EngageForm):
    current_password = PasswordField(
        "Current password",
        widget=GovPasswordInput(),
        validators=[
            InputRequired(message="Enter your current password"),
            Length(max=256, message="Password must be 256 characters or fewer"),
        ],
    )
    new_password = _new_password_field()
    confirm_password = _confirm_field()
    submit = SubmitField("Change password", widget=GovSubmitInput())


class ForgotPasswordForm(EngageForm):
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            InputRequired(message="Enter your email address"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
        ],
    )
    submit = SubmitField("Send a reset link", widget=GovSubmitInput())


class ResetPasswordForm(EngageForm):
    new_password = _new_password_field()
    confirm_password = _confirm_field()
    submit = SubmitField("Set password", widget=GovSubmitInput())


class ReauthForm(EngageForm):
    """Proof that the person at the keyboard is the account holder, before a change to how
    they sign in."""

    password = PasswordField(
        "Your password",
        widget=GovPasswordInput(),
        validators=[
            InputRequired(message="Enter your password"),
            Length(max=256, message="Password must be 256 characters or fewer"),
        ],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())
