"""Enquiries and complaints. The area owns its blueprint `bp`; each view module adds its pages
to it and imports no other view module (what they share is in pages.py). Rules live in the
domain modules: intake.py, workflow.py (with actions.py, one page per rule), clock.py and
sla/, access.py, correction.py, followup.py, attachments.py, complaint_outcomes.py."""

from flask import Blueprint

bp = Blueprint("cases", __name__)

# views first: its routes were registered first before the split, and stay so.
from engage.cases import views  # noqa: E402,F401,I001  (the pages on this blueprint)
from engage.cases import (  # noqa: E402,F401
    action_views,
    admin_views,
    attachment_views,
    correction_views,
    followup_views,
    outcome_views,
    search_views,
)
