"""Forms of the consent pages (the public confirm and unsubscribe buttons; messages to a log)."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import SubmitField

from engage.forms import EngageForm


class ConfirmEmailForm(EngageForm):
    submit = SubmitField("Confirm my email address", widget=GovSubmitInput())


class UnsubscribeForm(EngageForm):
    """The unsubscribe page's button. The endpoint is token-authenticated and CSRF-exempt (a
    mail program's RFC 8058 POST carries no CSRF token), so this form checks none."""

    class Meta:
        csrf = False

    submit = SubmitField("Unsubscribe", widget=GovSubmitInput())
