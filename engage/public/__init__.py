"""The public pages that belong to no other area (home, accessibility, privacy, cookies), and the
limits on public forms (abuse.py). The area owns its blueprint `bp`."""

from flask import Blueprint

bp = Blueprint("public", __name__)


def blueprint() -> Blueprint:
    """The area's blueprint with all its pages. The view modules are imported here, when the
    app registers the blueprint, not whenever a domain module of the area is imported (a
    case's model names its output: importing it must not load every page of the outputs)."""
    from engage.public import views  # noqa: F401

    return bp
