"""Admin view of the email outbox and job runs."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("mail", __name__, url_prefix="/staff/admin")
