"""Protection for public forms: a rate limit per client and a honeypot field.

Use both on every public form:

    @bp.route("/contact", methods=["GET", "POST"])
    @public
    @public_form_limit
    def contact(): ...

    class ContactForm(HoneypotForm): ...
    # in the template: {{ honeypot(form) }}  (macro in templates/macros.html)
    # in the view, after validate_on_submit(): if form.is_bot(): return the confirmation
    # page without storing anything.
"""

from __future__ import annotations

from flask import current_app
from wtforms import HiddenField, StringField

from engage.extensions import limiter
from engage.forms import EngageForm
from engage.submissions import new_token

public_form_limit = limiter.limit(
    lambda: current_app.config["PUBLIC_FORM_RATE_LIMIT"], methods=["POST"]
)


class HoneypotForm(EngageForm):
    # Hidden from people (off-screen, not announced, not tabbable); bots fill every field.
    website = StringField("Leave this field empty")
    # One per render of the form: a double click or resend stores one record
    # (engage/submissions.py). Rendered by the honeypot macro.
    submission_token = HiddenField(default=new_token)

    def is_bot(self) -> bool:
        return bool((self.website.data or "").strip())
