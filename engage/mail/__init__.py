"""Email out: queued in the same transaction as the change it tells of (outbox.py), delivered
exactly once by the scheduler (delivery.py). The area owns its blueprint `bp` (the outbox
pages under /staff/admin, views.py)."""

from flask import Blueprint

bp = Blueprint("mail", __name__, url_prefix="/staff/admin")


def blueprint() -> Blueprint:
    """The area's blueprint with all its pages. The view modules are imported here, when the
    app registers the blueprint, not whenever a domain module of the area is imported (a
    case's model names its output: importing it must not load every page of the outputs)."""
    from engage.mail import views  # noqa: F401

    return bp
