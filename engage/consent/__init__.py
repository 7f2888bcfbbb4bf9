"""Consent to be contacted, per purpose, with double opt-in and one-click unsubscribe, and
messages to the people in a log. See docs/user-logs.md, "Consent" and "Messages to a log".

The API other areas call (each in the caller's transaction unless it says it commits):

- `request(email, purpose=..., output=None, source="public_form", wording=..., ...)`: a public
  form asks; pending consents and one confirmation email.
- `give(stakeholder, purpose=..., output=None, source="staff"|"import", wording=..., actor=...)`
- `withdraw(stakeholder, purpose=..., output_ids=None, how=...)`
- `recipients(purpose, output_ids)`: confirmed, not withdrawn, reachable, each once.
- `queue_stakeholder_email(stakeholder, template, purpose=..., output_ids=..., dedup_key=...,
  **context)`: queues with `unsubscribe_url` in the template's context and the RFC 8058 headers.
- `unsubscribe_url(...)`, `unsubscribe_headers(...)`.

Consent sits below the user logs: it imports their models only, and engage.outputs calls it.
"""

from flask import Blueprint

from engage.consent.service import (
    STAFF_PURPOSES,
    ConsentError,
    Requested,
    confirm,
    consenting_ids,
    consents_of,
    follow_flag,
    give,
    in_force,
    may_email,
    queue_stakeholder_email,
    recipients,
    request,
    unsubscribe,
    unsubscribe_headers,
    unsubscribe_url,
    withdraw,
)

__all__ = [
    "STAFF_PURPOSES",
    "ConsentError",
    "Requested",
    "bp",
    "confirm",
    "consenting_ids",
    "consents_of",
    "follow_flag",
    "give",
    "in_force",
    "may_email",
    "queue_stakeholder_email",
    "recipients",
    "request",
    "unsubscribe",
    "unsubscribe_headers",
    "unsubscribe_url",
    "withdraw",
]

bp = Blueprint("consent", __name__)

from engage.consent import message_views, views  # noqa: E402,F401
