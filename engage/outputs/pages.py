"""What the output pages share: every view module of engage/outputs may use these (and none
imports another view module)."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask_login import current_user
from sqlalchemy.orm import lazyload

from engage.auth.permissions import deny
from engage.extensions import db
from engage.outputs import access, catalogue
from engage.outputs.models import Output


def output_or_404(slug: str) -> Output:
    output = catalogue.output_by_slug(slug)
    if output is None:
        abort(404)
    return output


def me() -> Any:
    """The signed-in person (the user object, not the proxy)."""
    return current_user._get_current_object()


def log_output(slug: str) -> Output:
    """The output, its producers loaded only if the access check needs them (a producer's own
    output), not for those who keep every log."""
    output = db.session.execute(
        db.select(Output).options(lazyload(Output.producers)).where(Output.slug == slug)
    ).scalar_one_or_none()
    if output is None:
        abort(404)
    return output


def readable_output(slug: str) -> Output:
    output = log_output(slug)
    if not access.can_view_log(me(), output):
        deny("user_log:not_owner")
    return output


def editable_output(slug: str) -> Output:
    output = log_output(slug)
    if not access.can_edit_log(me(), output):
        deny("user_log:not_owner")
    return output
