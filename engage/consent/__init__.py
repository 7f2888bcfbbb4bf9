"""Consent to be contacted, per purpose, with double opt-in and one-click unsubscribe (issue 21
item 3), and messages to the people in a log (item 4). See docs/user-logs.md, "Consent".

The API other areas call (each in the caller's transaction unless it says it commits):

- `request(email, purpose=..., output=None, source="public_form", wording=..., ...)`: a public
  form asks; pending consents and one confirmation email.
- `give(stakeholder, purpose=..., output=None, source="staff"|"import", wording=..., actor=...)`
- `withdraw(stakeholder, purpose=..., output_ids=None, how=...)`
- `recipients(purpose, output_ids)`: confirmed, not withdrawn, reachable, each once.
- `queue_stakeholder_email(stakeholder, template, purpose=..., output_ids=..., dedup_key=...,
  **context)`: queues with `unsubscribe_url` in the template's context and the RFC 8058 headers.
- `unsubscribe_url(...)`, `unsubscribe_headers(...)`.
"""

from __future__ import annotations

from typing import Any

_API = (
    "request",
    "confirm",
    "give",
    "withdraw",
    "follow_flag",
    "recipients",
    "consenting_ids",
    "may_email",
    "queue_stakeholder_email",
    "unsubscribe",
    "unsubscribe_url",
    "unsubscribe_headers",
    "consents_of",
    "ConsentError",
    "Requested",
    "STAFF_PURPOSES",
)


def __getattr__(name: str) -> Any:
    # Imported when first used, so that engage.outputs can call in without an import cycle.
    if name in _API:
        from engage.consent import service

        return getattr(service, name)
    raise AttributeError(name)
