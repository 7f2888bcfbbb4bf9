"""Outputs and their users: the catalogue (catalogue.py), user logs (logs.py, userlog.py,
importing.py, exporting.py), reviews, feedback and success stories. The area owns its blueprint
`bp`; its view modules add pages to it and share only pages.py."""

from flask import Blueprint

bp = Blueprint("outputs", __name__)


def blueprint() -> Blueprint:
    """The area's blueprint with all its pages. The view modules are imported here, when the
    app registers the blueprint, not whenever a domain module of the area is imported (a
    case's model names its output: importing it must not load every page of the outputs)."""
    from engage.outputs import views  # noqa: F401, I001  (its routes first, as before)
    from engage.outputs import (  # noqa: F401
        bulk_views,
        evidence_views,
        feedback_views,
        merge_views,
        review_views,
        story_views,
        userlog_views,
    )

    return bp
