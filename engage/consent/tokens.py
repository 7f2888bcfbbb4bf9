"""Tokens in consent links: no sign-in, nothing guessable, and nothing about the person.

A link carries a random token (`secrets.token_urlsafe`, 256 bits); what it stands for is a
ConsentLink row found by the token's SHA-256 (the table cannot be read back into working
links). So a link says nothing about who it was sent to.

- confirm: names a stakeholder; confirms their consents still pending that were asked for
  before the link was made. Valid for CONFIRM_DAYS.
- unsubscribe: names a stakeholder, a purpose and the outputs an email was about (None: every
  output). Never expires: an unsubscribe link in an old email must still work (RFC 8058).

Links sent before (signed with itsdangerous, their payload readable: the stakeholder's id) keep
working, confirmation links for their CONFIRM_DAYS and unsubscribe links for ever: they are
told apart by the "." a signed token always has and a random one never does.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from engage.db_types import utcnow
from engage.extensions import db

CONFIRM_DAYS = 30
_RANDOM = re.compile(r"^[A-Za-z0-9_\-]{43}$")


class BadToken(ValueError):
    pass


@dataclass(frozen=True)
class Unsubscribe:
    stakeholder_id: int
    purpose: str
    output_ids: tuple[int, ...] | None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _outputs(output_ids: Iterable[int] | None) -> list[int] | None:
    return sorted(set(output_ids)) if output_ids is not None else None


def _link_rows(kind: str, rows: list[dict[str, Any]]) -> list[str]:
    """Insert one link per row (stakeholder_id, and purpose and output_ids for an unsubscribe);
    their tokens, in order. In the caller's transaction."""
    from engage.consent.models import ConsentLink

    if not rows:
        return []
    now = utcnow()
    made = [secrets.token_urlsafe(32) for _ in rows]
    db.session.execute(
        db.insert(ConsentLink),
        [
            {
                "token_hash": _hash(token),
                "kind": kind,
                "purpose": None,
                "output_ids": None,
                **row,
                "created_at": now,
            }
            for token, row in zip(made, rows, strict=True)
        ],
    )
    return made


def _find(token: str, kind: str) -> Any:
    from engage.consent.models import ConsentLink

    if not _RANDOM.match(token or ""):
        raise BadToken("bad")
    link = db.session.execute(
        db.select(ConsentLink).where(
            ConsentLink.token_hash == _hash(token), ConsentLink.kind == kind
        )
    ).scalar_one_or_none()
    if link is None:
        raise BadToken("bad")
    return link


def _legacy(token: str) -> bool:
    return "." in (token or "")


def _key() -> str:
    return str(current_app.config["SECRET_KEY"])


# --- confirmation ------------------------------------------------------------------------------


def confirm_token(stakeholder_id: int) -> str:
    return _link_rows("confirm", [{"stakeholder_id": stakeholder_id}])[0]


def read_confirm_token(token: str) -> tuple[int, datetime]:
    """(stakeholder id, when the token was made); BadToken if forged, mangled or expired."""
    if _legacy(token):
        return _read_signed_confirm(token)
    link = _find(token, "confirm")
    issued = link.created_at
    if issued.tzinfo is None:
        issued = issued.replace(tzinfo=UTC)
    if utcnow() - issued > timedelta(days=CONFIRM_DAYS):
        raise BadToken("expired")
    return link.stakeholder_id, issued


def _read_signed_confirm(token: str) -> tuple[int, datetime]:
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


# --- unsubscribing -----------------------------------------------------------------------------


def unsubscribe_token(
    stakeholder_id: int, purpose: str, output_ids: Iterable[int] | None = None
) -> str:
    return unsubscribe_tokens([stakeholder_id], purpose, output_ids)[stakeholder_id]


def unsubscribe_tokens(
    stakeholder_ids: Iterable[int], purpose: str, output_ids: Iterable[int] | None = None
) -> dict[int, str]:
    """A token per person for the same purpose and outputs, in one insert (a message to a log)."""
    ids = list(dict.fromkeys(stakeholder_ids))
    outputs = _outputs(output_ids)
    made = _link_rows(
        "unsubscribe",
        [{"stakeholder_id": sid, "purpose": purpose, "output_ids": outputs} for sid in ids],
    )
    return dict(zip(ids, made, strict=True))


def read_unsubscribe_token(token: str) -> Unsubscribe:
    from engage.consent.models import PURPOSES

    if _legacy(token):
        return _read_signed_unsubscribe(token)
    link = _find(token, "unsubscribe")
    if link.purpose not in PURPOSES or not (link.output_ids is None or _int_list(link.output_ids)):
        raise BadToken("bad")
    outputs = tuple(link.output_ids) if link.output_ids is not None else None
    return Unsubscribe(link.stakeholder_id, link.purpose, outputs)


def _read_signed_unsubscribe(token: str) -> Unsubscribe:
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
