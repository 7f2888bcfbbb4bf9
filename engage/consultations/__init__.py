"""Consultations: drafting and decisions (service.py, rules.py, lifecycle.py), responses
(responses.py) and their analysis (analysis.py). The area owns its blueprint `bp`; its view
modules add pages to it and share only pages.py."""

from flask import Blueprint

bp = Blueprint("consultations", __name__)


def blueprint() -> Blueprint:
    """The area's blueprint with all its pages. The view modules are imported here, when the
    app registers the blueprint, not whenever a domain module of the area is imported (a
    case's model names its output: importing it must not load every page of the outputs)."""
    from engage.consultations import (  # noqa: F401
        analysis_views,
        public_views,
        views,  # noqa: F401
    )

    return bp
