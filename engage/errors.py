"""Engage's two ways of saying no, for every area.

- `RuleError(message, field=None)`: a rule refused the change. The view shows `message` on the
  form field `field` (or, without one, on the form's first field) with
  `engage.forms.show_rule_error`, and the person can correct what they typed. Each area names
  its own subclass (`CaseError`, `ConsultationError`, ...) so a reader knows where it came
  from; the constructor is this one.
- `Refusal(reason)`: the actor may not do this to this record. Views do not catch it: the app's
  one handler (engage/__init__.py) rolls back, writes an `access.denied` audit row with the
  reason and answers 403. `engage.auth.permissions.deny(reason)` raises it from a view.

Domain code raises these, never the built-in `PermissionError` (which no handler knows, so it
would surface as a 500).
"""

from __future__ import annotations


class RuleError(Exception):
    """A rule refused the change; `field` names the form field the message belongs on."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class Refusal(Exception):
    """The actor may not do this: 403 and an audit row with `reason`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
