"""Signed tokens in consent links: no sign-in, nothing guessable, nothing stored.

- confirm: names a stakeholder; confirms their consents still pending that were asked for
  before the token was made. Valid for CONFIRM_DAYS.
- unsubscribe: names a stakeholder, a purpose and the outputs an email was about (None: every
  output). Never expires: an unsubscribe link in an old email must still work (RFC 8058).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

CONFIRM_DAYS = 30


class BadToken(ValueError):
    pass


@dataclass(frozen=True)
class Unsubscribe:
    stakeholder_id: int
    purpose: str
    output_ids: tuple[int, ...] | None


def _key() -> str:
    return str(current_app.config["SECRET_KEY"])


def confirm_token(stakeholder_id: int) -> str:
    return URLSafeTimedSerializer(_key(), salt="engage.consent.confirm").dumps(stakeholder_id)


def read_confirm_token(token: str) -> tuple[int, datetime]:
    """(stakeholder id, when the token was made); BadToken if forged, mangled or expired."""
    serializer = URLSafeTimedSerializer(_key(), salt="engage.consent.confirm")
    try:
        value, issued = serializer.loads(
            token[:500], max_age=CONFIRM_DAYS * 86400, return_timestamp=True
        )
    except SignatureExpired as error:
        raise BadToken("expired") from error
    except (BadSignature, ValueError, TypeError) as error:
        raise BadToken("bad") from error
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadToken("bad")
    if issued.tzinfo is None:
        issued = issued.replace(tzinfo=UTC)
    return value, issued


def unsubscribe_token(stakeholder_id: int, purpose: str, output_ids=None) -> str:  # type: ignore[no-untyped-def]
    outputs = sorted(set(output_ids)) if output_ids is not None else None
    return URLSafeSerializer(_key(), salt="engage.consent.unsubscribe").dumps(
        [stakeholder_id, purpose, outputs]
    )


def read_unsubscribe_token(token: str) -> Unsubscribe:
    from engage.consent.models import PURPOSES

    try:
        value = URLSafeSerializer(_key(), salt="engage.consent.unsubscribe").loads(token[:2000])
        stakeholder_id, purpose, outputs = value
    except (BadSignature, ValueError, TypeError) as error:
        raise BadToken("bad") from error
    if (
        not isinstance(stakeholder_id, int)
        or purpose not in PURPOSES
        or not (outputs is None or _int_list(outputs))
    ):
        raise BadToken("bad")
    return Unsubscribe(stakeholder_id, purpose, tuple(outputs) if outputs is not None else None)


def _int_list(value: object) -> bool:
    return isinstance(value, list) and all(
        isinstance(o, int) and not isinstance(o, bool) for o in value
    )
