"""The annual report (annual.py, figures.py, case_figures.py, exports.py), UKSA
recommendations (recommendations.py) and the public performance page (performance.py). The
area owns its blueprint `bp`; its view modules add pages to it."""

from flask import Blueprint

bp = Blueprint("reports", __name__)


def blueprint() -> Blueprint:
    """The area's blueprint with all its pages. The view modules are imported here, when the
    app registers the blueprint, not whenever a domain module of the area is imported (a
    case's model names its output: importing it must not load every page of the outputs)."""
    from engage.reports import (
        recommendation_views,  # noqa: F401
        views,  # noqa: F401
    )

    return bp
