"""What the consultation pages share (every view module of engage/consultations may use these,
and none imports another view module)."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask_login import current_user

from engage.auth.permissions import deny
from engage.consultations import service
from engage.consultations.models import Consultation


def me() -> Any:
    """The signed-in person (the user object, not the proxy)."""
    return current_user._get_current_object()


def managed_or_404(slug: str) -> Consultation:
    """The consultation, if it exists and the signed-in person may manage it."""
    consultation = service.consultation_by_slug(slug)
    if consultation is None:
        abort(404)
    if not service.can_manage(me(), consultation):
        deny("consultation:not-yours")
    return consultation
