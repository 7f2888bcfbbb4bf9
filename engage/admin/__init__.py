"""Administration: accounts (views.py) and subject access requests (subject_access.py, its
pages in subject_access_views.py). The area owns its blueprint `bp` (under /staff/admin); its
view modules add pages to it."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/staff/admin")


def blueprint() -> Blueprint:
    """The area's blueprint with all its pages. The view modules are imported here, when the
    app registers the blueprint, not whenever a domain module of the area is imported (a
    case's model names its output: importing it must not load every page of the outputs)."""
    from engage.admin import (
        subject_access_views,  # noqa: F401
        views,  # noqa: F401
    )

    return bp
