"""Staff accounts, roles and permissions (models.py, permissions.py), sign-in with passwords
and a second factor (service.py, passwords.py, password_change.py, second_factor.py, lockout.py).
The area owns its blueprint `bp` (under /staff); its view modules add pages to it and share
only pages.py."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/staff")


def blueprint() -> Blueprint:
    """The area's blueprint with all its pages. The view modules are imported here, when the
    app registers the blueprint, not whenever a domain module of the area is imported (a
    case's model names its output: importing it must not load every page of the outputs)."""
    from engage.auth import (  # noqa: F401
        password_views,
        second_factor_views,
        views,  # noqa: F401
    )

    return bp
