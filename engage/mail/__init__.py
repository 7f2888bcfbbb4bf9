"""Email out: queued in the same transaction as the change it tells of (outbox.py), delivered
exactly once by the scheduler (delivery.py). The area owns its blueprint `bp` (the outbox
pages under /staff/admin, views.py)."""

from flask import Blueprint

bp = Blueprint("mail", __name__, url_prefix="/staff/admin")

from engage.mail import views  # noqa: E402,F401
