"""Enquiries and complaints. The area owns its blueprint `bp`; each view module adds its pages
to it and imports no other view module (what they share is in pages.py). Rules live in the
domain modules: intake.py, workflow.py (with actions.py, one page per rule), clock.py and
sla/, access.py, correction.py, followup.py, attachments.py, complaint_outcomes.py."""

from flask import Blueprint

bp = Blueprint("cases", __name__)


def blueprint() -> Blueprint:
    """The area's blueprint with all its pages. The view modules are imported here, when the
    app registers the blueprint, not whenever a domain module of the area is imported (a
    case's model names its output: importing it must not load every page of the outputs)."""
    from engage.cases import (  # noqa: F401
        action_views,
        admin_views,
        attachment_views,
        correction_views,
        followup_views,
        outcome_views,
        search_views,
        views,  # noqa: F401
    )

    return bp
