"""Protection for public forms: rate limits (per address and per form token) and a honeypot
field. A limited POST is answered 429 with Retry-After and a page that shows everything that was
typed, with a button to send it again (engage/__init__.py, templates/errors/429.html).

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

import time
from collections.abc import Callable
from typing import Any

from flask import current_app, request
from wtforms import HiddenField, StringField

from engage.extensions import limiter
from engage.forms import EngageForm
from engage.submissions import TOKEN, new_token


def _form_token_key() -> str:
    """The form's submission token: each person filling a form in has their own count, so 50
    people behind one address (an office, a library) are not stopped by each other. A POST
    without a valid token (a script) is counted by its address, against the same low limit."""
    token = request.form.get("submission_token", "")
    if TOKEN.fullmatch(token):
        return f"form-token:{token}"
    return f"no-token:{request.remote_addr or 'unknown'}"


# Per address and form: high enough for a room of people behind one address each sending a
# form of two steps (with a mistake or two), low enough to stop a script posting hundreds.
_per_address = limiter.limit(lambda: current_app.config["PUBLIC_FORM_RATE_LIMIT"], methods=["POST"])
# Per form token: one person sending the same form again and again.
_per_token = limiter.limit(
    lambda: current_app.config["PUBLIC_FORM_TOKEN_RATE_LIMIT"],
    key_func=_form_token_key,
    methods=["POST"],
)


def public_form_limit(view: Callable[..., Any]) -> Callable[..., Any]:
    return _per_address(_per_token(view))


def retry_after_seconds() -> int:
    """Seconds until the limit that was hit frees up (at least one)."""
    current = limiter.current_limit
    if current is None:
        return 60
    return max(1, int(current.reset_at - time.time()))


class HoneypotForm(EngageForm):
    # Hidden from people (off-screen, not announced, not tabbable); bots fill every field.
    website = StringField("Leave this field empty")
    # One per render of the form: a double click or resend stores one record
    # (engage/submissions.py). Rendered by the honeypot macro.
    submission_token = HiddenField(default=new_token)

    def is_bot(self) -> bool:
        return bool((self.website.data or "").strip())


def typed_values() -> list[tuple[str, str, str]]:
    """What a refused POST carried, as (name, label, value), so the 429 page can show it and
    send it again: nothing typed is lost to a limit."""
    if request.path.startswith("/staff"):  # sign-in and code steps: never echo a password
        return []
    values = []
    for name, value in request.form.items(multi=True):
        if "password" in name or name == "code":
            continue
        label = name.replace("_", " ").replace("-", " ").strip().capitalize() or "Field"
        values.append((name, label, value))
    return values
