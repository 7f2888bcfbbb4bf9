"""The public pages that belong to no other area (home, accessibility, privacy, cookies), and the
limits on public forms (abuse.py). The area owns its blueprint `bp`."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from engage.public import views  # noqa: E402,F401
